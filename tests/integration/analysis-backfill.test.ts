/**
 * The backfill over stored files (real ffmpeg, real Postgres): resumable, bounded by --limit,
 * failures recorded once and not retried unless asked; and a failing analysis never touches its
 * track.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeneration, getAnalysis, getGeneration, transitionGeneration } from '../../core/db/index.ts';
import { createLogger } from '../../core/log.ts';
import { backfill } from '../../worker/analysis/backfill.ts';
import { createAnalyser, type Analyser } from '../../worker/analysis/pool.ts';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';
import { actor, createTestDb, params, type TestDb } from '../helpers/db.ts';

const run = promisify(execFile);
let db: TestDb;
let dir: string;
let ffmpeg: string;
let analyser: Analyser;
const ids: Record<string, string> = {};

async function track(name: string, file: string | null, deleted = false): Promise<void> {
  const { generation } = await createGeneration(db.em(), {
    actor: actor(name), channelId: 'c', prompt: `${name} track`, params: params(), durationS: 6,
    engine: 'embedded', engineVersion: '1', sizeLimitBytes: 1e7, reply: {},
  });
  await transitionGeneration(db.em(), generation.id, ['queued'], { status: 'completed', storagePath: file });
  if (deleted) await db.em().execute('update generations set deleted_at = now() where id = ?', [generation.id], 'run');
  ids[name] = generation.id;
}

beforeAll(async () => {
  db = await createTestDb('backfill');
  dir = await mkdtemp(join(tmpdir(), 'ditty-backfill-'));
  ffmpeg = (await locateFfmpeg()).ffmpeg;
  analyser = createAnalyser({ orm: db.orm, log: createLogger('silent') });
  for (const [name, hz] of [['a', 220], ['b', 330]] as const) {
    await run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=6`, '-ac', '2', '-c:a', 'libopus', '-b:a', '96k', join(dir, `${name}.ogg`)]);
    await track(name, join(dir, `${name}.ogg`));
  }
  await writeFile(join(dir, 'broken.ogg'), Buffer.from('not audio at all'));
  await track('broken', join(dir, 'broken.ogg'));
  await track('gone', join(dir, 'a.ogg'), true);
});
afterAll(async () => {
  await analyser?.close();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('analysis backfill', () => {
  it('GIVEN --limit 1 THEN one track is analysed; a second run continues with the rest and records the broken file', async () => {
    const first = await backfill({ orm: db.orm, analyser, ffmpeg, limit: 1 });
    expect(first).toEqual({ total: 1, analysed: 1, failed: 0 });
    const progress: number[] = [];
    const second = await backfill({ orm: db.orm, analyser, ffmpeg, onProgress: (i) => progress.push(i) });
    expect(second).toEqual({ total: 2, analysed: 1, failed: 1 });
    expect(progress).toEqual([1, 2]);
    for (const n of ['a', 'b']) {
      const a = await getAnalysis(db.em(), ids[n]!);
      expect(a.state).toBe('done');
      if (a.state === 'done') expect(a.analysis.loudnessLufs).toBeLessThan(-3);
    }
    const broken = await getAnalysis(db.em(), ids.broken!);
    expect(broken).toMatchObject({ state: 'failed' });
    expect((await getAnalysis(db.em(), ids.gone!)).state).toBe('none');
  });

  it('GIVEN everything analysed or failed THEN a third run has nothing to do; --retry-failed tries the broken file again', async () => {
    expect(await backfill({ orm: db.orm, analyser, ffmpeg })).toEqual({ total: 0, analysed: 0, failed: 0 });
    expect(await backfill({ orm: db.orm, analyser, ffmpeg, retryFailed: true })).toEqual({ total: 1, analysed: 0, failed: 1 });
  });

  it('GIVEN an analysis that throws THEN it is stored as failed and the track stays completed', async () => {
    const result = await analyser.analyseAndStore(ids.a!, { pcm: new Float32Array(16), channels: 2, sampleRate: 0 });
    expect(result).toBe('failed');
    expect(await getAnalysis(db.em(), ids.a!)).toMatchObject({ state: 'failed' });
    expect((await getGeneration(db.em(), ids.a!))!.status).toBe('completed');
  });
});
