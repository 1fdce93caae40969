/**
 * Pure builders for every message ditty posts on Discord. Anything that echoes user input
 * (prompts, display names, error text) passes through `inert()` (inert.ts) and goes out with
 * `allowed_mentions: { parse: [] }`, so a prompt can neither ping nor restyle the channel.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  type APIEmbed,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
} from 'discord.js';
import type { ServerSettings, SimilarResult, Stats, TrackView } from '../../core/chat.ts';
import { emptySimilarText, measuredText, reasonText } from '../../core/similar.ts';
import type { HelpContent } from '../../core/help.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { describeNotes, keyLabel } from '../../core/prompt/parse.ts';
import { EXPIRED_TRACK_TEXT } from '../../core/track-view.ts';
import { buttonId, isFavoriteEmoji } from './ids.ts';
import { inert } from './inert.ts';

export { inert };

/** Sent with every message: nobody is ever pinged by ditty, whatever the prompt says. */
export const NO_MENTIONS = { parse: [] as never[] };

/** Embed and content limits from Discord's message reference, with room for our own labels. */
const PROMPT_IN_CONTENT = 300;
// Escaping can triple a character (`@` becomes `\@` plus a zero-width space): 1000 stays under 4096.
const PROMPT_IN_EMBED = 1000;
const NAME_MAX = 64;

export const BRAND_COLOR = 0x7c5cff;

export interface ComponentsJSON {
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

export function bar(progress: number, width = 10): string {
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * width);
  return '▰'.repeat(filled) + '▱'.repeat(width - filled);
}

export function formatSeconds(s: number): string {
  const total = Math.max(0, Math.round(s));
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  const rest = total % 60;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

function eta(etaS: number | undefined): string {
  return etaS !== undefined && Number.isFinite(etaS) && etaS > 0 ? ` · about ${formatSeconds(etaS)} left` : '';
}

export interface StatusLine {
  content: string;
  /** Cancel button while queued; empty rows otherwise, so an earlier Cancel disappears. */
  components: ComponentsJSON['components'];
}

/** What a generation is doing, in one line (no prompt): the progress reply's second line, and one take's line in a batch. */
export function stageLine(ev: Pick<ProgressEvent, 'stage' | 'progress' | 'position' | 'etaS' | 'message'>): string {
  switch (ev.stage) {
    case 'queued':
      return `⏳ Queued${ev.position ? ` · position ${ev.position}` : ''}${eta(ev.etaS)}${ev.message ? ` · ${inert(ev.message, 200)}` : ''}`;
    case 'rendering':
      return `🎛️ Rendering ${bar(ev.progress)} ${Math.round(ev.progress * 100)}%${eta(ev.etaS)}`;
    case 'encoding':
      return '💿 Encoding…';
    case 'delivering':
    case 'completed':
      return '📤 Uploading…';
    case 'failed':
      return `❌ ${ev.message ? inert(ev.message, 300) : 'Rendering failed.'} Try again, or change the prompt.`;
    case 'cancelled':
      return '🚫 Cancelled.';
  }
}

/** The deferred reply while a generation waits or renders. */
export function progressMessage(prompt: string, generationId: string, ev: Pick<ProgressEvent, 'stage' | 'progress' | 'position' | 'etaS' | 'message'>): StatusLine {
  const head = `🎵 ${inert(prompt)}`;
  const components = ev.stage === 'queued'
    ? [new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId(buttonId('cancel', generationId)).setLabel('Cancel').setStyle(ButtonStyle.Danger),
      ).toJSON()]
    : [];
  return { content: `${head}\n${stageLine(ev)}`, components };
}

export function trackEmbed(track: TrackView): APIEmbed {
  const p = track.params;
  const embed = new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle(`${p.genre} · ${p.bpm} bpm · ${keyLabel(p)}`)
    .setURL(track.playerUrl)
    .setDescription(inert(track.prompt, PROMPT_IN_EMBED))
    .addFields(
      { name: 'BPM', value: String(p.bpm), inline: true },
      { name: 'Key', value: keyLabel(p), inline: true },
      { name: 'Genre', value: p.genre, inline: true },
      { name: 'Duration', value: formatSeconds(track.durationS), inline: true },
      { name: 'Seed', value: String(p.seed), inline: true },
      { name: 'Engine', value: inert(`${track.engine} ${track.engineVersion}`.trim(), 60), inline: true },
      { name: 'Render time', value: track.renderMs === null ? '—' : `${(track.renderMs / 1000).toFixed(1)} s`, inline: true },
      { name: 'By', value: inert(track.creator.displayName, NAME_MAX), inline: true },
    )
    // The footer carries the generation id, so a reaction on this message finds its track even
    // when the buttons were stripped by a later edit.
    .setFooter({ text: `ditty · ${track.id}` });
  return embed.toJSON();
}

/** `favoriteEmoji` is the server's favorite reaction, already checked with `isFavoriteEmoji`. */
export function trackButtons(track: TrackView, favoriteEmoji = '⭐'): ComponentsJSON['components'] {
  // Discord takes at most five buttons a row: actions on the track first, its links below.
  return [
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(buttonId('fav', track.id)).setLabel(`Favorite (${track.favorites})`).setEmoji(favoriteEmoji).setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId(buttonId('var', track.id)).setLabel('Variation').setEmoji('🎲').setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setCustomId(buttonId('ext', track.id)).setLabel('Extend').setEmoji('⏩').setStyle(ButtonStyle.Secondary),
      // Its creator or a server admin (Manage Server); the core decides.
      new ButtonBuilder().setCustomId(buttonId('del', track.id)).setLabel('Delete').setEmoji('🗑️').setStyle(ButtonStyle.Danger),
    ).toJSON(),
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      // An expired track has no audio left to play or download: no links to a page that says so.
      ...(track.expired ? [] : [
        new ButtonBuilder().setURL(track.playerUrl).setLabel('Play').setStyle(ButtonStyle.Link),
        new ButtonBuilder().setURL(track.downloadUrl).setLabel('Download').setStyle(ButtonStyle.Link),
      ]),
      new ButtonBuilder().setCustomId(buttonId('sim', track.id)).setLabel('More like this').setEmoji('🧭').setStyle(ButtonStyle.Secondary),
    ).toJSON(),
  ];
}

/** "More like this" / `/similar`: the nearest tracks of this server, each with why. */
export function similarEmbed(result: SimilarResult | null, words = ''): APIEmbed {
  const lines = (result?.tracks ?? []).map((t, i) =>
    `${i + 1}. [${inert(t.track.prompt, 60)}](${t.track.playerUrl}) · ${reasonText(t)} · ${measuredText(t)} · ${inert(t.track.creator.displayName, 32)}`);
  return new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle(result ? `More like “${inert(result.of.prompt.replace(/\s+/g, ' ').trim(), 80)}”` : 'More like this')
    .setDescription(lines.length ? clip(lines.join('\n'), 4000) : emptySimilarText(result, words))
    .toJSON();
}

/** Text above the embed of a finished track; with `linkOnly` the file was too large to attach. */
export function trackContent(track: TrackView, linkOnly: boolean): string {
  const who = inert(track.creator.displayName, NAME_MAX);
  const head = `🎶 ${who}'s track is ready.`;
  const lines = [track.expired ? `${head}\n⌛ ${EXPIRED_TRACK_TEXT}` : linkOnly ? `${head} It is too large to attach here: ${track.downloadUrl}` : head];
  if (track.extendedFrom) lines.push(`⏩ Extended from ${track.extendedFrom.playerUrl}`);
  // What was approximated or ignored, in the core's words; they quote the prompt, so inert.
  const notice = describeNotes(track.params);
  if (notice) lines.push(`ℹ️ ${inert(notice, 600)}`);
  return lines.join('\n');
}

export function trackFileName(track: TrackView): string {
  const slug = track.prompt.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'track';
  return `ditty-${slug}.${track.format ?? 'ogg'}`;
}

export const INTERNAL_ERROR_TEXT = '⚠️ Something went wrong on ditty\'s side. Please try again in a minute.';
export const UNAVAILABLE_TEXT = '⚠️ ditty can\'t reach its queue or database right now, so nothing was queued. Please try again in a minute.';

export function userErrorText(message: string): string {
  // The core writes these messages, but they may quote the user's input back.
  return `⚠️ ${inert(message, 600)}`;
}

const PERIOD_LABEL = { day: 'today', week: 'this week', month: 'this month', all: 'all time' } as const;

export function statsEmbed(stats: Stats, serverName: string | null, chartName: string | null): APIEmbed {
  const t = stats.totals;
  const where = stats.scope === 'global' ? 'everywhere' : serverName ? `on ${inert(serverName, 80)}` : 'on this server';
  const tracks = stats.topTracks.length
    ? stats.topTracks.slice(0, 10).map((x, i) => `${i + 1}. ${inert(x.prompt, 60)} · ⭐ ${x.favorites} · ▶️ ${x.plays} · ${inert(x.creator, 32)}`).join('\n')
    : 'No tracks yet.';
  const creators = stats.topCreators.length
    ? stats.topCreators.slice(0, 10).map((c, i) => `${i + 1}. ${inert(c.displayName, 32)} · ${c.generations} tracks · ⭐ ${c.favoritesReceived}`).join('\n')
    : 'Nobody yet.';
  const embed = new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle(`ditty stats ${where}, ${PERIOD_LABEL[stats.period]}`)
    .addFields(
      { name: 'Generations', value: String(t.generations), inline: true },
      { name: 'Success rate', value: `${Math.round(t.successRate * 100)}%`, inline: true },
      { name: 'Avg render', value: t.avgRenderMs === null ? '—' : `${(t.avgRenderMs / 1000).toFixed(1)} s`, inline: true },
      { name: 'Favorites', value: String(t.favorites), inline: true },
      { name: 'Plays', value: String(t.plays), inline: true },
      { name: 'Top tracks', value: clip(tracks, 1024) },
      { name: 'Top creators', value: clip(creators, 1024) },
    );
  if (chartName) embed.setImage(`attachment://${chartName}`);
  return embed.toJSON();
}

/** One line per track: the prompt (escaped, so it cannot break out of the label) links to the player. */
function trackLine(t: TrackView): string {
  return `• [${inert(t.prompt, 60)}](${t.playerUrl}) · ${t.params.genre} · ${t.params.bpm} bpm · ⭐ ${t.favorites} · ${inert(t.creator.displayName, 32)}`;
}

export function recentEmbed(tracks: TrackView[]): APIEmbed {
  const lines = tracks.map(trackLine);
  return new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle('Recent ditty tracks')
    .setDescription(lines.length ? clip(lines.join('\n'), 4000) : 'No tracks on this server yet. Try `/generate`.')
    .toJSON();
}

export function searchEmbed(query: string, tracks: TrackView[]): APIEmbed {
  const lines = tracks.map(trackLine);
  return new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle(`Tracks matching “${inert(query.replace(/\s+/g, ' ').trim(), 80)}”`)
    .setDescription(lines.length ? clip(lines.join('\n'), 4000) : `No finished track on this server matches ${inert(query, 80)}. Try fewer or other words.`)
    .toJSON();
}

/** `/ditty settings` answers: what is set now, with "default" where the deployment decides; blocked words for admins only. */
export function settingsEmbed(settings: ServerSettings, opts: { note?: string; showBlockedWords?: boolean } = {}): APIEmbed {
  const { note, showBlockedWords = true } = opts;
  const orDefault = (v: number | null, unit: string) => (v === null ? 'default' : `${v} ${unit}`);
  const channels = settings.allowedChannels.length ? settings.allowedChannels.map((id) => `<#${id}>`).join(' ') : 'every channel';
  const words = !settings.blockedWords.length
    ? 'none'
    : showBlockedWords
      ? settings.blockedWords.map((w) => inert(w, 100)).join(', ')
      : `${settings.blockedWords.length} (members with Manage Server can see them)`;
  const embed = new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle('ditty settings for this server')
    .addFields(
      { name: 'Allowed channels', value: clip(channels, 1024) },
      { name: 'Max duration', value: orDefault(settings.maxDurationS, 's'), inline: true },
      { name: 'Rate limit', value: orDefault(settings.rateLimitPerMinute, 'per minute per member'), inline: true },
      { name: 'Concurrent tracks', value: orDefault(settings.concurrency, 'at once'), inline: true },
      { name: 'Favorite emoji', value: isFavoriteEmoji(settings.favoriteEmoji) ? settings.favoriteEmoji : inert(settings.favoriteEmoji, 64), inline: true },
      { name: 'Blocked words', value: clip(words, 1024) },
    );
  if (note) embed.setDescription(note);
  return embed.toJSON();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a deleted track's message becomes when it cannot be removed outright. */
export const DELETED_TRACK_TEXT = '🗑️ This track was deleted.';

/** `/help`: ditty's own text (core/help.ts), no user input, so no escaping beyond Discord's limits. */
export function helpEmbed(help: HelpContent): APIEmbed {
  return new EmbedBuilder()
    .setColor(BRAND_COLOR)
    .setTitle('ditty: text to music')
    .setDescription(help.commands.map((c) => `**${c.usage}** — ${c.description}`).join('\n'))
    .addFields(
      ...help.prompt.map((p) => ({ name: p.topic, value: clip(p.words, 1024) })),
      { name: 'Limits', value: clip(help.limits.map((l) => `• ${l}`).join('\n'), 1024) },
      { name: 'Links', value: help.links.map((l) => `[${l.label}](${l.url})`).join('\n') },
    )
    .toJSON();
}
