/**
 * Closing a BullMQ worker in bounded time, whatever Redis does.
 *
 * BullMQ's polite close and its disconnect() both wait for each of the worker's connections to
 * emit 'end', and ioredis (6.0) never ends a connection that is disconnected while it waits to
 * reconnect (redis/ioredis#1247: the retry timer is cleared, the old socket is already closed,
 * so nothing ever closes again). A worker closed in the moments after Redis came back, its
 * blocking connection between two attempts, therefore never finished closing: that was the web
 * role's stop() hanging after the outage tests (the delivery consumers' close, then the
 * disconnect meant to cut it, each waited forever on the same connection).
 *
 * So: a worker with nothing in flight is closed forced (BullMQ then cuts its connections and
 * waits for no 'end'); one with jobs in flight gets up to `drainMs` for them, and whatever is left
 * of the close is cut after a second. A connection left unended holds no socket and no timer, so
 * it keeps nothing alive.
 */
import type { Worker } from 'bullmq';

/** Counts a worker's processor runs, so a close knows whether anything must be waited for. */
export interface JobsInFlight {
  wrap<A extends unknown[], R>(processor: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  readonly count: number;
  /** True once no run is in flight (at once when none is), false after `ms`. */
  idle(ms: number): Promise<boolean>;
}

export function jobsInFlight(): JobsInFlight {
  let count = 0;
  const waiters = new Set<() => void>();
  return {
    wrap: (processor) => {
      const counted = async (...args: Parameters<typeof processor>) => {
        count++;
        try {
          return await processor(...args);
        } finally {
          if (--count === 0) for (const w of waiters) w();
        }
      };
      // BullMQ hands a processor its cancel signal only when it declares three parameters
      // (processor.length >= 3): the wrapper must declare what the processor does.
      Object.defineProperty(counted, 'length', { value: processor.length });
      return counted;
    },
    get count() {
      return count;
    },
    idle(ms) {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          waiters.delete(onIdle);
          resolve(ok);
        };
        const onIdle = () => done(true);
        const timer = setTimeout(() => done(false), ms);
        timer.unref();
        waiters.add(onIdle);
      });
    },
  };
}

/** True when `promise` settled within `ms` (fulfilled or rejected), false once `ms` ran out. */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    promise.then(() => resolve(true), () => resolve(true)).finally(() => clearTimeout(timer));
  });
}

/** How long the rest of a close (connections, timers) may take once no job needs waiting for. */
export const CUT_MS = 1_000;

export interface CloseWorkerOptions {
  /** How long jobs in flight may take to finish. */
  drainMs: number;
  /** Called when they did not finish in time (e.g. cancel them); they then get `afterDrainMs` more. */
  onDrainTimeout?: () => void;
  /** @defaultValue CUT_MS */
  afterDrainMs?: number;
}

/**
 * Closes `worker` within about `drainMs` plus two seconds. Resolves true when every job in flight
 * finished (or none was running), false when some were left running (their locks expire and
 * another worker takes them, as after a crash).
 */
export async function closeWorker(worker: Pick<Worker, 'close' | 'disconnect'>, jobs: JobsInFlight, opts: CloseWorkerOptions): Promise<boolean> {
  // A polite close waits for jobs; with none in flight there is nothing to wait for but connections.
  const closing = worker.close(jobs.count === 0);
  let drained = await jobs.idle(opts.drainMs);
  if (!drained && opts.onDrainTimeout) {
    opts.onDrainTimeout();
    drained = await jobs.idle(opts.afterDrainMs ?? CUT_MS);
  }
  if (!(await within(closing, CUT_MS))) await within(worker.disconnect(), CUT_MS);
  return drained;
}
