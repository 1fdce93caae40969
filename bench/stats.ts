/**
 * /stats at scale: 1M generations, ~3M favorites, 5M plays, one server holding 10% of every
 * table, bulk-loaded on the server with generate_series into a throwaway schema. Times the same
 * stats() call /stats makes, per scope and period, against the goal p95 < 50 ms, and beside it
 * the same totals and leaderboards computed from the base tables with plain indexes.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../core/config.ts';
import {
  createOrm, dropSchema, ensureDatabase, migrateUp, rebuildAggregates, recordPlay, setFavorite, stats, type EntityManager,
} from '../core/db/index.ts';
import type { StatsQuery } from '../core/chat.ts';
import { median, percentile, type Bench, type BenchRow } from './lib.ts';

/** BENCH_STATS_SCALE=0.1 makes a quick run at a tenth of the size. */
const SCALE = Number(process.env.BENCH_STATS_SCALE ?? 1);
const GENERATIONS = Math.round(1_000_000 * SCALE);
const FAVORITES = Math.round(3_000_000 * SCALE);
const PLAYS = Math.round(5_000_000 * SCALE);
const USERS = Math.round(50_000 * SCALE);
/** Users 1..BIG_USERS belong to the big server, and every tenth generation is theirs. */
const BIG_USERS = USERS / 10;
const OTHER_SERVERS = 999;
const RUNS = 50;
const GOAL_MS = 50;

export const BIG_GUILD = 'big';
export const SMALL_GUILD = 'g17';

/**
 * Loads the fixture in one transaction; aggregates are then rebuilt from it in SQL. Returns the
 * seconds each step took.
 */
export async function seedStatsFixture(em: EntityManager): Promise<Array<[string, number]>> {
  const steps: Array<[string, number]> = [];
  const timed = async (label: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    steps.push([label, Math.round((performance.now() - t0) / 100) / 10]);
  };
  await em.transactional(async (tx) => {
    const run = (sql: string) => timed(sql.replace(/\s+/g, ' ').trim().slice(0, 40), () => tx.execute(sql, [], 'run'));
    await run(`set local synchronous_commit = off`);
    await run(`set local work_mem = '256MB'`);
    await run(`set local maintenance_work_mem = '512MB'`);
    // The rows are consistent by construction: skip per-row foreign key checks, and build the
    // secondary indexes once at the end instead of updating them row by row.
    await run(`set local session_replication_role = replica`);
    const indexes = await tx.execute<Array<{ name: string; def: string }>>(
      `select indexname as name, indexdef as def from pg_indexes
       where schemaname = current_schema() and tablename in ('generations', 'favorites', 'plays')
         and indexname not in (select conname from pg_constraint)`,
    );
    for (const { name } of indexes) await run(`drop index "${name}"`);
    await run(`select setseed(0.42)`);
    await run(
      `insert into users (id, platform, platform_user_id, guild_id, display_name, created_at, last_active_at)
       select u, 'discord', 'u' || u,
              case when u <= ${BIG_USERS} then '${BIG_GUILD}' else 'g' || ((u - ${BIG_USERS + 1}) % ${OTHER_SERVERS}) end,
              'user ' || u, now() - interval '400 days', now()
       from generate_series(1, ${USERS}) u`,
    );
    await run(`select setval(pg_get_serial_sequence('users', 'id'), ${USERS})`);
    await run(
      `insert into prompts (id, normalized, used_count, first_used_at, last_used_at)
       select p, 'prompt number ' || p, ${GENERATIONS / 10_000}, now() - interval '365 days', now() from generate_series(1, 10000) p`,
    );
    await run(`select setval(pg_get_serial_sequence('prompts', 'id'), 10000)`);
    // Generation n gets id md5(n)::uuid, so favorites and plays can point at it by number.
    await run(
      `create temp table gsrc on commit drop as
       select n,
              case when n % 10 = 0 then 1 + floor(random() * ${BIG_USERS})::int
                   else ${BIG_USERS + 1} + floor(random() * ${USERS - BIG_USERS})::int end as user_id,
              now() - random() * interval '365 days' as created_at,
              random() as r
       from generate_series(1, ${GENERATIONS}) n`,
    );
    await run(`alter table gsrc add primary key (n)`);
    // A few tracks draw most stars and plays, as in any chat.
    await run(
      `create temp table fsrc on commit drop as
       select distinct on (f.user_id, f.n) f.user_id, f.n, g.created_at + random() * (now() - g.created_at) as created_at
       from (select 1 + floor(${GENERATIONS} * power(random(), 3))::int as n, 1 + floor(random() * ${USERS})::int as user_id
             from generate_series(1, ${FAVORITES})) f
       join gsrc g on g.n = f.n`,
    );
    await run(
      `create temp table psrc on commit drop as
       select f.n, case when random() < 0.3 then null else 1 + floor(random() * ${USERS})::int end as user_id,
              g.created_at + random() * (now() - g.created_at) as played_at
       from (select 1 + floor(${GENERATIONS} * power(random(), 2))::int as n from generate_series(1, ${PLAYS})) f
       join gsrc g on g.n = f.n`,
    );
    await run(
      `insert into generations (id, user_id, prompt, prompt_id, params, seed, requested_duration_s, engine, engine_version,
         status, progress, created_at, created_day, completed_at, render_ms, public_token, platform, guild_id, channel_id, reply,
         size_limit_bytes, favorites_count, plays_count)
       select md5(g.n::text)::uuid, g.user_id, 'prompt number ' || (1 + g.n % 10000), 1 + g.n % 10000, '{}', g.n, 15,
              'embedded', '1',
              case when g.r < 0.9 then 'completed' when g.r < 0.97 then 'failed' else 'cancelled' end, 1,
              g.created_at, (g.created_at at time zone 'UTC')::date, g.created_at + interval '5 seconds',
              case when g.r < 0.9 then 300 + floor(g.r * 1000)::int end,
              't' || g.n, u.platform, u.guild_id, 'c', '{}', 10485760, coalesce(fc.c, 0), coalesce(pc.c, 0)
       from gsrc g
       join users u on u.id = g.user_id
       left join (select n, count(*) as c from fsrc group by n) fc on fc.n = g.n
       left join (select n, count(*) as c from psrc group by n) pc on pc.n = g.n`,
    );
    await run(`insert into favorites (user_id, generation_id, created_at) select user_id, md5(n::text)::uuid, created_at from fsrc`);
    await run(
      `insert into plays (generation_id, user_id, source, played_at) select md5(n::text)::uuid, user_id, 'web', played_at from psrc`,
    );
    for (const { def } of indexes) await run(def);
    // Without statistics the planner takes the fresh tables for empty and joins them row by row.
    await run('analyze');
    // Inside the same transaction, so foreign key checks stay off for the aggregate rows too.
    await timed('rebuild aggregates', () => rebuildAggregates(tx, { onlyPeriodsContaining: new Date() }));
    await run('analyze stat_totals, creator_stats');
  });
  return steps;
}

/** The same numbers computed from the base tables: what /stats would cost without the aggregates. */
async function plainStats(em: EntityManager, guildId: string): Promise<void> {
  await Promise.all([
    em.execute(
      `select count(*), count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'), avg(render_ms),
              (select count(*) from favorites f join generations g2 on g2.id = f.generation_id where g2.platform = 'discord' and g2.guild_id = ?),
              (select count(*) from plays p join generations g3 on g3.id = p.generation_id where g3.platform = 'discord' and g3.guild_id = ?)
       from generations where platform = 'discord' and guild_id = ?`,
      [guildId, guildId, guildId],
    ),
    em.execute(
      `select id, prompt, favorites_count, plays_count from generations
       where platform = 'discord' and guild_id = ? and status = 'completed' order by favorites_count desc, plays_count desc limit 10`,
      [guildId],
    ),
    em.execute(
      `select g.user_id, count(*) filter (where g.status = 'completed') as generations, sum(g.favorites_count) as favorites
       from generations g where g.platform = 'discord' and g.guild_id = ? group by g.user_id
       order by favorites desc, generations desc limit 10`,
      [guildId],
    ),
  ]);
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm the cache and the connection
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export const bench: Bench = async () => {
  const url = new URL(loadConfig().databaseUrl);
  url.pathname = '/ditty_bench';
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const schema = `bench_stats_${randomBytes(4).toString('hex')}`;
  const orm = await createOrm({ databaseUrl, schema, poolMax: 4 });
  const rows: BenchRow[] = [];
  try {
    await migrateUp(orm);
    const t0 = performance.now();
    const steps = await seedStatsFixture(orm.em.fork());
    const loadS = (performance.now() - t0) / 1000;
    if (process.env.BENCH_VERBOSE) console.error(steps);
    const [counts] = await orm.em.fork().execute<Array<Record<string, string>>>(
      `select (select count(*) from generations) as g, (select count(*) from favorites) as f, (select count(*) from plays) as p,
              (select count(*) from generations where guild_id = '${BIG_GUILD}') as big`,
    );
    rows.push({
      group: 'stats', name: 'fixture load (generate_series + aggregate rebuild)', value: Math.round(loadS * 10) / 10, unit: 's',
      note: `${counts!.g} generations (${counts!.big} in the big server), ${counts!.f} favorites, ${counts!.p} plays; slowest steps: ${
        [...steps].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([l, t]) => `${l.split(' ').slice(0, 3).join(' ')} ${t} s`).join(', ')}`,
    });

    const cases: Array<[string, StatsQuery]> = [];
    for (const period of ['day', 'week', 'month', 'all'] as const) {
      cases.push([`big server, ${period}`, { platform: 'discord', guildId: BIG_GUILD, scope: 'server', period }]);
    }
    for (const period of ['day', 'all'] as const) {
      cases.push([`small server, ${period}`, { platform: 'discord', guildId: SMALL_GUILD, scope: 'server', period }]);
      cases.push([`global, ${period}`, { platform: 'discord', guildId: SMALL_GUILD, scope: 'global', period }]);
    }
    for (const [name, query] of cases) {
      const samples = await time(RUNS, () => stats(orm.em.fork(), query));
      const p95 = percentile(samples, 95);
      rows.push({
        group: 'stats', name: `/stats ${name} p95`, value: round(p95), unit: 'ms', goal: `< ${GOAL_MS} ms`, met: p95 < GOAL_MS,
        note: `p50 ${round(median(samples))} ms over ${RUNS} runs (totals row + top-10 tracks + top-10 creators)`,
      });
    }
    // What keeping the aggregates costs each event: a play and a star on a big-server track.
    const [hot] = await orm.em.fork().execute<Array<{ id: string }>>(
      `select id from generations where guild_id = '${BIG_GUILD}' and status = 'completed' order by favorites_count desc limit 1`,
    );
    const listener = { platform: 'discord' as const, platformUserId: 'bench-listener', guildId: BIG_GUILD, displayName: 'bench' };
    const plays = await time(RUNS, () => recordPlay(orm.em.fork(), hot!.id, listener, 'web', 30));
    let on = true;
    const stars = await time(RUNS, () => setFavorite(orm.em.fork(), listener, hot!.id, (on = !on)));
    rows.push(
      { group: 'stats', name: 'recordPlay p50 (play row + counter + 8 totals rows)', value: round(median(plays)), unit: 'ms', note: `p95 ${round(percentile(plays, 95))} ms` },
      { group: 'stats', name: 'setFavorite toggle p50 (+ 4 creator rows)', value: round(median(stars)), unit: 'ms', note: `p95 ${round(percentile(stars, 95))} ms` },
    );
    const plain = await time(5, () => plainStats(orm.em.fork(), BIG_GUILD));
    rows.push({
      group: 'stats', name: 'big server, all, from base tables (no aggregates) p50', value: round(median(plain)), unit: 'ms',
      note: 'same totals and leaderboards by scanning generations/favorites/plays with plain indexes; for comparison',
    });
  } finally {
    await dropSchema(orm, schema);
    await orm.close();
  }
  return rows;
};

const round = (ms: number) => Math.round(ms * 100) / 100;

if (import.meta.main) {
  console.table(await bench());
}
