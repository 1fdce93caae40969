/**
 * Block Kit for every message the app posts. Pure: core results in, blocks out. User text goes
 * into mrkdwn only through slackInert, in text objects marked `verbatim`, and the ids that tie a message to its generation live in
 * block_id and button values, so a reaction can find its track from the message alone.
 */
import type { types as Slack } from '@slack/bolt';
import type { ServerSettings, SimilarResult, Stats, TrackView } from '../../core/chat.ts';
import { emptySimilarText, measuredText, reasonText } from '../../core/similar.ts';
import type { HelpContent } from '../../core/help.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import type { MusicParams } from '../../core/music.ts';
import { visibleText } from '../../core/text-clean.ts';
import { EXPIRED_TRACK_TEXT } from '../../core/track-view.ts';
import { describeNotes, keyLabel } from '../../core/prompt/parse.ts';
import { slackInert, truncate, verbatimMrkdwn } from './text.ts';

export type Block = Slack.KnownBlock;

export const ActionId = {
  Favorite: 'ditty_favorite',
  Variation: 'ditty_variation',
  Extend: 'ditty_extend',
  Cancel: 'ditty_cancel',
  Play: 'ditty_play',
  Download: 'ditty_download',
  Delete: 'ditty_delete',
  Similar: 'ditty_similar',
} as const;
export type ActionId = (typeof ActionId)[keyof typeof ActionId];

/** Which message of a generation a block belongs to: status/track card, or the uploaded file. */
const BLOCK_ID = /^ditty:(card|file):([0-9a-f-]{36})$/;
export const cardBlockId = (generationId: string): string => `ditty:card:${generationId}`;
/** Marks a card whose file was not uploaded, so a redrawn card keeps saying so. */
export const TOO_LARGE_BLOCK_ID = 'ditty:too-large';
export const EXPIRED_BLOCK_ID = 'ditty:expired';
export const fileBlockId = (generationId: string): string => `ditty:file:${generationId}`;
/** The line saying what the prompt asked for that the track approximates or ignores. */
export const NOTICE_BLOCK_ID = 'ditty:notice';

/** What was approximated or ignored, in the core's words; they quote the prompt, so inert. */
function noticeBlock(params: MusicParams): Block | null {
  const notice = describeNotes(params);
  return notice ? { type: 'context', block_id: NOTICE_BLOCK_ID, elements: [verbatimMrkdwn(`ℹ️ ${slackInert(notice, 600)}`)] } : null;
}

/** The generation a ditty message belongs to, read from its blocks; null for any other message. */
export function generationIdFromBlocks(blocks: ReadonlyArray<{ block_id?: string }> | undefined): string | null {
  for (const block of blocks ?? []) {
    const m = block.block_id ? BLOCK_ID.exec(block.block_id) : null;
    if (m) return m[2]!;
  }
  return null;
}

/** Prompts are long; section text allows 3000 characters and people read the first line. */
const PROMPT_SHOWN = 300;
const quotePrompt = (prompt: string, max = PROMPT_SHOWN): string => `*${slackInert(prompt, max)}*`;
const mention = (userId: string): string => `<@${userId}>`;

export function paramsLine(params: MusicParams, durationS: number): string {
  return [`${params.bpm} bpm`, keyLabel(params), params.genre, `${durationS} s`, `seed ${params.seed}`].join(' · ');
}

export interface StatusInput {
  generationId: string;
  prompt: string;
  userId: string;
  params: MusicParams;
  durationS: number;
}

/** The placeholder posted before the core has accepted anything: it echoes no user text. */
export function pendingBlocks(userId: string): { text: string; blocks: Block[] } {
  const text = `🎵 ${mention(userId)} asked for a track…`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

function bar(progress: number, width = 12): string {
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * width);
  return '▓'.repeat(filled) + '░'.repeat(width - filled);
}

export function stageLine(event: Pick<ProgressEvent, 'stage' | 'progress' | 'position' | 'etaS' | 'message'>): string {
  switch (event.stage) {
    case 'queued':
      return `${event.position ? `⏳ Queued — position ${event.position}` : '⏳ Queued'}${event.message ? ` — ${slackInert(event.message, 200)}` : ''}`;
    case 'rendering': {
      const eta = event.etaS !== undefined && Number.isFinite(event.etaS) ? ` · about ${Math.max(1, Math.round(event.etaS))} s left` : '';
      return `🎛️ Rendering ${bar(event.progress)} ${Math.round(event.progress * 100)}%${eta}`;
    }
    case 'encoding':
      return '💿 Encoding…';
    case 'delivering':
    case 'completed':
      return '📤 Posting the track…';
    case 'failed':
      // Core messages are written for chat, but may quote the prompt: escape like user text.
      return `❌ Failed${event.message ? `: ${slackInert(event.message, 300)}` : ''}`;
    case 'cancelled':
      return '🚫 Cancelled';
  }
}

/** The status message while a generation is queued or rendering; Cancel shows until it renders. */
export function statusBlocks(input: StatusInput, event: Pick<ProgressEvent, 'stage' | 'progress' | 'position' | 'etaS' | 'message'>): { text: string; blocks: Block[] } {
  const line = stageLine(event);
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: cardBlockId(input.generationId),
      text: verbatimMrkdwn(`🎵 ${quotePrompt(input.prompt)}\nrequested by ${mention(input.userId)}`),
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: paramsLine(input.params, input.durationS) }] },
    ...[noticeBlock(input.params)].filter((b): b is Block => b !== null),
    { type: 'section', text: verbatimMrkdwn(line) },
  ];
  if (event.stage === 'queued' || event.stage === 'rendering') {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', action_id: ActionId.Cancel, text: { type: 'plain_text', text: 'Cancel' }, value: input.generationId, style: 'danger' }],
    });
  }
  return { text: `${line} — ${slackInert(input.prompt, 80)}`, blocks };
}

const SECTION_TEXT_MAX = 3000;

/**
 * Joins lines under Slack's 3000-character section limit, dropping whole lines from the end: an
 * escaped hostile prompt (every `&` becomes `&amp;`) must not make the leaderboard unpostable.
 */
export function fitLines(heading: string, lines: string[], max = SECTION_TEXT_MAX): string {
  let text = heading;
  for (const line of lines) {
    if (text.length + 1 + line.length > max) break;
    text += `\n${line}`;
  }
  return text;
}

function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export interface CardOptions {
  userId: string;
  /** The file was uploaded below; otherwise the card says to use the link. */
  uploaded: boolean;
  /** The workspace's favorite reaction name, shown on the Favorite button. @defaultValue 'star' */
  favoriteEmoji?: string;
}

/** The finished track: what was made, how, and the buttons. Replaces the status message. */
export function trackCardBlocks(track: TrackView, opts: CardOptions): { text: string; blocks: Block[] } {
  const p = track.params;
  const field = (label: string, value: string): Slack.MrkdwnElement => verbatimMrkdwn(`*${label}*\n${value}`);
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: cardBlockId(track.id),
      text: verbatimMrkdwn(`🎵 ${quotePrompt(track.prompt)}\nby ${mention(opts.userId)}`),
      fields: [
        field('BPM', String(p.bpm)),
        field('Key', keyLabel(p)),
        field('Genre', p.genre),
        field('Duration', `${track.durationS} s`),
        field('Seed', String(p.seed)),
        field('Engine', slackInert(`${track.engine} ${track.engineVersion}`, 60)),
        field('Render time', formatMs(track.renderMs)),
        field('Favorites', String(track.favorites)),
      ],
    },
  ];
  const notice = noticeBlock(p);
  if (notice) blocks.push(notice);
  if (track.extendedFrom) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `⏩ Extended from <${track.extendedFrom.playerUrl}|an earlier track>` }] });
  }
  if (track.expired) {
    blocks.push({ type: 'context', block_id: EXPIRED_BLOCK_ID, elements: [{ type: 'mrkdwn', text: `⌛ ${EXPIRED_TRACK_TEXT}` }] });
  } else if (!opts.uploaded) {
    blocks.push({ type: 'context', block_id: TOO_LARGE_BLOCK_ID, elements: [{ type: 'mrkdwn', text: 'The file is too large to upload here: use *Play* or *Download*.' }] });
  }
  blocks.push({
    type: 'actions',
    elements: [
      // emoji: true renders `:name:` (standard or custom) as the emoji in plain text.
      { type: 'button', action_id: ActionId.Favorite, text: { type: 'plain_text', text: `:${opts.favoriteEmoji ?? 'star'}: Favorite (${track.favorites})`, emoji: true }, value: track.id },
      { type: 'button', action_id: ActionId.Variation, text: { type: 'plain_text', text: '🎲 Variation' }, value: track.id },
      { type: 'button', action_id: ActionId.Extend, text: { type: 'plain_text', text: '⏩ Extend' }, value: track.id },
      // Link buttons: ditty's web server counts the play (when audio starts) and the download.
      // An expired track has no audio left: no player, the card says so instead.
      ...(track.expired ? [] : [
        { type: 'button', action_id: ActionId.Play, text: { type: 'plain_text', text: '▶️ Play' }, url: track.playerUrl, value: track.id },
        { type: 'button', action_id: ActionId.Download, text: { type: 'plain_text', text: '⬇️ Download' }, url: track.downloadUrl, value: track.id },
      ] as const),
      { type: 'button', action_id: ActionId.Similar, text: { type: 'plain_text', text: '🧭 More like this' }, value: track.id },
      // Its creator or a workspace admin; the core decides. Slack asks "are you sure" itself.
      {
        type: 'button', action_id: ActionId.Delete, text: { type: 'plain_text', text: '🗑️ Delete' }, value: track.id, style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: 'Delete this track?' },
          text: { type: 'plain_text', text: 'The audio file is removed for everyone and its links stop working.' },
          confirm: { type: 'plain_text', text: 'Delete' }, deny: { type: 'plain_text', text: 'Keep it' }, style: 'danger',
        },
      },
    ],
  });
  return { text: `🎵 ${slackInert(track.prompt, 80)} is ready`, blocks };
}

/** Blocks sent with the uploaded file, so a reaction on the file message finds its track too. */
export function fileBlocks(track: TrackView, userId: string, favoriteEmoji: string): Block[] {
  return [
    {
      type: 'context',
      block_id: fileBlockId(track.id),
      elements: [verbatimMrkdwn(`🎧 ${quotePrompt(track.prompt, 120)} by ${mention(userId)} · react with :${favoriteEmoji}: to favorite`)],
    },
  ];
}

export function cancelledBlocks(input: StatusInput): { text: string; blocks: Block[] } {
  return statusBlocks(input, { stage: 'cancelled', progress: 0 });
}

const PERIOD_LABEL = { day: 'today', week: 'this week', month: 'this month', all: 'all time' } as const;

/** A leaderboard with a text bar chart: Slack image blocks need a public URL we may not have. */
const statsTitle = (stats: Pick<Stats, 'scope' | 'period'>) =>
  `ditty ${stats.scope === 'global' ? 'everywhere' : 'in this workspace'}, ${PERIOD_LABEL[stats.period]}`;

/** Title and alt text of the /stats chart image; it shows bars only, so it names no track. */
export function statsChartText(stats: Pick<Stats, 'scope' | 'period' | 'topTracks'>): { title: string; altText: string } {
  return {
    title: `${statsTitle(stats)}: top tracks chart`,
    altText: `Bar chart of the top ${Math.min(10, stats.topTracks.length)} tracks, ${PERIOD_LABEL[stats.period]}: yellow bars are favorites, purple bars plays, in leaderboard order.`,
  };
}

export function statsBlocks(stats: Stats): { text: string; blocks: Block[] } {
  const t = stats.totals;
  const title = statsTitle(stats);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: title } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Tracks*\n${t.generations} (${t.completed} done, ${t.failed} failed)` },
        { type: 'mrkdwn', text: `*Success rate*\n${Math.round(t.successRate * 100)}%` },
        { type: 'mrkdwn', text: `*Favorites*\n${t.favorites}` },
        { type: 'mrkdwn', text: `*Plays*\n${t.plays}` },
        { type: 'mrkdwn', text: `*Average render*\n${formatMs(t.avgRenderMs === null ? null : Math.round(t.avgRenderMs))}` },
      ],
    },
  ];
  const top = stats.topTracks.slice(0, 10);
  if (top.length) {
    const most = Math.max(1, ...top.map((x) => x.favorites));
    const lines = top.map((x, i) => {
      const chart = '█'.repeat(Math.round((x.favorites / most) * 10)) || '▏';
      return `${i + 1}. ${chart} ${x.favorites} ⭐ · ${slackInert(x.prompt, 60)} — ${slackInert(x.creator, 40)}`;
    });
    blocks.push({ type: 'section', text: verbatimMrkdwn(fitLines('*Top tracks*', lines)) });
  }
  const creators = stats.topCreators.slice(0, 10);
  if (creators.length) {
    const lines = creators.map(
      (c, i) => `${i + 1}. ${slackInert(c.displayName, 40)} — ${c.generations} tracks, ${c.favoritesReceived} ⭐ received`,
    );
    blocks.push({ type: 'section', text: verbatimMrkdwn(fitLines('*Top creators*', lines)) });
  }
  if (!top.length && !creators.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No tracks yet: try `/generate lo-fi piano at 80 bpm`.' } });
  }
  return { text: `${title}: ${t.generations} tracks, ${t.favorites} favorites`, blocks };
}

/** One section per track; links are built by us from the core's URLs, only the label is user text. */
function trackListSection(t: TrackView): Block {
  const label = slackInert(t.prompt, 80).replace(/\|/g, '¦');
  const link = t.status === 'completed' ? `<${t.playerUrl}|${label}>` : `“${label}” (${t.status})`;
  return {
    type: 'section',
    text: verbatimMrkdwn(`${link}\n${paramsLine(t.params, t.durationS)} · ${t.favorites} ⭐ · by ${slackInert(t.creator.displayName, 40)}`),
  };
}

export function recentBlocks(tracks: TrackView[]): { text: string; blocks: Block[] } {
  if (!tracks.length) {
    return { text: 'No tracks yet', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'No tracks yet: try `/generate lo-fi piano at 80 bpm`.' } }] };
  }
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: 'Recent tracks' } }];
  for (const t of tracks.slice(0, 10)) blocks.push(trackListSection(t));
  return { text: `${tracks.length} recent tracks`, blocks };
}

export function searchBlocks(query: string, tracks: TrackView[]): { text: string; blocks: Block[] } {
  const shown = slackInert(query.replace(/\s+/gu, ' ').trim(), 80);
  if (!tracks.length) {
    const text = `No finished track in this workspace matches *${shown}*. Try fewer or other words.`;
    return { text, blocks: [{ type: 'section', text: verbatimMrkdwn(text) }] };
  }
  const blocks: Block[] = [{ type: 'section', text: verbatimMrkdwn(`*Tracks matching ${shown}*`) }];
  for (const t of tracks.slice(0, 10)) blocks.push(trackListSection(t));
  return { text: `${tracks.length} tracks match ${shown}`, blocks };
}

/** "More like this" / `/similar`: the workspace's nearest tracks, each with why. */
export function similarBlocks(result: SimilarResult | null, words = ''): { text: string; blocks: Block[] } {
  if (!result?.tracks.length) {
    const text = emptySimilarText(result, words);
    return { text, blocks: [{ type: 'section', text: verbatimMrkdwn(text) }] };
  }
  const blocks: Block[] = [{ type: 'section', text: verbatimMrkdwn(`*More like ${slackInert(result.of.prompt.replace(/\s+/gu, ' ').trim(), 80)}*`) }];
  for (const t of result.tracks.slice(0, 10)) {
    const label = slackInert(t.track.prompt, 80).replace(/\|/g, '¦');
    blocks.push({
      type: 'section',
      text: verbatimMrkdwn(`<${t.track.playerUrl}|${label}>\n${reasonText(t)} · ${measuredText(t)} · by ${slackInert(t.track.creator.displayName, 40)}`),
    });
  }
  return { text: `${result.tracks.length} tracks like ${slackInert(result.of.prompt, 80)}`, blocks };
}

export interface SettingsView {
  /** Reaction name that favorites a track now. */
  favoriteReaction: string;
  /** Blocked words are listed for admins only; others see how many there are. */
  showBlockedWords: boolean;
  /** The confirmation line after a change. */
  note?: string;
}

/** `/ditty settings`: what is set now, with "default" where the deployment decides. */
export function settingsBlocks(s: ServerSettings, view: SettingsView): { text: string; blocks: Block[] } {
  const orDefault = (v: number | null, unit: string) => (v === null ? 'default' : `${v} ${unit}`);
  const channels = s.allowedChannels.length ? joinWithin(s.allowedChannels.map((id) => `<#${id}>`), ' ') : 'every channel';
  const words = !s.blockedWords.length
    ? 'none'
    : view.showBlockedWords
      // Quoted, so no word starts the line (a leading `&gt;` would be a block quote).
      ? joinWithin(s.blockedWords.map((w) => `“${slackInert(w, 100)}”`), ', ')
      : `${s.blockedWords.length} (admins can see them)`;
  const blocks: Block[] = [];
  if (view.note) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: view.note } });
  blocks.push(
    { type: 'header', text: { type: 'plain_text', text: 'ditty settings for this workspace' } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Allowed channels*\n${channels}` },
        { type: 'mrkdwn', text: `*Max duration*\n${orDefault(s.maxDurationS, 's')}` },
        { type: 'mrkdwn', text: `*Rate limit*\n${orDefault(s.rateLimitPerMinute, 'per minute per person')}` },
        { type: 'mrkdwn', text: `*Concurrent tracks*\n${orDefault(s.concurrency, 'at once')}` },
        { type: 'mrkdwn', text: `*Favorite emoji*\n:${view.favoriteReaction}:` },
        verbatimMrkdwn(`*Blocked words*\n${words}`),
      ],
    },
  );
  return { text: view.note ?? 'ditty settings for this workspace', blocks };
}

/** Joins whole items under a section field's 2000 characters, saying how many did not fit. */
function joinWithin(items: string[], sep: string, max = 1900): string {
  let text = '';
  let shown = 0;
  for (const item of items) {
    const next = shown ? `${text}${sep}${item}` : item;
    if (next.length > max) break;
    text = next;
    shown += 1;
  }
  return shown < items.length ? `${text} … and ${items.length - shown} more` : text;
}

/**
 * A message ditty wrote that may quote what the user typed (refusals, errors): shown as
 * plain_text, which Slack never formats, links or turns into mentions.
 */
export function noticeBlocks(message: string): { text: string; blocks: Block[] } {
  const shown = truncate(visibleText(message), SECTION_TEXT_MAX);
  return { text: slackInert(shown), blocks: [{ type: 'section', text: { type: 'plain_text', text: shown, emoji: true } }] };
}

/** What a deleted track's card becomes when Slack will not let ditty remove the message. */
export const DELETED_TRACK_TEXT = '🗑️ This track was deleted.';

/** `/help`: ditty's own text (core/help.ts), laid out in Block Kit. */
export function helpBlocks(help: HelpContent): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'ditty: text to music' } },
    { type: 'section', text: { type: 'mrkdwn', text: fitLines('*Commands*', help.commands.map((c) => `\`${c.usage}\` — ${c.description}`)) } },
    { type: 'section', text: { type: 'mrkdwn', text: fitLines('*What a prompt can say*', help.prompt.map((p) => `*${p.topic}:* ${p.words}`)) } },
    { type: 'section', text: { type: 'mrkdwn', text: fitLines('*Limits*', help.limits.map((l) => `• ${l}`)) } },
    { type: 'context', elements: help.links.map((l): Slack.MrkdwnElement => ({ type: 'mrkdwn', text: `<${l.url}|${l.label}>` })) },
  ];
  return { text: 'ditty help: commands, prompt words, limits', blocks };
}
