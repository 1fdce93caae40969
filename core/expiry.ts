/**
 * The longest a track may wait in the queue (MAX_QUEUE_S): past it, the generation fails with a
 * plain message instead of waiting unseen for a worker that may never come. Runs in every
 * process (web and bots too, since the point is the case where no worker runs); the status
 * transition makes it idempotent, so each row is failed and told once.
 */
import type { MikroORM } from './db/index.ts';
import { listStaleQueued } from './db/index.ts';
import { RenderErrorCode } from './errors.ts';
import { failGeneration } from './fail.ts';
import type { ProgressEvent } from './jobs.ts';
import type { Logger } from './log.ts';
import type { Queues } from './queue.ts';
import type { Turns } from './turns.ts';

export interface QueueExpiryDeps {
  orm: MikroORM;
  queues: Queues;
  log: Logger;
  publish(event: ProgressEvent): void;
  maxQueueMs: number;
  /** An expired admitted track frees its server slot: the next in line gets it. */
  turns?: Pick<Turns, 'admit'>;
}

export function queueExpiredMessage(maxQueueMs: number): string {
  const limit = maxQueueMs >= 120_000 ? `${Math.round(maxQueueMs / 60_000)} min` : `${Math.round(maxQueueMs / 1000)} s`;
  return `This track waited more than ${limit} in the queue without a worker free to make it, so ditty gave up on it. Please try again later.`;
}

export function createQueueExpiry(deps: QueueExpiryDeps) {
  const message = queueExpiredMessage(deps.maxQueueMs);
  async function runOnce(): Promise<number> {
    let expired = 0;
    for (const id of await listStaleQueued(deps.orm.em.fork(), deps.maxQueueMs, 500)) {
      const row = await failGeneration(deps, id, ['queued'], { code: RenderErrorCode.QueueExpired, message });
      if (!row) continue;
      expired++;
      // Only a waiting job can be removed; an active one finds its row failed and skips it.
      await deps.queues.render.remove(id).catch(() => 0);
      await deps.turns?.admit(row.platform, row.guildId).catch((err: unknown) => deps.log.warn({ err }, 'admission after an expiry failed'));
    }
    if (expired) deps.log.warn({ expired, maxQueueS: deps.maxQueueMs / 1000 }, 'queued generations expired');
    return expired;
  }
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  return {
    runOnce,
    /** Checks every tenth of the limit, at most every 30 s; a pass still running skips the next tick. */
    start() {
      timer = setInterval(() => {
        pass ??= runOnce()
          .then(() => undefined, (err: unknown) => deps.log.warn({ err }, 'queue expiry failed'))
          .finally(() => (pass = undefined));
      }, Math.min(30_000, Math.max(1_000, deps.maxQueueMs / 10)));
      timer.unref();
    },
    /** Resolves once a pass in flight has ended, so what closes after it is no longer in use. */
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}
