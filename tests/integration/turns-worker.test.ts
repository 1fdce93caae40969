/**
 * Fair turns with the real worker (issue 12, point 8): one slot, one render at a time. A user with
 * a long line ahead delays another user's first track by one render, not by their whole line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/chat.ts';
import { getGeneration } from '../../core/db/index.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const actor = (name: string): Actor => ({ platform: 'discord', platformUserId: name, guildId: 'g-fair', displayName: name });

describe('fair turns with a worker', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ roles: ['worker'], env: { SERVER_CONCURRENCY: '1', WORKER_CONCURRENCY: '1', RATE_LIMIT_PER_MINUTE: '1000' } });
  });
  afterAll(async () => sys?.stop());

  it('GIVEN alice queued 6 tracks THEN bob\'s first track starts right after the render in progress', async () => {
    const core = sys.runtime.core;
    const alice = [];
    for (let i = 0; i < 6; i++) alice.push(await core.generate({ actor: actor('alice'), channelId: 'c', prompt: `piano ${i}`, durationS: 5 }));
    const bobAskedAt = new Date();
    const bob = await core.generate({ actor: actor('bob'), channelId: 'c', prompt: 'drums', durationS: 5 });
    expect(bob.waiting).toBe(true);

    const row = (id: string) => getGeneration(sys.runtime.orm.em.fork(), id);
    const bobStarted = await waitFor(async () => (await row(bob.generationId))?.startedAt ?? undefined, 60_000, "bob's track to start");
    const aliceStarts = await Promise.all(alice.map(async (a) => (await row(a.generationId))?.startedAt ?? null));
    // Between bob's request and his start, at most one of alice's tracks began (the one whose slot
    // he waited for); her other four wait their turn after his.
    const inBetween = aliceStarts.filter((at) => at && at >= bobAskedAt && at < bobStarted);
    expect(inBetween.length).toBeLessThanOrEqual(1);
    expect(aliceStarts.filter((at) => at && at < bobStarted).length).toBeLessThanOrEqual(2);
  });
});
