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
 * Idempotence across kill -9: each side effect is a recorded delivery step (Delivery.steps, kept
 * in Postgres). The card's ts is recorded once it is posted or edited, and a rerun edits that
 * message again (an edit is idempotent) instead of posting a new one. The upload is done in its
 * three Web API steps by hand so its file id can be recorded between them: the id once Slack
 * hands it out (before the bytes go up), then "shared" once completeUploadExternal returns. A
 * rerun skips a shared file; a file begun but not known to be shared is looked for in the
 * channel by its id (the window between Slack's answer and the record) before a fresh upload.
 * A generation delivered before steps were recorded falls back to the channel check by block id.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { webApi } from '@slack/bolt';
import type { DeletedTrack, Delivery, DeliveryHandler, DeliverySteps, TrackView } from '../../core/chat.ts';
import { memorySteps } from '../../core/delivery.ts';
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

  const steps = delivery.steps ?? memorySteps();
  const favoriteEmoji = await deps.settings.favoriteReaction(track.origin.guildId);
  const card = trackCardBlocks(track, { userId, uploaded: delivery.fitsInline, favoriteEmoji });
  let messageRef: string | undefined = steps.done[CARD_STEP] ?? reply.statusTs ?? (await statusTsOf(deps, client, channel, track)) ?? undefined;
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
  if (steps.done[CARD_STEP] !== messageRef) await steps.record(CARD_STEP, messageRef);

  if (delivery.fitsInline && !(await fileShared(client, channel, track, steps))) {
    await uploadFile(client, channel, delivery.filePath, steps, {
      filename: fileName(track.prompt, track.params.seed, extname(delivery.filePath) || `.${track.format ?? 'bin'}`),
      title: truncate(inertPlainText(track.prompt), 100),
      blocks: fileBlocks(track, userId, favoriteEmoji),
    });
  }
  deps.statusMessages.delete(track.id);
  return { messageRef };
}

/** Delivery steps of a Slack track: the card's ts, the upload's file id, that file shared. */
export const CARD_STEP = 'slack.card';
export const FILE_BEGUN_STEP = 'slack.file.begun';
export const FILE_STEP = 'slack.file';
/** Set by the delivery_steps migration on rows that were mid-delivery before steps existed. */
const LEGACY_STEP = 'legacy';
/** Bytes to Slack's upload URL: a bound, since a stalled upload would hold the delivery slot. */
const UPLOAD_TIMEOUT_MS = 120_000;

/** Whether this track's file is already in the channel, by the recorded steps (or, for a row from before them, by block id). */
async function fileShared(client: webApi.WebClient, channel: string, track: TrackView, steps: DeliverySteps): Promise<boolean> {
  if (steps.done[FILE_STEP]) return true;
  const begun = steps.done[FILE_BEGUN_STEP];
  if (begun) {
    // Died between completeUploadExternal and recording it? Then the file is in the channel.
    if (!(await inHistory(client, channel, track, (m) => hasFile(m, begun) || hasBlock(m, fileBlockId(track.id))))) return false;
    await steps.record(FILE_STEP, begun);
    return true;
  }
  // A delivery begun before steps were recorded (marked by the migration): the old check by block id.
  return Boolean(steps.done[LEGACY_STEP]) && (await inHistory(client, channel, track, (m) => hasBlock(m, fileBlockId(track.id))));
}

/**
 * files.uploadV2's three steps by hand, recording the file id between them: the id is recorded
 * before the bytes go up, the share once Slack confirms it. `threadTs` shares it into a thread.
 */
export async function uploadFile(
  client: webApi.WebClient, channel: string, filePath: string, steps: DeliverySteps,
  file: { filename: string; title: string; blocks: ReturnType<typeof fileBlocks>; threadTs?: string },
): Promise<void> {
  const bytes = await readFile(filePath);
  const target = await client.files.getUploadURLExternal({ filename: file.filename, length: bytes.length });
  if (!target.upload_url || !target.file_id) throw new Error('slack gave no upload url');
  await steps.record(FILE_BEGUN_STEP, target.file_id);
  // As @slack/web-api sends it: multipart, the bytes in a field named "body".
  const form = new FormData();
  form.append('body', new Blob([new Uint8Array(bytes)]), file.filename);
  const res = await fetch(target.upload_url, { method: 'POST', body: form, redirect: 'error', signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS) });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`slack upload of ${target.file_id} answered HTTP ${res.status}`);
  await client.files.completeUploadExternal({
    files: [{ id: target.file_id, title: file.title }],
    channel_id: channel,
    ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
    blocks: file.blocks,
  });
  await steps.record(FILE_STEP, target.file_id);
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

export function hasFile(message: { files?: unknown }, fileId: string): boolean {
  return (message.files as Array<{ id?: string }> | undefined)?.some((f) => f.id === fileId) ?? false;
}

type HistoryMessage = { blocks?: unknown; files?: unknown; ts?: string };

/** Whether a message of the channel since the track was asked for matches. */
async function inHistory(client: webApi.WebClient, channel: string, track: TrackView, match: (m: HistoryMessage) => boolean): Promise<boolean> {
  const history = await client.conversations.history({ channel, oldest: oldestOf(track), limit: 200 });
  return (history.messages ?? []).some((m) => match(m as HistoryMessage));
}

/**
 * A deleted track's uploaded file leaves the channel: files.delete on the recorded file id
 * (Slack then removes every message that shared it), or, for a track delivered before steps
 * were recorded or when Slack refuses, the file message found by its block id is deleted.
 */
export async function removeUploadedFile(client: webApi.WebClient, channel: string, deleted: DeletedTrack): Promise<void> {
  const fileId = deleted.deliverySteps?.[FILE_STEP];
  if (fileId) {
    try {
      await client.files.delete({ file: fileId });
      return;
    } catch (err) {
      if (slackErrorCode(err) === 'file_not_found') return;
    }
  }
  const history = await client.conversations.history({ channel, oldest: oldestOf(deleted.track), limit: 200 });
  const message = (history.messages ?? []).find((m) => hasBlock(m, fileBlockId(deleted.track.id)));
  if (message?.ts) await client.chat.delete({ channel, ts: message.ts });
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
