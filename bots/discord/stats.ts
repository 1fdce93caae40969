/** /stats and /recent: read-only views over the core, answered on a deferred reply. */
import { AttachmentBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { type BotContext } from './context.ts';
import { withTimeout } from './timeout.ts';
import { answerError } from './generate.ts';
import { parseStatsOptions } from './ids.ts';
import { NO_MENTIONS, recentEmbed, statsEmbed } from './messages.ts';
import { renderStatsChart } from '../../core/chart.ts';

const CHART_NAME = 'ditty-stats.png';
const RECENT_LIMIT = 10;

export async function handleStats(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply();
  try {
    const { scope, period } = parseStatsOptions(interaction.options.getString('scope'), interaction.options.getString('period'));
    const stats = await withTimeout(
      ctx.runtime.core.stats({ platform: 'discord', guildId: interaction.guildId ?? '', scope, period, limit: 10 }),
      ctx.coreTimeoutMs,
      'core.stats',
    );
    const withChart = stats.topTracks.length > 0;
    await interaction.editReply({
      embeds: [statsEmbed(stats, interaction.guild?.name ?? null, withChart ? CHART_NAME : null)],
      files: withChart ? [new AttachmentBuilder(renderStatsChart(stats.topTracks), { name: CHART_NAME })] : [],
      allowedMentions: NO_MENTIONS,
    });
  } catch (err) {
    await answerError(ctx, interaction, err);
  }
}

export async function handleRecent(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void> {
  await interaction.deferReply();
  try {
    const tracks = await withTimeout(ctx.runtime.core.recent('discord', interaction.guildId ?? '', RECENT_LIMIT), ctx.coreTimeoutMs, 'core.recent');
    await interaction.editReply({ embeds: [recentEmbed(tracks)], allowedMentions: NO_MENTIONS });
  } catch (err) {
    await answerError(ctx, interaction, err);
  }
}
