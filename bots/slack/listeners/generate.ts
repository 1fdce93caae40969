/** `/generate <prompt> [duration] [seed]`: ack at once, then queue the track. */
import type { App } from '@slack/bolt';
import { refuseInDirectMessages } from './direct-messages.ts';
import type { SlackDeps } from '../deps.ts';
import { slackActor } from '../deps.ts';
import { replyError } from '../replies.ts';
import { startGeneration } from '../start-generation.ts';
import { isSlackId, parseGenerateText } from '../text.ts';
import { invalidPayload, isResponseUrl, isTriggerId } from './payload.ts';

export function registerGenerate(app: App, deps: SlackDeps): void {
  app.command('/generate', refuseInDirectMessages, async ({ ack, command, client, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id) || !isSlackId(command.user_id) || !isSlackId(command.channel_id) || !isTriggerId(command.trigger_id)) {
        throw invalidPayload();
      }
      const args = parseGenerateText(command.text ?? '');
      await startGeneration(deps, {
        client,
        actor: slackActor(command.team_id, command.user_id, command.user_name),
        channelId: command.channel_id,
        enterpriseId: isSlackId(command.enterprise_id) ? command.enterprise_id : undefined,
        prompt: args.prompt,
        durationS: args.duration,
        seed: args.seed,
        takes: args.takes,
        // Slack sends the same trigger id when it retries one command.
        requestKey: `slack:${command.team_id}:${command.trigger_id}`,
        responseUrl: isResponseUrl(command.response_url) ? command.response_url : undefined,
        respond,
      });
    } catch (err) {
      await replyError(respond, err, deps.log, '/generate');
    }
  });
}
