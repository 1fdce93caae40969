/**
 * The backfill's loop: finished tracks without an analysis, oldest first, each decoded from its
 * stored file and analysed in the analysis thread. Resumable (analysed tracks are not listed
 * again; a keyset cursor walks the rest) and bounded (a limit, a time bound per decode and per
 * analysis; a failure is recorded on the track and the loop goes on).
 */
import { ANALYSIS_VERSION } from '../../core/analysis.ts';
import { countUnanalysed, listUnanalysed, saveAnalysis, saveAnalysisError, type MikroORM } from '../../core/db/index.ts';
import { decodeFile } from './decode.ts';
import { analysisTimeoutMs, type Analyser } from './pool.ts';

export const DECODE_TIMEOUT_MS = 60_000;

export interface BackfillOptions {
  orm: MikroORM;
  analyser: Analyser;
  ffmpeg: string;
  limit?: number;
  retryFailed?: boolean;
  /** Re-analyse rows made by an older ANALYSIS_VERSION. */
  redoOld?: boolean;
  onStart?(total: number): void;
  onProgress?(done: number, failed: number): void;
  /** Checked between tracks: true stops after the current one. */
  shouldStop?(): boolean;
}

export async function backfill(opts: BackfillOptions): Promise<{ total: number; analysed: number; failed: number }> {
  const filter = { retryFailed: opts.retryFailed ?? false, redoBelowVersion: opts.redoOld ? ANALYSIS_VERSION : 0 };
  const total = Math.min(opts.limit ?? Number.POSITIVE_INFINITY, await countUnanalysed(opts.orm.em.fork(), filter));
  opts.onStart?.(total);
  let analysed = 0;
  let failed = 0;
  let after: { createdAt: Date; id: string } | undefined;
  while (!opts.shouldStop?.() && analysed + failed < total) {
    const batch = await listUnanalysed(opts.orm.em.fork(), { ...filter, limit: Math.min(50, total - analysed - failed), after });
    if (!batch.length) break;
    for (const item of batch) {
      if (opts.shouldStop?.()) break;
      after = { createdAt: item.createdAt, id: item.id };
      try {
        const audio = await decodeFile(opts.ffmpeg, item.storagePath, { timeoutMs: DECODE_TIMEOUT_MS });
        const durationS = audio.pcm.length / audio.channels / audio.sampleRate;
        const analysis = await opts.analyser.analyse(audio, { signal: AbortSignal.timeout(analysisTimeoutMs(durationS)), transfer: true });
        await saveAnalysis(opts.orm.em.fork(), item.id, analysis);
        analysed++;
      } catch (err) {
        failed++;
        await saveAnalysisError(opts.orm.em.fork(), item.id, `backfill: ${String((err as Error)?.message ?? err)}`).catch(() => {});
      }
      opts.onProgress?.(analysed + failed, failed);
    }
  }
  return { total, analysed, failed };
}
