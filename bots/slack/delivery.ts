/**
 * Posts a finished track: the status message becomes the track card, and the file is uploaded
 * into the channel with files.uploadV2 (getUploadURLExternal → upload → completeUploadExternal).
 * Over the size limit only the card's link is posted.
 *
 * Retries: the core retries a handler that throws, with backoff, for errors that may pass (rate
 * limits, Slack hiccups). Errors that cannot pass (the bot was removed from the channel, the
 * channel is archived or gone, the token was revoked, a scope is missing) end the delivery at
 * once: the requester hears why, with the track's link, through the command's response_url
 * while it lives (30 minutes) or else a DM, and the core marks the generation failed.
 *
 * Idempotence: the card edit is idempotent, so it goes first. Before every upload, including a
 * first attempt (a job redelivered after kill -9 does not count as a retry), the channel is
 * checked for a file message of this generation, so the file is shared once.
 */
import { extname } from 'node:path';
import type { webApi } from '@slack/bolt';
import type { Delivery, DeliveryHandler, TrackView } from '../../core/chat.ts';
import { DeliveryRefusedError } from '../../core/errors.ts';
import { cardBlockId, fileBlockId, fileBlocks, noticeBlocks, trackCardBlocks } from './blocks.ts';
import type { SlackDeps } from './deps.ts';
import { slackErrorCode, TOKEN_DEAD } from './replies.ts';
import { inertPlainText, truncate } from './text.ts';

const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Slack errors no retry can fix, with what the requester is told. */
const PERMANENT: Record<string, string> = {
  not_in_channel: 'I am no longer in that channel. Invite me with `/invite @ditty` to post tracks there.',
  channel_not_found: 'That channel no longer exists, or I cannot see it.',
  is_archived: 'That channel has been archived.',
  invalid_auth: 'ditty\'s access to this workspace is no longer valid; an admin needs to reinstall it.',
  not_authed: 'ditty\'s access to this workspace is no longer valid; an admin needs to reinstall it.',
  token_revoked: 'ditty\'s access to this workspace was revoked; an admin needs to reinstall it.',
  account_inactive: 'ditty\'s access to this workspace was deactivated; an admin needs to reinstall it.',
  missing_scope: 'ditty lacks a permission it needs to post here; an admin needs to reinstall it.',
  restricted_action: 'This workspace does not let ditty post in that channel.',
};

/** Slack's response_url accepts messages for 30 minutes; a little margin for clocks and queues. */
const RESPONSE_URL_TTL_MS = 29 * 60_000;

export function permanentSlackError(err: unknown): string | null {
  const code = slackErrorCode(err);
  return code && code in PERMANENT ? code : null;
}

export function slackDeliveryHandler(deps: SlackDeps): DeliveryHandler {
  return async (delivery: Delivery) => refusingPermanently(deps, delivery, () => post(deps, delivery));
}

/**
 * Runs a post; a Slack error no retry can fix ends the delivery at once (DeliveryRefusedError),
 * after telling the requester why, with the track's link.
 */
export async function refusingPermanently<T>(deps: SlackDeps, about: Pick<Delivery, 'track' | 'reply'>, postIt: () => Promise<T>): Promise<T> {
  try {
    return await postIt();
  } catch (err) {
    const code = permanentSlackError(err);
    if (!code) throw err;
    if (code in TOKEN_DEAD) deps.tokenDead(code);
    const message = PERMANENT[code]!;
    await tellRequester(deps, about, message);
    throw new DeliveryRefusedError(code, message);
  }
}

async function post(deps: SlackDeps, delivery: Delivery): Promise<{ messageRef: string }> {
  const { track, reply } = delivery;
  const channel = reply.channel;
  if (!channel) throw new Error(`generation ${track.id} has no Slack channel in its reply`);
  // The workspace that asked (guildId is its team id) posts with the token of its own install.
  const client = await deps.clients.clientFor({ teamId: reply.teamId ?? track.origin.guildId, enterpriseId: reply.enterpriseId });
  const userId = reply.userId ?? track.creator.platformUserId;
  await deps.progress.finish(track.id);

  const favoriteEmoji = await deps.settings.favoriteReaction(track.origin.guildId);
  const card = trackCardBlocks(track, { userId, uploaded: delivery.fitsInline, favoriteEmoji });
  let messageRef: string | undefined = reply.statusTs ?? (await statusTsOf(deps, client, channel, track)) ?? undefined;
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

  if (delivery.fitsInline && !(await alreadyUploaded(client, channel, track))) {
    await client.filesUploadV2({
      channel_id: channel,
      file: delivery.filePath,
      filename: fileName(track.prompt, track.params.seed, extname(delivery.filePath) || `.${track.format ?? 'bin'}`),
      title: truncate(inertPlainText(track.prompt), 100),
      blocks: fileBlocks(track, userId, favoriteEmoji),
    });
  }
  deps.statusMessages.delete(track.id);
  return { messageRef };
}

/** Seconds-since-epoch string Slack history filters take, a minute before the track was asked for. */
export function oldestOf(track: TrackView): string {
  const at = Date.parse(track.createdAt);
  return Number.isFinite(at) ? String(Math.floor(at / 1000) - 60) : '0';
}

/**
 * The status message of a generation: posted by this process (still being posted, maybe), or
 * found by its block id in the channel after a restart. Null when there is none.
 */
async function statusTsOf(deps: SlackDeps, client: webApi.WebClient, channel: string, track: TrackView): Promise<string | null> {
  const pending = deps.statusMessages.get(track.id);
  if (pending) return pending;
  return findStatusTs(client, channel, track);
}

/** The status message of a generation in its channel's history, by its block id. */
export async function findStatusTs(client: webApi.WebClient, channel: string, track: TrackView): Promise<string | null> {
  const history = await client.conversations.history({ channel, oldest: oldestOf(track), limit: 200 });
  const found = (history.messages ?? []).find((m) => hasBlock(m, cardBlockId(track.id)));
  return found?.ts ?? null;
}

export function hasBlock(message: { blocks?: unknown }, blockId: string): boolean {
  return (message.blocks as Array<{ block_id?: string }> | undefined)?.some((b) => b.block_id === blockId) ?? false;
}

async function alreadyUploaded(client: webApi.WebClient, channel: string, track: TrackView): Promise<boolean> {
  const history = await client.conversations.history({ channel, oldest: oldestOf(track), limit: 200 });
  return (history.messages ?? []).some((m) => hasBlock(m, fileBlockId(track.id)));
}

/**
 * The requester learns that the track could not be posted and gets its link: through the
 * command's response_url while it is valid (it needs no token, so it works after a revoke),
 * else a DM from the bot. Best effort: a failure here is logged, the delivery fails anyway.
 */
export async function tellRequester(deps: SlackDeps, delivery: Pick<Delivery, 'track' | 'reply'>, why: string): Promise<void> {
  const { track, reply } = delivery;
  const notice = noticeBlocks(`Your track “${track.prompt}” is ready, but I could not post it in the channel. ${why} Listen or download here: ${track.playerUrl}`);
  const at = Number(reply.responseUrlAt);
  if (reply.responseUrl && Number.isFinite(at) && Date.now() - at < RESPONSE_URL_TTL_MS) {
    try {
      const res = await fetch(reply.responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...notice }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) return;
      deps.log.warn({ status: res.status, generationId: track.id }, 'slack response_url refused the delivery notice');
    } catch (err) {
      deps.log.warn({ err, generationId: track.id }, 'slack response_url unreachable for the delivery notice');
    }
  }
  try {
    const client = await deps.clients.clientFor({ teamId: reply.teamId ?? track.origin.guildId, enterpriseId: reply.enterpriseId });
    const user = reply.userId ?? track.creator.platformUserId;
    await client.chat.postMessage({ channel: user, ...notice, unfurl_links: false, unfurl_media: false });
  } catch (err) {
    deps.log.warn({ err, generationId: track.id }, 'slack could not tell the requester that the track was not posted');
  }
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
