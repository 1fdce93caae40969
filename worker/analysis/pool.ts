/**
 * Analysis of finished tracks, off the delivery path: the pipeline hands over the rendered PCM
 * after the track is queued for delivery and goes on; one thread analyses it and the result is
 * stored in Postgres. Every step is bounded: a queue of at most MAX_WAITING tracks (past it a
 * track is left for the backfill), a time limit per analysis (the thread is terminated, which is
 * safe for pure computation), and a failure is stored as such and never touches the track.
 */
import { Piscina } from 'piscina';
import type { MikroORM } from '../../core/db/index.ts';
import { saveAnalysis, saveAnalysisError } from '../../core/db/index.ts';
import type { TrackAnalysis } from '../../core/analysis.ts';
import type { Logger } from '../../core/log.ts';
import type { PcmInput } from './analyse.ts';

/** Tracks waiting for the analysis thread; more are skipped (the backfill analyses them later). */
export const MAX_WAITING = 8;

/** Time bound of one analysis: 10 s plus 0.5 s per second of audio (measured: ~0.05 s per 30 s). */
export function analysisTimeoutMs(durationS: number): number {
  return 10_000 + Math.ceil(durationS * 500);
}

export interface Analyser {
  /** Analyses in the thread; rejects on timeout or a failure. `transfer` moves the PCM buffer (no copy). */
  analyse(input: PcmInput, opts?: { signal?: AbortSignal; transfer?: boolean }): Promise<TrackAnalysis>;
  /** Analyses and stores; never throws. Resolves when stored (or skipped, or failed and recorded). */
  analyseAndStore(generationId: string, input: PcmInput): Promise<'stored' | 'failed' | 'skipped'>;
  /** Waits (bounded) for analyses in flight, then stops the thread. */
  close(waitMs?: number): Promise<void>;
}

export function createAnalyser(deps: { orm: MikroORM; log: Logger; threads?: number }): Analyser {
  const pool = new Piscina<PcmInput, TrackAnalysis>({
    filename: new URL('./thread.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: deps.threads ?? 1,
    concurrentTasksPerWorker: 1,
    // The thread stays a minute after the last track, so a busy worker does not restart it per track.
    idleTimeout: 60_000,
  });
  const inFlight = new Set<Promise<unknown>>();

  const analyse: Analyser['analyse'] = async (input, opts = {}) => {
    const { pcm } = input;
    const movable = opts.transfer && pcm.byteOffset === 0 && pcm.byteLength === pcm.buffer.byteLength && pcm.buffer instanceof ArrayBuffer;
    return pool.run(input, { signal: opts.signal, ...(movable ? { transferList: [pcm.buffer as ArrayBuffer] } : {}) });
  };

  async function analyseAndStore(generationId: string, input: PcmInput): Promise<'stored' | 'failed' | 'skipped'> {
    if (pool.queueSize + inFlight.size > MAX_WAITING) {
      deps.log.warn({ generationId }, 'analysis skipped: the analysis queue is full (the backfill will analyse it)');
      return 'skipped';
    }
    const durationS = input.pcm.length / input.channels / input.sampleRate;
    const work = (async () => {
      try {
        const analysis = await analyse(input, { signal: AbortSignal.timeout(analysisTimeoutMs(durationS)), transfer: true });
        await saveAnalysis(deps.orm.em.fork(), generationId, analysis);
        deps.log.info({ generationId, analysedMs: analysis.analysedMs, tempoBpm: analysis.tempoBpm }, 'track analysed');
        return 'stored' as const;
      } catch (err) {
        deps.log.warn({ err, generationId }, 'track analysis failed (the track is unaffected)');
        const reason = err instanceof Error && err.name === 'AbortError' ? 'analysis timed out' : `analysis failed: ${String((err as Error)?.message ?? err)}`;
        await saveAnalysisError(deps.orm.em.fork(), generationId, reason).catch(() => {});
        return 'failed' as const;
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  return {
    analyse,
    analyseAndStore,
    async close(waitMs = 2_000) {
      const timer = new Promise((r) => setTimeout(r, waitMs).unref());
      await Promise.race([Promise.allSettled([...inFlight]), timer]);
      await pool.close({ force: true });
    },
  };
}
