/** What every handler of the Discord bot receives: the client, the core runtime and shared state. */
import type { ButtonInteraction, ChatInputCommandInteraction, Client, User } from 'discord.js';
import type { Actor, FrontendRuntime } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import type { FavoriteCounts } from './favorite-count.ts';
import type { ProgressEditor } from './progress.ts';
import type { SettingsCache } from './server-settings.ts';

export interface BotContext {
  /** Handlers run only after the client is ready, so the logged-in type is the honest one. */
  client: Client<true>;
  runtime: FrontendRuntime;
  progress: ProgressEditor;
  log: Logger;
  /** Reaction that favorites a track when the server set none or the core cannot say. */
  favoriteEmoji: string;
  /** Per-guild settings (favorite emoji) read through the core, cached briefly. */
  settings: SettingsCache;
  /** How long a core call may take before the user is told it is unavailable. */
  coreTimeoutMs: number;
  /** Redraws "Favorite (N)" after favorites, within the channel's edit budget. */
  favoriteCounts: FavoriteCounts;
}

/** Discord's default upload limit for bots without boosts; interactions usually say their own. */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

export function displayNameOf(user: User, memberName?: string | null): string {
  const name = memberName ?? user.globalName ?? user.username ?? user.id;
  // Code points, so an emoji at the cut is not split into a lone surrogate.
  return name && name.trim() ? [...name].slice(0, 64).join('') : user.id;
}

export function actorOf(interaction: ChatInputCommandInteraction | ButtonInteraction): Actor {
  const member = interaction.member;
  // A guild that is not cached yields the raw API member, which has `nick` but no displayName.
  const memberName = member && 'displayName' in member ? member.displayName : member?.nick ?? null;
  return {
    platform: 'discord',
    platformUserId: interaction.user.id,
    guildId: interaction.guildId ?? 'dm',
    displayName: displayNameOf(interaction.user, memberName),
  };
}
