/**
 * The spine on real Postgres, Redis, worker threads and ffmpeg: accept → render → encode →
 * deliver, with the failure paths the issue names (duplicates, lost jobs, failed posts, drains).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stat } from 'node:fs/promises';
import type { Actor, Delivery } from '../../core/chat.ts';
import { getAnalysis, getGeneration } from '../../core/db/index.ts';
import { DeliveryRefusedError } from '../../core/errors.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { enqueueRender } from '../../core/queue.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const actor = (name: string): Actor => ({ platform: 'local', platformUserId: name, guildId: 'local', displayName: name });

describe('render pipeline', () => {
  let sys: TestSystem;
  const delivered: Delivery[] = [];
  const events: ProgressEvent[] = [];
  /** Per generation: how many times the delivery handler should fail before it posts. */
  const failFirst = new Map<string, number>();
  /** Generations whose post the platform refuses for good (the bot was removed). */
  const refuse = new Set<string>();
  const refusedAttempts = new Map<string, number>();

  beforeAll(async () => {
    sys = await startTestSystem({ roles: ['worker'] });
    sys.runtime.onProgress('local', (e) => events.push(e));
    await sys.runtime.startDelivery('local', async (delivery) => {
      if (refuse.has(delivery.track.id)) {
        refusedAttempts.set(delivery.track.id, (refusedAttempts.get(delivery.track.id) ?? 0) + 1);
        throw new DeliveryRefusedError('not_in_channel', 'I am no longer in that channel.');
      }
      const left = failFirst.get(delivery.track.id) ?? 0;
      if (left > 0) {
        failFirst.set(delivery.track.id, left - 1);
        throw new Error('platform said 502');
      }
      delivered.push(delivery);
      return { messageRef: `msg-${delivery.track.id}` };
    });
  });
  afterAll(async () => sys?.stop());

  it('renders, encodes and delivers a track at the asked tempo, with progress on the way', async () => {
    const accepted = await sys.runtime.core.generate({ actor: actor('ada'), channelId: 'local', prompt: 'house groove at 124 bpm in D minor', durationS: 5, seed: 7 });
    expect(accepted.params.bpm).toBe(124);
    expect(accepted.params.key).toBe('D');
    expect(accepted.params.mode).toBe('minor');
    expect(accepted.position).toBeGreaterThanOrEqual(1);

    const delivery = await waitFor(() => delivered.find((d) => d.track.id === accepted.generationId));
    expect(delivery.fitsInline).toBe(true);
    expect((await stat(delivery.filePath)).size).toBe(delivery.track.sizeBytes);
    expect(delivery.track.audioUrl).toMatch(/\/t\/[A-Za-z0-9_-]{20,}\/audio$/);
    expect(delivery.track.audioUrl).not.toContain(accepted.generationId);

    const row = await waitFor(async () => {
      const g = await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId);
      return g?.status === 'completed' ? g : undefined;
    });
    expect(row.deliveredRef).toBe(`msg-${accepted.generationId}`);
    expect(row.format).toBe('opus');
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.actualDurationS).toBeCloseTo(5, 3);
    expect(row.renderMs).toBeGreaterThan(0);
    expect(row.engine).toBe('embedded');
    expect(row.engineVersion).not.toBe('pending');

    // Pub/sub runs apart from the database write, so the last event may land a moment later.
    const stagesOf = () => events.filter((e) => e.generationId === accepted.generationId).map((e) => e.stage);
    const stages = await waitFor(() => (stagesOf().includes('completed') ? stagesOf() : undefined), 5_000, 'the completed event');
    expect(stages[0]).toBe('queued');
    for (const s of ['rendering', 'encoding', 'delivering', 'completed'] as const) expect(stages).toContain(s);

    // Analysed after delivery was queued, in its own thread, and stored.
    const analysed = await waitFor(async () => {
      const a = await getAnalysis(sys.runtime.orm.em.fork(), accepted.generationId);
      return a.state === 'none' ? undefined : a;
    }, 15_000, 'the analysis row');
    expect(analysed.state).toBe('done');
    if (analysed.state !== 'done') return;
    expect(analysed.analysis.embedding).toHaveLength(64);
    expect(analysed.analysis.loudnessLufs).toBeGreaterThan(-17);
    expect(analysed.analysis.loudnessLufs).toBeLessThan(-11);
  });

  it('waiting users hear their place in the queue move up as renders start', async () => {
    await sys.system.worker!.worker.pause();
    const ids: string[] = [];
    for (const name of ['q1', 'q2', 'q3']) {
      ids.push((await sys.runtime.core.generate({ actor: actor(name), channelId: 'local', prompt: 'piano', durationS: 5 })).generationId);
    }
    sys.system.worker!.worker.resume();
    await waitFor(() => delivered.find((d) => d.track.id === ids[2]));
    const positions = events.filter((e) => e.generationId === ids[2] && e.stage === 'queued').map((e) => e.position);
    expect(positions[0]).toBe(3);
    expect(positions.length).toBeGreaterThan(1);
    expect(positions.at(-1)).toBe(1);
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeLessThanOrEqual(positions[i - 1]!);
  });

  it('a duplicate request key makes one generation and one job', async () => {
    const req = { actor: actor('bob'), channelId: 'local', prompt: 'ambient pads', durationS: 5, reply: { requestKey: 'interaction-123' } };
    const [a, b] = await Promise.all([sys.runtime.core.generate(req), sys.runtime.core.generate(req)]);
    expect(a.generationId).toBe(b.generationId);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    await enqueueRender(sys.runtime.queues, a.generationId); // a replayed enqueue is a no-op too
    await waitFor(() => delivered.find((d) => d.track.id === a.generationId));
    await new Promise((r) => setTimeout(r, 500));
    expect(delivered.filter((d) => d.track.id === a.generationId)).toHaveLength(1);
  });

  it('a failed post is retried without rendering again, and posts once', async () => {
    const accepted = await sys.runtime.core.generate({ actor: actor('cy'), channelId: 'local', prompt: 'jazz trio', durationS: 5 });
    failFirst.set(accepted.generationId, 2);
    const delivery = await waitFor(() => delivered.find((d) => d.track.id === accepted.generationId));
    expect(delivery.attempt).toBe(2);
    const job = await sys.runtime.queues.render.getJob(accepted.generationId);
    expect(job?.attemptsMade ?? 0).toBeLessThanOrEqual(1); // rendered once
    expect(delivered.filter((d) => d.track.id === accepted.generationId)).toHaveLength(1);
  });

  it('a post the platform refuses for good fails the generation at once, with the reason, and is not retried', async () => {
    const accepted = await sys.runtime.core.generate({ actor: actor('rex'), channelId: 'local', prompt: 'removed from channel', durationS: 5, seed: 3, reply: { requestKey: 'refuse-1' } });
    refuse.add(accepted.generationId);
    const row = await waitFor(async () => {
      const g = await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId);
      return g?.status === 'failed' ? g : undefined;
    });
    expect(row.errorCode).toBe('delivery_failed');
    expect(row.errorMessage).toContain('no longer in that channel');
    await waitFor(() => events.find((e) => e.generationId === accepted.generationId && e.stage === 'failed'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(refusedAttempts.get(accepted.generationId)).toBe(1);
  });

  it('a job lost with Redis is re-enqueued from its queued row by the reconciler', async () => {
    await sys.system.worker!.worker.pause();
    const accepted = await sys.runtime.core.generate({ actor: actor('dee'), channelId: 'local', prompt: 'techno at 130 bpm', durationS: 5 });
    await sys.runtime.queues.render.remove(accepted.generationId);
    expect(await sys.runtime.queues.render.getJob(accepted.generationId)).toBeUndefined();
    sys.system.worker!.worker.resume();
    // Rows younger than the stale threshold are left alone; the reconciler picks it up after.
    // Its own timer (every 2 s here) races these calls: whichever run comes first re-enqueues
    // the job, and the other then rightly finds nothing to do. Waiting for reconcileNow() itself
    // to return > 0 failed whenever the timer won (then the job renders and every later call
    // returns 0), so the test waits for the track instead; only the reconciler can enqueue it.
    const delivery = await waitFor(async () => {
      await sys.system.worker!.reconcileNow();
      return delivered.find((d) => d.track.id === accepted.generationId);
    }, 30_000, 'the re-enqueued track');
    expect(delivery.track.id).toBe(accepted.generationId);
  });

  it('a job for a generation that does not exist fails at once, without retries', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    await enqueueRender(sys.runtime.queues, id);
    const job = await waitFor(async () => {
      const j = await sys.runtime.queues.render.getJob(id);
      return j && (await j.getState()) === 'failed' ? j : undefined;
    });
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/bad_input/);
  });

  it('a cancelled generation is not rendered', async () => {
    await sys.system.worker!.worker.pause();
    const accepted = await sys.runtime.core.generate({ actor: actor('eve'), channelId: 'local', prompt: 'trap beat', durationS: 5 });
    await expect(sys.runtime.core.cancel(actor('mallory'), accepted.generationId)).rejects.toThrow(/Only the person/);
    expect(await sys.runtime.core.cancel(actor('eve'), accepted.generationId)).toBe(true);
    sys.system.worker!.worker.resume();
    await new Promise((r) => setTimeout(r, 1000));
    const row = await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId);
    expect(row?.status).toBe('cancelled');
    expect(row?.renderMs).toBeNull();
  });
});
