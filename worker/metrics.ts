/**
 * Render metrics from the BullMQ worker's events, so the pipeline itself stays free of them:
 * outcomes by error code, and render/encode times and real-time factor read from the row the
 * pipeline wrote (one primary-key read per finished job).
 */
import type { Worker } from 'bullmq';
import type { MikroORM } from '../core/db/index.ts';
import { getGeneration } from '../core/db/index.ts';
import { QueueName, renderJobOptions, type RenderJob } from '../core/jobs.ts';
import type { Logger } from '../core/log.ts';
import { metrics } from '../core/metrics.ts';

export function observeRenderWorker(worker: Worker<RenderJob['data'], void, RenderJob['name']>, orm: MikroORM, log: Logger): void {
  const queue = QueueName.Render;
  worker.on('completed', (job) => {
    void getGeneration(orm.em.fork(), job.data.generationId).then((row) => {
      // A job that found its row already finished or cancelled rendered nothing.
      if (!row || row.renderMs == null) return;
      metrics.jobs.inc({ queue, outcome: 'completed', code: '' });
      metrics.renderSeconds.observe(row.renderMs / 1000);
      if (row.encodeMs != null) metrics.encodeSeconds.observe(row.encodeMs / 1000);
      if (row.realtimeFactor != null && Number.isFinite(row.realtimeFactor)) metrics.realtimeFactor.observe(row.realtimeFactor);
    }, (err: unknown) => log.debug({ err }, 'render metrics not recorded'));
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? renderJobOptions.attempts);
    if (!final) {
      metrics.jobs.inc({ queue, outcome: 'retried', code: '' });
      return;
    }
    void getGeneration(orm.em.fork(), job.data.generationId).then((row) => {
      const outcome = row?.status === 'cancelled' ? 'cancelled' : 'failed';
      metrics.jobs.inc({ queue, outcome, code: row?.errorCode ?? /^([a-z_]{1,40}):/.exec(err.message)?.[1] ?? 'unknown' });
    }, (e: unknown) => log.debug({ err: e }, 'render metrics not recorded'));
  });
}
