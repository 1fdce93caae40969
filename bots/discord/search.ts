/** /search: finished tracks of this server whose prompt has the words, answered only to the asker. */
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { type BotContext } from './context.ts';
import { withTimeout } from './timeout.ts';
import { answerError } from './generate.ts';
import { NO_MENTIONS, searchEmbed } from './messages.ts';

const SEARCH_LIMIT = 10;

export async function handleSearch(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  // Ephemeral: a lookup is for the person asking; sharing a track is what its message is for.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  try {
    // Raw: the core cleans and bounds the query and words the error for an empty one.
    const query = interaction.options.getString('query') ?? '';
    const tracks = await withTimeout(
      ctx.runtime.core.search('discord', interaction.guildId ?? '', query, SEARCH_LIMIT),
      ctx.coreTimeoutMs,
      'core.search',
    );
    await interaction.editReply({ embeds: [searchEmbed(query, tracks)], allowedMentions: NO_MENTIONS });
  } catch (err) {
    await answerError(ctx, interaction, err);
  }
}
