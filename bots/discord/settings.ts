/**
 * `/ditty settings …`: server admins view and change ditty's settings for their server. Who is an
 * admin is Discord's call (the Manage Server permission in the interaction's member permissions);
 * the core enforces it and validates the values. Every answer is ephemeral.
 */
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import type { ServerSettings, ServerSettingsPatch } from '../../core/chat.ts';
import { isUserError, UserError, UserErrorCode } from '../../core/errors.ts';
import { SettingsSubcommand } from './commands.ts';
import { actorOf, type BotContext } from './context.ts';
import { withTimeout } from './timeout.ts';
import { answerError } from './generate.ts';
import { parseFavoriteEmoji } from './ids.ts';
import { NO_MENTIONS, settingsEmbed, userErrorText } from './messages.ts';

/** Option values as Discord sent them; a forged interaction can send anything, so all are checked. */
export interface SettingsInput {
  action: string | null;
  channelId: string | null;
  seconds: number | null;
  perMinute: number | null;
  word: string | null;
  emoji: string | null;
}

export interface SettingsChange {
  patch: ServerSettingsPatch;
  /** What changed, for the confirmation line. */
  summary: string;
}

const SNOWFLAKE = /^\d{5,25}$/;

const usage = (text: string) => new UserError(UserErrorCode.UnknownCommand, text);

/**
 * The patch one subcommand asks for, given the current settings: lists are edited here and
 * written whole. Null for `view`. Numbers and the emoji are bounded again by the core.
 */
export function settingsChange(sub: string, input: SettingsInput, current: ServerSettings): SettingsChange | null {
  switch (sub) {
    case SettingsSubcommand.View:
      return null;
    case SettingsSubcommand.AllowedChannels: {
      if (input.action === 'clear') return { patch: { allowedChannels: [] }, summary: 'ditty now works in every channel.' };
      const id = input.channelId;
      if (!id || !SNOWFLAKE.test(id)) throw usage('Pick a channel to add or remove.');
      if (input.action === 'add') {
        const list = current.allowedChannels.includes(id) ? current.allowedChannels : [...current.allowedChannels, id];
        return { patch: { allowedChannels: list }, summary: `<#${id}> is allowed.` };
      }
      if (input.action === 'remove') {
        if (!current.allowedChannels.includes(id)) throw usage(`<#${id}> is not on the list.`);
        const list = current.allowedChannels.filter((c) => c !== id);
        return { patch: { allowedChannels: list }, summary: list.length ? `<#${id}> is no longer allowed.` : 'The list is empty: ditty now works in every channel.' };
      }
      throw usage('Choose add, remove or clear.');
    }
    case SettingsSubcommand.MaxDuration:
      return {
        patch: { maxDurationS: input.seconds },
        summary: input.seconds === null ? 'Max duration is back to the default.' : `Tracks may be up to ${input.seconds} s long.`,
      };
    case SettingsSubcommand.RateLimit:
      return {
        patch: { rateLimitPerMinute: input.perMinute },
        summary: input.perMinute === null ? 'The rate limit is back to the default.' : `Each member may start ${input.perMinute} tracks a minute.`,
      };
    case SettingsSubcommand.BlockedWords: {
      if (input.action === 'clear') return { patch: { blockedWords: [] }, summary: 'No words are blocked.' };
      // The core matches case-insensitively after NFKC; storing that form keeps the list free of duplicates.
      const word = (input.word ?? '').normalize('NFKC').replace(/\s+/gu, ' ').trim().toLocaleLowerCase();
      if (!word) throw usage('Give the word or phrase to add or remove.');
      const has = current.blockedWords.some((w) => w.toLocaleLowerCase() === word);
      if (input.action === 'add') {
        return { patch: { blockedWords: has ? current.blockedWords : [...current.blockedWords, word] }, summary: 'The word is blocked in prompts.' };
      }
      if (input.action === 'remove') {
        if (!has) throw usage('That word is not on the list.');
        return { patch: { blockedWords: current.blockedWords.filter((w) => w.toLocaleLowerCase() !== word) }, summary: 'The word is allowed again.' };
      }
      throw usage('Choose add, remove or clear.');
    }
    case SettingsSubcommand.FavoriteEmoji: {
      const emoji = parseFavoriteEmoji(input.emoji);
      return { patch: { favoriteEmoji: emoji }, summary: `React with ${emoji} to favorite a track.` };
    }
    default:
      throw usage('Unknown settings command; try `/ditty settings view`.');
  }
}

/** Manage Server (or Administrator, which implies it) in the permissions Discord sent with the interaction. */
export function isServerAdmin(interaction: Pick<ChatInputCommandInteraction, 'memberPermissions'>): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

export async function handleDitty(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const isAdmin = isServerAdmin(interaction);
  try {
    const guildId = interaction.guildId;
    if (!guildId || interaction.options.getSubcommandGroup(false) !== 'settings') throw usage('Try `/ditty settings view`.');
    const core = ctx.runtime.core;
    const current = await withTimeout(core.settings('discord', guildId), ctx.coreTimeoutMs, 'core.settings');
    const change = settingsChange(interaction.options.getSubcommand(false) ?? '', {
      action: interaction.options.getString('action'),
      // The raw id: the resolved channel object is absent when Discord omits resolved data.
      channelId: optionString(interaction.options.get('channel')?.value),
      seconds: interaction.options.getInteger('seconds'),
      perMinute: interaction.options.getInteger('per-minute'),
      word: interaction.options.getString('word'),
      emoji: interaction.options.getString('emoji'),
    }, current);
    if (!change) {
      ctx.settings.set(guildId, current);
      await interaction.editReply({ embeds: [settingsEmbed(current, { showBlockedWords: isAdmin })], allowedMentions: NO_MENTIONS });
      return;
    }
    const saved = await withTimeout(core.updateSettings(actorOf(interaction), change.patch, { isAdmin }), ctx.coreTimeoutMs, 'core.updateSettings');
    ctx.settings.set(guildId, saved);
    ctx.log.info({ guildId, by: interaction.user.id, fields: Object.keys(change.patch) }, 'discord settings changed');
    await interaction.editReply({ embeds: [settingsEmbed(saved, { note: `✅ ${change.summary}` })], allowedMentions: NO_MENTIONS });
  } catch (err) {
    if (!isAdmin && isUserError(err) && err.code === UserErrorCode.NotAllowed) {
      // The core's refusal, in Discord's terms: which permission would allow it.
      await interaction
        .editReply({ content: `${userErrorText(err.message)} You need the **Manage Server** permission.`, allowedMentions: NO_MENTIONS })
        .catch((replyErr: unknown) => ctx.log.warn({ err: replyErr }, 'discord settings refusal not delivered'));
      return;
    }
    await answerError(ctx, interaction, err);
  }
}

function optionString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
