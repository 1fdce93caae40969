/**
 * Issue 12, point 3, on real Postgres and Redis: with no render worker reporting, /generate
 * still queues but says so, /healthz warns the operator, the track starts when a worker joins,
 * and a track left queued past MAX_QUEUE_S fails with a plain message, told once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration, listFailed } from '../../core/db/index.ts';
import { NO_WORKER_NOTICE } from '../../core/engine-status.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

async function command(sys: TestSystem, text: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${sys.url}/api/chat/commands`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', text }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const health = async (sys: TestSystem) => (await (await fetch(`${sys.url}/healthz`)).json()) as { ok: boolean; renderers: number; warnings: string[] };

describe('no worker running', () => {
  let web: TestSystem;
  let worker: TestSystem | undefined;
  const events: ProgressEvent[] = [];
  beforeAll(async () => {
    web = await startTestSystem({ roles: ['web'] });
    web.runtime.onProgress('local', (e) => events.push(e));
  });
  afterAll(async () => {
    await worker?.stop({ keepData: true });
    await web?.stop();
  });

  it('GIVEN no worker THEN /generate queues and says so, /healthz warns; THEN a worker joins and the track is made, and the notice goes away', async () => {
    const reply = await command(web, '/generate lofi piano 5s');
    expect(reply).toMatchObject({ kind: 'generate', duplicate: false, notice: NO_WORKER_NOTICE });
    expect(NO_WORKER_NOTICE).toBe('no worker is running; your track will start when one is');
    const id = String(reply.generationId);
    expect(await health(web)).toMatchObject({ ok: true, renderers: 0, warnings: [NO_WORKER_NOTICE] });
    await waitFor(() => events.find((e) => e.generationId === id && e.stage === 'queued' && e.message === NO_WORKER_NOTICE), 5_000, 'the queued event with the notice');
    // After the engine's notes the notice reads as a sentence of its own.
    const approximated = await command(web, '/generate polka 5s');
    expect(approximated.notice).toMatch(/\. No worker is running; your track will start when one is\.$/);

    worker = await startTestSystem({
      roles: ['worker'], schema: web.schema, env: { QUEUE_PREFIX: web.config.queuePrefix, DATA_DIR: web.config.dataDir },
    });
    await waitFor(async () => ((await getGeneration(web.runtime.orm.em.fork(), id))?.status === 'completed' ? true : undefined), 30_000, 'the track to be made');
    expect(await health(web)).toMatchObject({ ok: true, renderers: 1, warnings: [] });
    // The presence read is cached for 2 s.
    await new Promise((r) => setTimeout(r, 2_100));
    const second = await command(web, '/generate jazz 5s');
    expect(second.notice ?? null).toBeNull(); // the local chat sends null when there is nothing to say
  });
});

describe('maximum queue time', () => {
  let sys: TestSystem;
  const events: ProgressEvent[] = [];
  beforeAll(async () => {
    // 5 s: above how long a /generate takes on a loaded machine
    sys = await startTestSystem({ roles: ['web'], configure: (c) => { c.maxQueueMs = 5_000; } });
    sys.runtime.onProgress('local', (e) => events.push(e));
  });
  afterAll(async () => sys?.stop());

  it('GIVEN a track that no worker starts THEN it fails after MAX_QUEUE_S with a plain message, told once, its job is gone and the failed list has it', async () => {
    const reply = await command(sys, '/generate house groove 5s');
    const id = String(reply.generationId);
    const row = await waitFor(async () => {
      const g = await getGeneration(sys.runtime.orm.em.fork(), id);
      return g?.status === 'failed' ? g : undefined;
    }, 15_000, 'the queued track to expire');
    expect(row.errorCode).toBe('queue_expired');
    expect(row.errorMessage).toBe('This track waited more than 5 s in the queue without a worker free to make it, so ditty gave up on it. Please try again later.');
    expect(row.completedAt!.getTime() - row.createdAt.getTime()).toBeLessThan(8_000);
    // The row turns failed first and the waiting job is removed right after it, in the same pass.
    await waitFor(async () => ((await sys.runtime.queues.render.getJob(id)) === undefined ? true : undefined), 3_000, 'the expired job to leave the queue');
    await new Promise((r) => setTimeout(r, 1_500)); // another expiry pass
    expect(events.filter((e) => e.generationId === id && e.stage === 'failed')).toHaveLength(1);
    // Not in BullMQ's failed set (the dashboard's), but in the operators' list (npm run jobs -- failed).
    const listed = (await listFailed(sys.runtime.orm.em.fork(), 50)).find((f) => f.id === id);
    expect(listed).toMatchObject({ errorCode: 'queue_expired', errorMessage: row.errorMessage, attempts: 0 });
  });
});
