import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, StatsQuery } from '../../core/chat.ts';
import {
  createGeneration, periodBuckets, pruneAggregates, rebuildAggregates, recordPlay, setFavorite, stats, transitionGeneration,
  type GenerationRow,
} from '../../core/db/index.ts';
import { createLogger } from '../../core/log.ts';
import { deleteGenerationAudio } from '../../core/retention.ts';
import { actor, createTestDb, params, type TestDb } from '../helpers/db.ts';

// A Wednesday: the ISO week began on Monday 16 March, the month on 1 March.
const NOW = new Date('2026-03-18T12:00:00Z');
const at = (isoDay: string, hour = 10) => new Date(`${isoDay}T${String(hour).padStart(2, '0')}:00:00Z`);

const A = { platform: 'discord', guildId: 'gA' } as const;
const B = { platform: 'slack', guildId: 'gB' } as const;
const alice = actor('alice', A.guildId);
const bob = actor('bob', A.guildId);
const carol = actor('carol', A.guildId);
const dave: Actor = actor('dave', B.guildId, 'slack');
const erin: Actor = actor('erin', B.guildId, 'slack');

let db: TestDb;
const g: Record<string, GenerationRow> = {};

async function make(name: string, who: Actor, day: string, end: 'completed' | 'failed' | null, renderMs?: number) {
  const { generation } = await createGeneration(db.em(), {
    actor: who, channelId: 'c', prompt: `track ${name}`, params: params(), durationS: 10, engine: 'embedded',
    engineVersion: '1', sizeLimitBytes: 1e7, reply: {}, now: at(day),
  });
  if (end) await transitionGeneration(db.em(), generation.id, ['queued'], { status: end, renderMs });
  g[name] = generation;
}

beforeAll(async () => {
  db = await createTestDb('stats');
  await make('g1', alice, '2026-03-18', 'completed', 1000);
  await make('g2', bob, '2026-03-16', 'completed', 3000);
  await make('g3', alice, '2026-03-05', 'failed');
  await make('g4', bob, '2026-02-20', 'completed', 2000);
  await make('g5', carol, '2026-03-18', null);
  await make('g6', dave, '2026-03-18', 'completed', 500);
  const fav = (who: Actor, name: string, day: string, on = true) => setFavorite(db.em(), who, g[name]!.id, on, at(day, 11));
  await fav(alice, 'g4', '2026-02-22');
  await fav(carol, 'g4', '2026-03-18');
  await fav(alice, 'g2', '2026-03-17');
  await fav(bob, 'g1', '2026-03-18');
  await fav(carol, 'g2', '2026-03-16');
  await fav(carol, 'g2', '2026-03-18', false); // taken back from the 16th
  await fav(dave, 'g6', '2026-03-18');
  await fav(erin, 'g6', '2026-03-18');
  await fav(erin, 'g6', '2026-03-18', false);
  for (let i = 0; i < 3; i++) await recordPlay(db.em(), g.g1!.id, null, 'web', 10, at('2026-03-18', 9));
  await recordPlay(db.em(), g.g4!.id, alice, 'discord', undefined, at('2026-02-21'));
  for (let i = 0; i < 2; i++) await recordPlay(db.em(), g.g2!.id, null, 'web', 3.5, at('2026-03-17'));
});
afterAll(async () => {
  await db.close();
});

const q = (scope: StatsQuery['scope'], period: StatsQuery['period'], where: { platform: 'discord' | 'slack'; guildId: string } = A): StatsQuery =>
  ({ ...where, scope, period });
const ids = (s: Awaited<ReturnType<typeof stats>>) => s.topTracks.map((t) => Object.entries(g).find(([, r]) => r.id === t.id)![0]);
const creators = (s: Awaited<ReturnType<typeof stats>>) => s.topCreators.map((c) => [c.displayName, c.generations, c.favoritesReceived]);

describe('period buckets', () => {
  it('GIVEN an instant THEN its UTC day, Monday-based week and month are its buckets', () => {
    expect(periodBuckets(NOW)).toEqual({ day: '2026-03-18', week: '2026-03-16', month: '2026-03-01', all: '1970-01-01' });
    expect(periodBuckets(new Date('2026-03-15T23:59:59Z')).week).toBe('2026-03-09');
    expect(periodBuckets(new Date('2026-03-16T00:00:00Z')).week).toBe('2026-03-16');
    expect(periodBuckets(new Date('2027-01-01T00:30:00Z')).week).toBe('2026-12-28');
  });
});

describe('stats on a small fixture', () => {
  it('GIVEN server scope, day THEN only today counts', async () => {
    const s = await stats(db.em(), q('server', 'day'), NOW);
    expect(s.totals).toEqual({ generations: 2, completed: 1, failed: 0, successRate: 1, avgRenderMs: 1000, favorites: 2, plays: 3 });
    expect(ids(s)).toEqual(['g1']);
    expect(creators(s)).toEqual([['alice', 1, 1], ['bob', 0, 1]]);
    expect(s.topTracks[0]).toMatchObject({ prompt: 'track g1', favorites: 1, plays: 3, creator: 'alice' });
  });

  it('GIVEN server scope, week THEN Monday onwards counts and an unstar is taken back from its own day', async () => {
    const s = await stats(db.em(), q('server', 'week'), NOW);
    expect(s.totals).toEqual({ generations: 3, completed: 2, failed: 0, successRate: 1, avgRenderMs: 2000, favorites: 3, plays: 5 });
    expect(ids(s)).toEqual(['g1', 'g2']);
    expect(creators(s)).toEqual([['bob', 1, 2], ['alice', 1, 1]]);
  });

  it('GIVEN server scope, month THEN failures lower the success rate', async () => {
    const s = await stats(db.em(), q('server', 'month'), NOW);
    expect(s.totals).toEqual({ generations: 4, completed: 2, failed: 1, successRate: 2 / 3, avgRenderMs: 2000, favorites: 3, plays: 5 });
    expect(ids(s)).toEqual(['g1', 'g2']);
    expect(creators(s)).toEqual([['bob', 1, 2], ['alice', 1, 1]]);
  });

  it('GIVEN server scope, all time THEN older tracks lead by favorites', async () => {
    const s = await stats(db.em(), q('server', 'all'), NOW);
    expect(s.totals).toEqual({ generations: 5, completed: 3, failed: 1, successRate: 3 / 4, avgRenderMs: 2000, favorites: 4, plays: 6 });
    expect(ids(s)).toEqual(['g4', 'g1', 'g2']);
    expect(creators(s)).toEqual([['bob', 2, 3], ['alice', 1, 1]]);
    expect(ids(await stats(db.em(), { ...q('server', 'all'), limit: 1 }, NOW))).toEqual(['g4']);
  });

  it('GIVEN another server THEN only its own rows count', async () => {
    const s = await stats(db.em(), q('server', 'day', B), NOW);
    expect(s.totals).toEqual({ generations: 1, completed: 1, failed: 0, successRate: 1, avgRenderMs: 500, favorites: 1, plays: 0 });
    expect(ids(s)).toEqual(['g6']);
    expect(creators(s)).toEqual([['dave', 1, 1]]);
  });

  it('GIVEN global scope THEN every server counts', async () => {
    const day = await stats(db.em(), q('global', 'day', B), NOW);
    expect(day.totals).toEqual({ generations: 3, completed: 2, failed: 0, successRate: 1, avgRenderMs: 750, favorites: 3, plays: 3 });
    expect(ids(day)).toEqual(['g1', 'g6']);
    expect(creators(day)).toEqual([['alice', 1, 1], ['dave', 1, 1], ['bob', 0, 1]]);
    const all = await stats(db.em(), q('global', 'all'), NOW);
    expect(all.totals).toEqual({ generations: 6, completed: 4, failed: 1, successRate: 4 / 5, avgRenderMs: 1625, favorites: 5, plays: 6 });
    expect(ids(all)).toEqual(['g4', 'g1', 'g2', 'g6']);
  });

  it('GIVEN a track deleted THEN it leaves the top tracks, AND the totals still count what happened (README: /stats)', async () => {
    const before = await stats(db.em(), q('server', 'all'), NOW);
    const extra = await createGeneration(db.em(), {
      actor: carol, channelId: 'c', prompt: 'track to delete', params: params(), durationS: 10, engine: 'embedded',
      engineVersion: '1', sizeLimitBytes: 1e7, reply: {}, now: at('2026-03-18'),
    });
    await transitionGeneration(db.em(), extra.generation.id, ['queued'], { status: 'completed', renderMs: 2000 });
    for (const who of [alice, bob, carol]) await setFavorite(db.em(), who, extra.generation.id, true, at('2026-03-18', 11));
    const withIt = await stats(db.em(), q('server', 'all'), NOW);
    expect(withIt.topTracks[0]!.id).toBe(extra.generation.id);
    expect(await deleteGenerationAudio(db.em(), extra.generation.id, createLogger('silent'), at('2026-03-18', 12))).toBe(true);
    for (const s of [await stats(db.em(), q('server', 'all'), NOW), await stats(db.em(), q('global', 'day'), NOW)]) {
      expect(s.topTracks.map((t) => t.id)).not.toContain(extra.generation.id);
    }
    const after = await stats(db.em(), q('server', 'all'), NOW);
    expect(after.totals).toEqual(withIt.totals);
    expect(after.totals.generations).toBe(before.totals.generations + 1);
    expect(ids(after)).toEqual(ids(before));
    // Put the fixture back for the tests below (their totals do not expect this track).
    await db.em().getConnection().execute('delete from favorites where generation_id = ?', [extra.generation.id]);
    await db.em().getConnection().execute('delete from generations where id = ?', [extra.generation.id]);
    await rebuildAggregates(db.em());
  });

  it('GIVEN a period with nothing in it THEN zeros, not errors', async () => {
    const s = await stats(db.em(), q('server', 'day'), new Date('2030-01-01T00:00:00Z'));
    expect(s.totals).toEqual({ generations: 0, completed: 0, failed: 0, successRate: 0, avgRenderMs: null, favorites: 0, plays: 0 });
    expect(s.topTracks).toEqual([]);
    expect(s.topCreators).toEqual([]);
  });

  it('GIVEN the aggregates rebuilt from the base tables THEN every answer is the same', async () => {
    const queries = (['server', 'global'] as const).flatMap((scope) => (['day', 'week', 'month', 'all'] as const).map((period) => q(scope, period)));
    const before = await Promise.all(queries.map((x) => stats(db.em(), x, NOW)));
    await rebuildAggregates(db.em());
    const after = await Promise.all(queries.map((x) => stats(db.em(), x, NOW)));
    expect(after).toEqual(before);
  });

  it('GIVEN buckets past their retention THEN pruning deletes them and only them, and all-time answers stay', async () => {
    const count = async (period: string) =>
      Number((await db.em().execute(`select (select count(*) from stat_totals where period = '${period}') + (select count(*) from creator_stats where period = '${period}') as n`))[0]!.n);
    const allTime = await stats(db.em(), q('server', 'all'), NOW);
    const before = { day: await count('day'), week: await count('week'), month: await count('month'), all: await count('all') };
    expect(Math.min(...Object.values(before))).toBeGreaterThan(0);
    // Today's buckets are young: nothing goes.
    expect(await pruneAggregates(db.em(), NOW)).toBe(0);
    // 60 days on, every day bucket (the newest is 18 March) is past 35 days; weeks and months stay.
    const removed = await pruneAggregates(db.em(), new Date('2026-05-17T00:00:00Z'));
    expect(removed).toBe(before.day);
    expect({ day: await count('day'), week: await count('week'), month: await count('month'), all: await count('all') })
      .toEqual({ day: 0, week: before.week, month: before.month, all: before.all });
    // A year on, the weeks have gone too; months are kept two years.
    await pruneAggregates(db.em(), new Date('2027-03-18T00:00:00Z'));
    expect([await count('week'), await count('month'), await count('all')]).toEqual([0, before.month, before.all]);
    expect(await stats(db.em(), q('server', 'all'), NOW)).toEqual(allTime);
  });
});
