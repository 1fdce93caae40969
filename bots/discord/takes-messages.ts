/**
 * Takes on Discord: a batch is one reply. While the takes are made it shows a line per take
 * (edited like any progress reply); once none is still being made it becomes one message with a
 * file per finished take, a row of buttons per take (its own Favorite, Variation, Extend, links)
 * and, for a take that failed, what went wrong in plain words with the seed to try it again.
 * Discord's limits: 10 attachments and 5 rows of 5 buttons a message, so at most 4 takes.
 */
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, type APIEmbed, type BaseMessageOptions } from 'discord.js';
import type { BatchDelivery, TrackView } from '../../core/chat.ts';
import { describeNotes, keyLabel } from '../../core/prompt/parse.ts';
import type { TakeProgress } from './progress.ts';
import { buttonId } from './ids.ts';
import { inert } from './inert.ts';
import { BRAND_COLOR, formatSeconds, NO_MENTIONS, stageLine, trackFileName, type ComponentsJSON, type StatusLine } from './messages.ts';

/** The embed footer of a batch message: names the batch, and (unlike a track's) is no favorite target for reactions. */
export const BATCH_FOOTER_PREFIX = 'ditty takes · ';

/** The reply while a batch's takes are made: one line per take, Cancel for each take still queued. */
export function batchProgressMessage(prompt: string, takes: readonly TakeProgress[]): StatusLine {
  const head = `🎵 ${inert(prompt)} · ${takes.length} takes`;
  // A made take waits for the others: the batch is posted as one message.
  const lines = takes.map((t) => `**Take ${t.take}** · seed ${t.seed} · ${t.ev.stage === 'delivering' ? '✅ Made; posted with the other takes' : stageLine(t.ev)}`);
  const queued = takes.filter((t) => t.ev.stage === 'queued');
  const components = queued.length
    ? [new ActionRowBuilder<ButtonBuilder>().addComponents(
        ...queued.map((t) => new ButtonBuilder().setCustomId(buttonId('cancel', t.generationId)).setLabel(`Cancel take ${t.take}`).setStyle(ButtonStyle.Danger)),
      ).toJSON()]
    : [];
  return { content: [head, ...lines].join('\n'), components };
}

const finished = (t: TrackView) => t.status === 'completed' || t.status === 'delivering';

/** One row per finished take: its own Favorite (with its count), Variation, Extend and links. */
export function batchButtons(tracks: readonly TrackView[], favoriteEmoji = '⭐'): ComponentsJSON['components'] {
  return tracks.filter(finished).slice(0, 5).map((t) => {
    const n = t.take?.index ?? 0;
    return new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(buttonId('fav', t.id)).setLabel(`Take ${n} · Favorite (${t.favorites})`).setEmoji(favoriteEmoji).setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId(buttonId('var', t.id)).setLabel('Variation').setEmoji('🎲').setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setCustomId(buttonId('ext', t.id)).setLabel('Extend').setEmoji('⏩').setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setURL(t.playerUrl).setLabel(`Play ${n}`).setStyle(ButtonStyle.Link),
      new ButtonBuilder().setURL(t.downloadUrl).setLabel(`Download ${n}`).setStyle(ButtonStyle.Link),
    ).toJSON();
  });
}

/** What one take is, in one line: seed and length when made, else why not in the core's words. */
function takeLine(t: BatchDelivery['takes'][number], attached: boolean): string {
  const head = `**Take ${t.take}** · seed ${t.track.params.seed}`;
  if (!t.filePath) {
    const why = t.track.status === 'cancelled' ? 'cancelled' : `failed: ${inert(t.track.errorMessage ?? 'it could not be made.', 300)}`;
    return `${head} · ❌ ${why} (make it again with seed ${t.track.params.seed})`;
  }
  const len = formatSeconds(t.track.durationS);
  return attached ? `${head} · ${len}` : `${head} · ${len} · too large to attach here: ${t.track.downloadUrl}`;
}

export function batchEmbed(d: BatchDelivery): APIEmbed {
  const first = d.takes[0]!.track;
  const p = first.params;
  return new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle(`${p.genre} · ${p.bpm} bpm · ${keyLabel(p)} · ${d.takes.length} takes`)
    .setDescription(inert(first.prompt, 1000))
    .addFields(d.takes.map((t) => ({
      name: `Take ${t.take}`,
      value: t.filePath
        ? `seed ${t.track.params.seed} · ${formatSeconds(t.track.durationS)} · ${t.track.renderMs === null ? '—' : `rendered in ${(t.track.renderMs / 1000).toFixed(1)} s`}`
        : `seed ${t.track.params.seed} · ${t.track.status === 'cancelled' ? 'cancelled' : 'failed'}`,
      inline: true,
    })))
    .setFooter({ text: `${BATCH_FOOTER_PREFIX}${d.batchId}` })
    .toJSON();
}

/** Discord refuses a request whose files add up to more than this (413, 40005), whatever each file's size. */
export const MESSAGE_UPLOAD_MAX_BYTES = 25 * 1024 * 1024;

/**
 * The batch's one message. A finished take is attached when it fits the reply's per-file limit
 * (the worker encoded it to fit) and the message's files still add up to under 25 MB (and 10
 * files); a take past that is posted as its link.
 */
export function batchMessage(d: BatchDelivery, opts: { favoriteEmoji?: string; uploadMaxBytes?: number } = {}): BaseMessageOptions {
  let budget = opts.uploadMaxBytes ?? MESSAGE_UPLOAD_MAX_BYTES;
  const files: AttachmentBuilder[] = [];
  const lines: string[] = [];
  for (const t of d.takes) {
    const size = t.track.sizeBytes ?? Number.POSITIVE_INFINITY;
    const attach = t.filePath !== null && t.fitsInline && size <= budget && files.length < 10;
    if (attach) {
      budget -= size;
      files.push(new AttachmentBuilder(t.filePath!, { name: trackFileName(t.track).replace(/\.(\w+)$/, `-take${t.take}.$1`) }));
    }
    lines.push(takeLine(t, attach));
  }
  const made = d.takes.filter((t) => t.filePath).length;
  const first = d.takes[0]!.track;
  const who = inert(first.creator.displayName, 64);
  const cancelled = d.takes.every((t) => t.track.status === 'cancelled');
  const head = made === d.takes.length
    ? `🎶 ${who}'s ${d.takes.length} takes are ready. Favorite each one with its own button.`
    : cancelled
      ? `🚫 ${who}'s ${d.takes.length} takes were cancelled.`
      : made === 0
      ? `❌ None of ${who}'s ${d.takes.length} takes could be made.`
      : `🎶 ${made} of ${who}'s ${d.takes.length} takes are ready. Favorite each one with its own button.`;
  const notice = describeNotes(first.params);
  return {
    content: [head, ...lines, ...(notice ? [`ℹ️ ${inert(notice, 600)}`] : [])].join('\n'),
    embeds: [batchEmbed(d)],
    components: batchButtons(d.takes.map((t) => t.track), opts.favoriteEmoji),
    files,
    allowedMentions: NO_MENTIONS,
  };
}

