/** `/search <words>`: finished tracks of this workspace whose prompt has the words, answered privately. */
import type { App } from '@slack/bolt';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import { hasVisibleChars, visibleText } from '../../../core/text-clean.ts';
import { searchBlocks } from '../blocks.ts';
import { refuseInDirectMessages } from './direct-messages.ts';
import type { SlackDeps } from '../deps.ts';
import { replyError } from '../replies.ts';
import { decodeSlackText, isSlackId } from '../text.ts';
import { invalidPayload } from './payload.ts';

const SEARCH_LIMIT = 10;

export function registerSearch(app: App, deps: SlackDeps): void {
  app.command('/search', refuseInDirectMessages, async ({ ack, command, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id)) throw invalidPayload();
      // Raw words: the core cleans and bounds the query and words the error for an empty one.
      const query = decodeSlackText(command.text ?? '');
      if (!hasVisibleChars(visibleText(query))) {
        throw new UserError(UserErrorCode.UnknownCommand, 'Usage: /search <words>, e.g. /search piano rain. I look for them in the prompts of this workspace\'s finished tracks.');
      }
      const tracks = await deps.runtime.core.search('slack', command.team_id, query, SEARCH_LIMIT);
      await respond({ response_type: 'ephemeral', replace_original: false, ...searchBlocks(query, tracks) });
    } catch (err) {
      await replyError(respond, err, deps.log, '/search');
    }
  });
}
