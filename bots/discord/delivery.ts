/**
 * Posts a finished track. Within the interaction token's 15 minutes the deferred reply is edited
 * in place; after that, or when Discord says the token is gone (401 / 50027), the track goes out
 * as a channel message replying to the original. Channel posts carry a nonce derived from the
 * generation id with `enforce_nonce`, so a retried delivery does not post twice within Discord's
 * nonce window; past it, the recorded delivery step (the message id, written as soon as Discord
 * answers) is what stops a rerun after kill -9 from posting again.
 */
import { createHash } from 'node:crypto';
import { AttachmentBuilder, InteractionWebhook, type BaseMessageOptions } from 'discord.js';
import type { Delivery, DeliveryHandler, DeliverySteps } from '../../core/chat.ts';
import type { BotContext } from './context.ts';
import { isTokenGone } from './errors.ts';
import { fromReplyMap, tokenUsable } from './ids.ts';
import { NO_MENTIONS, trackButtons, trackContent, trackEmbed, trackFileName } from './messages.ts';

/** The delivery step naming the message that carries the track (see DeliverySteps). */
export const MESSAGE_STEP = 'discord.message';

/** Discord nonces are at most 25 characters; generation ids are UUIDs (36). */
export function deliveryNonce(generationId: string): string {
  return createHash('sha256').update(`ditty:${generationId}`).digest('base64url').slice(0, 25);
}

export function trackMessage(d: Delivery, favoriteEmoji?: string): BaseMessageOptions {
  const linkOnly = !d.fitsInline;
  return {
    content: trackContent(d.track, linkOnly),
    embeds: [trackEmbed(d.track)],
    components: trackButtons(d.track, favoriteEmoji),
    files: linkOnly ? [] : [new AttachmentBuilder(d.filePath, { name: trackFileName(d.track) })],
    allowedMentions: NO_MENTIONS,
  };
}

export function createDeliveryHandler(ctx: BotContext, now: () => number = Date.now): DeliveryHandler {
  return async (d) => {
    await ctx.progress.close(d.track.id);
    // Posted by an earlier run that died before the core recorded it: that message is the post.
    const posted = d.steps?.done[MESSAGE_STEP];
    if (posted) return { messageRef: posted };
    const message = trackMessage(d, await ctx.settings.favoriteEmoji(d.track.origin.guildId));
    return postReply(ctx, d.reply, message, { nonceOf: d.track.id, channelId: d.track.origin.channelId, now, steps: d.steps });
  };
}

/**
 * Posts a finished message in place of the command's reply while its token lives, else once in
 * the channel (as a reply to the original), with a nonce derived from `nonceOf`. The message id
 * is recorded as a delivery step (MESSAGE_STEP) as soon as Discord answers.
 */
export async function postReply(
  ctx: BotContext, reply: Record<string, string>, message: BaseMessageOptions, opts: { nonceOf: string; channelId: string; now: () => number; steps?: DeliverySteps },
): Promise<{ messageRef: string }> {
  const ref = fromReplyMap(reply);
  if (tokenUsable(ref, opts.now())) {
    try {
      const webhook = new InteractionWebhook(ctx.client, ref.applicationId!, ref.interactionToken!);
      const edited = await webhook.editMessage('@original', { ...message, attachments: [] });
      await opts.steps?.record(MESSAGE_STEP, edited.id);
      return { messageRef: edited.id };
    } catch (err) {
      if (!isTokenGone(err)) throw err;
      ctx.log.info({ id: opts.nonceOf }, 'discord interaction token gone; posting in the channel');
    }
  }

  const channelId = ref.channelId ?? opts.channelId;
  const channel = await ctx.client.channels.fetch(channelId);
  if (!channel?.isSendable()) throw new Error(`discord channel ${channelId} is not one ditty can post in`);
  const posted = await channel.send({
    ...message,
    reply: ref.messageId ? { messageReference: ref.messageId, failIfNotExists: false } : undefined,
    nonce: deliveryNonce(opts.nonceOf),
    enforceNonce: true,
  });
  await opts.steps?.record(MESSAGE_STEP, posted.id);
  return { messageRef: posted.id };
}
