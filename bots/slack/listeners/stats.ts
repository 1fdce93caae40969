/** `/stats [server|global] [day|week|month|all]` and `/recent`: read-only, answered privately. */
import type { App, RespondFn, webApi } from '@slack/bolt';
import type { Stats } from '../../../core/chat.ts';
import { renderStatsChart } from '../../../core/chart.ts';
import { recentBlocks, statsBlocks, statsChartText } from '../blocks.ts';
import { refuseInDirectMessages } from './direct-messages.ts';
import type { SlackDeps } from '../deps.ts';
import { inviteError, replyError } from '../replies.ts';
import { isSlackId, parseStatsText } from '../text.ts';
import { invalidPayload } from './payload.ts';

export const STATS_CHART_NAME = 'ditty-stats.png';

export function registerStats(app: App, deps: SlackDeps): void {
  app.command('/stats', refuseInDirectMessages, async ({ ack, command, client, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id) || !isSlackId(command.channel_id)) throw invalidPayload();
      const { scope, period } = parseStatsText(command.text ?? '');
      const stats = await deps.runtime.core.stats({ platform: 'slack', guildId: command.team_id, scope, period });
      // The numbers first (the private reply is fast); the chart follows as an upload.
      await respond({ response_type: 'ephemeral', replace_original: false, ...statsBlocks(stats) });
      // Bars of nothing say nothing: the chart goes out only when some track has a favorite or a play.
      if (stats.topTracks.some((t) => t.favorites > 0 || t.plays > 0)) await uploadChart(deps, client, respond, command.channel_id, stats);
    } catch (err) {
      await replyError(respond, err, deps.log, '/stats');
    }
  });

  app.command('/recent', refuseInDirectMessages, async ({ ack, command, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id)) throw invalidPayload();
      const tracks = await deps.runtime.core.recent('slack', command.team_id, 10);
      await respond({ response_type: 'ephemeral', replace_original: false, ...recentBlocks(tracks) });
    } catch (err) {
      await replyError(respond, err, deps.log, '/recent');
    }
  });
}

/**
 * The chart PNG (shared with Discord, core/chart.ts) goes into the channel with files.uploadV2:
 * an ephemeral reply cannot carry a file, and an image block needs a public URL. The image has
 * bars only, no prompts or names, so posting it where the command was typed reveals nothing the
 * channel could not see. Without the bot in the channel the numbers stand alone, with a hint.
 */
async function uploadChart(deps: SlackDeps, client: webApi.WebClient, respond: RespondFn, channel: string, stats: Stats): Promise<void> {
  const { title, altText } = statsChartText(stats);
  try {
    await client.filesUploadV2({
      channel_id: channel,
      file: renderStatsChart(stats.topTracks),
      filename: STATS_CHART_NAME,
      title,
      alt_text: altText,
    });
  } catch (err) {
    const invite = inviteError(err);
    if (!invite) throw err;
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'I could not post the chart here because I am not in this channel. Invite me with `/invite @ditty` to get it with /stats.',
    });
  }
}
