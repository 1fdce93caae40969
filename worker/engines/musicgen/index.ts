/**
 * The MusicGen engine: neural text-to-music from a local ONNX export (transformers.js layout).
 * onnxruntime-node runs each session.run on its own native thread, so the JS thread is free
 * between steps; the worker additionally runs engines in a render thread (render-thread.ts).
 */
import { basename } from 'node:path';
import type { Engine, RenderedAudio, RenderInput, RenderOptions } from '../../../core/engine.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import { openModelFolder, type ModelFolder, type Variant } from './folder.ts';
import { decodeAudio, generateCodes, type SamplingOptions, type StepHooks } from './generate.ts';
import { openSessions, releaseSessions, resolveDevice, type DeviceRequest, type MusicgenSessions } from './sessions.ts';
import { T5Tokens } from './tokenizer.ts';

export { MusicgenModelError } from './folder.ts';

export interface MusicgenEngineOptions {
  /** The export folder (config.json, tokenizer.json, onnx/…). */
  dir: string;
  /** 'auto' takes CUDA when its provider is installed, else CPU. @defaultValue 'cpu' */
  device?: DeviceRequest;
  /** Which file variant to load. @defaultValue 'fp16' on CUDA, 'fp32' on CPU */
  precision?: Variant;
  /** Overrides generation_config.json. @defaultValue guidance 3, top-k 50 (or the file's), temperature 1 */
  sampling?: Partial<Omit<SamplingOptions, 'seed'>>;
  /** onnxruntime intra-op threads. @defaultValue onnxruntime's choice */
  threads?: number;
  /** Longest render accepted, continuation windows included. @defaultValue 120 */
  maxDurationS?: number;
}

export interface MusicgenStatus {
  loaded: boolean;
  loadMs: number | null;
  device: 'cpu' | 'cuda';
  precision: 'fp32' | 'fp16' | 'int8';
  version: string;
  dir: string;
  error: string | null;
}

export interface MusicgenEngine extends Engine {
  status(): MusicgenStatus;
  /** Drops the sessions and loads the folder again (admin reload after replacing files). */
  reload(): Promise<void>;
}

interface Loaded {
  folder: ModelFolder;
  sessions: MusicgenSessions;
  tokens: T5Tokens;
  loadMs: number;
}

/** MusicGen is prompted with text; the parser's explicit choices are appended as plain words. */
export function promptText(input: RenderInput): string {
  const p = input.params;
  const parts = [input.prompt.trim()];
  const lower = input.prompt.toLowerCase();
  if (p.explicit.includes('bpm') && !lower.includes('bpm')) parts.push(`${p.bpm} bpm`);
  if (p.explicit.includes('key') && !/\bkey\b/.test(lower)) parts.push(`in ${p.key} ${p.mode}`);
  if (p.excluded.length) parts.push(`no ${p.excluded.join(', no ')}`);
  return parts.filter(Boolean).join(', ');
}

export function createMusicgenEngine(opts: MusicgenEngineOptions): MusicgenEngine {
  const requested = opts.device ?? 'cpu';
  const maxDurationS = opts.maxDurationS ?? 120;
  let loaded: Loaded | null = null;
  let loading: Promise<Loaded> | null = null;
  let lastError: string | null = null;
  // One render at a time: the decoder saturates a GPU (or every core) on its own.
  let queue: Promise<unknown> = Promise.resolve();

  async function doLoad(): Promise<Loaded> {
    const started = performance.now();
    try {
      const device = resolveDevice(requested);
      const variant = opts.precision ?? (device === 'cuda' ? 'fp16' : 'fp32');
      const folder = await openModelFolder(opts.dir, variant);
      const sessions = await openSessions(folder, device, opts.threads);
      const tokens = new T5Tokens(folder.tokenizerJson, folder.tokenizerConfig);
      lastError = null;
      return { folder, sessions, tokens, loadMs: performance.now() - started };
    } catch (e) {
      lastError = (e as Error).message;
      throw e;
    }
  }

  function load(): Promise<Loaded> {
    if (loaded) return Promise.resolve(loaded);
    loading ??= doLoad().then(
      (l) => { loaded = l; return l; },
      (e: unknown) => { loading = null; throw e; },
    );
    return loading;
  }

  async function render(input: RenderInput, options: RenderOptions = {}): Promise<RenderedAudio> {
    const { durationS } = input;
    if (!Number.isFinite(durationS) || durationS <= 0 || durationS > maxDurationS) {
      throw new UserError(UserErrorCode.DurationInvalid, `Duration must be between 1 and ${maxDurationS} seconds.`, { durationS });
    }
    const seed = input.params.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new UserError(UserErrorCode.SeedInvalid, 'Seed must be a whole number from 0 to 4294967295.', { seed });
    }
    const run = queue.then(async () => {
      options.signal?.throwIfAborted();
      const l = await load();
      const st = l.folder.settings;
      const frames = Math.max(1, Math.round(durationS * st.frameRate));
      const sampling: SamplingOptions = {
        guidanceScale: opts.sampling?.guidanceScale ?? st.guidanceScale,
        topK: opts.sampling?.topK ?? st.topK,
        temperature: opts.sampling?.temperature ?? st.temperature,
        seed,
      };
      let last = 0;
      const report = (f: number) => {
        // Monotonic by construction, whatever order phases report in.
        if (f > last) { last = f; options.onProgress?.(f); }
      };
      report(0.01);
      const hooks: StepHooks = {
        signal: options.signal,
        onStep: (done, total) => report(0.02 + 0.93 * (done / total)),
      };
      const codes = await generateCodes(l.sessions, st, { tokens: l.tokens.encode(promptText(input)), frames, sampling }, hooks);
      options.signal?.throwIfAborted();
      const wave = await decodeAudio(l.sessions, codes);
      const samples = Math.round(durationS * st.sampleRate);
      const pcm = new Float32Array(samples);
      const n = Math.min(samples, wave.length);
      for (let i = 0; i < n; i++) pcm[i] = Math.max(-1, Math.min(1, wave[i]!));
      report(1);
      return { sampleRate: st.sampleRate, channels: 1, pcm };
    });
    queue = run.catch(() => undefined);
    return run;
  }

  function precisionGuess(): 'fp32' | 'fp16' | 'int8' {
    const v = opts.precision ?? (requested === 'cuda' ? 'fp16' : 'fp32');
    return v === 'q8' ? 'int8' : v;
  }

  const engine: MusicgenEngine = {
    name: 'musicgen',
    get version() {
      const variant = loaded?.folder.variant ?? opts.precision ?? '';
      return `musicgen:${basename(opts.dir)}${variant ? `:${variant}` : ''}`;
    },
    get device() {
      return loaded?.sessions.device ?? (requested === 'cuda' ? 'cuda' : 'cpu');
    },
    get precision() {
      return loaded?.sessions.precision ?? precisionGuess();
    },
    maxDurationS,
    get sampleRate() {
      return loaded?.folder.settings.sampleRate ?? 32000;
    },
    async load() {
      await load();
    },
    render,
    async dispose() {
      // Sessions must outlive the render using them; callers abort renders they want gone.
      await queue;
      const l = loaded ?? (loading ? await loading.catch(() => null) : null);
      loaded = null;
      loading = null;
      if (l) await releaseSessions(l.sessions);
    },
    status() {
      return {
        loaded: loaded !== null,
        loadMs: loaded?.loadMs ?? null,
        device: engine.device,
        precision: engine.precision,
        version: engine.version,
        dir: opts.dir,
        error: lastError,
      };
    },
    async reload() {
      await queue;
      await engine.dispose();
      await load();
    },
  };
  return engine;
}
