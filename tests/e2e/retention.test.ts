/**
 * Stored audio's life: the retention sweeper (by age, favorites kept longer; by total size, oldest
 * first), deletion from the local chat by the creator only, links that say "expired" or
 * "deleted", and fair counts (one play and one download per listener per track per hour).
 */
import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../core/db/index.ts';
import { createLogger } from '../../core/log.ts';
import { sweepRetention } from '../../core/retention.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

let sys: TestSystem;
const log = createLogger('silent');

beforeAll(async () => {
  sys = await startTestSystem();
}, 60_000);
afterAll(async () => {
  await sys?.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sys.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function makeTrack(name: string, seed: number): Promise<{ id: string; path: string; token: string }> {
  const res = await post('/api/chat/commands', { name, text: `/generate calm ambient pads 5s seed:${seed}` });
  expect(res.status).toBe(200);
  const { generationId } = (await res.json()) as { generationId: string };
  const row = await waitFor(async () => {
    const r = await getGeneration(sys.runtime.orm.em.fork(), generationId);
    return r?.status === 'completed' ? r : undefined;
  }, 60_000, 'completed');
  return { id: generationId, path: row.storagePath!, token: row.publicToken };
}

const exists = (p: string) => access(p).then(() => true, () => false);
const exec = (sql: string, params: unknown[] = []) => sys.runtime.orm.em.fork().getConnection().execute(sql, params);

describe('retention sweeper', () => {
  it('GIVEN tracks older than the limit THEN unfavorited ones expire, favorited ones live longer, and links say expired', async () => {
    const old = await makeTrack('Ret', 1);
    const oldFav = await makeTrack('Ret', 2);
    const fresh = await makeTrack('Ret', 3);
    await exec(`update generations set created_at = now() - interval '10 days' where id in (?, ?)`, [old.id, oldFav.id]);
    await exec(`update generations set favorites_count = 1 where id = ?`, [oldFav.id]);

    const swept = await sweepRetention(sys.runtime.orm.em.fork(), { maxAgeDays: 7, favoriteMaxAgeDays: 14, sweepIntervalMs: 1000 }, log);
    expect(swept).toEqual({ age: 1, size: 0 });
    const rows = await Promise.all([old, oldFav, fresh].map((t) => getGeneration(sys.runtime.orm.em.fork(), t.id)));
    expect(rows.map((r) => r!.expiredAt !== null)).toEqual([true, false, false]);
    expect(rows[0]!.storagePath).toBeNull();
    expect(await exists(old.path)).toBe(false);
    expect(await exists(oldFav.path)).toBe(true);

    const page = await fetch(`${sys.url}/t/${old.token}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('expired');
    const audio = await fetch(`${sys.url}/t/${old.token}/audio`);
    expect(audio.status).toBe(410);
    expect(((await audio.json()) as { error: string }).error).toBe('expired');

    // A second pass finds nothing more to do.
    expect(await sweepRetention(sys.runtime.orm.em.fork(), { maxAgeDays: 7, favoriteMaxAgeDays: 14, sweepIntervalMs: 1000 }, log)).toEqual({ age: 0, size: 0 });
  }, 120_000);

  it('GIVEN a worker started with RETENTION_MAX_AGE_DAYS THEN it sweeps by itself, at start and every RETENTION_SWEEP_INTERVAL_S', async () => {
    const first = await makeTrack('Auto', 31);
    await exec(`update generations set created_at = now() - interval '40 days' where id = ?`, [first.id]);
    // A second worker process's settings, on the same database (its own queues: it only sweeps here).
    const sweeper = await startTestSystem({ roles: ['worker'], schema: sys.schema, env: { RETENTION_MAX_AGE_DAYS: '30', RETENTION_SWEEP_INTERVAL_S: '10' } });
    try {
      const expired = (id: string) => async () => ((await getGeneration(sys.runtime.orm.em.fork(), id))?.expiredAt ? true : undefined);
      await waitFor(expired(first.id), 15_000, 'the sweep at start');
      expect(await exists(first.path)).toBe(false);
      const second = await makeTrack('Auto', 32);
      await exec(`update generations set created_at = now() - interval '40 days' where id = ?`, [second.id]);
      await waitFor(expired(second.id), 25_000, 'the next sweep');
      expect(await exists(second.path)).toBe(false);
    } finally {
      await sweeper.stop({ keepData: true });
    }
  }, 150_000);

  it('GIVEN more stored audio than the total cap THEN the oldest unfavorited files go first until it fits', async () => {
    const a = await makeTrack('Cap', 11);
    const b = await makeTrack('Cap', 12);
    const c = await makeTrack('Cap', 13);
    await exec(`update generations set created_at = now() - interval '3 hours' where id = ?`, [a.id]);
    await exec(`update generations set created_at = now() - interval '2 hours', favorites_count = 2 where id = ?`, [b.id]);
    const stored = await exec(`select id, size_bytes from generations where storage_path is not null`) as Array<{ id: string; size_bytes: string }>;
    const total = stored.reduce((s, r) => s + Number(r.size_bytes), 0);
    const sizeA = Number(stored.find((r) => r.id === a.id)!.size_bytes);
    // Room for everything but the oldest unfavorited track.
    const swept = await sweepRetention(sys.runtime.orm.em.fork(), { maxTotalBytes: total - sizeA, sweepIntervalMs: 1000 }, log);
    expect(swept.size).toBeGreaterThanOrEqual(1);
    expect((await getGeneration(sys.runtime.orm.em.fork(), a.id))!.expiredAt).not.toBeNull();
    expect((await getGeneration(sys.runtime.orm.em.fork(), b.id))!.expiredAt).toBeNull();
    expect((await getGeneration(sys.runtime.orm.em.fork(), c.id))!.expiredAt).toBeNull();
    const left = await exec(`select coalesce(sum(size_bytes), 0) as s from generations where storage_path is not null`) as Array<{ s: string }>;
    expect(Number(left[0]!.s)).toBeLessThanOrEqual(total - sizeA);
  }, 120_000);
});

describe('deletion from the local chat', () => {
  it('GIVEN a finished track THEN others may not delete it; its creator may: file gone, hidden, link says deleted', async () => {
    const t = await makeTrack('Owner', 21);
    const topIds = async () => (await sys.runtime.core.stats({ platform: 'local', guildId: 'local', scope: 'server', period: 'all', limit: 25 })).topTracks.map((x) => x.id);
    await exec(`update generations set favorites_count = 1000 where id = ?`, [t.id]);
    expect(await topIds()).toContain(t.id);
    const other = await post(`/api/chat/tracks/${t.id}/delete`, { name: 'Intruder' });
    expect(other.status).toBe(403);
    expect(await exists(t.path)).toBe(true);

    const res = await post(`/api/chat/tracks/${t.id}/delete`, { name: 'Owner' });
    expect(res.status).toBe(200);
    expect(await exists(t.path)).toBe(false);
    expect((await fetch(`${sys.url}/api/chat/tracks/${t.id}`)).status).toBe(404);
    const history = (await (await fetch(`${sys.url}/api/chat/history`)).json()) as { tracks: Array<{ id: string }> };
    expect(history.tracks.map((x) => x.id)).not.toContain(t.id);
    expect(await topIds()).not.toContain(t.id);
    const page = await fetch(`${sys.url}/t/${t.token}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('deleted');
    // Twice is not found, not an error.
    expect((await post(`/api/chat/tracks/${t.id}/delete`, { name: 'Owner' })).status).toBe(404);
  }, 90_000);
});

describe('fair counts', () => {
  it('GIVEN repeated plays and downloads THEN each listener counts once per hour; another listener counts again', async () => {
    const t = await makeTrack('Counter', 31);
    const play = (ua: string) => fetch(`${sys.url}/t/${t.token}/play`, { method: 'POST', headers: { 'x-ditty-play': '1', 'user-agent': ua } });
    const download = (ua: string) => fetch(`${sys.url}/t/${t.token}/download`, { headers: { 'user-agent': ua } }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });
    for (let i = 0; i < 5; i++) expect((await play('browser-a')).status).toBe(204);
    expect((await play('browser-b')).status).toBe(204);
    for (let i = 0; i < 4; i++) expect(await download('browser-a')).toBe(200);
    expect(await download('browser-b')).toBe(200);
    // A chat user counts once however often they press play.
    for (let i = 0; i < 3; i++) expect((await post(`/api/chat/tracks/${t.id}/plays`, { name: 'Listener' })).status).toBe(204);

    const row = await getGeneration(sys.runtime.orm.em.fork(), t.id);
    expect(row!.playsCount).toBe(3);
    expect(row!.downloadsCount).toBe(2);
  }, 90_000);

  it('GIVEN one user starring twice THEN one star', async () => {
    const t = await makeTrack('Starred', 41);
    for (let i = 0; i < 3; i++) expect((await post(`/api/chat/tracks/${t.id}/favorite`, { name: 'Fan', on: true })).status).toBe(200);
    expect((await getGeneration(sys.runtime.orm.em.fork(), t.id))!.favoritesCount).toBe(1);
  }, 90_000);
});
