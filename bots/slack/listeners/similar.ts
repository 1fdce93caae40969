/**
 * "More like this" (the button on every track card) and `/similar [words]`: the workspace's
 * nearest finished tracks by their analysis, answered privately.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { isGenerationId } from '../../../core/validate.ts';
import { SIMILAR_LIMIT, similarForWords } from '../../../core/similar.ts';
import { ActionId, similarBlocks } from '../blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { replyError } from '../replies.ts';
import { decodeSlackText, isSlackId } from '../text.ts';
import { refuseInDirectMessages } from './direct-messages.ts';
import { invalidPayload } from './payload.ts';

const WORDS_MAX = 200;

export function registerSimilar(app: App, deps: SlackDeps): void {
  app.command('/similar', refuseInDirectMessages, async ({ ack, command, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id)) throw invalidPayload();
      const words = decodeSlackText(command.text ?? '').slice(0, WORDS_MAX);
      const result = await similarForWords(deps.runtime.core, 'slack', command.team_id, words);
      await respond({ response_type: 'ephemeral', replace_original: false, ...similarBlocks(result, words) });
    } catch (err) {
      await replyError(respond, err, deps.log, '/similar');
    }
  });

  app.action<BlockButtonAction>(ActionId.Similar, async ({ ack, body, respond }) => {
    await ack();
    try {
      const generationId = body.actions[0]?.value;
      const teamId = body.team?.id ?? body.user.team_id;
      if (!isGenerationId(generationId) || !isSlackId(teamId)) throw invalidPayload();
      // The core answers only with this workspace's tracks (NotFound for another's id).
      const result = await deps.runtime.core.similar('slack', teamId, generationId, SIMILAR_LIMIT);
      await respond({ response_type: 'ephemeral', replace_original: false, ...similarBlocks(result) });
    } catch (err) {
      await replyError(respond, err, deps.log, 'more like this button');
    }
  });
}
