/**
 * The MusicGen engine end to end on generated tiny exports: real onnxruntime sessions, real
 * tokenizer, real loop. No database or queue: the engine is a pure function of its folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderInput } from '../../core/engine.ts';
import { UserError } from '../../core/errors.ts';
import type { MusicParams } from '../../core/music.ts';
import { makeTinyMusicgen } from '../../scripts/make-tiny-musicgen.ts';
import { openModelFolder, type ModelFolder } from '../../worker/engines/musicgen/folder.ts';
import { generateCodes, type SamplingOptions } from '../../worker/engines/musicgen/generate.ts';
import { createMusicgenEngine, promptText, type MusicgenEngine } from '../../worker/engines/musicgen/index.ts';
import { cudaProviderInstalled, openSessions, releaseSessions, type MusicgenSessions } from '../../worker/engines/musicgen/sessions.ts';
import { T5Tokens } from '../../worker/engines/musicgen/tokenizer.ts';

let root: string;
let dir: string;
/** Positional table of 64 → 60-frame (1.2 s) windows, so continuation runs in a test. */
let shortDir: string;

const params = (seed: number, extra: Partial<MusicParams> = {}): MusicParams => ({
  bpm: 90, key: 'A', mode: 'minor', genre: 'lofi', mood: null, instruments: ['piano'], excluded: [], structure: [], seed, explicit: [], ...extra,
});
const input = (seed: number, durationS: number, prompt = 'lofi piano with drums'): RenderInput => ({ prompt, params: params(seed), durationS });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ditty-musicgen-'));
  dir = (await makeTinyMusicgen(join(root, 'tiny'), { fp16: true })).dir;
  shortDir = (await makeTinyMusicgen(join(root, 'short'), { maxPositions: 64 })).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Recorded { ids: bigint[]; cached: boolean; rows: number }

/**
 * Wraps the decoder so a test sees every fed column (a prefill call of width w yields w entries,
 * `calls` keeps one per session.run); the session itself is untouched.
 */
function record(s: MusicgenSessions): Recorded[] & { calls: Array<{ width: number; cached: boolean }> } {
  const columns = Object.assign([] as Recorded[], { calls: [] as Array<{ width: number; cached: boolean }> });
  const run = s.decoder.run.bind(s.decoder) as (feeds: ort.InferenceSession.FeedsType) => Promise<ort.InferenceSession.ReturnType>;
  (s.decoder as { run: unknown }).run = (feeds: Record<string, ort.Tensor>) => {
    const [rowsC, width] = feeds.input_ids!.dims as [number, number];
    const data = feeds.input_ids!.data as BigInt64Array;
    const cached = (feeds.use_cache_branch!.data as Uint8Array | boolean[])[0] ? true : false;
    columns.calls.push({ width, cached });
    for (let c = 0; c < width; c++) {
      columns.push({ ids: Array.from({ length: rowsC }, (_, r) => data[r * width + c]!), cached, rows: feeds.encoder_hidden_states!.dims[0]! });
    }
    return run(feeds);
  };
  return columns;
}

describe('generation loop on the tiny export', () => {
  let folder: ModelFolder;
  let sessions: MusicgenSessions;
  let tokens: T5Tokens;
  const sampling = (seed: number, guidanceScale = 3): SamplingOptions => ({ seed, guidanceScale, topK: 8, temperature: 1 });

  beforeAll(async () => {
    folder = await openModelFolder(dir, 'fp32');
    sessions = await openSessions(folder, 'cpu');
    tokens = new T5Tokens(folder.tokenizerJson, folder.tokenizerConfig);
  });
  afterAll(async () => {
    await releaseSessions(sessions);
  });

  it('GIVEN 0.5 s THEN 25 frames per codebook from 28 decoder steps, fed with the delay pattern', async () => {
    const steps = record(sessions);
    const codes = await generateCodes(sessions, folder.settings, { tokens: tokens.encode('lofi piano'), frames: 25, sampling: sampling(1) });
    expect(codes).toHaveLength(4);
    for (const row of codes) expect(row).toHaveLength(25);
    expect(steps).toHaveLength(25 + 3);
    const { decoderStartTokenId: start, padTokenId: pad } = folder.settings;
    steps.forEach((step, column) => {
      expect(step.cached).toBe(column > 0);
      expect(step.rows).toBe(2);
      for (let k = 0; k < 4; k++) {
        const frame = column - 1 - k;
        const want = column === 0 ? start : frame < 0 || frame >= 25 ? pad : codes[k]![frame]!;
        // Guidance: the conditional rows 0..3 and unconditional rows 4..7 see the same tokens.
        expect([Number(step.ids[k]), Number(step.ids[4 + k])]).toEqual([want, want]);
      }
    });
    for (const row of codes) for (const c of row) expect(c >= 0 && c < folder.settings.vocabSize).toBe(true);
  });

  it('GIVEN guidance scale 1 THEN runs unguided with one row per codebook', async () => {
    const steps = record(sessions);
    await generateCodes(sessions, folder.settings, { tokens: tokens.encode('jazz'), frames: 5, sampling: sampling(1, 1) });
    expect(steps.every((s) => s.rows === 1 && s.ids.length === 4)).toBe(true);
  });

  it('GIVEN the same seed THEN the same codes; GIVEN another seed or prompt THEN different codes', async () => {
    const run = (seed: number, text = 'lofi piano') => generateCodes(sessions, folder.settings, { tokens: tokens.encode(text), frames: 40, sampling: sampling(seed) });
    const a = await run(5), b = await run(5), c = await run(6), d = await run(5, 'jazz drums');
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(d).not.toEqual(a);
  });

  it('GIVEN more frames than a window THEN later windows are prefilled with the previous window\'s last frames', async () => {
    const short = await openModelFolder(shortDir, 'fp32');
    const s = await openSessions(short, 'cpu');
    try {
      expect(short.settings.maxWindowFrames).toBe(60);
      const columns = record(s);
      const codes = await generateCodes(s, short.settings, { tokens: tokens.encode('house'), frames: 96, sampling: sampling(3) });
      for (const row of codes) expect(row).toHaveLength(96);
      // Windows: 60 fresh frames, then 24 context + 36 fresh = 60 frames; the context goes in one call.
      const starts = columns.calls.map((c, i) => (c.cached ? -1 : i)).filter((i) => i >= 0);
      expect(starts).toEqual([0, 63]);
      expect(columns.calls[63]).toEqual({ width: 24, cached: false });
      expect(columns.calls).toHaveLength(63 + 1 + 39);
      expect(columns).toHaveLength(63 + 63);
      const second = columns.slice(63);
      for (let column = 1; column < second.length; column++) {
        for (let k = 0; k < 4; k++) {
          const frame = column - 1 - k;
          if (frame < 0 || frame >= 60) continue;
          // Window-local frame f is global frame 36 + f (context = the 24 frames before 60).
          expect(Number(second[column]!.ids[k])).toBe(codes[k]![36 + frame]);
        }
      }
    } finally {
      await releaseSessions(s);
    }
  });

  it('GIVEN the context prefilled in one call THEN the same codes as feeding it column by column', async () => {
    const short = await openModelFolder(shortDir, 'fp32');
    const s = await openSessions(short, 'cpu');
    try {
      const run = (prefill: boolean) => generateCodes(s, short.settings, {
        tokens: tokens.encode('jazz'), frames: 150, sampling: { seed: 1, guidanceScale: 3, topK: 1, temperature: 1 }, prefill,
      });
      expect(await run(true)).toEqual(await run(false));
    } finally {
      await releaseSessions(s);
    }
  });
});

describe('MusicGen engine', () => {
  let engine: MusicgenEngine;
  beforeAll(async () => {
    engine = createMusicgenEngine({ dir, sampling: { topK: 8 } });
    await engine.load();
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('GIVEN 1.5 s THEN 48 000 mono samples at 32 kHz within [-1, 1], and status says what loaded', async () => {
    const audio = await engine.render(input(11, 1.5));
    expect(audio).toMatchObject({ sampleRate: 32000, channels: 1 });
    expect(audio.pcm).toHaveLength(48000);
    let energy = 0;
    for (const v of audio.pcm) { expect(Math.abs(v)).toBeLessThanOrEqual(1); energy += v * v; }
    expect(energy).toBeGreaterThan(0);
    expect(engine.status()).toMatchObject({ loaded: true, device: 'cpu', precision: 'fp32', version: 'musicgen:tiny:fp32', error: null });
    expect(engine.status().loadMs).toBeGreaterThan(0);
  });

  it('GIVEN the same seed THEN identical samples; GIVEN another seed THEN different samples', async () => {
    const a = await engine.render(input(21, 0.4));
    const b = await engine.render(input(21, 0.4));
    const c = await engine.render(input(22, 0.4));
    expect(Buffer.from(b.pcm.buffer).equals(Buffer.from(a.pcm.buffer))).toBe(true);
    expect(Buffer.from(c.pcm.buffer).equals(Buffer.from(a.pcm.buffer))).toBe(false);
  });

  it('GIVEN a render THEN progress rises monotonically to exactly 1', async () => {
    const seen: number[] = [];
    await engine.render(input(3, 0.5), { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(25);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen[0]!).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(1);
  });

  it('GIVEN an abort mid-render THEN rejects with AbortError within one step', async () => {
    const controller = new AbortController();
    let calls = 0;
    let atAbort = -1;
    const p = engine.render(input(4, 2), {
      signal: controller.signal,
      onProgress: () => {
        calls++;
        if (calls === 10) { atAbort = calls; controller.abort(); }
      },
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(atAbort).toBe(10);
    // No further step reported progress after the abort.
    expect(calls).toBe(10);
    // The engine is still usable afterwards.
    expect((await engine.render(input(4, 0.1))).pcm).toHaveLength(3200);
  });

  it('GIVEN a bad duration or seed THEN a UserError, not a crash', async () => {
    await expect(engine.render(input(1, 0))).rejects.toBeInstanceOf(UserError);
    await expect(engine.render(input(1, 121))).rejects.toMatchObject({ code: 'duration_invalid' });
    await expect(engine.render(input(1, Number.NaN))).rejects.toMatchObject({ code: 'duration_invalid' });
    await expect(engine.render({ ...input(1, 1), params: params(-1) })).rejects.toMatchObject({ code: 'seed_invalid' });
  });

  it('GIVEN explicit bpm, key and exclusions THEN the text prompt carries them', () => {
    const text = promptText({ prompt: 'chill beat', durationS: 5, params: params(1, { explicit: ['bpm', 'key'], excluded: ['drums'] }) });
    expect(text).toBe('chill beat, 90 bpm, in A minor, no drums');
  });
});

describe('MusicGen engine variants and devices', () => {
  it('GIVEN the fp16 files THEN detects fp16 from the decoder inputs and renders the same length', async () => {
    const engine = createMusicgenEngine({ dir, precision: 'fp16' });
    try {
      const audio = await engine.render(input(11, 0.5));
      expect(engine.precision).toBe('fp16');
      expect(audio.pcm).toHaveLength(16000);
      expect(audio.pcm.every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it('GIVEN Extend (the same seed and prompt, longer, past a window) THEN the longer track starts with the shorter one\'s samples', async () => {
    const engine = createMusicgenEngine({ dir: shortDir });
    try {
      const parent = await engine.render(input(5, 1));
      const extended = await engine.render({ ...input(5, 3), continueFromS: 1 });
      expect(extended.pcm).toHaveLength(96000);
      // Sampling is seeded step by step, so the first second is the same tokens; the decoder's
      // last frames see the continuation, so compare up to 0.8 s.
      expect(extended.pcm.subarray(0, 25600)).toEqual(parent.pcm.subarray(0, 25600));
      expect(extended.pcm.subarray(64000).some((v) => v !== 0)).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it('GIVEN a 3 s render on 1.2 s windows THEN continuation gives the full length', async () => {
    const engine = createMusicgenEngine({ dir: shortDir });
    try {
      const seen: number[] = [];
      const audio = await engine.render(input(8, 3), { onProgress: (f) => seen.push(f) });
      expect(audio.pcm).toHaveLength(96000);
      expect(seen.at(-1)).toBe(1);
      // The last second is real audio, not padding.
      expect(audio.pcm.subarray(64000).some((v) => v !== 0)).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it.skipIf(cudaProviderInstalled())('GIVEN cuda on a CPU-only build THEN a clear error; GIVEN auto THEN falls back to CPU', async () => {
    const cuda = createMusicgenEngine({ dir, device: 'cuda' });
    await expect(cuda.load()).rejects.toThrow(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    const auto = createMusicgenEngine({ dir, device: 'auto' });
    await auto.load();
    expect(auto.device).toBe('cpu');
    await auto.dispose();
  });
});
