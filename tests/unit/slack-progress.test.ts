import { describe, expect, it } from 'vitest';
import { ProgressUpdater, slackEditBudget, type StatusTarget } from '../../bots/slack/progress.ts';
import type { ProgressEvent, Stage } from '../../core/jobs.ts';
import { createLogger } from '../../core/log.ts';

const ID = '0b6c1a5e-7d6f-4b8e-9a51-3f1f6b2d9c10';
const target: StatusTarget = {
  channel: 'C1', ts: '1.000001', generationId: ID, prompt: 'p', userId: 'U1', durationS: 5,
  params: { bpm: 90, key: 'C', mode: 'major', genre: 'pop', mood: null, instruments: [], excluded: [], structure: [], seed: 1, explicit: [] },
};
const ev = (stage: Stage, progress = 0, id = ID): ProgressEvent => ({ generationId: id, platform: 'slack', stage, progress });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** These tests look at one message's pacing: the shared budget is opened wide. */
const free = () => slackEditBudget({ channelIntervalMs: 0, workspaceIntervalMs: 0 });

function recorder(delayMs = 0) {
  const writes: Array<{ event: ProgressEvent; at: number }> = [];
  const write = async (_t: StatusTarget, event: ProgressEvent) => {
    writes.push({ event, at: Date.now() });
    if (delayMs) await sleep(delayMs);
  };
  return { writes, write };
}

describe('ProgressUpdater', () => {
  it('writes the first state at once, then at most one edit per interval with the newest state', async () => {
    const { writes, write } = recorder();
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 150, budget: free() });
    u.track(target, ev('queued'));
    for (let i = 1; i <= 20; i++) u.handle(ev('rendering', i / 20));
    await sleep(400);
    expect(writes.map((w) => w.event.progress)).toEqual([0, 1]);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(140);
    await u.close();
  });

  it('never overlaps two edits of one message while Slack is slow (e.g. waiting out a 429)', async () => {
    let inflight = 0;
    let maxInflight = 0;
    const u = new ProgressUpdater(async () => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      await sleep(120);
      inflight--;
    }, createLogger('silent'), { intervalMs: 10, budget: free() });
    u.track(target, ev('queued'));
    for (let i = 0; i < 10; i++) {
      u.handle(ev('rendering', i / 10));
      await sleep(15);
    }
    await sleep(400);
    expect(maxInflight).toBe(1);
    await u.close();
  });

  it('keeps events that arrive before the message is tracked and shows the newest', async () => {
    const { writes, write } = recorder();
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 50, budget: free() });
    u.handle(ev('rendering', 0.3));
    u.track(target, ev('queued'));
    await sleep(20);
    expect(writes[0]!.event.stage).toBe('rendering');
    await u.close();
  });

  it('after finish(), drops late events so the final card is the last edit', async () => {
    const { writes, write } = recorder(50);
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 10, budget: free() });
    u.track(target, ev('queued'));
    u.handle(ev('rendering', 0.9));
    await u.finish(ID);
    const count = writes.length;
    u.handle(ev('completed', 1));
    u.handle(ev('rendering', 0.95));
    await sleep(100);
    expect(writes.length).toBe(count);
    expect(u.tracked).toBe(0);
  });

  it('shows failure immediately and then forgets the generation', async () => {
    const { writes, write } = recorder();
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 10_000, budget: free() });
    u.track(target, ev('queued'));
    u.handle(ev('failed'));
    await sleep(30);
    expect(writes.map((w) => w.event.stage)).toEqual(['queued', 'failed']);
    expect(u.tracked).toBe(0);
  });

  it('survives a failing write and keeps updating', async () => {
    let calls = 0;
    const u = new ProgressUpdater(async () => {
      calls++;
      if (calls === 1) throw new Error('slack down');
    }, createLogger('silent'), { intervalMs: 10, budget: free() });
    u.track(target, ev('queued'));
    await sleep(20);
    u.handle(ev('rendering', 0.5));
    await sleep(50);
    expect(calls).toBe(2);
    await u.close();
  });

  it('shares one channel budget between every message there, and one workspace budget between channels', async () => {
    const writes: Array<{ channel: string; id: string; at: number }> = [];
    const budget = slackEditBudget({ channelIntervalMs: 200, workspaceIntervalMs: 100 });
    const u = new ProgressUpdater(async (t, e) => { writes.push({ channel: t.channel, id: e.generationId, at: Date.now() }); }, createLogger('silent'), { intervalMs: 10, budget });
    const ids = ['a', 'b', 'c'].map((x) => `${x}${ID.slice(1)}`);
    u.track({ ...target, generationId: ids[0]!, teamId: 'T1' }, ev('queued', 0, ids[0]));
    u.track({ ...target, generationId: ids[1]!, teamId: 'T1' }, ev('queued', 0, ids[1]));
    u.track({ ...target, channel: 'C2', generationId: ids[2]!, teamId: 'T1' }, ev('queued', 0, ids[2]));
    for (let i = 1; i <= 10; i++) {
      for (const id of ids) u.handle(ev('rendering', i / 10, id));
      await sleep(50);
    }
    await sleep(400);
    // Slots are 200 ms apart in a channel and 100 ms in the workspace, but a write is recorded when
    // its timer fires: on a busy machine a late one lands next to the following one (1 ms apart
    // seen under load 16), so single gaps prove nothing. The rate does: n writes span at least
    // n - 1 slots, less one late first timer. Without the shared budgets the three messages would
    // write every 50 ms event (span 458 ms for 43 writes, measured).
    const span = (list: typeof writes) => list.at(-1)!.at - list[0]!.at;
    const c1 = writes.filter((w) => w.channel === 'C1');
    expect(span(c1)).toBeGreaterThanOrEqual(200 * (c1.length - 1) - 60);
    expect(span(writes)).toBeGreaterThanOrEqual(100 * (writes.length - 1) - 60);
    // 1 s of events for three messages: far fewer edits than events, and every message moved.
    expect(writes.length).toBeLessThanOrEqual(16);
    for (const id of ids) expect(writes.filter((w) => w.id === id).length).toBeGreaterThanOrEqual(2);
    await u.close();
  });
});
