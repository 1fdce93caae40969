/**
 * Consumes one platform's delivery queue. Posting is its own step so a failed post retries
 * without rendering again; the delivered_ref written after a post makes a replayed job a no-op.
 * Between the two, a process may die after posting and before recording: each handler records
 * its own side effects as delivery steps (Delivery.steps) as they happen, so the rerun resumes.
 */
import type { MikroORM } from './db/index.ts';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BatchDeliveryHandler, DeliveryHandler, DeliveryResult, DeliverySteps } from './chat.ts';
import { isDeliveryRefused } from './errors.ts';
import {
  batchReady, batchTakes, claimBatchStep, claimDeliveryStep, getBatch, getGeneration, markBatchDelivered, recordBatchStep, recordDeliveryStep, transitionGeneration,
  type GenerationRow,
} from './db/index.ts';
import { deliverJobOptions, deliverQueueFor, type DeliverJob, type Platform, type ProgressEvent } from './jobs.ts';
import { enqueueBatchDeliver, type Queues } from './queue.ts';
import type { Logger } from './log.ts';
import { metrics } from './metrics.ts';
import { toTrackView } from './track-view.ts';
import { closeWorker, jobsInFlight } from './worker-close.ts';

export interface DeliveryDeps {
  orm: MikroORM;
  connection: Redis;
  prefix: string;
  publicUrl: string;
  log: Logger;
  publish(event: ProgressEvent): void;
  /** Takes: where a batch's own delivery job is added once every take has ended. */
  queues: Queues;
}

/**
 * Takes: adds the batch's delivery job when no take of it is still being made. Called whenever a
 * take ends (finished, failed or cancelled); the takes that find it ready add one job between them.
 */
export async function deliverBatchIfReady(deps: Pick<DeliveryDeps, 'orm' | 'queues'>, batchId: string): Promise<boolean> {
  const em = deps.orm.em.fork();
  const batch = await getBatch(em, batchId);
  if (!batch || batch.deliveredRef) return false;
  const takes = await batchTakes(em, batchId);
  if (!batchReady(takes)) return false;
  await enqueueBatchDeliver(deps.queues, takes[0]!.platform, batchId, takes[0]!.id);
  return true;
}

/** Takes: a take that ended without a track (any path: worker, cancel, expiry) may complete its batch. */
export async function takeEnded(deps: Pick<DeliveryDeps, 'orm' | 'queues'>, generationId: string): Promise<void> {
  const row = await getGeneration(deps.orm.em.fork(), generationId);
  if (row?.batchId) await deliverBatchIfReady(deps, row.batchId);
}

/** Steps kept in memory only: for a handler called without the consumer (tests, one-off posts). */
export function memorySteps(done: Record<string, string> = {}): DeliverySteps {
  const steps: Record<string, string> = { ...done };
  return {
    done: steps,
    async record(step, ref) {
      steps[step] = ref;
    },
    async claim(step, ref) {
      if (step in steps) return false;
      steps[step] = ref;
      return true;
    },
  };
}

export async function startDeliveryConsumer(
  deps: DeliveryDeps, platform: Platform, handler: DeliveryHandler, batchHandler?: BatchDeliveryHandler,
): Promise<{ close(): Promise<void> }> {
  const { orm, log } = deps;
  /** The row's recorded delivery steps, as of this run's start, and the way to add to them. */
  const stepsOf = (row: GenerationRow): DeliverySteps => ({
    done: { ...row.deliverySteps },
    record: (step, ref) => recordDeliveryStep(orm.em.fork(), row.id, step, ref),
    claim: (step, ref) => claimDeliveryStep(orm.em.fork(), row.id, step, ref),
  });

  /** Posts every take that is ready and marks them completed with the message that holds them. */
  async function completeTakes(takes: readonly GenerationRow[], ref: string): Promise<void> {
    for (const take of takes) {
      if (take.status !== 'delivering') continue;
      const done = await transitionGeneration(orm.em.fork(), take.id, ['delivering'], {
        status: 'completed', deliveredRef: ref, deliveredAt: new Date(), completedAt: new Date(),
      });
      if (done) deps.publish({ generationId: take.id, platform, stage: 'completed', progress: 1 });
    }
  }

  async function deliverBatch(job: Job<DeliverJob['data']>, batchId: string): Promise<string | null> {
    const em = orm.em.fork();
    const batch = await getBatch(em, batchId);
    if (!batch || batch.deliveredRef) return batch?.deliveredRef ?? null;
    const takes = await batchTakes(em, batchId);
    // Ready is for good (a take never goes back to being made), so this only guards a bad enqueue.
    if (!batchReady(takes)) return null;
    const stopTimer = metrics.deliverSeconds.startTimer({ platform });
    let ref: string;
    try {
      if (batchHandler) {
        ref = (await batchHandler({
          batchId,
          reply: takes[0]!.reply,
          attempt: job.attemptsMade,
          steps: {
            done: { ...batch.deliverySteps },
            record: (step, ref) => recordBatchStep(orm.em.fork(), batchId, step, ref),
            claim: (step, ref) => claimBatchStep(orm.em.fork(), batchId, step, ref),
          },
          takes: takes.map((t) => ({
            take: t.takeIndex ?? 0,
            track: toTrackView(t, deps.publicUrl),
            filePath: t.status === 'delivering' || t.status === 'completed' ? t.storagePath : null,
            fitsInline: t.fitsInline ?? false,
            steps: stepsOf(t),
          })),
        })).messageRef;
      } else {
        // A frontend without a batch message posts each take as a track of its own.
        const refs: string[] = [];
        for (const t of takes) {
          if (t.status !== 'delivering' || !t.storagePath) continue;
          const r = await handler({
            track: toTrackView(t, deps.publicUrl), reply: t.reply, filePath: t.storagePath, fitsInline: t.fitsInline ?? false, attempt: job.attemptsMade, steps: stepsOf(t),
          });
          await completeTakes([t], r.messageRef);
          refs.push(r.messageRef);
        }
        ref = refs[0] ?? `batch-${batchId}`;
      }
    } catch (err) {
      if (isDeliveryRefused(err)) throw new UnrecoverableError(`${err.code}: ${err.userMessage}`);
      throw err;
    }
    stopTimer();
    await completeTakes(takes, ref);
    await markBatchDelivered(orm.em.fork(), batchId, ref);
    metrics.jobs.inc({ queue: deliverQueueFor(platform), outcome: 'completed', code: '' });
    return ref;
  }

  const processor = async (job: Job<DeliverJob['data']>): Promise<string | null> => {
    if (job.data.batchId) return deliverBatch(job, job.data.batchId);
    const em = orm.em.fork();
    const row = await getGeneration(em, job.data.generationId);
    // A take is posted with its batch, once every take has ended.
    if (row?.batchId) {
      await deliverBatchIfReady(deps, row.batchId);
      return null;
    }
    if (!row || row.status !== 'delivering' || row.deliveredRef) return row?.deliveredRef ?? null;
    if (!row.storagePath) throw new Error(`generation ${row.id} has no stored file`);
    const stopTimer = metrics.deliverSeconds.startTimer({ platform });
    let result: DeliveryResult;
    try {
      result = await handler({
        track: toTrackView(row, deps.publicUrl),
        reply: row.reply,
        filePath: row.storagePath,
        fitsInline: row.fitsInline ?? false,
        attempt: job.attemptsMade,
        steps: stepsOf(row),
      });
    } catch (err) {
      // Retrying cannot help (bot removed, channel archived, token revoked): fail now, once.
      if (isDeliveryRefused(err)) throw new UnrecoverableError(`${err.code}: ${err.userMessage}`);
      throw err;
    }
    stopTimer();
    const completed = await transitionGeneration(em, row.id, ['delivering'], {
      status: 'completed', deliveredRef: result.messageRef, deliveredAt: new Date(), completedAt: new Date(),
    });
    // Only the run that completed the row reports it, so a doubled run is announced once.
    if (completed) deps.publish({ generationId: row.id, platform, stage: 'completed', progress: 1 });
    metrics.jobs.inc({ queue: deliverQueueFor(platform), outcome: 'completed', code: '' });
    return result.messageRef;
  };
  const jobs = jobsInFlight();
  const worker = new Worker<DeliverJob['data'], string | null, DeliverJob['name']>(deliverQueueFor(platform), jobs.wrap(processor), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 4,
  });
  worker.on('error', (err) => log.error({ err, platform }, 'delivery worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const refused = err instanceof UnrecoverableError;
    const final = refused || job.attemptsMade >= (job.opts.attempts ?? deliverJobOptions.attempts);
    log[final ? 'error' : 'warn']({ err, generationId: job.data.generationId, attempt: job.attemptsMade, platform }, 'delivery failed');
    metrics.jobs.inc({ queue: deliverQueueFor(platform), outcome: final ? 'failed' : 'retried', code: final ? 'delivery_failed' : '' });
    if (final) {
      const why = refused ? err.message.replace(/^[a-z_]+: /, '') : '';
      const errorMessage = `The track was made but could not be posted.${why ? ` ${why}` : ''}`;
      if (job.data.batchId) {
        // Every take still waiting for the batch's message fails with it, each told once.
        void batchTakes(orm.em.fork(), job.data.batchId).then(async (takes) => {
          for (const t of takes) {
            if (t.status !== 'delivering') continue;
            const moved = await transitionGeneration(orm.em.fork(), t.id, ['delivering'], {
              status: 'failed', errorCode: 'delivery_failed', errorMessage, completedAt: new Date(),
            });
            if (moved) deps.publish({ generationId: t.id, platform, stage: 'failed', progress: 1, message: errorMessage });
          }
        }).catch((e: unknown) => log.error({ err: e }, 'marking batch delivery failure failed'));
        return;
      }
      void transitionGeneration(orm.em.fork(), job.data.generationId, ['delivering'], {
        status: 'failed', errorCode: 'delivery_failed', errorMessage, completedAt: new Date(),
      }).then(() => deps.publish({ generationId: job.data.generationId, platform, stage: 'failed', progress: 1, message: errorMessage }))
        .catch((e: unknown) => log.error({ err: e }, 'marking delivery failure failed'));
    }
  });
  let closing: Promise<void> | undefined;
  return {
    // Called twice on the way down (by the frontend, then by the runtime): one close.
    close: () => (closing ??= (async () => {
      // Deliveries in flight get a few seconds (a cut one stalls and another process reruns it,
      // resuming from its recorded steps); closeWorker bounds the rest whatever Redis does.
      if (!(await closeWorker(worker, jobs, { drainMs: CLOSE_TIMEOUT_MS }))) {
        log.warn({ platform, waitedMs: CLOSE_TIMEOUT_MS }, 'deliveries still running at shutdown were cut; another process will finish them');
      }
    })()),
  };
}

/** How long deliveries in flight may take to finish when a consumer closes. */
const CLOSE_TIMEOUT_MS = 5_000;
