/**
 * The render worker: a BullMQ consumer whose CPU work runs in threads, plus the reconciler that
 * re-enqueues what Redis lost. `stop()` drains: active renders finish, or go back to the queue
 * when they cannot finish in time.
 */
import type { MikroORM } from '../core/db/index.ts';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../core/config.ts';
import { getGeneration, transitionGeneration } from '../core/db/index.ts';
import { progressChannel, QueueName, renderJobOptions, type ProgressEvent, type RenderJob } from '../core/jobs.ts';
import type { Logger } from '../core/log.ts';
import { cancelChannel, type Queues } from '../core/queue.ts';
import { createPipelineErrorInfo } from './errors.ts';
import { createRenderProcessor } from './pipeline.ts';
import { createReconciler } from './reconciler.ts';
import { createRenderPool, type RenderPool } from './render-pool.ts';

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
}

export interface RenderWorker {
  worker: Worker<RenderJob['data'], void, RenderJob['name']>;
  pool: RenderPool;
  reconcileNow(): Promise<number>;
  stop(): Promise<void>;
}

const SHUTDOWN = 'shutdown';

export async function startRenderWorker(deps: WorkerDeps): Promise<RenderWorker> {
  const { config, orm, queues, log } = deps;
  const pool = createRenderPool(
    { name: config.engine.name, device: config.engine.device, modelDir: config.engine.modelDir, precision: config.engine.precision },
    config.worker.concurrency,
  );
  await pool.warm();

  const publish = (event: ProgressEvent) => {
    void deps.publisher.publish(progressChannel(config.queuePrefix, event.platform), JSON.stringify(event)).catch((err: unknown) => {
      log.warn({ err, generationId: event.generationId }, 'progress publish failed');
    });
  };
  const processRender = createRenderProcessor({ orm, queues, pool, dataDir: config.dataDir, log, publish });
  let shuttingDown = false;

  const processor = async (job: Job<RenderJob['data']>, token?: string, signal?: AbortSignal): Promise<void> => {
    try {
      await processRender(job, token, signal);
    } catch (err) {
      if (shuttingDown && signal?.aborted) {
        // Drain timed out: hand the job back untouched so another worker renders it from scratch.
        await transitionGeneration(orm.em.fork(), job.data.generationId, ['rendering', 'encoding'], { status: 'queued', progress: 0 });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const info = createPipelineErrorInfo(err, signal);
      const final = info.unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? renderJobOptions.attempts);
      log[final ? 'error' : 'warn']({ err, generationId: job.data?.generationId, attempt: job.attemptsMade + 1, code: info.code }, 'render failed');
      if (final && typeof job.data?.generationId === 'string') {
        const failed = await transitionGeneration(orm.em.fork(), job.data.generationId, ['queued', 'rendering', 'encoding'], {
          status: info.code === 'cancelled' ? 'cancelled' : 'failed',
          errorCode: info.code,
          errorMessage: info.userMessage,
          completedAt: new Date(),
        });
        if (failed) {
          const row = await getGeneration(orm.em.fork(), job.data.generationId);
          if (row) publish({ generationId: row.id, platform: row.platform, stage: info.code === 'cancelled' ? 'cancelled' : 'failed', progress: 0, errorCode: info.code, message: info.userMessage });
        }
      }
      throw info.unrecoverable ? new UnrecoverableError(`${info.code}: ${info.userMessage}`) : err;
    }
  };

  const worker = new Worker<RenderJob['data'], void, RenderJob['name']>(QueueName.Render, processor, {
    connection: deps.connection,
    prefix: config.queuePrefix,
    concurrency: config.worker.concurrency,
    // Rendering is in threads, so the main loop renews locks on time; a dead process's jobs
    // come back after one lock period.
    lockDuration: 30_000,
    maxStalledCount: 2,
  });
  worker.on('error', (err) => log.error({ err }, 'render worker error'));

  await deps.subscriber.subscribe(cancelChannel(config.queuePrefix));
  deps.subscriber.on('message', (channel: string, generationId: string) => {
    if (channel === cancelChannel(config.queuePrefix)) worker.cancelJob(generationId, 'cancelled');
  });

  const reconciler = createReconciler({ orm, queues, log, staleAfterMs: 5_000 });
  await reconciler.runOnce().catch((err: unknown) => log.error({ err }, 'start-up reconcile failed'));
  const timer = setInterval(() => {
    void reconciler.runOnce().catch((err: unknown) => log.error({ err }, 'reconcile failed'));
  }, config.worker.reconcileIntervalMs);
  timer.unref();

  let stopping: Promise<void> | undefined;
  return {
    worker,
    pool,
    reconcileNow: () => reconciler.runOnce(),
    stop: () => (stopping ??= drain()),
  };

  async function drain(): Promise<void> {
    shuttingDown = true;
    clearInterval(timer);
    const drained = worker.close();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), deps.drainTimeoutMs ?? 20_000).unref());
    if ((await Promise.race([drained.then(() => 'ok' as const), timeout])) === 'timeout') {
      log.warn('drain timed out: returning active renders to the queue');
      worker.cancelAllJobs(SHUTDOWN);
      await drained;
    }
    await pool.close();
  }
}
