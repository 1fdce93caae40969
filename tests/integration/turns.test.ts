/**
 * Atomic limits and fair turns (issue 12, points 7 and 8) on real Postgres and Redis, with no
 * worker: slots are released by moving rows on as the worker would, then asking for admission.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, GenerateAccepted } from '../../core/chat.ts';
import { fairOrder, getGeneration, transitionGeneration, updateServerSettings } from '../../core/db/index.ts';
import { UserError } from '../../core/errors.ts';
import { createTurns, type Turns } from '../../core/turns.ts';
import { createReconciler } from '../../worker/reconciler.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const actor = (name: string, guildId: string): Actor => ({ platform: 'discord', platformUserId: name, guildId, displayName: name });

describe('fairOrder', () => {
  const w = (id: string, userId: number) => ({ id, userId });
  it('GIVEN one user ahead with a long line THEN another user\'s first track goes next', () => {
    const line = [w('a5', 1), w('a6', 1), w('a7', 1), w('b1', 2), w('b2', 2)];
    expect(fairOrder(line, new Map([[1, 3]])).map((x) => x.id)).toEqual(['b1', 'b2', 'a5', 'a6', 'a7']);
  });
  it('GIVEN equal turns THEN the user served longest ago goes first, then round-robin', () => {
    const line = [w('a2', 1), w('a3', 1), w('b1', 2), w('c1', 3), w('c2', 3)];
    const order = fairOrder(line, new Map(), new Map([[1, 2000], [3, 1000]])).map((x) => x.id);
    expect(order).toEqual(['b1', 'c1', 'a2', 'c2', 'a3']);
  });
});

describe('turns on real Postgres and Redis', () => {
  let sys: TestSystem;
  let turns: Turns;
  beforeAll(async () => {
    sys = await startTestSystem({
      roles: [],
      env: { RATE_LIMIT_PER_MINUTE: '10000', SERVER_CONCURRENCY: '4', USER_CONCURRENCY: '4', SERVER_LINE_MAX: '50', USER_LINE_MAX: '20' },
    });
    const { orm, queues, log, publish } = sys.runtime;
    turns = createTurns({ orm, queues, limits: sys.config.limits, log, publish });
  });
  afterAll(async () => sys?.stop());

  const generate = (who: string, guildId: string, prompt = 'piano') =>
    sys.runtime.core.generate({ actor: actor(who, guildId), channelId: 'c', prompt, durationS: 5 });
  /** What the worker does when a render ends: the row leaves its slot, then the line moves. */
  async function finish(id: string): Promise<void> {
    expect(await transitionGeneration(sys.runtime.orm.em.fork(), id, ['queued', 'rendering', 'encoding'], { status: 'delivering' })).toBe(true);
    await sys.runtime.queues.render.remove(id);
    await turns.admit('discord', (await getGeneration(sys.runtime.orm.em.fork(), id))!.guildId);
  }
  const admitted = async (ids: string[]) => {
    const rows = await Promise.all(ids.map((id) => getGeneration(sys.runtime.orm.em.fork(), id)));
    return rows.filter((r) => r?.admittedAt).map((r) => r!.id);
  };

  it('GIVEN 40 parallel requests from 40 users against 4 slots THEN exactly 4 start and 36 wait in line with distinct places', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => generate(`p${i}`, 'g-40')));
    const started = results.filter((r) => !r.waiting);
    expect(started).toHaveLength(4);
    expect(await admitted(results.map((r) => r.generationId))).toHaveLength(4);
    const jobs = await sys.runtime.queues.render.getJobs(['wait', 'prioritized', 'active', 'delayed']);
    const ours = new Set(results.map((r) => r.generationId));
    expect(jobs.filter((j) => ours.has(j.id!)).map((j) => j.id).sort()).toEqual(started.map((r) => r.generationId).sort());
    const places = results.filter((r) => r.waiting).map((r) => r.position).sort((a, b) => a - b);
    expect(places).toEqual(Array.from({ length: 36 }, (_, i) => i + 5));
  });

  it('GIVEN 40 parallel requests from one user THEN exactly 4 start (per-user slots in the same transaction)', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => generate('solo', 'g-solo', `p ${i}`).catch((e: unknown) => e)));
    const accepted = results.filter((r): r is GenerateAccepted => !(r instanceof Error));
    expect(accepted.filter((r) => !r.waiting)).toHaveLength(4);
    // 20 may wait; the other 16 are refused by the per-user line cap, in words.
    expect(accepted.filter((r) => r.waiting)).toHaveLength(20);
    const refused = results.filter((r): r is UserError => r instanceof UserError);
    expect(refused).toHaveLength(16);
    expect(refused[0]!.code).toBe('server_busy');
    expect(refused[0]!.message).toMatch(/You already have 20 tracks waiting in line here; try again when one of them has started/);
  });

  it('GIVEN one user with a long line THEN another user\'s first track starts at the next free slot, round-robin after', async () => {
    const a = [];
    for (let i = 0; i < 10; i++) a.push(await generate('alice', 'g-rr', `alice ${i}`));
    const b = await generate('bob', 'g-rr', 'bob 1');
    const c = await generate('carol', 'g-rr', 'carol 1');
    const c2 = await generate('carol', 'g-rr', 'carol 2');
    expect(a.slice(0, 4).every((r) => !r.waiting)).toBe(true);
    // Places count the 4 admitted tracks not started yet, then the fair line: bob, carol, carol, then alice's.
    expect(b).toMatchObject({ waiting: true, position: 5 });
    expect(c).toMatchObject({ waiting: true, position: 6 });
    expect(c2).toMatchObject({ waiting: true, position: 7 });

    await finish(a[0]!.generationId);
    expect(await admitted([b.generationId, c.generationId, a[4]!.generationId])).toEqual([b.generationId]);
    await finish(a[1]!.generationId);
    expect(await admitted([c.generationId, c2.generationId, a[4]!.generationId])).toEqual([c.generationId]);
    // Everyone holds one slot now: alice's next and carol's second tie, and alice was served longest ago.
    await finish(a[2]!.generationId);
    expect(await admitted([c2.generationId, a[4]!.generationId])).toEqual([a[4]!.generationId]);
    await finish(a[3]!.generationId);
    expect(await admitted([c2.generationId, a[5]!.generationId])).toEqual([c2.generationId]);
    // An admitted track's job carries its owner's slot number, so firsts render before seconds.
    expect((await sys.runtime.queues.render.getJob(b.generationId))?.opts.priority).toBe(1);
    expect((await sys.runtime.queues.render.getJob(c2.generationId))?.opts.priority).toBe(2);
  });

  it('GIVEN a full server THEN cancelling a running track starts the next in line at once', async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await generate(`k${i}`, 'g-cancel'));
    const next = await generate('k9', 'g-cancel');
    expect(next.waiting).toBe(true);
    expect(await sys.runtime.core.cancel(actor('k0', 'g-cancel'), first[0]!.generationId)).toBe(true);
    expect(await admitted([next.generationId])).toEqual([next.generationId]);
    expect(await sys.runtime.queues.render.getJob(next.generationId)).toBeTruthy();
    // A waiting track is cancelled without ever taking a slot.
    const waiting = await generate('k8', 'g-cancel');
    expect(await sys.runtime.core.cancel(actor('k8', 'g-cancel'), waiting.generationId)).toBe(true);
    expect(await admitted([waiting.generationId])).toEqual([]);
  });

  it('GIVEN a slot freed without telling the line THEN the reconciler admits the next track', async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await generate(`r${i}`, 'g-rec'));
    const next = await generate('r9', 'g-rec');
    await transitionGeneration(sys.runtime.orm.em.fork(), first[0]!.generationId, ['queued'], { status: 'failed', errorCode: 'x', errorMessage: 'x' });
    expect(await admitted([next.generationId])).toEqual([]);
    const { orm, queues, log, publish } = sys.runtime;
    await createReconciler({ orm, queues, log, publish, staleAfterMs: 60_000, turns }).runOnce();
    expect(await admitted([next.generationId])).toEqual([next.generationId]);
    expect(await queues.render.getJob(next.generationId)).toBeTruthy();
  });

  it('GIVEN a server setting of 1 slot and a full server line THEN the line cap refuses in words', async () => {
    await updateServerSettings(sys.runtime.orm.em.fork(), 'discord', 'g-cap', { concurrency: 1 });
    const first = await generate('s0', 'g-cap');
    expect(first.waiting).toBe(false);
    for (let i = 1; i <= 50; i++) expect((await generate(`s${i}`, 'g-cap')).waiting).toBe(true);
    const err = await generate('s99', 'g-cap').then(() => null, (e: unknown) => e as UserError);
    expect(err?.code).toBe('server_busy');
    expect(err?.message).toBe("This server's line is full (50 tracks waiting); try again in a few minutes.");
  });
});
