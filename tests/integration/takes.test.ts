/**
 * Takes on real Postgres, Redis and the worker: one batch, one post with every take, a failed take
 * (a render fault injected for one seed) named in that post while the others are delivered, and
 * each take counted once in the per-minute limit and the line's caps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, BatchDelivery, Delivery } from '../../core/chat.ts';
import { batchTakes, getBatch } from '../../core/db/index.ts';
import { exec } from '../../core/db/sql.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';
import { FAIL_SEED } from '../helpers/render-threads/fail-seed.ts';

const actor = (name: string, guildId = 'local'): Actor => ({ platform: 'local', platformUserId: name, guildId, displayName: name });

describe('takes', () => {
  let sys: TestSystem;
  const batches: BatchDelivery[] = [];
  const singles: Delivery[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({
      roles: ['worker'],
      env: { RATE_LIMIT_PER_MINUTE: '6', SERVER_CONCURRENCY: '2', USER_CONCURRENCY: '10', USER_LINE_MAX: '1' },
      worker: { poolOptions: { filename: new URL('../helpers/render-threads/fail-seed.ts', import.meta.url).href, killGraceMs: 500 } },
    });
    await sys.runtime.startDelivery('local', async (d) => {
      singles.push(d);
      return { messageRef: `msg-${d.track.id}` };
    }, async (b) => {
      batches.push(b);
      return { messageRef: `batch-msg-${b.batchId}` };
    });
  });
  afterAll(async () => sys?.stop());

  const rowsOf = async (guildId: string) => Number((await exec(sys.runtime.orm.em.fork(), `select count(*)::int as n from generations where guild_id = ?`, [guildId]))[0]!.n);

  it('GIVEN takes:3 with one seed whose render fails THEN one post holds all three, the failed take named with its reason', async () => {
    const accepted = await sys.runtime.core.generate({ actor: actor('ada', 'g-fail'), channelId: 'c1', prompt: 'lo-fi piano at 80 bpm', durationS: 5, seed: FAIL_SEED - 1, takes: 3 });
    expect(accepted.batch?.takes.map((t) => t.seed)).toEqual([FAIL_SEED - 1, FAIL_SEED, FAIL_SEED + 1]);
    expect(accepted.batch?.takes.map((t) => t.take)).toEqual([1, 2, 3]);
    const batchId = accepted.batch!.id;

    const posted = await waitFor(() => batches.find((b) => b.batchId === batchId), 60_000, 'the batch post');
    expect(posted.takes.map((t) => t.take)).toEqual([1, 2, 3]);
    const [one, two, three] = posted.takes;
    expect(one!.filePath).not.toBeNull();
    expect(three!.filePath).not.toBeNull();
    expect(two!.filePath).toBeNull();
    expect(two!.track.status).toBe('failed');
    expect(two!.track.errorMessage).toMatch(/engine failed/i);
    expect(one!.track.params.seed).toBe(FAIL_SEED - 1);
    expect(one!.track.take).toEqual({ batchId, index: 1, of: 3 });
    // The takes are posted only in the batch, never one by one.
    expect(singles.filter((d) => d.track.take)).toHaveLength(0);

    const em = sys.runtime.orm.em.fork();
    const rows = await waitFor(async () => {
      const t = await batchTakes(em, batchId);
      return t.every((g) => g.status === 'completed' || g.status === 'failed') ? t : undefined;
    });
    expect(rows.map((g) => g.status)).toEqual(['completed', 'failed', 'completed']);
    expect(rows[0]!.deliveredRef).toBe(`batch-msg-${batchId}`);
    // (the batch is marked just after its takes: read at once, it raced on a loaded CI machine)
    const batch = await waitFor(async () => {
      const b = await getBatch(em, batchId);
      return b?.deliveredRef ? b : undefined;
    });
    expect(batch.deliveredRef).toBe(`batch-msg-${batchId}`);
    // Posted once, whatever reran.
    await new Promise((r) => setTimeout(r, 500));
    expect(batches.filter((b) => b.batchId === batchId)).toHaveLength(1);
  });

  it('GIVEN a per-minute limit of 6 THEN takes:4 uses 4 of it, takes:3 is refused whole saying 2 are left, and 2 takes still fit', async () => {
    const who = actor('bob', 'g-quota');
    // Enough slots that no take waits in line: only the per-minute limit is at work here.
    await sys.runtime.core.updateSettings(who, { concurrency: 10 }, { isAdmin: true });
    await sys.runtime.core.generate({ actor: who, channelId: 'c1', prompt: 'house', durationS: 5, takes: 4 });
    const before = await rowsOf('g-quota');
    expect(before).toBe(4);
    const refused = await sys.runtime.core.generate({ actor: who, channelId: 'c1', prompt: 'house', durationS: 5, takes: 3 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe(UserErrorCode.RateLimited);
    expect((refused as UserError).message).toMatch(/3 takes count as 3 generations, and you have 2 of 6 left this minute/);
    expect(await rowsOf('g-quota')).toBe(4);
    const fits = await sys.runtime.core.generate({ actor: who, channelId: 'c1', prompt: 'house', durationS: 5, takes: 2 });
    expect(fits.batch?.takes).toHaveLength(2);
    expect(await rowsOf('g-quota')).toBe(6);
    // The quota is now spent: even one track is refused.
    await expect(sys.runtime.core.generate({ actor: who, channelId: 'c1', prompt: 'house', durationS: 5 })).rejects.toMatchObject({ code: UserErrorCode.RateLimited });
  });

  it('GIVEN 2 slots and a line of at most 1 per user THEN takes:4 is refused whole (nothing queued) and takes:3 queues with one waiting', async () => {
    const who = actor('cy', 'g-line');
    const refused = await sys.runtime.core.generate({ actor: who, channelId: 'c1', prompt: 'jazz', durationS: 5, takes: 4 }).catch((e: unknown) => e);
    expect((refused as UserError).code).toBe(UserErrorCode.ServerBusy);
    expect((refused as UserError).message).toMatch(/4 takes count as 4 tracks; none of them was queued/);
    expect(await rowsOf('g-line')).toBe(0);
    const ok = await sys.runtime.core.generate({ actor: who, channelId: 'c1', prompt: 'jazz', durationS: 5, takes: 3 });
    expect(ok.batch!.takes.map((t) => t.waiting)).toEqual([false, false, true]);
    expect(await rowsOf('g-line')).toBe(3);
  });

  it('GIVEN the same request twice THEN one batch, the second answer marked duplicate', async () => {
    const req = { actor: actor('di', 'g-dup'), channelId: 'c1', prompt: 'techno', durationS: 5, takes: 2, reply: { requestKey: 'interaction-dup-1' } };
    const [a, b] = await Promise.all([sys.runtime.core.generate(req), sys.runtime.core.generate(req)]);
    expect(a.batch!.id).toBe(b.batch!.id);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(await rowsOf('g-dup')).toBe(2);
  });

  it('GIVEN takes outside 1-4 THEN a plain refusal', async () => {
    for (const takes of [0, 5, '2.5', 'many']) {
      await expect(sys.runtime.core.generate({ actor: actor('ed', 'g-bad'), channelId: 'c1', prompt: 'pop', takes })).rejects.toMatchObject({ code: UserErrorCode.TakesInvalid });
    }
  });
});
