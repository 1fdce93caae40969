/**
 * Maintained aggregates behind /stats. Every event (generation requested, finished, favorite,
 * play) adds a delta to its rows in the same transaction as the event itself, so /stats reads one
 * totals row and N leaderboard rows whatever the size of the base tables.
 *
 * Periods are calendar buckets in UTC: the day, the ISO week (from Monday), the month, and 'all'
 * (bucket 1970-01-01). The global scope is stored under platform = guild_id = '*'.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { run } from './sql.ts';
import type { StatsPeriod } from '../chat.ts';

export const GLOBAL_SCOPE = '*';
export const ALL_BUCKET = '1970-01-01';

const DAY_MS = 86_400_000;
const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The bucket (a UTC date, YYYY-MM-DD) that an instant falls in, for each period. */
export function periodBuckets(at: Date): Record<StatsPeriod, string> {
  const t = at.getTime();
  const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday = 0
  return {
    day: isoDay(dayStart),
    week: isoDay(dayStart - weekday * DAY_MS),
    month: `${isoDay(dayStart).slice(0, 7)}-01`,
    all: ALL_BUCKET,
  };
}

export interface TotalsDelta {
  generations?: number;
  completed?: number;
  failed?: number;
  renderMsSum?: number;
  rendered?: number;
  favorites?: number;
  plays?: number;
}

const TOTALS_COLUMNS = {
  generations: 'generations',
  completed: 'completed',
  failed: 'failed',
  renderMsSum: 'render_ms_sum',
  rendered: 'rendered',
  favorites: 'favorites',
  plays: 'plays',
} as const satisfies Record<keyof TotalsDelta, string>;

const BUCKET_VALUES = `(values ('day', ?::date), ('week', ?::date), ('month', ?::date), ('all', date '${ALL_BUCKET}')) b(period, bucket)`;

/**
 * Adds a delta to the server's and the global totals for the periods containing `at`. Rows are
 * written in one statement in key order, so concurrent writers take their row locks in the same
 * order and cannot deadlock on each other.
 */
export async function bumpTotals(em: EntityManager, platform: string, guildId: string, at: Date, delta: TotalsDelta): Promise<void> {
  const entries = Object.entries(delta).filter(([, v]) => v !== undefined && v !== 0) as Array<[keyof TotalsDelta, number]>;
  if (entries.length === 0) return;
  const b = periodBuckets(at);
  const cols = entries.map(([k]) => TOTALS_COLUMNS[k]);
  await run(
    em,
    `insert into stat_totals (platform, guild_id, period, bucket, ${cols.join(', ')})
     select s.platform, s.guild_id, b.period, b.bucket, ${cols.map(() => '?::bigint').join(', ')}
     from (values (?, ?), (?, ?)) s(platform, guild_id) cross join ${BUCKET_VALUES}
     order by 1, 2, 3, 4
     on conflict (platform, guild_id, period, bucket) do update set
       ${cols.map((c) => `${c} = stat_totals.${c} + excluded.${c}`).join(', ')}`,
    [...entries.map(([, v]) => v), GLOBAL_SCOPE, GLOBAL_SCOPE, platform, guildId, b.day, b.week, b.month],
  );
}

/**
 * Days a bucket is kept after it starts. /stats reads only the current bucket of each period, so
 * older rows only grow the tables (creator rows: one per creator, period and bucket); a few
 * past buckets stay for whoever looks at the database. 'all' is never pruned.
 */
export const BUCKET_RETENTION_DAYS = { day: 35, week: 98, month: 762 } as const;

/** Deletes day, week and month rows past their retention; returns how many rows went. */
export async function pruneAggregates(em: EntityManager, now: Date): Promise<number> {
  const cutoff = (days: number) => isoDay(now.getTime() - days * DAY_MS);
  const { day, week, month } = BUCKET_RETENTION_DAYS;
  const where = `(period = 'day' and bucket < ?::date) or (period = 'week' and bucket < ?::date) or (period = 'month' and bucket < ?::date)`;
  const params = [cutoff(day), cutoff(week), cutoff(month)];
  return (await run(em, `delete from stat_totals where ${where}`, params)) + (await run(em, `delete from creator_stats where ${where}`, params));
}

/** Adds to one creator's counters for the periods containing `at`. */
export async function bumpCreator(
  em: EntityManager,
  creator: { userId: number; platform: string; guildId: string },
  at: Date,
  delta: { generations?: number; favoritesReceived?: number },
): Promise<void> {
  const generations = delta.generations ?? 0;
  const favorites = delta.favoritesReceived ?? 0;
  if (generations === 0 && favorites === 0) return;
  const b = periodBuckets(at);
  await run(
    em,
    `insert into creator_stats (user_id, period, bucket, platform, guild_id, generations, favorites_received)
     select ?::int, b.period, b.bucket, ?, ?, ?::int, ?::int
     from ${BUCKET_VALUES}
     order by 2, 3
     on conflict (user_id, period, bucket) do update set
       generations = creator_stats.generations + excluded.generations,
       favorites_received = creator_stats.favorites_received + excluded.favorites_received`,
    [creator.userId, creator.platform, creator.guildId, generations, favorites, b.day, b.week, b.month],
  );
}

/**
 * Expands each row's `day` into the (period, bucket) pairs containing it. With `current`, the
 * day, week and month buckets are kept only for the periods containing that instant (the only
 * ones /stats reads); 'all' is always kept.
 */
function expandDay(current: Record<StatsPeriod, string> | null): { sql: string; params: string[] } {
  return {
    sql: `cross join lateral (values
      ('day', e.day), ('week', date_trunc('week', e.day)::date), ('month', date_trunc('month', e.day)::date), ('all', date '${ALL_BUCKET}')
    ) b(period, bucket)
    ${current ? `where b.period = 'all' or b.bucket = case b.period when 'day' then ?::date when 'week' then ?::date else ?::date end` : ''}`,
    params: current ? [current.day, current.week, current.month] : [],
  };
}

const utcDay = (column: string) => `(${column} at time zone 'UTC')::date`;

/**
 * Recomputes every aggregate from the base tables, in SQL on the server. Used to load bulk data
 * (benchmarks) and to check, in tests, that the maintained counters equal a recount. With
 * `onlyPeriodsContaining`, past day/week/month buckets are not rebuilt: far fewer rows when only
 * the current leaderboards matter.
 */
export async function rebuildAggregates(em: EntityManager, opts: { onlyPeriodsContaining?: Date } = {}): Promise<void> {
  const expand = expandDay(opts.onlyPeriodsContaining ? periodBuckets(opts.onlyPeriodsContaining) : null);
  await em.transactional(async (tx) => {
    await run(tx, 'lock table stat_totals, creator_stats in exclusive mode');
    // One big grouping pass: let it sort in memory, and skip JIT compilation, which costs more than it saves here.
    await run(tx, `set local work_mem = '256MB'`);
    await run(tx, 'set local jit = off');
    await run(tx, 'delete from stat_totals');
    await run(tx, 'delete from creator_stats');
    await run(
      tx,
      `with ev as (
         select platform, guild_id, ${utcDay('created_at')} as day,
                count(*)::int as generations,
                (count(*) filter (where status = 'completed'))::int as completed,
                (count(*) filter (where status = 'failed'))::int as failed,
                coalesce(sum(render_ms) filter (where status = 'completed'), 0)::bigint as render_ms_sum,
                (count(render_ms) filter (where status = 'completed'))::int as rendered,
                0 as favorites, 0 as plays
         from generations group by 1, 2, 3
         union all
         select g.platform, g.guild_id, ${utcDay('f.created_at')}, 0, 0, 0, 0::bigint, 0, count(*)::int, 0
         from favorites f join generations g on g.id = f.generation_id group by 1, 2, 3
         union all
         select g.platform, g.guild_id, ${utcDay('p.played_at')}, 0, 0, 0, 0::bigint, 0, 0, count(*)::int
         from plays p join generations g on g.id = p.generation_id group by 1, 2, 3
       ),
       daily as (
         -- int sums accumulate in int8, far faster than the numeric that bigint sums use
         select platform, guild_id, day, sum(generations)::int as generations, sum(completed)::int as completed,
                sum(failed)::int as failed, sum(render_ms_sum)::bigint as render_ms_sum, sum(rendered)::int as rendered,
                sum(favorites)::int as favorites, sum(plays)::int as plays
         from ev group by 1, 2, 3
       ),
       scoped as (
         select * from daily
         union all
         select '${GLOBAL_SCOPE}', '${GLOBAL_SCOPE}', day, sum(generations)::int, sum(completed)::int, sum(failed)::int,
                sum(render_ms_sum)::bigint, sum(rendered)::int, sum(favorites)::int, sum(plays)::int
         from daily group by day
       )
       insert into stat_totals (platform, guild_id, period, bucket, generations, completed, failed, render_ms_sum, rendered, favorites, plays)
       select e.platform, e.guild_id, b.period, b.bucket, sum(generations), sum(completed), sum(failed), sum(render_ms_sum),
              sum(rendered), sum(favorites), sum(plays)
       from scoped e ${expand.sql}
       group by 1, 2, 3, 4`,
      expand.params,
    );
    await run(
      tx,
      `with ev as (
         select user_id, platform, guild_id, ${utcDay('created_at')} as day, count(*)::int as generations, 0 as favorites
         from generations where status = 'completed' group by 1, 2, 3, 4
         union all
         select g.user_id, g.platform, g.guild_id, ${utcDay('f.created_at')}, 0, count(*)::int
         from favorites f join generations g on g.id = f.generation_id group by 1, 2, 3, 4
       )
       insert into creator_stats (user_id, period, bucket, platform, guild_id, generations, favorites_received)
       select e.user_id, b.period, b.bucket, e.platform, e.guild_id, sum(generations), sum(favorites)
       from ev e ${expand.sql}
       group by 1, 2, 3, 4, 5`,
      expand.params,
    );
  });
}
