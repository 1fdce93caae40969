/**
 * The slash commands ditty registers. Discord enforces these shapes in its client, but the bot
 * re-validates every value it receives (a forged or stale command can send anything).
 */
import { InteractionContextType, SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { DURATION_MAX_S, DURATION_MIN_S, PROMPT_MAX_CHARS, SEED_MAX } from '../../core/validate.ts';

export const CommandName = {
  Generate: 'generate',
  Stats: 'stats',
  Recent: 'recent',
} as const;
export type CommandName = (typeof CommandName)[keyof typeof CommandName];

export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const generate = new SlashCommandBuilder()
    .setName(CommandName.Generate)
    .setDescription('Make a short music track from a text prompt')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('prompt').setDescription('What it should sound like, e.g. "lo-fi piano at 80 bpm"').setRequired(true).setMaxLength(PROMPT_MAX_CHARS))
    .addIntegerOption((o) => o.setName('duration').setDescription('Length in seconds').setMinValue(DURATION_MIN_S).setMaxValue(DURATION_MAX_S))
    .addIntegerOption((o) => o.setName('seed').setDescription('Same prompt and seed give the same track').setMinValue(0).setMaxValue(SEED_MAX));

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

  return [generate.toJSON(), stats.toJSON(), recent.toJSON()];
}
