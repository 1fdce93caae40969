/**
 * One generation's path through the worker: render (in a thread), encode (ffmpeg), store, then
 * hand over to the platform's delivery queue. Each step is guarded by a status transition in
 * Postgres, so a retried or duplicated job never does finished work twice.
 */
import type { MikroORM } from '../core/db/index.ts';
import { UnrecoverableError, type Job } from 'bullmq';
import { RenderErrorCode } from '../core/errors.ts';
import type { ProgressEvent, RenderJob, Stage } from '../core/jobs.ts';
import type { Logger } from '../core/log.ts';
import { enqueueDeliver, type Queues } from '../core/queue.ts';
import { extendedLengths, getGeneration, listQueueHead, setProgress, transitionGeneration } from '../core/db/index.ts';
import { MAX_RENDER_ATTEMPTS } from '../core/jobs.ts';
import { freeBytes } from '../core/storage.ts';
import { isAudioFormat } from '../core/validate.ts';
import { EncodeError, encodeToFit, planEncoding, startEncoder, type EarlyEncoder } from './audio/encode.ts';
import { AttemptsExhaustedError, LowDiskError, StageTimeoutError } from './errors.ts';
import type { RenderPool } from './render-pool.ts';
import type { Turns } from '../core/turns.ts';

export interface PipelineLimits {
  /** Render bound = renderTimeoutBaseS + renderTimeoutPerS × requested seconds. */
  renderTimeoutBaseS: number;
  renderTimeoutPerS: number;
  /** Encode bound (all encodes of one track) = max(encodeTimeoutMinS, encodeTimeoutPerS × seconds). */
  encodeTimeoutMinS: number;
  encodeTimeoutPerS: number;
  /** Renders are refused below this much free space under dataDir. */
  minFreeDiskBytes: number;
}

export interface PipelineDeps {
  orm: MikroORM;
  queues: Queues;
  pool: RenderPool;
  dataDir: string;
  log: Logger;
  publish(event: ProgressEvent): void;
  /** Told when a track frees its server slot, so the next one in line starts. */
  turns?: Pick<Turns, 'admit'>;
  limits: PipelineLimits;
  /** ffmpeg binary; @defaultValue what `locateFfmpeg()` finds from process.env */
  ffmpeg?: string;
  /**
   * Start ffmpeg when the render starts (startEncoder), hiding its start-up. That pays only with a
   * core to spare: on this 2-core machine, with the render thread and the previous track's
   * analysis busy, it slowed the render more than it sped the encode (worker/index.ts decides).
   */
  earlyEncode?: boolean;
  /**
   * Analyses the finished track (worker/analysis/pool.ts). Called after the track is queued for
   * delivery and not awaited: delivery never waits for it, and its failures never fail the track.
   */
  analyseTrack?: (generationId: string, audio: { pcm: Float32Array; channels: number; sampleRate: number }) => void;
}

/** The time bounds of one generation's render and encode, in seconds. */
export function stageLimits(limits: PipelineLimits, durationS: number): { renderS: number; encodeS: number } {
  return {
    renderS: Math.ceil(limits.renderTimeoutBaseS + limits.renderTimeoutPerS * durationS),
    encodeS: Math.ceil(Math.max(limits.encodeTimeoutMinS, limits.encodeTimeoutPerS * durationS)),
  };
}

/**
 * Runs `step` with `signal` joined to a timer of `limitS`; when the timer fires first, the step
 * is stopped through the signal (thread cancelled then terminated, ffmpeg killed) and the
 * failure becomes a StageTimeoutError.
 */
async function bounded<T>(stage: 'render' | 'encode', limitS: number, signal: AbortSignal | undefined, step: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timer = AbortSignal.timeout(limitS * 1000);
  try {
    return await step(signal ? AbortSignal.any([signal, timer]) : timer);
  } catch (e) {
    if (timer.aborted && !signal?.aborted) throw new StageTimeoutError(stage, limitS);
    throw e;
  }
}

/** Rows a render may resume from: a crashed attempt leaves `rendering` or `encoding` behind. */
const RENDERABLE = ['queued', 'rendering', 'encoding'] as const;

export function createRenderProcessor(deps: PipelineDeps) {
  const { orm, queues, pool, log } = deps;
  /** The sample rate and channels of the last render: what the next one will most likely give. */
  let lastShape: { sampleRate: number; channels: number } | null = null;

  return async function processRender(job: Job<RenderJob['data']>, _token?: string, signal?: AbortSignal): Promise<void> {
    const generationId = job.data?.generationId;
    if (typeof generationId !== 'string') throw new UnrecoverableError(`${RenderErrorCode.BadInput}: job without generationId`);
    const em = orm.em.fork();
    const generation = await getGeneration(em, generationId);
    if (!generation) throw new UnrecoverableError(`${RenderErrorCode.BadInput}: generation ${generationId} not found`);
    if (!RENDERABLE.includes(generation.status as (typeof RENDERABLE)[number])) {
      log.info({ generationId, status: generation.status }, 'render skipped: generation already past rendering');
      return;
    }
    const emit = (stage: Stage, progress: number, extra: Partial<ProgressEvent> = {}) =>
      deps.publish({ generationId, platform: generation.platform, stage, progress, ...extra });

    // A full disk fails the track now, before a render whose file could not be kept.
    const free = await freeBytes(deps.dataDir);
    if (free < deps.limits.minFreeDiskBytes) throw new LowDiskError(free, deps.limits.minFreeDiskBytes);

    // Every start counts, in Postgres: retries, stalls after a dead worker, reconciler re-enqueues.
    const started = await transitionGeneration(em, generationId, [...RENDERABLE], {
      status: 'rendering', startedAt: new Date(), progress: 0, errorCode: null, errorMessage: null,
    }, { addAttempts: 1, attemptsBelow: MAX_RENDER_ATTEMPTS });
    if (!started) {
      const now = await getGeneration(em, generationId);
      if (now && RENDERABLE.includes(now.status as (typeof RENDERABLE)[number]) && now.attempts >= MAX_RENDER_ATTEMPTS) {
        throw new AttemptsExhaustedError(now.attempts);
      }
      return; // cancelled between the read and now
    }
    emit('rendering', 0);
    // Everyone still waiting moved up one place; tell the first few (the rest see it as they rise).
    void listQueueHead(orm.em.fork(), 25).then(
      (head) => head.forEach((g, i) => deps.publish({ generationId: g.id, platform: g.platform, stage: 'queued', progress: 0, position: i + 1 })),
      (err: unknown) => log.warn({ err }, 'queue positions not published'),
    );

    let lastWrite = 0;
    const renderStarted = performance.now();
    const limits = stageLimits(deps.limits, generation.requestedDurationS);
    // Extend: the render continues the parent's piece (and its parents'), so the file starts as the parent did.
    const continueFromS = generation.parentId ? await extendedLengths(em, generation.id) : undefined;
    const preferred = isAudioFormat(generation.requestedFormat) ? generation.requestedFormat : undefined;
    // ffmpeg starts now, for the encode this track will most likely need, so that its start-up
    // (~100 ms of loading libraries, more under load) runs during the render (issue 11). An
    // extend's length is the whole piece's, so it is not guessed. encode() cancels a wrong guess.
    const plan = deps.earlyEncode && lastShape && !continueFromS?.length
      ? planEncoding({ ...lastShape, durationS: generation.requestedDurationS }, { sizeLimitBytes: generation.sizeLimitBytes, preferred, dataDir: deps.dataDir, generationId })
      : null;
    const early: EarlyEncoder | undefined = plan && lastShape
      ? await startEncoder(lastShape, { ...plan, ffmpeg: deps.ffmpeg }).catch((err: unknown) => {
        log.warn({ err, generationId }, 'early encoder not started; the encode starts its own');
        return undefined;
      })
      : undefined;
    try {
      const rendered = await bounded('render', limits.renderS, signal, (bound) => pool.render(
        {
          prompt: generation.prompt, params: generation.params, durationS: generation.requestedDurationS,
          ...(continueFromS?.length ? { continueFromS } : {}),
        },
        {
          signal: bound,
          onProgress: (fraction) => {
            const now = Date.now();
            const elapsedS = (performance.now() - renderStarted) / 1000;
            // Renders advance at a steady rate, so elapsed time scales to an honest ETA early on.
            const etaS = fraction > 0.02 ? Math.round(((elapsedS * (1 - fraction)) / fraction) * 10) / 10 : undefined;
            emit('rendering', fraction, { etaS });
            // Postgres gets a progress write at most twice a second; pub/sub carries the rest.
            if (now - lastWrite > 500) {
              lastWrite = now;
              void job.updateProgress(Math.round(fraction * 100)).catch(() => {});
              void setProgress(orm.em.fork(), generationId, fraction).catch((e: unknown) => log.warn({ err: e, generationId }, 'progress write failed'));
            }
          },
        },
      ));

      lastShape = { sampleRate: rendered.sampleRate, channels: rendered.channels };
      if (!(await transitionGeneration(em, generationId, ['rendering'], { status: 'encoding', progress: 1, renderMs: Math.round(rendered.renderMs) }))) {
        return; // cancelled while rendering
      }
      emit('encoding', 1);
      const frames = rendered.pcm.length / rendered.channels;
      const durationS = frames / rendered.sampleRate;
      const encoded = await bounded('encode', limits.encodeS, signal, (bound) => encodeToFit(
        { sampleRate: rendered.sampleRate, channels: rendered.channels, pcm: rendered.pcm },
        {
          sizeLimitBytes: generation.sizeLimitBytes, dataDir: deps.dataDir, generationId, signal: bound, ffmpeg: deps.ffmpeg, early,
          // Asked for by the request (the public API's `format`); the encoder falls back to Opus past the size limit.
          preferred,
        },
      )).catch(async (e: unknown) => {
        // ffmpeg reports a full disk only in its stderr text; the filesystem's free space says it plainly.
        if (e instanceof EncodeError) {
          const left = await freeBytes(deps.dataDir).catch(() => Number.POSITIVE_INFINITY);
          if (left < Math.max(deps.limits.minFreeDiskBytes, rendered.pcm.byteLength)) throw new LowDiskError(left, deps.limits.minFreeDiskBytes);
        }
        throw e;
      });
      const moved = await transitionGeneration(em, generationId, ['encoding'], {
        status: 'delivering',
        engine: rendered.engine.name,
        engineVersion: rendered.engine.version,
        device: rendered.engine.device,
        precision: rendered.engine.precision,
        actualDurationS: durationS,
        encodeMs: Math.round(encoded.totalEncodeMs),
        realtimeFactor: durationS / (rendered.renderMs / 1000),
        format: encoded.format,
        bitrateKbps: encoded.bitrateKbps ?? null,
        sampleRate: encoded.sampleRate,
        channels: rendered.channels,
        sizeBytes: encoded.sizeBytes,
        sha256: encoded.sha256,
        storagePath: encoded.path,
        fitsInline: encoded.fitsInline,
      });
      if (!moved) return;
      emit('delivering', 1);
      void deps.turns?.admit(generation.platform, generation.guildId).catch((err: unknown) => log.warn({ err }, 'admission after render failed; the reconciler will retry'));
      await enqueueDeliver(queues, generation.platform, generationId);
      // The PCM is not needed here any more: the analysis may take (transfer) its buffer.
      deps.analyseTrack?.(generationId, { pcm: rendered.pcm, channels: rendered.channels, sampleRate: rendered.sampleRate });
      log.info({ generationId, renderMs: Math.round(rendered.renderMs), encodeMs: Math.round(encoded.totalEncodeMs), sizeBytes: encoded.sizeBytes }, 'rendered');
    } finally {
      // A no-op once the encode took it; otherwise (render failed, cancelled, another format) it goes.
      await early?.cancel();
    }
  };
}
