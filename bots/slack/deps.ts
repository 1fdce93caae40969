/** What every listener receives: the runtime plus the app's own small state. Nothing global. */
import type { EditBudget } from '../../core/edit-budget.ts';
import type { RecentSet } from '../../core/recent-set.ts';
import type { Actor, FrontendRuntime } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import type { SlackFavoriteCounts } from './favorite-count.ts';
import type { WorkspaceClients } from './oauth.ts';
import type { ProgressUpdater } from './progress.ts';
import type { SettingsCache } from './server-settings.ts';
import { truncate } from './text.ts';

export interface SlackDeps {
  runtime: FrontendRuntime;
  log: Logger;
  progress: ProgressUpdater;
  /** The channel and workspace edit budget progress edits spend; other edits (favorite counts) share it. */
  editBudget: EditBudget;
  /** The Web API client of a workspace, for work outside a Slack request (one client, or per installation with OAuth). */
  clients: WorkspaceClients;
  /** Reaction name (without colons) that favorites a track when the workspace chose none or the core cannot say. */
  favoriteEmoji: string;
  /** Per-workspace settings (favorite emoji) read through the core, cached briefly. */
  settings: SettingsCache;
  /** A Web API call said the bot token is dead (invalid_auth, token_revoked…): health goes red. */
  tokenDead(code: string): void;
  /** Passed to the core: over it the track is posted as a link instead of uploaded. */
  sizeLimitBytes: number;
  /** Event ids already handled: a duplicate delivery of an event changes nothing. */
  seenEvents: RecentSet;
  /** Message ts → generation id, so repeated reactions on one message cost one lookup. */
  messageGenerations: Map<string, string | null>;
  /**
   * Generation id → ts of its status message while it is being posted (null if that failed):
   * the stored reply has no ts, because the message is posted after the core accepted.
   */
  statusMessages: Map<string, Promise<string | null>>;
  /** Redraws a card's Favorite count after favorites by button or reaction, within the edit budget. */
  favoriteCounts: SlackFavoriteCounts;
  /** User id → display name from users.info, with when it was read. */
  userNames: Map<string, { name: string | undefined; at: number }>;
}

export function slackActor(teamId: string, userId: string, displayName: string | undefined): Actor {
  // The core cleans names; an empty or odd one falls back to the id so a request never fails on it.
  const name = (displayName ?? '').trim();
  return { platform: 'slack', platformUserId: userId, guildId: teamId, displayName: name ? truncate(name, 64) : userId };
}
