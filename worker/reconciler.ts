/**
 * Postgres is the source of truth; Redis may lose jobs (a flush, a failover without AOF).
 * The reconciler re-enqueues every generation whose row says work is pending but whose job is
 * gone. Enqueueing is idempotent (job id = generation id), so running it twice is harmless.
 */
import type { MikroORM } from '@mikro-orm/core';
import { listStaleQueued, listStuck } from '../core/db/index.ts';
import type { Logger } from '../core/log.ts';
import { enqueueDeliver, enqueueRender, type Queues } from '../core/queue.ts';

export interface ReconcilerDeps {
  orm: MikroORM;
  queues: Queues;
  log: Logger;
  /** Rows younger than this are left alone: their enqueue may still be in flight. */
  staleAfterMs: number;
}

export function createReconciler({ orm, queues, log, staleAfterMs }: ReconcilerDeps) {
  async function hasLiveJob(queue: Queues['render'] | Queues['deliver'][keyof Queues['deliver']], id: string): Promise<boolean> {
    const job = await queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  return {
    async runOnce(): Promise<number> {
      const em = orm.em.fork();
      let requeued = 0;
      for (const id of await listStaleQueued(em, staleAfterMs, 500)) {
        if (!(await hasLiveJob(queues.render, id))) {
          // A finished job with this id would make add() a no-op; clear it first.
          await queues.render.remove(id).catch(() => 0);
          await enqueueRender(queues, id);
          requeued++;
        }
      }
      // Rendering/encoding rows whose job vanished died with Redis: render them again.
      for (const row of await listStuck(em, ['rendering', 'encoding', 'delivering'], staleAfterMs, 500)) {
        if (row.status === 'delivering') {
          if (!(await hasLiveJob(queues.deliver[row.platform], row.id))) {
            await queues.deliver[row.platform].remove(row.id).catch(() => 0);
            await enqueueDeliver(queues, row.platform, row.id);
            requeued++;
          }
        } else if (!(await hasLiveJob(queues.render, row.id))) {
          await queues.render.remove(row.id).catch(() => 0);
          await enqueueRender(queues, row.id);
          requeued++;
        }
      }
      if (requeued) log.warn({ requeued }, 'reconciler re-enqueued generations missing from the queue');
      return requeued;
    },
  };
}
