/**
 * SIGTERM semantics: a worker that stops mid-render either finishes the job or hands it back,
 * and a second worker then completes every job exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Actor, Delivery } from '../../core/chat.ts';
import { getGeneration } from '../../core/db/index.ts';
import { startTestSystem, uniqueName, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const actor: Actor = { platform: 'local', platformUserId: 'drain', guildId: 'local', displayName: 'drain' };

describe('worker shutdown', () => {
  const started: TestSystem[] = [];
  afterAll(async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  });

  it('a drain that times out returns the render to the queue; the next worker completes it once', async () => {
    const env = { QUEUE_PREFIX: uniqueName('drain'), DATA_DIR: await mkdtemp(join(tmpdir(), 'ditty-drain-')) };
    const first = await startTestSystem({ roles: ['worker'], env, drainTimeoutMs: 0 });
    const accepted = await first.runtime.core.generate({ actor, channelId: 'local', prompt: 'cinematic orchestral epic', durationS: 120 });
    await waitFor(async () => ((await getGeneration(first.runtime.orm.em.fork(), accepted.generationId))?.status === 'rendering' ? true : undefined));
    await first.stop({ keepData: true });

    const observer = await startTestSystem({ roles: [], env, schema: first.schema });
    const handedBack = await getGeneration(observer.runtime.orm.em.fork(), accepted.generationId);
    const state = await (await observer.runtime.queues.render.getJob(accepted.generationId))?.getState();
    await observer.stop({ keepData: true });
    expect(handedBack?.status).toBe('queued');
    // Waiting to be taken again (prioritized: render jobs carry their owner's slot number).
    expect(['waiting', 'prioritized']).toContain(state);

    const second = await startTestSystem({ roles: ['worker'], env, schema: first.schema });
    started.push(second);
    const posts: Delivery[] = [];
    await second.runtime.startDelivery('local', async (d) => {
      posts.push(d);
      return { messageRef: d.track.id };
    });
    await waitFor(() => (posts.length ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(posts.map((p) => p.track.id)).toEqual([accepted.generationId]);
    const done = await getGeneration(second.runtime.orm.em.fork(), accepted.generationId);
    expect(done?.status).toBe('completed');
  });

  it('a drain with time to spare lets the active render finish before stopping', async () => {
    const sys = await startTestSystem({ roles: ['worker'], drainTimeoutMs: 60_000 });
    started.push(sys);
    const accepted = await sys.runtime.core.generate({ actor, channelId: 'local', prompt: 'drum and bass at 172 bpm', durationS: 60 });
    await waitFor(async () => ((await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId))?.status === 'rendering' ? true : undefined));
    await sys.system.worker!.stop();
    const g = await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId);
    expect(g?.status).toBe('delivering'); // rendered and encoded; delivery waits for a frontend
  });
});
