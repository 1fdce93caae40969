import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RenderInput } from '../core/engine.ts';
import type { EngineSpec } from './engines/index.ts';
import type { RenderTask, RenderTaskResult } from './render-thread.ts';

export interface RenderPool {
  render(input: RenderInput, opts: { onProgress?: (fraction: number) => void; signal?: AbortSignal }): Promise<RenderTaskResult>;
  /** Loads the engine in every thread so the first job does not pay for it; returns what loaded. */
  warm(): Promise<RenderTaskResult['engine']>;
  close(): Promise<void>;
  /** Ids of the live render threads (a terminated thread's id is gone; its replacement has a new one). */
  threadIds(): number[];
}

export interface RenderPoolOptions {
  /** The thread module. @defaultValue ./render-thread.ts (tests pass one that ignores cancels) */
  filename?: string;
  /**
   * How long a cancelled render (a user's cancel, a timeout, a drain) may take to stop between
   * chunks before its thread is terminated. @defaultValue 5000
   */
  killGraceMs?: number;
}

export function createRenderPool(spec: EngineSpec, threads: number, opts: RenderPoolOptions = {}): RenderPool {
  const killGraceMs = opts.killGraceMs ?? 5_000;
  const pool = new Piscina<RenderTask, RenderTaskResult>({
    filename: opts.filename ?? new URL('./render-thread.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Each thread holds one engine; a queue inside piscina would hide back-pressure from BullMQ.
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  const render: RenderPool['render'] = async (input, { onProgress, signal }) => {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: { progress: number }) => onProgress?.(m.progress));
    // Cancelling asks the thread to stop (render-thread.ts) rather than giving piscina the signal,
    // which would terminate the thread, possibly inside onnxruntime. Only a render that has not
    // stopped after the grace period (hung, or stuck in one endless chunk) has its thread
    // terminated: never abandoned running. Piscina starts a fresh thread in its place.
    const kill = new AbortController();
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      port1.postMessage({ cancel: true });
      killTimer = setTimeout(() => kill.abort(new Error(`render did not stop within ${killGraceMs} ms of its cancel; thread terminated`)), killGraceMs);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      signal?.throwIfAborted();
      return await pool.run({ spec, input, progressPort: port2 }, { transferList: [port2], signal: kill.signal });
    } finally {
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', cancel);
      port1.close();
    }
  };
  return {
    render,
    async warm() {
      const input = warmupInput();
      const results = await Promise.all(Array.from({ length: threads }, () => render(input, {})));
      return results[0]!.engine;
    },
    async close() {
      await pool.close({ force: true });
    },
    threadIds: () => pool.threads.map((t) => t.threadId),
  };
}

/** A short band with drums, piano and bass: the warm-up runs every hot loop (sampled voices, row
 * packing, the graph, mastering) often enough for the JIT, so the first users' tracks do not pay
 * for it (a thread's first renders ran up to 2x its later ones). */
function warmupInput(): RenderInput {
  return {
    prompt: 'warm up',
    durationS: 8,
    params: { bpm: 120, key: 'C', mode: 'major', genre: 'pop', mood: null, instruments: [], excluded: [], structure: [], seed: 1, explicit: [] },
  };
}
