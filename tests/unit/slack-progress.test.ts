import { describe, expect, it } from 'vitest';
import { ProgressUpdater, type StatusTarget } from '../../bots/slack/progress.ts';
import type { ProgressEvent, Stage } from '../../core/jobs.ts';
import { createLogger } from '../../core/log.ts';

const ID = '0b6c1a5e-7d6f-4b8e-9a51-3f1f6b2d9c10';
const target: StatusTarget = {
  channel: 'C1', ts: '1.000001', generationId: ID, prompt: 'p', userId: 'U1', durationS: 5,
  params: { bpm: 90, key: 'C', mode: 'major', genre: 'pop', mood: null, instruments: [], excluded: [], structure: [], seed: 1, explicit: [] },
};
const ev = (stage: Stage, progress = 0, id = ID): ProgressEvent => ({ generationId: id, platform: 'slack', stage, progress });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 150 });
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
    }, createLogger('silent'), { intervalMs: 10 });
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
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 50 });
    u.handle(ev('rendering', 0.3));
    u.track(target, ev('queued'));
    await sleep(20);
    expect(writes[0]!.event.stage).toBe('rendering');
    await u.close();
  });

  it('after finish(), drops late events so the final card is the last edit', async () => {
    const { writes, write } = recorder(50);
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 10 });
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
    const u = new ProgressUpdater(write, createLogger('silent'), { intervalMs: 10_000 });
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
    }, createLogger('silent'), { intervalMs: 10 });
    u.track(target, ev('queued'));
    await sleep(20);
    u.handle(ev('rendering', 0.5));
    await sleep(50);
    expect(calls).toBe(2);
    await u.close();
  });
});
