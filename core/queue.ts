/** BullMQ queues of the contract in jobs.ts, bound to one Redis and one key prefix. */
import { Queue, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';
import {
  deliverJobOptions, deliverQueueFor, JobName, PLATFORMS, QueueName, renderJobOptions,
  type DeliverJob, type Platform, type RenderJob,
} from './jobs.ts';

/** How long a chat command waits on one Redis command before refusing (a hung or paused Redis). */
export const FAIL_FAST_COMMAND_TIMEOUT_MS = 700;

/**
 * BullMQ workers and subscribers block on Redis and need `maxRetriesPerRequest: null` so a wait
 * is never cut short. Connections that serve a chat command (`failFast`) must instead refuse at
 * once when Redis is down: no offline queue (a command fails while disconnected), a short command
 * timeout, and reconnect attempts at most a second apart so service resumes soon after Redis does.
 */
export function connectRedis(url: string, name: string, opts: { failFast?: boolean } = {}): Redis {
  if (!opts.failFast) return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
  return new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: FAIL_FAST_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(100 * times, 1_000),
  });
}

export interface Queues {
  prefix: string;
  render: Queue<RenderJob['data'], unknown, RenderJob['name']>;
  deliver: Record<Platform, Queue<DeliverJob['data'], unknown, DeliverJob['name']>>;
  close(): Promise<void>;
}

/**
 * Options for a Queue on a shared connection. BullMQ asks Redis for its version (INFO) once, when
 * a queue is made, and keeps the answer: on a fail-fast connection a stall then (a loaded host at
 * start-up) rejected it for good, and every later call on that queue failed until a restart.
 * Queues skip the question; the render workers' own connections (no command timeout) still ask,
 * and refuse a Redis that is too old.
 */
export function queueOptions(connection: Redis, prefix: string): QueueOptions {
  return { connection, prefix, skipVersionCheck: true };
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const render = new Queue<RenderJob['data'], unknown, RenderJob['name']>(QueueName.Render, queueOptions(connection, prefix));
  const deliver = Object.fromEntries(
    PLATFORMS.map((p) => [p, new Queue<DeliverJob['data'], unknown, DeliverJob['name']>(deliverQueueFor(p), queueOptions(connection, prefix))]),
  ) as Queues['deliver'];
  return {
    prefix,
    render,
    deliver,
    async close() {
      await Promise.all([render.close(), ...Object.values(deliver).map((q) => q.close())]);
    },
  };
}

/**
 * The job id is the generation id, so enqueueing the same generation twice adds one job.
 * `priority` (1 = highest) is the owner's slot number from turns.ts: everyone's first track is
 * rendered before anyone's second.
 */
export async function enqueueRender(queues: Queues, generationId: string, opts: { priority?: number } = {}): Promise<void> {
  const priority = opts.priority === undefined ? undefined : Math.min(2_097_152, Math.max(1, Math.floor(opts.priority)));
  await queues.render.add(JobName.Render, { generationId }, { ...renderJobOptions, jobId: generationId, ...(priority ? { priority } : {}) });
}

export async function enqueueDeliver(queues: Queues, platform: Platform, generationId: string): Promise<void> {
  await queues.deliver[platform].add(JobName.Deliver, { generationId, platform }, { ...deliverJobOptions, jobId: generationId });
}

/**
 * Takes: one job posts a whole batch. Its id is derived from the batch id, so the takes that each
 * find the batch ready add one job between them.
 */
export async function enqueueBatchDeliver(queues: Queues, platform: Platform, batchId: string, firstTakeId: string): Promise<void> {
  await queues.deliver[platform].add(JobName.Deliver, { generationId: firstTakeId, platform, batchId }, { ...deliverJobOptions, jobId: `batch-${batchId}` });
}

export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}
