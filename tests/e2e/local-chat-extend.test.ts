/**
 * Nothing silent and Extend through the local chat's HTTP API, over the real core, queue, worker
 * (embedded engine, ffmpeg), Postgres and Redis: the notice of what was approximated travels with
 * the track, and Extend makes one longer file whose start is the parent's audio.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageTrack } from '../../web/server/chat.ts';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const execFileP = promisify(execFile);
const NAME = 'Grace';
const RATE = 24_000;

let system: TestSystem;
let dir: string;

beforeAll(async () => {
  [system, dir] = await Promise.all([startTestSystem(), mkdtemp(join(tmpdir(), 'ditty-extend-'))]);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes vary by route
  const res = await fetch(`${system.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function finished(id: string): Promise<PageTrack> {
  const until = Date.now() + 60_000;
  for (;;) {
    const track = (await (await fetch(`${system.url}/api/chat/tracks/${id}`)).json()) as PageTrack;
    if (track.status === 'completed') return track;
    if (track.status === 'failed' || Date.now() > until) throw new Error(`track ${id} ended ${track.status}: ${track.errorMessage}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The delivered file decoded by ffmpeg (not our code) to mono float samples. */
async function decoded(track: PageTrack): Promise<Float32Array> {
  const { ffmpeg } = await locateFfmpeg();
  const res = await fetch(`${system.url}${track.audioUrl}`);
  const file = join(dir, `${track.id}.ogg`);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  const { stdout } = await execFileP(ffmpeg, ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  return new Float32Array(stdout.buffer, stdout.byteOffset, stdout.byteLength / 4);
}

function correlation(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = from; i < to; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

const rms = (x: Float32Array, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (to - from));
};

describe('local chat: notice and Extend', () => {
  let parent: PageTrack;
  let child: PageTrack;

  it('GIVEN a prompt naming a style and a word we do not have THEN the reply, the queued card and the track say so', async () => {
    const reply = await post('/api/chat/commands', { name: NAME, text: '/generate ska with a kazoo 10s seed:7' });
    expect(reply.status).toBe(200);
    const notice = "Played as reggae / dancehall: I don't know ska yet. Ignored: 'kazoo'.";
    expect(reply.json.notice).toBe(notice);
    expect(reply.json.params.genre).toBe('reggae');
    parent = await finished(reply.json.generationId);
    expect(parent.notice).toBe(notice);
    expect(parent.summary).toContain('reggae / dancehall');
    expect(parent.extendedFrom).toBeNull();
  }, 90_000);

  it('GIVEN Extend on a finished track THEN a new linked track 30 s longer, same params, whose start is the parent\'s audio', async () => {
    const reply = await post(`/api/chat/tracks/${parent.id}/extend`, { name: NAME });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ kind: 'generate', durationS: 40, duplicate: false });
    expect(reply.json.params).toEqual(parent.params);
    child = await finished(reply.json.generationId);
    expect(child.extendedFrom).toEqual({ id: parent.id, playerUrl: parent.playerUrl });
    expect(child.prompt).toBe(parent.prompt);
    expect(child.durationS).toBeCloseTo(40, 0);

    const [a, b] = await Promise.all([decoded(parent), decoded(child)]);
    expect(b.length / RATE).toBeGreaterThan(39.5);
    expect(b.length / RATE).toBeLessThan(40.5);
    // The parent's ending (its last bars) is replaced by the continuation; everything before it is the same music.
    const same = correlation(a, b, Math.round(0.5 * RATE), Math.round(5.5 * RATE));
    expect(same).toBeGreaterThan(0.95);
    // The continuation is music, not silence, all the way to its own ending.
    for (let t = 10; t < 36; t += 5) expect(rms(b, t * RATE, (t + 4) * RATE), `at ${t} s`).toBeGreaterThan(0.02);
    // A different track's start does not correlate like that: the check can fail.
    const other = await post('/api/chat/commands', { name: NAME, text: '/generate ska with a kazoo 10s seed:8' });
    const c = await decoded(await finished(other.json.generationId));
    expect(correlation(a, c, Math.round(0.5 * RATE), Math.round(5.5 * RATE))).toBeLessThan(0.5);
  }, 120_000);

  it('GIVEN Extend on an extension THEN the new track starts as the extension does, continuation included', async () => {
    const reply = await post(`/api/chat/tracks/${child.id}/extend`, { name: NAME, seconds: 20 });
    expect(reply.status).toBe(200);
    expect(reply.json.durationS).toBe(60);
    const grandchild = await finished(reply.json.generationId);
    expect(grandchild.extendedFrom?.id).toBe(child.id);
    const [b, c] = await Promise.all([decoded(child), decoded(grandchild)]);
    expect(c.length / RATE).toBeCloseTo(60, 0);
    // Past the first seam (~6 s) and up to the second one (the child's ending, a few bars before 40 s).
    expect(correlation(b, c, Math.round(0.5 * RATE), Math.round(30 * RATE))).toBeGreaterThan(0.95);
  }, 120_000);

  it('GIVEN Extend on a track still being made, or an unknown one THEN a clear refusal', async () => {
    const long = await post('/api/chat/commands', { name: NAME, text: '/generate ambient 100s' });
    const early = await post(`/api/chat/tracks/${long.json.generationId}/extend`, { name: NAME });
    expect(early.status).toBe(403);
    expect(early.json.error.message).toMatch(/finished/);
    const unknown = await post('/api/chat/tracks/00000000-0000-4000-8000-000000000000/extend', { name: NAME });
    expect(unknown.status).toBe(404);
    await post(`/api/chat/tracks/${long.json.generationId}/cancel`, { name: NAME });
  }, 60_000);
});
