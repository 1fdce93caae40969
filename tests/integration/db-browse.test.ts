/**
 * The gallery's lists across servers (core/db/browse.ts) on real Postgres: only playable tracks
 * (completed, not deleted, not expired) appear, in the promised orders, with bounded pages, and
 * one person's tracks and favorites are theirs alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browseCreatedBy, browseFavoritesOf, browseSearch, browseServers, browseTracks, BROWSE_MAX_OFFSET, createGeneration,
  recordPlay, setFavorite, transitionGeneration,
} from '../../core/db/index.ts';
import { exec } from '../../core/db/sql.ts';
import { actor, createTestDb, params, type TestDb } from '../helpers/db.ts';

let db: TestDb;
const ids: Record<string, string> = {};
const ada = actor('ada', 'local', 'local');
const bob = actor('bob', 'g1', 'discord');

async function track(name: string, who = ada, status: 'completed' | 'failed' | 'queued' = 'completed'): Promise<string> {
  const { generation } = await createGeneration(db.em(), {
    actor: who, channelId: 'c1', prompt: `${name} lofi piano`, params: params(1), durationS: 5,
    engine: 'embedded', engineVersion: '1', sizeLimitBytes: 1 << 20, reply: {},
  });
  if (status !== 'queued') await transitionGeneration(db.em(), generation.id, ['queued'], { status, completedAt: new Date(), renderMs: 100 });
  ids[name] = generation.id;
  return generation.id;
}

beforeAll(async () => {
  db = await createTestDb('browse');
  // Created in this order, so "recent" is the reverse.
  for (const name of ['alpha', 'bravo', 'charlie', 'deleted', 'expired']) {
    await track(name);
    await new Promise((r) => setTimeout(r, 5));
  }
  await track('failed', ada, 'failed');
  await track('queued', ada, 'queued');
  await track('discord', bob);
  await exec(db.em(), `update generations set deleted_at = now() where id = ?`, [ids.deleted]);
  await exec(db.em(), `update generations set expired_at = now(), storage_path = null where id = ?`, [ids.expired]);
  // bravo: most played; charlie: most favorited (and bob's favorite).
  for (let i = 0; i < 3; i++) await recordPlay(db.em(), ids.bravo!, null, 'web');
  await recordPlay(db.em(), ids.charlie!, null, 'web');
  await setFavorite(db.em(), bob, ids.charlie!, true);
  await setFavorite(db.em(), ada, ids.charlie!, true);
  await setFavorite(db.em(), bob, ids.deleted!, true);
  await setFavorite(db.em(), bob, ids.expired!, true);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

const names = (rows: Array<{ id: string }>) => rows.map((r) => Object.keys(ids).find((k) => ids[k] === r.id));

describe('browse', () => {
  it('GIVEN deleted, expired, failed and unfinished tracks THEN no list shows them', async () => {
    const all = await browseTracks(db.em(), 'recent', { limit: 50 });
    expect(names(all)).toEqual(['discord', 'charlie', 'bravo', 'alpha']);
    expect(names(await browseSearch(db.em(), 'lofi', { limit: 50 })).sort()).toEqual(['alpha', 'bravo', 'charlie', 'discord']);
    expect(names(await browseFavoritesOf(db.em(), bob, { limit: 50 }))).toEqual(['charlie']);
  });

  it('GIVEN plays and stars THEN most played and most favorited lead with them', async () => {
    expect(names(await browseTracks(db.em(), 'plays', { limit: 2 }))).toEqual(['bravo', 'charlie']);
    expect(names(await browseTracks(db.em(), 'favorites', { limit: 1 }))).toEqual(['charlie']);
  });

  it('GIVEN pages THEN they follow each other without overlap, and offsets are bounded', async () => {
    const first = await browseTracks(db.em(), 'recent', { limit: 2 });
    const second = await browseTracks(db.em(), 'recent', { limit: 2, offset: 2 });
    expect([...names(first), ...names(second)]).toEqual(['discord', 'charlie', 'bravo', 'alpha']);
    expect(await browseTracks(db.em(), 'recent', { limit: 2, offset: BROWSE_MAX_OFFSET * 10 })).toEqual([]);
    expect(await browseTracks(db.em(), 'recent', { limit: 2, offset: -5 })).toHaveLength(2);
  });

  it('GIVEN a person THEN their tracks and favorites are theirs only', async () => {
    expect(names(await browseCreatedBy(db.em(), ada, { limit: 50 }))).toEqual(['charlie', 'bravo', 'alpha']);
    expect(names(await browseCreatedBy(db.em(), bob, { limit: 50 }))).toEqual(['discord']);
    expect(names(await browseFavoritesOf(db.em(), ada, { limit: 50 }))).toEqual(['charlie']);
    // The same user id in another server is another person.
    expect(await browseCreatedBy(db.em(), { ...ada, guildId: 'other' }, { limit: 50 })).toEqual([]);
  });

  it('GIVEN tracks in two servers THEN both are listed, busiest first, with the /stats all-time count of finished tracks', async () => {
    const servers = await browseServers(db.em());
    // The all-time total counts what was finished, including the track deleted and the one expired since.
    expect(servers.map((s) => [s.platform, s.guildId, s.tracks])).toEqual([['local', 'local', 5], ['discord', 'g1', 1]]);
  });
});
