/**
 * Enqueue-to-worker-start latency: ditty's queue contract (job id = generation id, retry and
 * retention options, prefix, worker options) against bare BullMQ defaults. Samples alternate
 * between the two, so a noisy neighbour on a shared machine hits both alike.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { connectRedis, createQueues, enqueueRender } from '../core/queue.ts';
import { QueueName } from '../core/jobs.ts';
import { percentile, type Bench, type BenchRow } from './lib.ts';

const SAMPLES = 1000;
const WARMUP = 50;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const bench: Bench = async () => {
  const prefix = `bench${Date.now().toString(36)}`;
  const conn = connectRedis(REDIS_URL, 'bench', { failFast: true });
  const bareWorkerConn = connectRedis(REDIS_URL, 'bench-bare-worker');
  const oursWorkerConn = connectRedis(REDIS_URL, 'bench-ours-worker');
  const waiting = new Map<string, (t: number) => void>();
  const started = (id: string) => waiting.get(id)?.(performance.now());

  const bareQueue = new Queue('bare', { connection: conn, prefix });
  const bareWorker = new Worker('bare', async (job) => started(job.data.id as string), { connection: bareWorkerConn, prefix });
  const queues = createQueues(conn, prefix);
  // The same options as worker/index.ts, minus the render itself.
  const oursWorker = new Worker(QueueName.Render, async (job) => started(job.data.generationId as string), {
    connection: oursWorkerConn, prefix, concurrency: 2, lockDuration: 30_000, maxStalledCount: 2,
  });
  await Promise.all([bareWorker.waitUntilReady(), oursWorker.waitUntilReady()]);

  async function once(enqueue: (id: string) => Promise<unknown>): Promise<number> {
    const id = randomUUID();
    const startedAt = new Promise<number>((r) => waiting.set(id, r));
    const t0 = performance.now();
    await enqueue(id);
    const t1 = await startedAt;
    waiting.delete(id);
    return t1 - t0;
  }
  const bare: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < SAMPLES + WARMUP; i++) {
    const b = await once((id) => bareQueue.add('job', { id }));
    const o = await once((id) => enqueueRender(queues, id));
    if (i >= WARMUP) {
      bare.push(b);
      ours.push(o);
    }
  }

  await Promise.all([bareWorker.close(), oursWorker.close()]);
  await bareQueue.obliterate({ force: true });
  await queues.render.obliterate({ force: true });
  await bareQueue.close();
  await queues.close();
  for (const c of [conn, bareWorkerConn, oursWorkerConn]) c.disconnect();

  const rows: BenchRow[] = [];
  for (const p of [50, 99]) {
    const b = percentile(bare, p);
    const o = percentile(ours, p);
    rows.push({ group: 'queue', name: `bare BullMQ enqueue→start p${p}`, value: b, unit: 'ms', note: `${SAMPLES} samples, alternating with ditty's` });
    rows.push({ group: 'queue', name: `ditty enqueue→start p${p}`, value: o, unit: 'ms', goal: `<= 1.5x bare (${(1.5 * b).toFixed(2)} ms)`, met: o <= 1.5 * b, note: `${(o / b).toFixed(2)}x bare` });
  }
  return rows;
};
