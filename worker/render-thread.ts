/**
 * Runs inside a piscina worker thread: rendering is CPU-bound for seconds, and on the main
 * thread it would starve BullMQ's lock renewal and the HTTP server.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
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
        // A message per percent is plenty; more would only queue on the main thread.
        const pct = Math.floor(fraction * 100);
        if (pct !== lastSent) {
          lastSent = pct;
          task.progressPort.postMessage({ progress: fraction });
        }
      },
    });
    return {
      engine: { name: engine.name, version: engine.version, device: engine.device, precision: engine.precision },
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      pcm: audio.pcm,
      renderMs: performance.now() - started,
      threadId,
    };
  } finally {
    task.progressPort.close();
  }
}
