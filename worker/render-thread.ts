/**
 * Runs inside a piscina worker thread: rendering is CPU-bound for seconds, and on the main
 * thread it would starve BullMQ's lock renewal and the HTTP server.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { Engine, RenderInput } from '../core/engine.ts';
import { createEngine, type EngineSpec } from './engines/index.ts';

export interface RenderTask {
  spec: EngineSpec;
  input: RenderInput;
  /** Receives `{ progress: number }` messages while the render runs; `{ cancel: true }` sent the
   * other way stops it. */
  progressPort: MessagePort;
}

export interface RenderTaskResult {
  engine: { name: string; version: string; device: string; precision: string };
  sampleRate: number;
  channels: number;
  pcm: Float32Array;
  renderMs: number;
  /** The worker thread that rendered: a cancel must not cost the thread (and its loaded engine). */
  threadId: number;
}

let cached: { key: string; engine: Engine } | undefined;
const PROGRESS_EVERY_MS = 100;

async function engineFor(spec: EngineSpec): Promise<Engine> {
  const key = JSON.stringify(spec);
  if (cached?.key !== key) {
    await cached?.engine.dispose();
    const engine = await createEngine(spec);
    await engine.load();
    cached = { key, engine };
  }
  return cached.engine;
}

/**
 * The result with its PCM moved to the main thread rather than copied: a 30 s stereo track is
 * 10.6 MB, which structured cloning copied on both sides. Engines hand back a fresh buffer per
 * render (nothing here keeps it); a view into a larger buffer is cloned as before.
 */
function moved(result: RenderTaskResult): RenderTaskResult {
  const { pcm } = result;
  if (pcm.byteOffset !== 0 || pcm.byteLength !== pcm.buffer.byteLength || !(pcm.buffer instanceof ArrayBuffer)) return result;
  // piscina unwraps this on the other side into `result`, its buffer transferred
  return move({ [transferableSymbol]: [pcm.buffer], [valueSymbol]: result }) as unknown as RenderTaskResult;
}

export default async function renderTask(task: RenderTask): Promise<RenderTaskResult> {
  const engine = await engineFor(task.spec);
  const started = performance.now();
  let lastSent = -1;
  // A cancel stops the render between two chunks (or decoding steps) through the engine's
  // AbortSignal. Terminating the thread instead (piscina's abort) can stop it inside
  // onnxruntime's native code, whose binding then throws where nothing catches it: the whole
  // process aborts ("terminate called after throwing an instance of 'Napi::Error'", SIGABRT;
  // tests/integration/render-pool.test.ts does that within 25 cancels the old way).
  const cancel = new AbortController();
  task.progressPort.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as { cancel?: unknown }).cancel === true) {
      cancel.abort(new DOMException('Render cancelled', 'AbortError'));
    }
  });
  try {
    const audio = await engine.render(task.input, {
      signal: cancel.signal,
      onProgress: (fraction) => {
        // The first step at once (the render is under way), then at most one message every
        // PROGRESS_EVERY_MS: each becomes a Redis publish, an SSE write and a share of the main
        // thread, which a 30 s track rendered in ~100 ms used to pay ~40 times, competing with
        // the render for this machine's two cores.
        const now = performance.now();
        if (lastSent < 0 || now - lastSent >= PROGRESS_EVERY_MS) {
          lastSent = now;
          task.progressPort.postMessage({ progress: fraction });
        }
      },
    });
    return moved({
      engine: { name: engine.name, version: engine.version, device: engine.device, precision: engine.precision },
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      pcm: audio.pcm,
      renderMs: performance.now() - started,
      threadId,
    });
  } finally {
    task.progressPort.close();
  }
}
