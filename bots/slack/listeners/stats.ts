/** `/stats [server|global] [day|week|month|all]` and `/recent`: read-only, answered privately. */
import type { App } from '@slack/bolt';
import { recentBlocks, statsBlocks } from '../blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { replyError } from '../replies.ts';
import { isSlackId, parseStatsText } from '../text.ts';
import { invalidPayload } from './payload.ts';

export function registerStats(app: App, deps: SlackDeps): void {
  app.command('/stats', async ({ ack, command, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id)) throw invalidPayload();
      const { scope, period } = parseStatsText(command.text ?? '');
      const stats = await deps.runtime.core.stats({ platform: 'slack', guildId: command.team_id, scope, period });
      await respond({ response_type: 'ephemeral', replace_original: false, ...statsBlocks(stats) });
    } catch (err) {
      await replyError(respond, err, deps.log, '/stats');
    }
  });

  app.command('/recent', async ({ ack, command, respond }) => {
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
