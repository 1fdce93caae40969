/**
 * Posts a finished track: the status message becomes the track card, and the file is uploaded
 * into the channel with files.uploadV2 (getUploadURLExternal → upload → completeUploadExternal).
 * Over the size limit only the card's link is posted.
 *
 * Order matters for retries (the core retries a handler that throws): the card edit is
 * idempotent, so it goes first; before uploading again on a retry, the channel is checked for a
 * file message of this generation, so a retry never posts the file twice.
 */
import { extname } from 'node:path';
import type { webApi } from '@slack/bolt';
import type { Delivery, DeliveryHandler } from '../../core/chat.ts';
import { fileBlockId, fileBlocks, trackCardBlocks } from './blocks.ts';
import type { SlackDeps } from './deps.ts';
import { slackErrorCode } from './replies.ts';
import { inertPlainText, truncate } from './text.ts';

const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

export function slackDeliveryHandler(deps: SlackDeps): DeliveryHandler {
  return async (delivery: Delivery) => {
    const { track, reply } = delivery;
    const channel = reply.channel;
    if (!channel) throw new Error(`generation ${track.id} has no Slack channel in its reply`);
    // The workspace that asked (guildId is its team id) posts with the token of its own install.
    const client = await deps.clients.clientFor({ teamId: reply.teamId ?? track.origin.guildId, enterpriseId: reply.enterpriseId });
    const userId = reply.userId ?? track.creator.platformUserId;
    await deps.progress.finish(track.id);

    const favoriteEmoji = await deps.settings.favoriteReaction(track.origin.guildId);
    const card = trackCardBlocks(track, { userId, uploaded: delivery.fitsInline, favoriteEmoji });
    let messageRef: string | undefined = reply.statusTs;
    if (messageRef) {
      try {
        await client.chat.update({ channel, ts: messageRef, ...card });
      } catch (err) {
        // Someone deleted the status message: the card becomes a new message instead.
        if (!GONE.has(slackErrorCode(err) ?? '')) throw err;
        messageRef = undefined;
      }
    }
    if (!messageRef) {
      const posted = await client.chat.postMessage({ channel, ...card, unfurl_links: false, unfurl_media: false });
      messageRef = String(posted.ts);
    }

    if (delivery.fitsInline && !(delivery.attempt > 0 && (await alreadyUploaded(client, channel, track.id, reply.statusTs)))) {
      await client.filesUploadV2({
        channel_id: channel,
        file: delivery.filePath,
        filename: fileName(track.prompt, track.params.seed, extname(delivery.filePath) || `.${track.format ?? 'bin'}`),
        title: truncate(inertPlainText(track.prompt), 100),
        blocks: fileBlocks(track, userId, favoriteEmoji),
      });
    }
    return { messageRef };
  };
}

/** A file name Slack and every OS accept: ascii slug of the prompt plus the seed. */
export function fileName(prompt: string, seed: number, ext: string): string {
  const slug = prompt
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `ditty-${slug || 'track'}-${seed}${ext}`;
}

async function alreadyUploaded(client: webApi.WebClient, channel: string, generationId: string, since?: string): Promise<boolean> {
  const history = await client.conversations.history({ channel, oldest: since, limit: 100 });
  return (history.messages ?? []).some((m) =>
    (m.blocks as Array<{ block_id?: string }> | undefined)?.some((b) => b.block_id === fileBlockId(generationId)),
  );
}
