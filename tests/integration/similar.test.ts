/**
 * "More like this" end to end below the chat: real renders from the embedded engine, analysed,
 * stored, and searched by Postgres (cube, GiST). Tracks of the same style and key must rank
 * nearer than other styles' tracks; another server's, deleted and expired tracks never appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGeneration, saveAnalysis, similarBackend, similarTracks, transitionGeneration, type EntityManager,
} from '../../core/db/index.ts';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { analyse } from '../../worker/analysis/analyse.ts';
import { createEmbeddedEngine } from '../../worker/engines/embedded/index.ts';
import { actor, createTestDb, type TestDb } from '../helpers/db.ts';

const STYLES = ['house in A minor at 124 bpm', 'jazz trio in Bb major at 120 bpm', 'metal in E minor at 150 bpm', 'ambient pads in F major', 'bossa nova in D major at 126 bpm'];
const SEEDS = [1, 2, 3];

let db: TestDb;
const ids = new Map<string, string>(); // `${style}#${seed}` -> generation id
const styleOf = new Map<string, string>();

async function addTrack(em: EntityManager, prompt: string, seed: number, guildId: string, pcm: { pcm: Float32Array; channels: number; sampleRate: number }) {
  const params = parsePrompt(prompt, seed);
  const { generation } = await createGeneration(em, {
    actor: actor(`maker-${seed}`, guildId), channelId: 'c', prompt, params, durationS: 20,
    engine: 'embedded', engineVersion: '1', sizeLimitBytes: 1e7, reply: {},
  });
  await transitionGeneration(em, generation.id, ['queued'], { status: 'completed', storagePath: `/data/${generation.id}.ogg` });
  await saveAnalysis(em, generation.id, analyse(pcm));
  return generation.id;
}

beforeAll(async () => {
  db = await createTestDb('similar');
  const engine = createEmbeddedEngine();
  await engine.load();
  try {
    for (const prompt of STYLES) {
      for (const seed of SEEDS) {
        const params = parsePrompt(prompt, seed);
        const audio = await engine.render({ prompt, params, durationS: 20 });
        const id = await addTrack(db.em(), prompt, seed, 'g1', audio);
        ids.set(`${prompt}#${seed}`, id);
        styleOf.set(id, prompt);
        if (seed === 2 && prompt === STYLES[0]) {
          // The same audio in another server, and as a deleted and an expired track of this one.
          ids.set('other-server', await addTrack(db.em(), prompt, seed, 'g2', audio));
          ids.set('deleted', await addTrack(db.em(), prompt, seed, 'g1', audio));
          ids.set('expired', await addTrack(db.em(), prompt, seed, 'g1', audio));
        }
      }
    }
  } finally {
    await engine.dispose();
  }
  await db.em().execute(`update generations set deleted_at = now(), storage_path = null where id = ?`, [ids.get('deleted')], 'run');
  await db.em().execute(`update generations set expired_at = now(), storage_path = null where id = ?`, [ids.get('expired')], 'run');
  for (const k of ['deleted', 'expired', 'other-server']) styleOf.set(ids.get(k)!, 'hidden');
}, 240_000);
afterAll(async () => db?.close());

describe('similar tracks', () => {
  it('GIVEN this machine THEN the search runs on cube (pgvector is not installed)', async () => {
    expect(await similarBackend(db.em())).toBe('cube');
  });

  it.each(STYLES)('GIVEN "%s" seed 1 THEN its own style and key (seeds 2 and 3) rank above every other style', async (prompt) => {
    const found = await similarTracks(db.em(), { platform: 'discord', guildId: 'g1' }, ids.get(`${prompt}#1`)!, 10);
    expect(found).not.toBeNull();
    const ranked = found!.tracks.map((t) => styleOf.get(t.generation.id));
    expect(ranked.slice(0, 2)).toEqual([prompt, prompt]);
    expect(found!.tracks[0]!.distance).toBeLessThan(found!.tracks[2]!.distance);
  });

  it('GIVEN the nearest tracks THEN none is another server\'s, deleted or expired, and same-style neighbours say why', async () => {
    const found = await similarTracks(db.em(), { platform: 'discord', guildId: 'g1' }, ids.get(`${STYLES[0]}#1`)!, 25);
    const got = found!.tracks.map((t) => t.generation.id);
    for (const k of ['other-server', 'deleted', 'expired']) expect(got).not.toContain(ids.get(k));
    expect(got).not.toContain(ids.get(`${STYLES[0]}#1`));
    expect(got).toHaveLength(STYLES.length * SEEDS.length - 1);
    for (const t of found!.tracks.slice(0, 2)) {
      expect(t.reasons).toContain('same key');
      expect(t.reasons).toContain('close tempo');
      expect(t.reasons).toContain('similar sound');
    }
  });

  it('GIVEN a track of another server THEN nothing is returned for this one', async () => {
    expect(await similarTracks(db.em(), { platform: 'discord', guildId: 'g1' }, ids.get('other-server')!, 5)).toBeNull();
    expect(await similarTracks(db.em(), { platform: 'slack', guildId: 'g2' }, ids.get('other-server')!, 5)).toBeNull();
    const inOwn = await similarTracks(db.em(), { platform: 'discord', guildId: 'g2' }, ids.get('other-server')!, 5);
    expect(inOwn!.tracks).toEqual([]);
  });

  it('GIVEN the query plan THEN one index scan finds the server\'s candidates, nearest first by the embedding summary', async () => {
    const target = `(select embedding from track_analyses where generation_id = '${ids.get(`${STYLES[0]}#1`)}')`;
    await db.em().transactional(async (tx) => {
      // With a handful of rows a sequential scan is cheaper; forbid it to prove the index can serve the order.
      await tx.execute('set local enable_seqscan = off');
      const plan = await tx.execute<Array<Record<string, string>>>(
        `explain select generation_id from track_analyses a where a.platform = 'discord' and a.guild_id = 'g1' and a.coarse is not null
         order by a.coarse operator(public.<->) public.ditty_coarse(${target}) limit 5`,
      );
      const text = plan.map((r) => Object.values(r)[0]).join('\n');
      expect(text).toContain('Index Scan using track_analyses_server_coarse_idx');
      expect(text).toMatch(/Index Cond: .*guild_id.*'g1'/);
      expect(text).toContain('Order By: (coarse OPERATOR(public.<->)');
    });
  });

  it('GIVEN saved analyses THEN each carries its generation\'s server and the summary of its embedding', async () => {
    const rows = await db.em().execute<Array<{ id: string; platform: string; guild_id: string; same: boolean }>>(
      `select a.generation_id as id, a.platform, a.guild_id, a.coarse operator(public.=) public.ditty_coarse(a.embedding) as same
       from track_analyses a where a.generation_id in (?, ?)`,
      [ids.get('other-server'), ids.get(`${STYLES[0]}#1`)],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.platform, r.guild_id, r.same]]))).toEqual({
      [ids.get('other-server')!]: ['discord', 'g2', true],
      [ids.get(`${STYLES[0]}#1`)!]: ['discord', 'g1', true],
    });
  });
});
