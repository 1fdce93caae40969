/**
 * Enqueue-to-worker-start latency: ditty's queue contract (job id = generation id, retry and
 * retention options, prefix) against bare BullMQ defaults, measured in the same run.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { connectRedis, createQueues, enqueueRender } from '../core/queue.ts';
import { QueueName } from '../core/jobs.ts';
import { percentile, type Bench, type BenchRow } from './lib.ts';

const SAMPLES = 300;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function measure(enqueue: (id: string) => Promise<void>, makeWorker: (onStart: (id: string) => void) => Worker): Promise<number[]> {
  const waiting = new Map<string, (t: number) => void>();
  const worker = makeWorker((id) => waiting.get(id)?.(performance.now()));
  await worker.waitUntilReady();
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES + 20; i++) {
    const id = randomUUID();
    const started = new Promise<number>((r) => waiting.set(id, r));
    const t0 = performance.now();
    await enqueue(id);
    const t1 = await started;
    waiting.delete(id);
    if (i >= 20) samples.push(t1 - t0); // the first jobs warm connections and scripts
  }
  await worker.close();
  return samples;
}

export const bench: Bench = async () => {
  const prefix = `bench${Date.now().toString(36)}`;
  const conn = connectRedis(REDIS_URL, 'bench');
  const workerConn = connectRedis(REDIS_URL, 'bench-worker');

  const bareQueue = new Queue('bare', { connection: conn, prefix });
  const bare = await measure(
    async (id) => { await bareQueue.add('job', { id }); },
    (onStart) => new Worker('bare', async (job) => onStart(job.data.id as string), { connection: workerConn, prefix }),
  );

  const queues = createQueues(conn, prefix);
  const ours = await measure(
    (id) => enqueueRender(queues, id),
    (onStart) => new Worker(QueueName.Render, async (job) => onStart(job.data.generationId as string), {
      connection: workerConn, prefix, concurrency: 2, lockDuration: 30_000, maxStalledCount: 2,
    }),
  );

  await bareQueue.obliterate({ force: true });
  await queues.render.obliterate({ force: true });
  await bareQueue.close();
  await queues.close();
  conn.disconnect();
  workerConn.disconnect();

  const rows: BenchRow[] = [];
  for (const p of [50, 99]) {
    const b = percentile(bare, p);
    const o = percentile(ours, p);
    rows.push({ group: 'queue', name: `bare BullMQ enqueue→start p${p}`, value: b, unit: 'ms' });
    rows.push({ group: 'queue', name: `ditty enqueue→start p${p}`, value: o, unit: 'ms', goal: `<= 1.5x bare (${(1.5 * b).toFixed(2)} ms)`, met: o <= 1.5 * b, note: `${(o / b).toFixed(2)}x bare` });
  }
  return rows;
};
