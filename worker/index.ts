/**
 * The render worker: a BullMQ consumer whose CPU work runs in threads, plus the reconciler that
 * re-enqueues what Redis lost. `stop()` drains: active renders finish, or go back to the queue
 * when they cannot finish in time.
 */
import type { MikroORM } from '../core/db/index.ts';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../core/config.ts';
import { getGeneration, pruneAggregates, transitionGeneration } from '../core/db/index.ts';
import { MAX_RENDER_ATTEMPTS, progressChannel, QueueName, renderJobOptions, type ProgressEvent, type RenderJob } from '../core/jobs.ts';
import { failGeneration } from '../core/fail.ts';
import { sweepTempFiles } from '../core/storage.ts';
import { mkdir } from 'node:fs/promises';
import type { Logger } from '../core/log.ts';
import { cancelChannel, type Queues } from '../core/queue.ts';
import { createPipelineErrorInfo } from './errors.ts';
import { observeRenderWorker } from './metrics.ts';
import { createAnalyser } from './analysis/pool.ts';
import { createRenderProcessor } from './pipeline.ts';
import { createReconciler } from './reconciler.ts';
import { startSpawner } from './audio/spawner.ts';
import { createRenderPool, type RenderPool, type RenderPoolOptions } from './render-pool.ts';
import { createTurns } from '../core/turns.ts';
import { closeWorker, jobsInFlight } from '../core/worker-close.ts';
import type { EngineSpec } from './engines/index.ts';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { adminChannel, engineStatusKey, publishEngineStatus, RELOAD_ENGINE, type EngineStatus } from '../core/engine-status.ts';

export interface WorkerDeps {
  config: Config;
  orm: MikroORM;
  queues: Queues;
  /** BullMQ's blocking connection for the worker. */
  connection: Redis;
  /** For publishing progress. */
  publisher: Redis;
  /** A connection of its own: a subscribed ioredis client can issue no other commands. */
  subscriber: Redis;
  log: Logger;
  /** How long `stop()` lets active renders finish before returning them to the queue. */
  drainTimeoutMs?: number;
  /** Start ffmpeg when the render starts (encode.ts startEncoder); @defaultValue with a core for
   * each render thread and one more */
  earlyEncode?: boolean;
  /** ffmpeg binary, as located at start-up; @defaultValue what `locateFfmpeg()` finds from process.env */
  ffmpeg?: string;
  /** Render pool options (tests give a thread module that hangs). */
  poolOptions?: RenderPoolOptions;
  /**
   * BullMQ's job lock: a dead process's jobs come back after about this long.
   * @defaultValue 15000
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs. @defaultValue 5000 */
  stalledIntervalMs?: number;
}

export interface RenderWorker {
  worker: Worker<RenderJob['data'], void, RenderJob['name']>;
  pool: RenderPool;
  status(): EngineStatus;
  /** Loads the engine anew (after the model folder changed); a failure keeps the old one. */
  reload(): Promise<EngineStatus>;
  reconcileNow(): Promise<number>;
  stop(): Promise<void>;
}

const SHUTDOWN = 'shutdown';

export async function startRenderWorker(deps: WorkerDeps): Promise<RenderWorker> {
  const { config, orm, queues, log } = deps;
  // Before the engine loads: the worker forks once, for the helper that starts every ffmpeg.
  log.debug({ pid: startSpawner() }, 'ffmpeg spawner started');
  const spec = { name: config.engine.name, device: config.engine.device, modelDir: config.engine.modelDir, precision: config.engine.precision };
  const engine = createEngineHolder(spec, config.worker.concurrency, deps, log);
  const pool = engine.pool;

  const publish = (event: ProgressEvent) => {
    void deps.publisher.publish(progressChannel(config.queuePrefix, event.platform), JSON.stringify(event)).catch((err: unknown) => {
      log.warn({ err, generationId: event.generationId }, 'progress publish failed');
    });
  };
  const turns = createTurns({ orm, queues, limits: config.limits, log, publish });
  await mkdir(config.dataDir, { recursive: true });
  const analyser = createAnalyser({ orm, log });
  const processRender = createRenderProcessor({
    orm, queues, pool, dataDir: config.dataDir, log, publish, turns, ffmpeg: deps.ffmpeg,
    // A core for each render thread and one more for this thread, the analysis and ffmpeg's
    // start-up. bench/chat.ts, both ways alternating on this 2-core machine, quiet: p50 455 ms
    // as before, 390 ms started early (encode 294 -> 183 ms, render 114 -> 168).
    earlyEncode: deps.earlyEncode ?? availableParallelism() >= config.worker.concurrency + 1,
    analyseTrack: (generationId, audio) => void analyser.analyseAndStore(generationId, audio),
    limits: {
      renderTimeoutBaseS: config.worker.renderTimeoutBaseS, renderTimeoutPerS: config.worker.renderTimeoutPerS,
      encodeTimeoutMinS: config.worker.encodeTimeoutMinS, encodeTimeoutPerS: config.worker.encodeTimeoutPerS,
      minFreeDiskBytes: config.worker.minFreeDiskBytes,
    },
  });
  let shuttingDown = false;

  const processor = async (job: Job<RenderJob['data']>, token?: string, signal?: AbortSignal): Promise<void> => {
    try {
      await processRender(job, token, signal);
    } catch (err) {
      if (shuttingDown && signal?.aborted) {
        // Drain timed out: hand the job back untouched so another worker renders it from scratch;
        // a shutdown is not the job's fault, so this start does not count against its attempts.
        await transitionGeneration(orm.em.fork(), job.data.generationId, ['rendering', 'encoding'], { status: 'queued', progress: 0 }, { addAttempts: -1 });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const info = createPipelineErrorInfo(err, signal);
      const generationId = typeof job.data?.generationId === 'string' ? job.data.generationId : undefined;
      // The row's count includes starts BullMQ does not see (stalls, reconciler re-enqueues).
      const row = generationId ? await getGeneration(orm.em.fork(), generationId).catch(() => null) : null;
      const final = info.unrecoverable
        || job.attemptsMade + 1 >= (job.opts.attempts ?? renderJobOptions.attempts)
        || (row?.attempts ?? 0) >= MAX_RENDER_ATTEMPTS;
      log[final ? 'error' : 'warn']({ err, generationId, attempt: job.attemptsMade + 1, attempts: row?.attempts, code: info.code }, 'render failed');
      if (!final) throw err;
      if (generationId) {
        const failed = await failGeneration({ orm, publish }, generationId, ['queued', 'rendering', 'encoding'], {
          code: info.code, message: info.userMessage, status: info.code === 'cancelled' ? 'cancelled' : 'failed',
        });
        if (failed && row) await turns.admit(row.platform, row.guildId).catch((e: unknown) => log.warn({ err: e }, 'admission after a failure failed; the reconciler will retry'));
      }
      // Final for BullMQ too, whatever its own attempt count says: the job lands in its failed set.
      throw new UnrecoverableError(`${info.code}: ${info.userMessage}`);
    }
  };

  const jobs = jobsInFlight();
  const worker = new Worker<RenderJob['data'], void, RenderJob['name']>(QueueName.Render, jobs.wrap(processor), {
    connection: deps.connection,
    prefix: config.queuePrefix,
    concurrency: config.worker.concurrency,
    // Rendering is in threads, so the main loop renews locks on time (every 7.5 s). A dead
    // process's job comes back once its lock has expired (<= 15 s after the kill) and a stalled
    // check has seen it locked-less twice: BullMQ marks active jobs in one check and moves the
    // marked ones in the next. With checks every 5 s that is 15-25 s after the kill (every 10 s
    // it was 20 s after the restart, measured), so a restarted all-in-one process resumes the
    // track within 30 s (issue 13, point 9; tests/e2e/start-kill-resume.test.ts). The check is
    // one Lua call; a shorter lock would stall healthy jobs on a busy main loop.
    lockDuration: deps.lockDurationMs ?? 15_000,
    stalledInterval: deps.stalledIntervalMs ?? 5_000,
    // The per-generation cap (MAX_RENDER_ATTEMPTS, in Postgres) is what ends a job that kills
    // its worker; this only has BullMQ give up no later than it does.
    maxStalledCount: MAX_RENDER_ATTEMPTS - 1,
    // Jobs are taken only once the engine has loaded: a worker with a broken model folder stays
    // up (reporting why) instead of failing jobs or crash-looping.
    autorun: false,
  });
  worker.on('error', (err) => log.error({ err }, 'render worker error'));
  observeRenderWorker(worker, orm, log);
  engine.onReady(() => {
    if (!worker.isRunning() && !shuttingDown) void worker.run().catch((err: unknown) => log.error({ err }, 'render worker stopped'));
  });
  await engine.load();

  await deps.subscriber.subscribe(cancelChannel(config.queuePrefix), adminChannel(config.queuePrefix));
  deps.subscriber.on('message', (channel: string, message: string) => {
    if (channel === cancelChannel(config.queuePrefix)) worker.cancelJob(message, 'cancelled');
    else if (channel === adminChannel(config.queuePrefix) && message === RELOAD_ENGINE) {
      void reload().catch((err: unknown) => log.error({ err }, 'engine reload failed'));
    }
  });

  /** Reloads the engine between jobs: active renders finish on the old one first. */
  async function reload(): Promise<EngineStatus> {
    if (worker.isRunning()) await worker.pause();
    try {
      return await engine.load();
    } finally {
      if (worker.isPaused()) worker.resume();
    }
  }

  const reconciler = createReconciler({ orm, queues, log, publish, staleAfterMs: 5_000, turns });
  await reconciler.runOnce().catch((err: unknown) => log.error({ err }, 'start-up reconcile failed'));
  const timer = setInterval(() => {
    void reconciler.runOnce().catch((err: unknown) => log.error({ err }, 'reconcile failed'));
  }, config.worker.reconcileIntervalMs);
  timer.unref();
  // Past /stats buckets are pruned here too, hourly: every worker may, the deletes are idempotent.
  const prune = () =>
    void pruneAggregates(orm.em.fork(), new Date()).then(
      (rows) => rows && log.info({ rows }, 'old stats buckets pruned'),
      (err: unknown) => log.warn({ err }, 'stats pruning failed'),
    );
  // A crash mid-encode leaves a .tmp file beside the track; none is ever served, but they add up.
  const sweep = () =>
    void sweepTempFiles(config.dataDir, TMP_MAX_AGE_MS).then(
      (files) => files && log.info({ files }, 'stale .tmp files removed'),
      (err: unknown) => log.warn({ err }, '.tmp sweep failed'),
    );
  const hourly = () => {
    prune();
    sweep();
  };
  hourly();
  const pruneTimer = setInterval(hourly, PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  let stopping: Promise<void> | undefined;
  return {
    worker,
    pool,
    status: () => engine.status(),
    reload,
    reconcileNow: () => reconciler.runOnce(),
    stop: () => (stopping ??= drain()),
  };

  async function drain(): Promise<void> {
    shuttingDown = true;
    clearInterval(timer);
    clearInterval(pruneTimer);
    engine.stopTimers();
    // Bounded whatever Redis does (core/worker-close.ts): renders past the drain are cancelled and
    // hand their jobs back; one that cannot (Redis gone) is left to stall and come back elsewhere.
    await closeWorker(worker, jobs, {
      drainMs: deps.drainTimeoutMs ?? 20_000,
      onDrainTimeout: () => {
        log.warn('drain timed out: returning active renders to the queue');
        worker.cancelAllJobs(SHUTDOWN);
      },
      afterDrainMs: HAND_BACK_MS,
    });
    await analyser.close();
    await engine.close();
  }
}

const LOAD_RETRY_MS = 60_000;
/** Cancelled renders stop between chunks and move their jobs back to the queue: well within this. */
const HAND_BACK_MS = 3_000;
/** Older than any encode can run (its bound is 2 s per second of audio, 240 s at 120 s). */
const TMP_MAX_AGE_MS = 15 * 60_000;
const PRUNE_INTERVAL_MS = 3_600_000;
const STATUS_REFRESH_MS = 10_000;

/**
 * Owns the render pool and its engine's state. A failed load is kept as a status (with the
 * engine's own message, e.g. the missing model files) and retried on a timer or on reload.
 */
function createEngineHolder(spec: EngineSpec, threads: number, deps: WorkerDeps, log: Logger) {
  const prefix = deps.config.queuePrefix;
  let current: RenderPool | null = null;
  let status: EngineStatus = {
    workerId: randomUUID(), state: 'loading', engine: spec.name, version: null, device: null, precision: null,
    loadMs: null, error: null, since: new Date().toISOString(),
  };
  const readyListeners: Array<() => void> = [];
  let retry: NodeJS.Timeout | undefined;
  const publishStatus = () => publishEngineStatus(deps.publisher, prefix, status).catch((err: unknown) => log.warn({ err }, 'engine status not published'));
  const refresh = setInterval(() => void publishStatus(), STATUS_REFRESH_MS);
  refresh.unref();

  const pool: RenderPool = {
    render: (input, opts) => {
      if (!current) throw new Error(`engine not loaded: ${status.error ?? status.state}`);
      return current.render(input, opts);
    },
    warm: async () => {
      if (!current) throw new Error('engine not loaded');
      return current.warm();
    },
    close: async () => current?.close(),
    threadIds: () => current?.threadIds() ?? [],
  };

  async function load(): Promise<EngineStatus> {
    clearTimeout(retry);
    status = { ...status, state: 'loading', since: new Date().toISOString() };
    void publishStatus();
    const started = performance.now();
    const next = createRenderPool(spec, threads, deps.poolOptions);
    try {
      const engine = await next.warm();
      const previous = current;
      current = next;
      await previous?.close();
      status = { ...status, state: 'ready', engine: engine.name, version: engine.version, device: engine.device, precision: engine.precision, loadMs: Math.round(performance.now() - started), error: null, since: new Date().toISOString() };
      log.info({ engine: status.engine, version: status.version, device: status.device, precision: status.precision, loadMs: status.loadMs }, 'engine ready');
      for (const listener of readyListeners) listener();
    } catch (err) {
      await next.close();
      const message = err instanceof Error ? err.message : String(err);
      status = { ...status, state: current ? 'ready' : 'failed', error: message, since: new Date().toISOString() };
      log.error({ err: message, retryInS: LOAD_RETRY_MS / 1000 }, current ? 'engine reload failed; keeping the loaded engine' : 'engine failed to load; jobs wait in the queue');
      retry = setTimeout(() => void load(), LOAD_RETRY_MS);
      retry.unref();
    }
    await publishStatus();
    return status;
  }

  return {
    pool,
    load,
    status: () => status,
    onReady: (listener: () => void) => readyListeners.push(listener),
    stopTimers() {
      clearTimeout(retry);
      clearInterval(refresh);
    },
    async close() {
      this.stopTimers();
      await current?.close();
      current = null;
      await deps.publisher.del(engineStatusKey(prefix, status.workerId)).catch(() => 0);
    },
  };
}
