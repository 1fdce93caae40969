import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGeneration, getGeneration, isFavorite, rebuildAggregates, recordPlay, setFavorite, stats, transitionGeneration,
  type EntityManager, type GenerationRow,
} from '../../core/db/index.ts';
import { isUserError } from '../../core/errors.ts';
import { actor, createTestDb, params, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let track: GenerationRow;
const GUILD = 'g-busy';

beforeAll(async () => {
  db = await createTestDb('count', { poolMax: 12 });
  ({ generation: track } = await createGeneration(db.em(), {
    actor: actor('maker', GUILD), channelId: 'c', prompt: 'busy track', params: params(), durationS: 10,
    engine: 'embedded', engineVersion: '1', sizeLimitBytes: 1e7, reply: {},
  }));
  await transitionGeneration(db.em(), track.id, ['queued'], { status: 'completed', renderMs: 100 });
});
afterAll(async () => {
  await db.close();
});

async function count(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await em.execute<Array<{ n: number }>>(sql, params);
  return Number(row!.n);
}

/** Every non-zero aggregate row, in a stable order, for comparing maintained counters with a recount. */
async function aggregates(em: EntityManager): Promise<unknown[]> {
  return em.execute(
    `select 't' as t, platform, guild_id, period, bucket::text, generations, completed, failed, render_ms_sum::text, rendered, favorites, plays, 0 as x
       from stat_totals where generations + completed + failed + rendered + favorites + plays <> 0
     union all
     select 'c', c.platform, c.guild_id, c.period, c.bucket::text, c.generations, 0, 0, '0', 0, c.favorites_received, 0, c.user_id
       from creator_stats c where c.generations <> 0 or c.favorites_received <> 0
     order by 1, 2, 3, 4, 5, 13`,
  );
}

describe('counters under concurrency', () => {
  it('GIVEN 50 users starring at once, some twice, THEN the count is exactly 50', async () => {
    const users = Array.from({ length: 50 }, (_, i) => actor(`fan${i}`, GUILD));
    const calls = [...users, ...users.slice(0, 20)].map((u) => setFavorite(db.em(), u, track.id, true));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.changed)).toHaveLength(50);
    expect(Math.max(...results.map((r) => r.favorites))).toBe(50);
    expect((await getGeneration(db.em(), track.id))!.favoritesCount).toBe(50);
    expect(await count(db.em(), 'select count(*) as n from favorites where generation_id = ?', [track.id])).toBe(50);
  });

  it('GIVEN stars and unstars racing (each user toggling several times) THEN the counter equals the rows', async () => {
    const users = Array.from({ length: 40 }, (_, i) => actor(`toggler${i}`, GUILD));
    // Per user a random sequence of on/off, all users at once and each user's calls overlapping too.
    await Promise.all(users.flatMap((u, i) => [true, i % 2 === 0, i % 3 === 0, false, i % 5 === 0].map((on) => setFavorite(db.em(), u, track.id, on))));
    const rows = await count(db.em(), 'select count(*) as n from favorites where generation_id = ?', [track.id]);
    expect((await getGeneration(db.em(), track.id))!.favoritesCount).toBe(rows);
    const s = await stats(db.em(), { platform: 'discord', guildId: GUILD, scope: 'server', period: 'all' });
    expect(s.totals.favorites).toBe(rows);
    expect(s.topTracks[0]).toMatchObject({ id: track.id, favorites: rows });
    expect(s.topCreators[0]).toMatchObject({ displayName: 'maker', favoritesReceived: rows, generations: 1 });
  });

  it('GIVEN an unstar THEN the star is gone and a repeated unstar changes nothing', async () => {
    const fan = actor('fan0', GUILD);
    const before = (await getGeneration(db.em(), track.id))!.favoritesCount;
    expect(await isFavorite(db.em(), fan, track.id)).toBe(true);
    expect(await setFavorite(db.em(), fan, track.id, false)).toEqual({ changed: true, favorites: before - 1 });
    expect(await isFavorite(db.em(), fan, track.id)).toBe(false);
    expect(await setFavorite(db.em(), fan, track.id, false)).toEqual({ changed: false, favorites: before - 1 });
    await expect(setFavorite(db.em(), fan, '00000000-0000-4000-8000-000000000000', true)).rejects.toSatisfy(isUserError);
    await expect(setFavorite(db.em(), fan, 'nope', true)).rejects.toSatisfy(isUserError);
  });

  it('GIVEN 200 plays at once THEN plays_count, the plays table and stats agree on 200', async () => {
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => recordPlay(db.em(), track.id, i % 4 === 0 ? null : actor(`listener${i % 7}`, GUILD), 'web', i % 30)),
    );
    expect((await getGeneration(db.em(), track.id))!.playsCount).toBe(200);
    expect(await count(db.em(), 'select count(*) as n from plays where generation_id = ?', [track.id])).toBe(200);
    expect(await count(db.em(), 'select count(*) as n from plays where user_id is null')).toBe(50);
    for (const scope of ['server', 'global'] as const) {
      const s = await stats(db.em(), { platform: 'discord', guildId: GUILD, scope, period: 'day' });
      expect(s.totals.plays).toBe(200);
    }
    await expect(recordPlay(db.em(), track.id, null, 'radio')).rejects.toThrow(/source/);
  });

  it('GIVEN all of the above THEN the maintained aggregates equal a recount from the base tables', async () => {
    const maintained = await aggregates(db.em());
    expect(maintained.length).toBeGreaterThan(8);
    await rebuildAggregates(db.em());
    expect(await aggregates(db.em())).toEqual(maintained);
  });
});
