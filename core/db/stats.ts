/**
 * /stats reads: one totals row plus two top-N index scans, for either scope and any period.
 *
 * Periods are calendar buckets in UTC (today, this ISO week from Monday, this month, all time):
 * totals and creators count events in the period (requests, favorites given, plays); top tracks
 * are the tracks created in the period, ranked by all the favorites and plays they have received.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Stats, StatsQuery } from '../chat.ts';
import { GLOBAL_SCOPE, periodBuckets } from './aggregates.ts';
import { clampLimit } from './repo.ts';
import { exec, type Raw } from './sql.ts';

export const STATS_MAX_LIMIT = 25;

export async function stats(em: EntityManager, query: StatsQuery, now: Date = new Date()): Promise<Stats> {
  const limit = clampLimit(query.limit ?? 10, STATS_MAX_LIMIT);
  const global = query.scope === 'global';
  const platform = global ? GLOBAL_SCOPE : query.platform;
  const guildId = global ? GLOBAL_SCOPE : query.guildId;
  const buckets = periodBuckets(now);
  const bucket = buckets[query.period];

  const [totalsRows, trackRows, creatorRows] = await Promise.all([
    exec(
      em,
      `select generations, completed, failed, render_ms_sum, rendered, favorites, plays from stat_totals
       where platform = ? and guild_id = ? and period = ? and bucket = ?`,
      [platform, guildId, query.period, bucket],
    ),
    topTracks(em, query, limit, query.period === 'all' ? null : bucket, buckets.day),
    exec(
      em,
      `select u.platform_user_id, u.display_name, c.generations, c.favorites_received
       from creator_stats c join users u on u.id = c.user_id
       where ${global ? '' : 'c.platform = ? and c.guild_id = ? and '}c.period = ? and c.bucket = ?
         and (c.generations > 0 or c.favorites_received > 0)
       order by c.favorites_received desc, c.generations desc, c.user_id
       limit ?`,
      [...(global ? [] : [query.platform, query.guildId]), query.period, bucket, limit],
    ),
  ]);

  const t = totalsRows[0];
  const completed = Number(t?.completed ?? 0);
  const failed = Number(t?.failed ?? 0);
  const rendered = Number(t?.rendered ?? 0);
  return {
    scope: query.scope,
    period: query.period,
    totals: {
      generations: Number(t?.generations ?? 0),
      completed,
      failed,
      successRate: completed + failed > 0 ? completed / (completed + failed) : 0,
      avgRenderMs: rendered > 0 ? Number(t!.render_ms_sum) / rendered : null,
      favorites: Number(t?.favorites ?? 0),
      plays: Number(t?.plays ?? 0),
    },
    topTracks: trackRows.map((r) => ({
      id: String(r.id),
      prompt: String(r.prompt),
      favorites: Number(r.favorites_count),
      plays: Number(r.plays_count),
      creator: String(r.display_name),
    })),
    topCreators: creatorRows.map((r) => ({
      platformUserId: String(r.platform_user_id),
      displayName: String(r.display_name),
      generations: Number(r.generations),
      favoritesReceived: Number(r.favorites_received),
    })),
  };
}

const ORDER = 'favorites_count desc, plays_count desc, id';

/**
 * For a bounded period, takes the top N of each day (one short index scan per day, at most 31)
 * and keeps the best N of those: the overall top N is always among them.
 */
function topTracks(em: EntityManager, query: StatsQuery, limit: number, since: string | null, today: string): Promise<Raw[]> {
  const server = query.scope === 'server';
  const scopeFilter = server ? 'platform = ? and guild_id = ? and ' : '';
  const scopeParams = server ? [query.platform, query.guildId] : [];
  const candidates =
    since === null
      ? {
          sql: `select id, prompt, favorites_count, plays_count, user_id from generations
                where ${scopeFilter}status = 'completed' and deleted_at is null order by ${ORDER} limit ?`,
          params: [...scopeParams, limit],
        }
      : {
          sql: `select t.* from generate_series(?::date, ?::date, interval '1 day') d(day)
                cross join lateral (
                  select id, prompt, favorites_count, plays_count, user_id from generations
                  where ${scopeFilter}created_day = d.day::date and status = 'completed' and deleted_at is null
                  order by ${ORDER} limit ?
                ) t`,
          params: [since, today, ...scopeParams, limit],
        };
  return exec(
    em,
    `select c.id, c.prompt, c.favorites_count, c.plays_count, u.display_name
     from (${candidates.sql}) c join users u on u.id = c.user_id
     order by c.favorites_count desc, c.plays_count desc, c.id limit ?`,
    [...candidates.params, limit],
  );
}
