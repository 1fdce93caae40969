/**
 * Lists and leaderboards: newest tracks, most played, search (cursor pages), and /stats. A key
 * reads the API's own server; an admin key may name another (`platform:id`) or `global`.
 */
import { z } from 'zod';
import { apiActor, API_GUILD_ID, type ApiKeyRow } from '../../../../core/api-keys.ts';
import { DEFAULT_STATS_PERIOD } from '../../../../core/chat.ts';
import { BadCursorError, listTracks, searchTracks, type CatalogPage, type CatalogScope } from '../../../../core/db/catalog.ts';
import { UserError, UserErrorCode } from '../../../../core/errors.ts';
import { PLATFORMS, type Platform } from '../../../../core/jobs.ts';
import { BEARER, withProblems, type ApiRoutes } from '../context.ts';
import { keyOf } from '../guard.ts';
import { ApiProblem, HttpCode } from '../problem.ts';
import { toApiGeneration } from '../representation.ts';
import { ListQuerySchema, PageSchema, PeriodSchema, StatsSchema } from '../schemas.ts';
import { etagOf, notModified } from './generations.ts';

/** What /stats shows when no period is named: the same as every chat frontend. */
const DEFAULT_PERIOD = DEFAULT_STATS_PERIOD;

/** The server a request reads: the API's own unless an admin key names another. */
export function scopeFor(key: ApiKeyRow, server: string | undefined): CatalogScope {
  if (server === undefined || server === 'api' || server === `api:${API_GUILD_ID}`) return { platform: 'api', guildId: API_GUILD_ID };
  if (!key.admin) throw new UserError(UserErrorCode.NotAllowed, 'Only admin keys may read other servers; leave `server` out for the API\'s own tracks.');
  if (server === 'global') return 'global';
  const m = /^([a-z]+):([\p{L}\p{N}_.:@-]{1,64})$/u.exec(server);
  if (!m || !PLATFORMS.includes(m[1] as Platform)) throw new UserError(UserErrorCode.NotFound, 'Name a server as platform:id, e.g. discord:1234 or local:local, or global.');
  return { platform: m[1] as Platform, guildId: m[2]! };
}

export const catalogRoutes: ApiRoutes = (app, ctx) => {
  const em = () => ctx.runtime.orm.em.fork();

  async function pageOut(key: ApiKeyRow, read: () => Promise<CatalogPage>) {
    let page: CatalogPage;
    try {
      page = await read();
    } catch (err) {
      if (err instanceof BadCursorError) throw new ApiProblem(400, HttpCode.BadRequest, 'That cursor is not one this list gave out; start again without it.');
      throw err;
    }
    const viewer = apiActor(key);
    const items = await Promise.all(page.rows.map((row) => toApiGeneration(em(), row, viewer, ctx.publicUrl)));
    return { items, next_cursor: page.next };
  }

  for (const [url, order, summary] of [['/recent', 'recent', 'Newest finished tracks'], ['/most-played', 'most-played', 'Most played tracks']] as const) {
    app.get(url, {
      schema: {
        operationId: order === 'recent' ? 'listRecent' : 'listMostPlayed',
        summary: `${summary} (cursor pages)`,
        tags: ['tracks'],
        security: BEARER,
        querystring: ListQuerySchema,
        response: withProblems({ 200: PageSchema, 304: z.undefined() }),
      },
    }, async (req, reply) => {
      const key = keyOf(req);
      const { limit, cursor, server } = req.query;
      const out = await pageOut(key, () => listTracks(em(), scopeFor(key, server), order, limit, cursor));
      if (notModified(req, reply, etagOf(out))) return reply.code(304).send();
      return reply.send(out);
    });
  }

  app.get('/search', {
    schema: {
      operationId: 'search',
      summary: 'Finished tracks whose prompt matches (full text; "quotes" and -not work), best first',
      tags: ['tracks'],
      security: BEARER,
      querystring: ListQuerySchema.extend({ q: z.string().max(200).describe('Words to find in prompts') }),
      response: withProblems({ 200: PageSchema }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const { limit, cursor, server, q } = req.query;
    const out = await pageOut(key, () => searchTracks(em(), scopeFor(key, server), q, limit, cursor));
    return reply.header('cache-control', 'private, no-cache').send(out);
  });

  app.get('/stats', {
    schema: {
      operationId: 'stats',
      summary: 'Leaderboard: totals, top tracks, top creators, as /stats in the chats',
      description: `Periods are UTC calendar buckets (today, this ISO week, this month, all time); default ${DEFAULT_PERIOD}. ` +
        '`server=global` is every server together, as /stats global in the chats.',
      tags: ['tracks'],
      security: BEARER,
      querystring: z.object({ period: PeriodSchema.optional(), server: z.string().max(80).optional().describe('`api` (default), `global`, or (admin keys) `platform:id`') }),
      response: withProblems({ 200: StatsSchema }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const period = req.query.period ?? DEFAULT_PERIOD;
    // Global totals are what every chat user may ask for; other servers' are an admin's.
    const scope = req.query.server === 'global' ? 'global' : scopeFor(key, req.query.server);
    const s = await ctx.runtime.core.stats(scope === 'global'
      ? { platform: 'api', guildId: API_GUILD_ID, scope: 'global', period, limit: 10 }
      : { platform: scope.platform, guildId: scope.guildId, scope: 'server', period, limit: 10 });
    return reply.header('cache-control', 'private, no-cache').send({
      scope: s.scope,
      period: s.period,
      totals: {
        generations: s.totals.generations, completed: s.totals.completed, failed: s.totals.failed, success_rate: s.totals.successRate,
        avg_render_ms: s.totals.avgRenderMs, favorites: s.totals.favorites, plays: s.totals.plays,
      },
      top_tracks: s.topTracks.map((t) => ({ id: t.id, prompt: t.prompt, favorites: t.favorites, plays: t.plays, creator: t.creator })),
      top_creators: s.topCreators.map((c) => ({ name: c.displayName, generations: c.generations, favorites_received: c.favoritesReceived })),
    });
  });
};
