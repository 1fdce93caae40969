/**
 * The web gallery's HTML, rendered on the server: pure functions from tracks and stats to a page.
 * Every string from a track, a person or a query is escaped (escapeHtml); the pages load only
 * /theme.css, /gallery.css and /gallery.js from this server, so the chat's CSP covers them.
 */
import type { Stats, StatsPeriod, TrackView } from '../../core/chat.ts';
import type { Platform } from '../../core/jobs.ts';
import { describeNotes, describeParams } from '../../core/prompt/parse.ts';
import { PERIOD_LABELS } from './commands.ts';
import { escapeHtml as e, formatDuration } from './player-page.ts';

/**
 * Per-track actions under each gallery track, in order. This is the one place to add one (a
 * "More like this" link, say): a function of the track returning a link, or null to skip it.
 */
export interface TrackAction {
  label: string;
  href: string;
  /** Offered as a download (the `download` attribute). */
  download?: boolean;
}
export const TRACK_ACTIONS: Array<(track: TrackView) => TrackAction | null> = [
  (t) => ({ label: 'Player page', href: t.playerUrl }),
  (t) => ({ label: 'Download', href: t.downloadUrl, download: true }),
  (t) => ({ label: 'More like this', href: `/similar/${t.id}` }),
];

export type NavKey = 'home' | 'recent' | 'popular' | 'favorites' | 'servers' | 'me' | 'me-favorites' | 'search';

const NAV: Array<{ key: NavKey; href: string; label: string }> = [
  { key: 'home', href: '/', label: 'Gallery' },
  { key: 'recent', href: '/recent', label: 'Recent' },
  { key: 'popular', href: '/popular', label: 'Most played' },
  { key: 'favorites', href: '/favorites', label: 'Favorites' },
  { key: 'servers', href: '/servers', label: 'Leaderboards' },
  { key: 'me', href: '/me', label: 'My tracks' },
  { key: 'me-favorites', href: '/me/favorites', label: 'My favorites' },
];

export interface LayoutInput {
  title: string;
  current: NavKey;
  /** The signed-in name (LOCAL_CHAT_TOKEN), or null in the open chat. */
  who: string | null;
  /** The search box's text, kept on the results page. */
  query?: string;
  body: string;
}

export function layout(p: LayoutInput): string {
  const nav = NAV.map((n) => `<li><a href="${n.href}"${n.key === p.current ? ' aria-current="page"' : ''}>${e(n.label)}</a></li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${e(p.title)} · ditty</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/theme.css">
<link rel="stylesheet" href="/gallery.css">
<script type="module" src="/gallery.js"></script>
</head>
<body class="gallery">
<a class="skip" href="#content">Skip to content</a>
<header class="site">
  <a class="brand" href="/">ditty</a>
  <a class="button cta" href="/chat">Open the chat</a>
  ${p.who ? `<p class="who">signed in as <strong>${e(p.who)}</strong></p>` : ''}
  <nav aria-label="Gallery"><ul>${nav}</ul></nav>
  <form class="search" role="search" action="/search" method="get">
    <label class="visually-hidden" for="q">Search tracks</label>
    <input id="q" name="q" type="search" maxlength="200" placeholder="Search prompts, e.g. rainy piano" value="${e(p.query ?? '')}">
    <button type="submit">Search</button>
  </form>
</header>
<main id="content" tabindex="-1">
<h1>${e(p.title)}</h1>
${p.body}
</main>
</body>
</html>
`;
}

const PLATFORM_LABELS: Record<Platform, string> = { local: 'Local chat', discord: 'Discord server', slack: 'Slack workspace', api: 'Public API' };

export function serverLabel(platform: Platform, guildId: string): string {
  // The local chat and the public API are one "server" each: their id says nothing.
  return platform === 'local' || platform === 'api' ? PLATFORM_LABELS[platform] : `${PLATFORM_LABELS[platform]} ${guildId}`;
}

export function serverPath(platform: Platform, guildId: string): string {
  return `/servers/${encodeURIComponent(platform)}/${encodeURIComponent(guildId)}`;
}

/** Absolute links (from PUBLIC_URL) as paths on this server, so the page works under any host name. */
export function localPath(url: string, publicUrl: string): string {
  const base = publicUrl.replace(/\/$/, '');
  return url.startsWith(`${base}/`) ? url.slice(base.length) : url;
}

/** `why`: a line saying why the track is listed here ("More like this": same key, close tempo). */
export function trackItem(t: TrackView, publicUrl: string, headingLevel: 2 | 3 = 3, why?: string): string {
  const local = (u: string) => localPath(u, publicUrl);
  const view = { ...t, playerUrl: local(t.playerUrl), downloadUrl: local(t.downloadUrl), audioUrl: local(t.audioUrl) };
  const notice = describeNotes(t.params);
  const title = `t-${t.id}`;
  const actions = TRACK_ACTIONS.map((a) => a(view)).filter((a): a is TrackAction => a !== null)
    .map((a) => `<a href="${e(a.href)}"${a.download ? ' download' : ''}>${e(a.label)}</a>`).join('');
  const created = new Date(t.createdAt);
  const playUrl = view.playerUrl.replace(/\/?$/, '/play');
  return `<li class="track" data-track-id="${e(t.id)}">
<article aria-labelledby="${e(title)}">
  <h${headingLevel} class="prompt" id="${e(title)}">${e(t.prompt)}</h${headingLevel}>
  <p class="summary">${e(describeParams(t.params))} · ${e(formatDuration(t.durationS))} · seed ${t.params.seed}</p>
  ${notice ? `<p class="notice">${e(notice)}</p>` : ''}
  ${why ? `<p class="why">${e(why)}</p>` : ''}
  <p class="meta">by <span class="creator">${e(t.creator.displayName)}</span> · ${e(serverLabel(t.origin.platform, t.origin.guildId))} · <span title="favorites">★ ${t.favorites}</span> · <span title="plays">▶ ${t.plays}</span> · <time datetime="${e(created.toISOString())}">${e(created.toISOString().slice(0, 10))}</time></p>
  <audio controls preload="none" src="${e(view.audioUrl)}" data-play-url="${e(playUrl)}" aria-label="${e(`Play ${[...t.prompt].slice(0, 60).join('')}`)}"></audio>
  <div class="track-actions">${actions}</div>
</article>
</li>`;
}

/** `ranked`: an ordered list (a leaderboard), so the rank is read out with each track. */
export function trackList(tracks: readonly TrackView[], publicUrl: string, empty: string, headingLevel: 2 | 3 = 3, ranked = false): string {
  if (tracks.length === 0) return `<p class="empty">${e(empty)}</p>`;
  const tag = ranked ? 'ol' : 'ul';
  return `<${tag} class="tracks${ranked ? ' ranked' : ''}">${tracks.map((t) => trackItem(t, publicUrl, headingLevel)).join('\n')}</${tag}>`;
}

/** "Newer" and "Older" links for a paged list; `more` says whether a next page exists. */
export function pager(path: string, page: number, more: boolean, extra: Record<string, string> = {}): string {
  const href = (n: number) => `${path}?${new URLSearchParams({ ...extra, ...(n > 1 ? { page: String(n) } : {}) })}`.replace(/\?$/, '');
  const links = [
    page > 1 ? `<a rel="prev" href="${e(href(page - 1))}">← Previous page</a>` : '',
    more ? `<a rel="next" href="${e(href(page + 1))}">Next page →</a>` : '',
  ].filter(Boolean);
  return links.length ? `<nav class="pager" aria-label="Pages">${links.join(' ')}</nav>` : '';
}

export function section(title: string, id: string, content: string, more?: { href: string; label: string }): string {
  return `<section aria-labelledby="${id}">
<h2 id="${id}">${e(title)}</h2>
${content}
${more ? `<p class="more"><a href="${e(more.href)}">${e(more.label)}</a></p>` : ''}
</section>`;
}

const PERIODS: readonly StatsPeriod[] = ['day', 'week', 'month', 'all'];

export function periodTabs(path: string, current: StatsPeriod): string {
  return `<nav class="periods" aria-label="Period"><ul>${PERIODS.map((p) =>
    `<li><a href="${e(`${path}?period=${p}`)}"${p === current ? ' aria-current="page"' : ''}>${e(PERIOD_LABELS[p])}</a></li>`).join('')}</ul></nav>`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function totalsLine(t: Stats['totals']): string {
  const rate = Math.round(t.successRate * 100);
  const avg = t.avgRenderMs === null ? '' : ` · average render ${renderTime(t.avgRenderMs)}`;
  return `${plural(t.generations, 'track')} (${t.completed} done, ${t.failed} failed, ${rate}% success) · ${plural(t.favorites, 'star')} · ${plural(t.plays, 'play')}${avg}`;
}

/** Render time as people read it: "40 ms", "1.3 s"; never "0.0 s". */
export function renderTime(ms: number): string {
  return ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function creatorsTable(stats: Stats): string {
  if (stats.topCreators.length === 0) return '<p class="empty">Nobody yet.</p>';
  const rows = stats.topCreators.map((c, i) =>
    `<tr><td class="num">${i + 1}</td><td class="name">${e(c.displayName)}</td><td class="num">${c.generations}</td><td class="num">${c.favoritesReceived}</td></tr>`).join('');
  return `<table class="board creators"><caption class="visually-hidden">Top creators</caption>
<thead><tr><th scope="col" class="num rank">#</th><th scope="col" class="name">Name</th><th scope="col" class="num">Tracks</th><th scope="col" class="num">Stars received</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}
