/**
 * Takes on Discord: posts a batch (built by takes-messages.ts) as its reply's edit while the
 * interaction token lives, else once in the channel (the nonce makes a retried post a no-op
 * within Discord's nonce window). The message id is the batch's recorded delivery step: a rerun
 * after kill -9 that finds it posts nothing, however late it comes.
 */
import type { BatchDeliveryHandler } from '../../core/chat.ts';
import type { BotContext } from './context.ts';
import { MESSAGE_STEP, postReply } from './delivery.ts';
import { batchMessage } from './takes-messages.ts';

export function createBatchDeliveryHandler(ctx: BotContext, now: () => number = Date.now): BatchDeliveryHandler {
  return async (d) => {
    await ctx.progress.close(d.batchId);
    const posted = d.steps?.done[MESSAGE_STEP];
    if (posted) return { messageRef: posted };
    const first = d.takes[0]!.track;
    const message = batchMessage(d, { favoriteEmoji: await ctx.settings.favoriteEmoji(first.origin.guildId) });
    return postReply(ctx, d.reply, message, { nonceOf: d.batchId, channelId: first.origin.channelId, now, steps: d.steps });
  };
}
