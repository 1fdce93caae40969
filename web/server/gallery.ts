/**
 * The web gallery at `/`: recent, most played and most favorited tracks of every server, search,
 * per-server leaderboards with the /stats chart, and the local chat identity's own tracks and
 * favorites. Pages are rendered here (gallery-html.ts) from a GallerySource; each track carries its
 * player. It shows server content, so it sits behind the local chat's login: with
 * LOCAL_CHAT_TOKEN set, a visitor without a session is sent to the chat, which holds the form.
 *
 * Routes (HTML unless noted):
 *   GET /                       a few of each list, and the way to the chat
 *   GET /recent | /popular | /favorites [?page=]
 *   GET /search?q=[&page=]
 *   GET /servers                servers with tracks
 *   GET /servers/:platform/:guildId[?period=]            leaderboard (default period: the bots')
 *   GET /servers/:platform/:guildId/chart.png[?period=]  its chart (PNG, core/chart.ts)
 *   GET /me | /me/favorites [?name=][&page=]             the chat identity's tracks and stars
 *   GET /similar/:id            "More like this": the nearest tracks of its server (core.similar), with why
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/chat.ts';
import { renderStatsChart } from '../../core/chart.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { PLATFORMS, type Platform } from '../../core/jobs.ts';
import { isGenerationId } from '../../core/validate.ts';
import type { ChatAuth } from './chat-auth.ts';
import { localActor, parseStatsQuery, PERIOD_LABELS } from './commands.ts';
import type { BrowseOrder, GallerySource, ServerSummary } from './gallery-source.ts';
import {
  creatorsTable, layout, pager, periodTabs, section, serverLabel, serverPath, totalsLine, trackItem, trackList, type NavKey,
} from './gallery-html.ts';
import { escapeHtml as e } from './player-page.ts';

export interface GalleryPluginOptions {
  source: GallerySource;
  auth: ChatAuth;
  /** PUBLIC_URL: track links are shown as paths on this server. */
  publicUrl: string;
}

const PAGE_SIZE = 12;
const HOME_SIZE = 6;
const MAX_PAGE = 100;
const GUILD_ID = /^[\p{L}\p{N}_.:@-]{1,64}$/u;

const LISTS: Record<'recent' | 'popular' | 'favorites', { order: BrowseOrder; title: string; empty: string }> = {
  recent: { order: 'recent', title: 'Recent tracks', empty: 'No tracks yet. Open the chat and make the first one.' },
  popular: { order: 'plays', title: 'Most played', empty: 'Nothing has been played yet.' },
  favorites: { order: 'favorites', title: 'Most favorited', empty: 'Nothing has been starred yet.' },
};

function pageOf(req: FastifyRequest): number {
  const raw = (req.query as Record<string, unknown> | undefined)?.page;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return Math.min(MAX_PAGE, Math.max(1, n));
}

function queryText(req: FastifyRequest, key: string): string {
  const raw = (req.query as Record<string, unknown> | undefined)?.[key];
  return typeof raw === 'string' ? raw : '';
}

function html(reply: FastifyReply, body: string, code = 200): FastifyReply {
  return reply.code(code).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export async function galleryPlugin(app: FastifyInstance, opts: GalleryPluginOptions): Promise<void> {
  const { source, auth, publicUrl } = opts;

  /** Who is looking: the session's name with a login; null in the open chat. */
  const viewer = (req: FastifyRequest): string | null => auth.sessionName(req);

  // Behind the chat's login: without a session, the chat page is where one logs in.
  app.addHook('onRequest', async (req, reply) => {
    if (auth.mode !== 'token' || !isGalleryPath(req.url)) return;
    if (auth.sessionName(req) === null) return reply.code(303).header('location', '/chat').header('cache-control', 'no-store').send();
  });

  const page = (req: FastifyRequest, current: NavKey, title: string, body: string, query?: string) =>
    layout({ title, current, who: viewer(req), body, query });

  app.get('/', async (req, reply) => {
    const [recent, popular, favorites, servers] = await Promise.all([
      source.list('recent', { limit: HOME_SIZE }),
      source.list('plays', { limit: HOME_SIZE }),
      source.list('favorites', { limit: HOME_SIZE }),
      source.servers(),
    ]);
    const intro = `<p class="intro">Tracks people made with ditty, from the local chat${' '}and every Discord server and Slack workspace it is in.
<a class="button" href="/chat">Make a track in the chat</a></p>`;
    const body = [
      intro,
      section('Recent', 'recent', trackList(recent, publicUrl, LISTS.recent.empty), { href: '/recent', label: 'All recent tracks' }),
      section('Most played', 'popular', trackList(popular, publicUrl, LISTS.popular.empty), { href: '/popular', label: 'All most played' }),
      section('Most favorited', 'favorites', trackList(favorites, publicUrl, LISTS.favorites.empty), { href: '/favorites', label: 'All favorites' }),
      section('Leaderboards', 'boards', serverList(servers.slice(0, HOME_SIZE)), { href: '/servers', label: 'All leaderboards' }),
    ].join('\n');
    return html(reply, page(req, 'home', 'Gallery', body));
  });

  for (const [key, list] of Object.entries(LISTS) as Array<[keyof typeof LISTS, (typeof LISTS)[keyof typeof LISTS]]>) {
    app.get(`/${key}`, async (req, reply) => {
      const n = pageOf(req);
      const tracks = await source.list(list.order, { limit: PAGE_SIZE + 1, offset: (n - 1) * PAGE_SIZE });
      const body = trackList(tracks.slice(0, PAGE_SIZE), publicUrl, list.empty, 2) + pager(`/${key}`, n, tracks.length > PAGE_SIZE);
      return html(reply, page(req, key, n > 1 ? `${list.title} · page ${n}` : list.title, body));
    });
  }

  app.get('/search', async (req, reply) => {
    const q = queryText(req, 'q').slice(0, 200).trim();
    const n = pageOf(req);
    if (!q) return html(reply, page(req, 'search', 'Search', '<p>Type words from a prompt in the search box above.</p>'));
    const tracks = await source.search(q, { limit: PAGE_SIZE + 1, offset: (n - 1) * PAGE_SIZE });
    const body = `<p class="result-count" role="status">${tracks.length === 0 ? 'No track matches.' : `Tracks whose prompt matches “${e(q)}”.`}</p>`
      + trackList(tracks.slice(0, PAGE_SIZE), publicUrl, 'Try other words.', 2) + pager('/search', n, tracks.length > PAGE_SIZE, { q });
    return html(reply, page(req, 'search', `Search: ${q}`, body, q));
  });

  app.get('/servers', async (req, reply) => {
    return html(reply, page(req, 'servers', 'Leaderboards', serverList(await source.servers())));
  });

  app.get<{ Params: { platform: string; guildId: string } }>('/servers/:platform/:guildId', async (req, reply) => {
    const { platform, guildId } = serverOf(req.params);
    const { period } = parseStatsQuery({ period: queryText(req, 'period') });
    const board = await source.leaderboard(platform, guildId, period);
    const path = serverPath(platform, guildId);
    const chart = board.tracks.length === 0 ? '' : `<figure class="chart">
<img src="${e(`${path}/chart.png?period=${period}`)}" width="600" height="260"
  alt="Bar chart: for each of the ${board.tracks.length} top tracks below, in order, favorites (yellow) and plays (purple).">
<figcaption>Favorites (yellow) and plays (purple) of the top tracks, in list order.</figcaption>
</figure>`;
    const body = [
      periodTabs(path, period),
      `<p class="totals">${e(totalsLine(board.stats.totals))}</p>`,
      chart,
      section('Top tracks', 'top-tracks', trackList(board.tracks, publicUrl, 'No tracks in this period.', 3, true)),
      section('Top creators', 'top-creators', creatorsTable(board.stats)),
    ].join('\n');
    return html(reply, page(req, 'servers', `${serverLabel(platform, guildId)} · ${PERIOD_LABELS[period]}`, body));
  });

  app.get<{ Params: { platform: string; guildId: string } }>('/servers/:platform/:guildId/chart.png', async (req, reply) => {
    const { platform, guildId } = serverOf(req.params);
    const { period } = parseStatsQuery({ period: queryText(req, 'period') });
    const board = await source.leaderboard(platform, guildId, period);
    return reply.header('content-type', 'image/png').header('cache-control', 'no-store').send(renderStatsChart(board.tracks));
  });

  app.get<{ Params: { id: string } }>('/similar/:id', async (req, reply) => {
    const result = isGenerationId(req.params.id) ? await source.similar(req.params.id) : null;
    if (!result) throw new UserError(UserErrorCode.NotFound, 'That track does not exist, or its audio is gone.');
    const near = result.tracks.filter((n) => n.track.status === 'completed');
    const list = !result.analysed
      ? '<p class="empty" role="status">This track has not been listened to yet (it takes a few seconds after it is made); reload in a moment.</p>'
      : near.length === 0
        ? '<p class="empty">No other track of its server is analysed yet.</p>'
        : `<ul class="tracks">${near.map((n) => trackItem(n.track, publicUrl, 3,
          n.reasons.length ? `Why: ${n.reasons.join(', ')}` : 'The nearest in sound overall.')).join('\n')}</ul>`;
    const body = section('The track', 'of', `<ul class="tracks">${trackItem(result.of, publicUrl)}</ul>`)
      + section('Tracks that sound like it', 'near', list);
    return html(reply, page(req, 'home', 'More like this', body));
  });

  const mine = (key: 'me' | 'me-favorites') => async (req: FastifyRequest, reply: FastifyReply) => {
    const path = key === 'me' ? '/me' : '/me/favorites';
    const title = key === 'me' ? 'My tracks' : 'My favorites';
    const typed = queryText(req, 'name');
    let actor: Actor | null = null;
    if (auth.mode === 'token') actor = localActor(auth.sessionName(req));
    else if (typed) actor = localActor(typed);
    if (!actor) {
      // The open chat keeps the name in the browser; gallery.js fills it in from there.
      const form = `<form class="name-form" action="${path}" method="get">
<label for="me-name">Your name in the local chat</label>
<input id="me-name" name="name" maxlength="32" autocomplete="nickname" required>
<button type="submit">Show</button></form>`;
      return html(reply, page(req, key, title, form));
    }
    const n = pageOf(req);
    const window = { limit: PAGE_SIZE + 1, offset: (n - 1) * PAGE_SIZE };
    const tracks = key === 'me' ? await source.createdBy(actor, window) : await source.favoritesOf(actor, window);
    const empty = key === 'me' ? 'No tracks yet: make one in the chat.' : 'No favorites yet: star a track in the chat.';
    const extra: Record<string, string> = auth.mode === 'token' ? {} : { name: actor.displayName };
    const body = `<p class="meta">As <strong>${e(actor.displayName)}</strong> in the local chat.</p>`
      + trackList(tracks.slice(0, PAGE_SIZE), publicUrl, empty, 2) + pager(path, n, tracks.length > PAGE_SIZE, extra);
    return html(reply, page(req, key, title, body));
  };
  app.get('/me', mine('me'));
  app.get('/me/favorites', mine('me-favorites'));
}

/** Servers with tracks, each linking to its leaderboard. */
function serverList(servers: readonly ServerSummary[]): string {
  if (servers.length === 0) return '<p class="empty">No server has a track yet.</p>';
  return `<ul class="servers">${servers.map((s) => `<li><a href="${e(serverPath(s.platform, s.guildId))}">${e(serverLabel(s.platform, s.guildId))}</a>
<span class="meta">${s.tracks} track${s.tracks === 1 ? '' : 's'} made</span></li>`).join('')}</ul>`;
}

const GALLERY_PATHS = /^\/(?:$|\?|recent|popular|favorites|search|servers|me|similar)(?:[/?]|$)/;

function isGalleryPath(url: string): boolean {
  return GALLERY_PATHS.test(url);
}

function serverOf(params: { platform: string; guildId: string }): { platform: Platform; guildId: string } {
  const platform = PLATFORMS.find((p) => p === params.platform);
  if (!platform || !GUILD_ID.test(params.guildId)) throw new UserError(UserErrorCode.NotFound, 'No such server.');
  return { platform, guildId: params.guildId };
}

