/** `/help`: commands, prompt words, limits and links, answered privately; works in DMs too. */
import type { App } from '@slack/bolt';
import { helpContent } from '../../../core/help.ts';
import { helpBlocks } from '../blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { replyError } from '../replies.ts';

export function registerHelp(app: App, deps: SlackDeps): void {
  app.command('/help', async ({ ack, respond }) => {
    await ack();
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...helpBlocks(helpContent('slack', deps.runtime.publicUrl)) });
    } catch (err) {
      await replyError(respond, err, deps.log, '/help');
    }
  });
}
