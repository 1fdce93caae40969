/**
 * The web gallery's lists at scale: the /stats fixture (1M generations, ~3M favorites, 5M plays;
 * BENCH_STATS_SCALE=0.1 for a tenth) and every query a gallery page makes (core/db/browse.ts), timed
 * p50/p95 against the /stats goal (p95 < 50 ms).
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../core/config.ts';
import {
  browseCreatedBy, browseFavoritesOf, browseSearch, browseServers, browseTracks, createOrm, dropSchema, ensureDatabase, migrateUp,
  type EntityManager,
} from '../core/db/index.ts';
import { median, percentile, type Bench, type BenchRow } from './lib.ts';
import { BIG_GUILD, seedStatsFixture } from './stats.ts';

const RUNS = 30;
const GOAL_MS = 50;
const round = (ms: number) => Math.round(ms * 100) / 100;

export const bench: Bench = async () => {
  const url = new URL(loadConfig().databaseUrl);
  url.pathname = '/ditty_bench';
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const schema = `bench_gallery_${randomBytes(4).toString('hex')}`;
  const orm = await createOrm({ databaseUrl, schema, poolMax: 4 });
  const rows: BenchRow[] = [];
  try {
    await migrateUp(orm);
    await seedStatsFixture(orm.em.fork());
    const [counts] = await orm.em.fork().execute<Array<{ g: string }>>(`select count(*) as g from generations`);
    // The busiest creator of the big server and the user with the most stars: the longest personal pages.
    const [creator] = await orm.em.fork().execute<Array<{ platform_user_id: string }>>(
      `select u.platform_user_id from generations g join users u on u.id = g.user_id where u.guild_id = '${BIG_GUILD}'
       group by u.platform_user_id order by count(*) desc limit 1`,
    );
    const [fan] = await orm.em.fork().execute<Array<{ platform_user_id: string; guild_id: string }>>(
      `select u.platform_user_id, u.guild_id from favorites f join users u on u.id = f.user_id group by 1, 2 order by count(*) desc limit 1`,
    );
    const who = { platform: 'discord' as const, guildId: BIG_GUILD, platformUserId: creator!.platform_user_id };
    const fanUser = { platform: 'discord' as const, guildId: fan!.guild_id, platformUserId: fan!.platform_user_id };
    const cases: Array<[string, (em: EntityManager) => Promise<unknown>]> = [
      ['recent, page 1', (em) => browseTracks(em, 'recent', { limit: 13 })],
      ['recent, page 50', (em) => browseTracks(em, 'recent', { limit: 13, offset: 49 * 12 })],
      ['most played, page 1', (em) => browseTracks(em, 'plays', { limit: 13 })],
      ['most favorited, page 1', (em) => browseTracks(em, 'favorites', { limit: 13 })],
      ['search "prompt number 17"', (em) => browseSearch(em, 'prompt number 17', { limit: 13 })],
      ['my tracks (busiest creator)', (em) => browseCreatedBy(em, who, { limit: 13 })],
      ['my favorites (biggest fan)', (em) => browseFavoritesOf(em, fanUser, { limit: 13 })],
      ['servers with tracks', (em) => browseServers(em)],
    ];
    for (const [name, fn] of cases) {
      await fn(orm.em.fork());
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await fn(orm.em.fork());
        samples.push(performance.now() - t0);
      }
      const p95 = percentile(samples, 95);
      rows.push({
        group: 'gallery', name: `${name} p95`, value: round(p95), unit: 'ms', goal: `< ${GOAL_MS} ms`, met: p95 < GOAL_MS,
        note: `p50 ${round(median(samples))} ms over ${RUNS} runs, ${counts!.g} generations`,
      });
    }
  } finally {
    await dropSchema(orm, schema);
    await orm.close();
  }
  return rows;
};

if (import.meta.main) {
  console.table(await bench());
}
