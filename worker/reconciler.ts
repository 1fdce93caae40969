/**
 * Postgres is the source of truth; Redis may lose jobs (a flush, a failover without AOF).
 * The reconciler re-enqueues every generation whose row says work is pending but whose job is
 * gone. Enqueueing is idempotent (job id = generation id), so running it twice is harmless.
 */
import type { MikroORM } from '../core/db/index.ts';
import { getGeneration, listStaleQueued, listStuck } from '../core/db/index.ts';
import type { Logger } from '../core/log.ts';
import { enqueueDeliver, enqueueRender, type Queues } from '../core/queue.ts';
import type { Turns } from '../core/turns.ts';

export interface ReconcilerDeps {
  orm: MikroORM;
  queues: Queues;
  log: Logger;
  /** Rows younger than this are left alone: their enqueue may still be in flight. */
  staleAfterMs: number;
  /** Gives free server slots to waiting tracks, in case a release was missed. */
  turns?: Pick<Turns, 'admitEverywhere'>;
}

export function createReconciler({ orm, queues, log, staleAfterMs, turns }: ReconcilerDeps) {
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
      // Rows mid-render whose job vanished died with Redis: render them again.
      for (const id of await listStuck(em, ['rendering', 'encoding'], staleAfterMs, 500)) {
        if (!(await hasLiveJob(queues.render, id))) {
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
      if (requeued) log.warn({ requeued }, 'reconciler re-enqueued generations missing from the queue');
      return requeued;
    },
  };
}
