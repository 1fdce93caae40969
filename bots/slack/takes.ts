/**
 * Takes on Slack: a batch is one thread. The status message posted when the batch is accepted is
 * its parent: it names every take with its seed, and once no take is still being made it becomes
 * the batch's summary (which takes were made, which failed and why, in plain words). Each made
 * take goes into the thread as its own track card (its own Favorite, Variation, Extend, links)
 * and its uploaded file, so a take is favorited on its own by button or by reaction on its card
 * or file. The parent's block id names the batch, not a track: a reaction on it favorites nothing.
 *
 * Idempotence across kill -9: each side effect is a recorded delivery step, as for a lone track
 * (delivery.ts). The parent's ts is the batch's step (PARENT_STEP); each take's card and file are
 * steps on the take's own row (CARD_STEP; FILE_BEGUN_STEP before its bytes go up, FILE_STEP once
 * shared). A run that finds the parent recorded is a rerun: it reads the thread once, for what a
 * killed run posted but did not live to record; a first run reads nothing. Cards and files go into
 * the thread only after the parent is recorded, so a run without it has nothing to find.
 */
import { extname } from 'node:path';
import type { webApi } from '@slack/bolt';
import type { AcceptedTake, BatchDelivery, BatchDeliveryHandler, TrackView } from '../../core/chat.ts';
import type { MusicParams } from '../../core/music.ts';
import { cardBlockId, fileBlockId, fileBlocks, paramsLine, stageLine, trackCardBlocks, type Block } from './blocks.ts';
import type { SlackDeps } from './deps.ts';
import { CARD_STEP, FILE_BEGUN_STEP, FILE_STEP, fileName, hasBlock, hasFile, oldestOf, refusingPermanently, uploadFile } from './delivery.ts';
import { memorySteps } from '../../core/delivery.ts';
import { slackErrorCode } from './replies.ts';
import { inertPlainText, slackInert, truncate, verbatimMrkdwn } from './text.ts';

export const batchBlockId = (batchId: string): string => `ditty:batch:${batchId}`;

export interface BatchStatusInput {
  batchId: string;
  prompt: string;
  userId: string;
  params: MusicParams;
  durationS: number;
  takes: readonly AcceptedTake[];
}

const mention = (userId: string): string => `<@${userId}>`;

/** The thread's parent while the takes are made: one line per take with its seed and place. */
export function batchStatusBlocks(input: BatchStatusInput): { text: string; blocks: Block[] } {
  const lines = input.takes.map((t) => `*Take ${t.take}* · seed ${t.seed} · ${stageLine({ stage: 'queued', progress: 0, position: t.position })}`);
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: batchBlockId(input.batchId),
      text: verbatimMrkdwn(`🎵 *${slackInert(input.prompt, 300)}* · ${input.takes.length} takes\nrequested by ${mention(input.userId)}`),
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: paramsLine(input.params, input.durationS).replace(/ · seed \d+$/, '') }] },
    { type: 'section', text: verbatimMrkdwn(`${lines.join('\n')}\nEach take is posted in this thread when all of them are done.`) },
  ];
  return { text: `🎵 ${input.takes.length} takes of ${slackInert(input.prompt, 80)} are being made`, blocks };
}

/** The parent once the batch has ended: what each take became, failures in the core's words. */
export function batchSummaryBlocks(d: BatchDelivery, userId: string): { text: string; blocks: Block[] } {
  const first = d.takes[0]!.track;
  const made = d.takes.filter((t) => t.filePath).length;
  const lines = d.takes.map((t) => {
    const head = `*Take ${t.take}* · seed ${t.track.params.seed}`;
    if (t.filePath) return `${head} · ${t.track.durationS} s · ✅ in this thread`;
    if (t.track.status === 'cancelled') return `${head} · 🚫 cancelled`;
    return `${head} · ❌ failed: ${slackInert(t.track.errorMessage ?? 'it could not be made.', 300)} (make it again with seed:${t.track.params.seed})`;
  });
  const head = made === d.takes.length
    ? `${made} takes are ready`
    : d.takes.every((t) => t.track.status === 'cancelled')
      ? `the ${d.takes.length} takes were cancelled`
      : made === 0 ? `none of the ${d.takes.length} takes could be made` : `${made} of ${d.takes.length} takes are ready`;
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: batchBlockId(d.batchId),
      text: verbatimMrkdwn(`🎵 *${slackInert(first.prompt, 300)}* · ${head}\nby ${mention(userId)}`),
    },
    { type: 'section', text: verbatimMrkdwn(lines.join('\n')) },
  ];
  return { text: `🎵 ${slackInert(first.prompt, 80)}: ${head}`, blocks };
}

type ThreadMessage = { blocks?: unknown; files?: unknown; ts?: string };

async function threadOf(client: webApi.WebClient, channel: string, ts: string): Promise<ThreadMessage[]> {
  const res = await client.conversations.replies({ channel, ts, limit: 200 });
  return (res.messages ?? []) as ThreadMessage[];
}

/** The batch's parent message: posted by this process, or found by its block id after a restart. */
async function parentTs(deps: SlackDeps, client: webApi.WebClient, channel: string, d: BatchDelivery): Promise<string | null> {
  const pending = deps.statusMessages.get(d.batchId);
  if (pending) return pending;
  const history = await client.conversations.history({ channel, oldest: oldestOf(d.takes[0]!.track), limit: 200 });
  return (history.messages ?? []).find((m) => hasBlock(m, batchBlockId(d.batchId)))?.ts ?? null;
}

export function slackBatchDeliveryHandler(deps: SlackDeps): BatchDeliveryHandler {
  return async (d) => refusingPermanently(deps, { track: d.takes[0]!.track, reply: d.reply }, () => postBatch(deps, d));
}

async function postBatch(deps: SlackDeps, d: BatchDelivery): Promise<{ messageRef: string }> {
  const { reply } = d;
  const first = d.takes[0]!.track;
  const channel = reply.channel;
  if (!channel) throw new Error(`batch ${d.batchId} has no Slack channel in its reply`);
  const client = await deps.clients.clientFor({ teamId: reply.teamId ?? first.origin.guildId, enterpriseId: reply.enterpriseId });
  const userId = reply.userId ?? first.creator.platformUserId;
  const favoriteEmoji = await deps.settings.favoriteReaction(first.origin.guildId);
  const summary = batchSummaryBlocks(d, userId);
  const steps = d.steps ?? memorySteps();
  // A batch mid-post when steps were introduced (marked by their migration) is checked the old way.
  const rerun = Boolean(steps.done[PARENT_STEP] ?? steps.done[LEGACY_STEP]);

  let ts: string | null = steps.done[PARENT_STEP] ?? (await parentTs(deps, client, channel, d));
  if (ts) {
    try {
      await client.chat.update({ channel, ts, ...summary });
    } catch (err) {
      if (!['message_not_found', 'cant_update_message', 'edit_window_closed'].includes(slackErrorCode(err) ?? '')) throw err;
      ts = null;
    }
  }
  if (!ts) ts = String((await client.chat.postMessage({ channel, ...summary, unfurl_links: false, unfurl_media: false })).ts);
  const parent = ts;
  if (steps.done[PARENT_STEP] !== parent) await steps.record(PARENT_STEP, parent);

  let thread: ThreadMessage[] | undefined;
  const inThread = async (match: (m: ThreadMessage) => boolean) => (thread ??= await threadOf(client, channel, parent)).find(match);
  for (const t of d.takes) {
    if (!t.filePath) continue;
    const track: TrackView = t.track;
    const take = t.steps ?? memorySteps();
    if (!take.done[CARD_STEP]) {
      // Posted by a killed run that did not live to record it? Then it is in the thread.
      const found = rerun ? await inThread((m) => hasBlock(m, cardBlockId(track.id))) : undefined;
      const cardTs = found?.ts ?? String((await client.chat.postMessage({
        channel, thread_ts: parent, ...trackCardBlocks(track, { userId, uploaded: t.fitsInline, favoriteEmoji }), unfurl_links: false, unfurl_media: false,
      })).ts);
      await take.record(CARD_STEP, cardTs);
    }
    if (!t.fitsInline || take.done[FILE_STEP]) continue;
    const begun = take.done[FILE_BEGUN_STEP];
    if (rerun && (await inThread((m) => (begun !== undefined && hasFile(m, begun)) || hasBlock(m, fileBlockId(track.id))))) {
      if (begun) await take.record(FILE_STEP, begun);
      continue;
    }
    await uploadFile(client, channel, t.filePath, take, {
      filename: fileName(track.prompt, track.params.seed, extname(t.filePath) || `.${track.format ?? 'bin'}`),
      title: truncate(`Take ${t.take}: ${inertPlainText(track.prompt)}`, 100),
      blocks: fileBlocks(track, userId, favoriteEmoji),
      threadTs: parent,
    });
  }
  deps.statusMessages.delete(d.batchId);
  return { messageRef: parent };
}

/** The batch's delivery step: its thread's parent message. */
export const PARENT_STEP = 'slack.batch.parent';
/** Set by the batch steps migration on batches that were mid-post before steps existed. */
const LEGACY_STEP = 'legacy';
