/**
 * The slash commands ditty registers. Discord enforces these shapes in its client, but the bot
 * re-validates every value it receives (a forged or stale command can send anything).
 */
import {
  ChannelType, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { DURATION_MAX_S, DURATION_MIN_S, MAX_TAKES, MIN_TAKES, PROMPT_MAX_CHARS, SEED_MAX } from '../../core/validate.ts';

export const CommandName = {
  Generate: 'generate',
  Stats: 'stats',
  Recent: 'recent',
  Search: 'search',
  Similar: 'similar',
  Ditty: 'ditty',
  Help: 'help',
} as const;
export type CommandName = (typeof CommandName)[keyof typeof CommandName];

/** `/ditty settings <subcommand>`: one subcommand per setting an admin can change. */
export const SettingsSubcommand = {
  View: 'view',
  AllowedChannels: 'allowed-channels',
  MaxDuration: 'max-duration',
  RateLimit: 'rate-limit',
  BlockedWords: 'blocked-words',
  FavoriteEmoji: 'favorite-emoji',
} as const;
export type SettingsSubcommand = (typeof SettingsSubcommand)[keyof typeof SettingsSubcommand];

export const SEARCH_QUERY_MAX = 200;
export const BLOCKED_WORD_MAX = 100;
/** The core's bounds for a per-member rate limit (generations a minute). */
export const RATE_LIMIT_MAX = 10_000;

export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const generate = new SlashCommandBuilder()
    .setName(CommandName.Generate)
    .setDescription('Make a short music track from a text prompt')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('prompt').setDescription('What it should sound like, e.g. "lo-fi piano at 80 bpm"').setRequired(true).setMaxLength(PROMPT_MAX_CHARS))
    .addIntegerOption((o) => o.setName('duration').setDescription('Length in seconds').setMinValue(DURATION_MIN_S).setMaxValue(DURATION_MAX_S))
    .addIntegerOption((o) => o.setName('seed').setDescription('Same prompt and seed give the same track').setMinValue(0).setMaxValue(SEED_MAX))
    // Takes: several seeds of the prompt in one reply; each counts as one track in the limits.
    .addIntegerOption((o) => o.setName('takes').setDescription('Make 2-4 versions (seeds) at once, posted together; each counts as one track').setMinValue(MIN_TAKES).setMaxValue(MAX_TAKES));

  const stats = new SlashCommandBuilder()
    .setName(CommandName.Stats)
    .setDescription('Top tracks, top creators and totals')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('scope').setDescription('This server or everywhere').addChoices({ name: 'server', value: 'server' }, { name: 'global', value: 'global' }))
    .addStringOption((o) => o.setName('period').setDescription('Time window').addChoices(
      { name: 'day', value: 'day' }, { name: 'week', value: 'week' }, { name: 'month', value: 'month' }, { name: 'all', value: 'all' },
    ));

  const recent = new SlashCommandBuilder()
    .setName(CommandName.Recent)
    .setDescription('The latest tracks made on this server')
    .setContexts(InteractionContextType.Guild);

  const search = new SlashCommandBuilder()
    .setName(CommandName.Search)
    .setDescription('Find finished tracks on this server by words in their prompt')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('query').setDescription('Words to look for, e.g. "piano rain"').setRequired(true).setMaxLength(SEARCH_QUERY_MAX));

  const similar = new SlashCommandBuilder()
    .setName(CommandName.Similar)
    .setDescription('Tracks on this server that sound like one: your words pick it, else the latest')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('words').setDescription('Words from its prompt, e.g. "rainy piano" (empty: the latest track)').setMaxLength(SEARCH_QUERY_MAX));

  const actions = (...names: string[]) => names.map((n) => ({ name: n, value: n }));
  const ditty = new SlashCommandBuilder()
    .setName(CommandName.Ditty)
    .setDescription('ditty administration')
    .setContexts(InteractionContextType.Guild)
    // Hidden from members without Manage Server unless an admin opens it up; changes are also
    // checked against the member's permissions on every use.
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommandGroup((g) => g
      .setName('settings')
      .setDescription('This server\'s ditty settings')
      .addSubcommand((c) => c.setName(SettingsSubcommand.View).setDescription('Show the current settings'))
      .addSubcommand((c) => c
        .setName(SettingsSubcommand.AllowedChannels)
        .setDescription('Channels where /generate works (none listed: every channel)')
        .addStringOption((o) => o.setName('action').setDescription('What to do').setRequired(true).addChoices(...actions('add', 'remove', 'clear')))
        .addChannelOption((o) => o.setName('channel').setDescription('The channel to add or remove').addChannelTypes(ChannelType.GuildText, ChannelType.GuildVoice, ChannelType.PublicThread, ChannelType.PrivateThread)))
      .addSubcommand((c) => c
        .setName(SettingsSubcommand.MaxDuration)
        .setDescription('Longest track members may ask for; leave empty for the default')
        .addIntegerOption((o) => o.setName('seconds').setDescription('Seconds').setMinValue(DURATION_MIN_S).setMaxValue(DURATION_MAX_S)))
      .addSubcommand((c) => c
        .setName(SettingsSubcommand.RateLimit)
        .setDescription('Tracks each member may start per minute; leave empty for the default')
        .addIntegerOption((o) => o.setName('per-minute').setDescription('Tracks per minute per member').setMinValue(1).setMaxValue(RATE_LIMIT_MAX)))
      .addSubcommand((c) => c
        .setName(SettingsSubcommand.BlockedWords)
        .setDescription('Words that may not appear in prompts')
        .addStringOption((o) => o.setName('action').setDescription('What to do').setRequired(true).addChoices(...actions('add', 'remove', 'clear')))
        .addStringOption((o) => o.setName('word').setDescription('A word or phrase').setMaxLength(BLOCKED_WORD_MAX)))
      .addSubcommand((c) => c
        .setName(SettingsSubcommand.FavoriteEmoji)
        .setDescription('The reaction that favorites a track')
        .addStringOption((o) => o.setName('emoji').setDescription('One emoji, e.g. ⭐ or a custom emoji of this server').setRequired(true).setMaxLength(64))));

  // Offered everywhere, DMs included: help is the one command that needs no server.
  const help = new SlashCommandBuilder()
    .setName(CommandName.Help)
    .setDescription('What ditty can do: commands, prompt words, limits');

  return [generate.toJSON(), stats.toJSON(), recent.toJSON(), search.toJSON(), similar.toJSON(), ditty.toJSON(), help.toJSON()];
}
