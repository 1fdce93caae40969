/**
 * Consumes one platform's delivery queue. Posting is its own step so a failed post retries
 * without rendering again; the delivered_ref written after a post makes a replayed job a no-op.
 */
import type { MikroORM } from './db/index.ts';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryHandler, DeliveryResult } from './chat.ts';
import { isDeliveryRefused } from './errors.ts';
import { getGeneration, transitionGeneration } from './db/index.ts';
import { deliverJobOptions, deliverQueueFor, type DeliverJob, type Platform, type ProgressEvent } from './jobs.ts';
import type { Logger } from './log.ts';
import { metrics } from './metrics.ts';
import { toTrackView } from './track-view.ts';

export interface DeliveryDeps {
  orm: MikroORM;
  connection: Redis;
  prefix: string;
  publicUrl: string;
  log: Logger;
  publish(event: ProgressEvent): void;
}

export async function startDeliveryConsumer(deps: DeliveryDeps, platform: Platform, handler: DeliveryHandler): Promise<{ close(): Promise<void> }> {
  const { orm, log } = deps;
  const processor = async (job: Job<DeliverJob['data']>): Promise<string | null> => {
    const em = orm.em.fork();
    const row = await getGeneration(em, job.data.generationId);
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
  const worker = new Worker<DeliverJob['data'], string | null, DeliverJob['name']>(deliverQueueFor(platform), processor, {
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
      void transitionGeneration(orm.em.fork(), job.data.generationId, ['delivering'], {
        status: 'failed', errorCode: 'delivery_failed', errorMessage, completedAt: new Date(),
      }).then(() => deps.publish({ generationId: job.data.generationId, platform, stage: 'failed', progress: 1, message: errorMessage }))
        .catch((e: unknown) => log.error({ err: e }, 'marking delivery failure failed'));
    }
  });
  return { close: () => worker.close() };
}
