/**
 * Takes on Slack: a batch is one thread. The status message posted when the batch is accepted is
 * its parent: it names every take with its seed, and once no take is still being made it becomes
 * the batch's summary (which takes were made, which failed and why, in plain words). Each made
 * take goes into the thread as its own track card (its own Favorite, Variation, Extend, links)
 * and its uploaded file, so a take is favorited on its own by button or by reaction on its card
 * or file. The parent's block id names the batch, not a track: a reaction on it favorites nothing.
 *
 * Idempotence: the parent edit is idempotent; before posting a take's card or file the thread is
 * read, and what is already there is not posted again.
 */
import { extname } from 'node:path';
import type { webApi } from '@slack/bolt';
import type { AcceptedTake, BatchDelivery, BatchDeliveryHandler, TrackView } from '../../core/chat.ts';
import type { MusicParams } from '../../core/music.ts';
import { cardBlockId, fileBlockId, fileBlocks, paramsLine, stageLine, trackCardBlocks, type Block } from './blocks.ts';
import type { SlackDeps } from './deps.ts';
import { fileName, hasBlock, oldestOf, refusingPermanently } from './delivery.ts';
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

async function threadOf(client: webApi.WebClient, channel: string, ts: string): Promise<Array<{ blocks?: unknown }>> {
  const res = await client.conversations.replies({ channel, ts, limit: 200 });
  return (res.messages ?? []) as Array<{ blocks?: unknown }>;
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

  let ts = await parentTs(deps, client, channel, d);
  if (ts) {
    try {
      await client.chat.update({ channel, ts, ...summary });
    } catch (err) {
      if (!['message_not_found', 'cant_update_message', 'edit_window_closed'].includes(slackErrorCode(err) ?? '')) throw err;
      ts = null;
    }
  }
  if (!ts) ts = String((await client.chat.postMessage({ channel, ...summary, unfurl_links: false, unfurl_media: false })).ts);

  const thread = await threadOf(client, channel, ts);
  for (const t of d.takes) {
    if (!t.filePath) continue;
    const track: TrackView = t.track;
    if (!thread.some((m) => hasBlock(m, cardBlockId(track.id)))) {
      await client.chat.postMessage({ channel, thread_ts: ts, ...trackCardBlocks(track, { userId, uploaded: t.fitsInline, favoriteEmoji }), unfurl_links: false, unfurl_media: false });
    }
    if (t.fitsInline && !thread.some((m) => hasBlock(m, fileBlockId(track.id)))) {
      await client.filesUploadV2({
        channel_id: channel,
        thread_ts: ts,
        file: t.filePath,
        filename: fileName(track.prompt, track.params.seed, extname(t.filePath) || `.${track.format ?? 'bin'}`),
        title: truncate(`Take ${t.take}: ${inertPlainText(track.prompt)}`, 100),
        blocks: fileBlocks(track, userId, favoriteEmoji),
      });
    }
  }
  deps.statusMessages.delete(d.batchId);
  return { messageRef: ts };
}
