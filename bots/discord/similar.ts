/**
 * "More like this" (the button on every track) and `/similar [words]`: the nearest finished
 * tracks of this server by their analysis, answered only to the asker.
 */
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { SIMILAR_LIMIT, similarForWords } from '../../core/similar.ts';
import { type BotContext } from './context.ts';
import { answerError } from './generate.ts';
import { NO_MENTIONS, similarEmbed } from './messages.ts';
import { withTimeout } from './timeout.ts';

export const SIMILAR_WORDS_MAX = 200;

export async function handleSimilarCommand(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  try {
    const words = (interaction.options.getString('words') ?? '').slice(0, SIMILAR_WORDS_MAX);
    const result = await withTimeout(similarForWords(ctx.runtime.core, 'discord', interaction.guildId ?? '', words), ctx.coreTimeoutMs, 'core.similar');
    await interaction.editReply({ embeds: [similarEmbed(result, words)], allowedMentions: NO_MENTIONS });
  } catch (err) {
    await answerError(ctx, interaction, err);
  }
}

/** The button: the interaction is already deferred (ephemeral) by the button handler. */
export async function answerSimilarButton(ctx: BotContext, interaction: ButtonInteraction, generationId: string): Promise<void> {
  const result = await withTimeout(
    ctx.runtime.core.similar('discord', interaction.guildId ?? '', generationId, SIMILAR_LIMIT),
    ctx.coreTimeoutMs,
    'core.similar',
  );
  await interaction.editReply({ embeds: [similarEmbed(result)], allowedMentions: NO_MENTIONS });
}
