/**
 * Postgres is the source of truth; Redis may lose jobs (a flush, a failover without AOF).
 * The reconciler re-enqueues every generation whose row says work is pending but whose job is
 * gone. Enqueueing is idempotent (job id = generation id), so running it twice is harmless.
 */
import type { MikroORM } from '../core/db/index.ts';
import { getGeneration, listStaleQueued, listStuck, readyUndeliveredBatches } from '../core/db/index.ts';
import { failGeneration } from '../core/fail.ts';
import { MAX_RENDER_ATTEMPTS, type ProgressEvent } from '../core/jobs.ts';
import type { Logger } from '../core/log.ts';
import { enqueueBatchDeliver, enqueueDeliver, enqueueRender, type Queues } from '../core/queue.ts';
import type { Turns } from '../core/turns.ts';
import { AttemptsExhaustedError, createPipelineErrorInfo } from './errors.ts';

export interface ReconcilerDeps {
  orm: MikroORM;
  queues: Queues;
  log: Logger;
  publish(event: ProgressEvent): void;
  /** Rows younger than this are left alone: their enqueue may still be in flight. */
  staleAfterMs: number;
  /** Gives free server slots to waiting tracks, in case a release was missed. */
  turns?: Pick<Turns, 'admitEverywhere'>;
}

export function createReconciler({ orm, queues, log, publish, staleAfterMs, turns }: ReconcilerDeps) {
  async function hasLiveJob(queue: Queues['render'] | Queues['deliver'][keyof Queues['deliver']], id: string): Promise<boolean> {
    const job = await queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  return {
    async runOnce(): Promise<number> {
      const em = orm.em.fork();
      let requeued = (await turns?.admitEverywhere()) ?? 0;
      for (const id of await listStaleQueued(em, staleAfterMs, 500)) {
        if (!(await hasLiveJob(queues.render, id))) {
          // A finished job with this id would make add() a no-op; clear it first.
          await queues.render.remove(id).catch(() => 0);
          await enqueueRender(queues, id);
          requeued++;
        }
      }
      // Rows mid-render whose job vanished died with Redis (or BullMQ failed it after too many
      // stalls: a job that kills its worker): render them again, unless their attempts are spent.
      let exhausted = 0;
      for (const id of await listStuck(em, ['rendering', 'encoding'], staleAfterMs, 500)) {
        if (!(await hasLiveJob(queues.render, id))) {
          const row = await getGeneration(em, id);
          if (row && row.attempts >= MAX_RENDER_ATTEMPTS) {
            const info = createPipelineErrorInfo(new AttemptsExhaustedError(row.attempts));
            if (await failGeneration({ orm, publish }, id, ['rendering', 'encoding'], { code: info.code, message: info.userMessage })) exhausted++;
            continue;
          }
          await queues.render.remove(id).catch(() => 0);
          await enqueueRender(queues, id);
          requeued++;
        }
      }
      // Rendered but never posted: only the delivery step is redone.
      for (const id of await listStuck(em, ['delivering'], staleAfterMs, 500)) {
        const row = await getGeneration(em, id);
        if (!row || (await hasLiveJob(queues.deliver[row.platform], id))) continue;
        await queues.deliver[row.platform].remove(id).catch(() => 0);
        await enqueueDeliver(queues, row.platform, id);
        requeued++;
      }
      // Takes: batches whose takes have all ended but whose message was never posted (a lost event).
      for (const b of await readyUndeliveredBatches(em, staleAfterMs, 100)) {
        await enqueueBatchDeliver(queues, b.platform, b.id, b.firstTakeId);
      }
      if (exhausted) log.error({ exhausted }, 'reconciler failed generations whose render attempts are spent');
      if (requeued) log.warn({ requeued }, 'reconciler re-enqueued generations missing from the queue');
      return requeued;
    },
  };
}
