/**
 * Takes on Slack, exactly once across a process death (issue 16 point 3 with issue 13's upload
 * rule): a batch post that dies after its thread was posted but before the batch was marked
 * delivered is finished by a new process from the recorded steps, not posted again, even when the
 * channel moved on meanwhile (the parent is no longer among its last 200 messages). The real Bolt
 * App against the fake Slack, over the real core, queue, worker and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDeliveryHandler } from '../../core/chat.ts';
import type { Runtime } from '../../core/runtime.ts';
import { ActionId, fileBlockId } from '../../bots/slack/blocks.ts';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { PARENT_STEP } from '../../bots/slack/takes.ts';
import { CARD_STEP, FILE_STEP } from '../../bots/slack/delivery.ts';
import { getBatch, getGeneration } from '../../core/db/index.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeSlack, type StoredMessage } from '../helpers/fake-slack/server.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'takes-resume-secret';
const CHANNEL = 'C0RESUME01';
const config = (fake: FakeSlack) => ({ botToken: 'xoxb-resume', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 });

let fake: FakeSlack;
let sys: TestSystem;
const apps: SlackApp[] = [];

beforeAll(async () => {
  fake = await FakeSlack.start();
  sys = await startTestSystem({ roles: ['worker'], env: { DEFAULT_DURATION_S: '5', RATE_LIMIT_PER_MINUTE: '100', WORKER_CONCURRENCY: '2' } });
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.stop().catch(() => undefined);
  await sys?.stop();
  await fake?.stop();
});

/**
 * The runtime as a process that dies right after its batch post: the handler does all its
 * platform calls (recording their steps), then the run ends before the core marks the batch
 * delivered, as kill -9 at that moment would leave it.
 */
function dyingAfterBatchPost(runtime: Runtime, posted: () => void, gate: Promise<void>): Runtime {
  const dying = (real: BatchDeliveryHandler): BatchDeliveryHandler => async (d) => {
    await real(d);
    posted();
    await gate;
    throw new Error('process killed before the batch was marked delivered');
  };
  return { ...runtime, startDelivery: (platform, handler, batch) => runtime.startDelivery(platform, handler, batch && dying(batch)) };
}

const isParent = (m: StoredMessage) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:batch:')) ?? false;

describe('a batch post killed before it was recorded', () => {
  it('GIVEN the thread posted and the channel busy since THEN a new process finishes it from the steps: one parent, one card and one file per take', async () => {
    let posted = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const first = await startSlackApp(config(fake), dyingAfterBatchPost(sys.runtime, () => { posted = true; }, gate), { progressIntervalMs: 50 });
    apps.push(first);
    const sent = await new SlackSender(`http://127.0.0.1:${first.port}/slack/events`, SECRET, fake)
      .command('/generate', 'lo-fi piano at 80 bpm duration:5 takes:2', { channelId: CHANNEL });
    expect(sent.status).toBe(200);
    await waitFor(() => (posted ? true : undefined), 120_000, 'the first batch post');
    // The first process goes away mid-run; its run ends without the batch marked delivered.
    const stopping = first.stop();
    release();
    await stopping;

    const parents = fake.messages(CHANNEL).filter(isParent);
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    const batchId = String(parent.blocks!.find((b) => String(b.block_id).startsWith('ditty:batch:'))!.block_id).slice('ditty:batch:'.length);
    const em = () => sys.runtime.orm.em.fork();
    expect((await getBatch(em(), batchId))?.deliveredRef).toBeNull();
    expect((await getBatch(em(), batchId))?.deliverySteps[PARENT_STEP]).toBe(parent.ts);
    const threadOf = () => fake.messages(CHANNEL).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
    expect(threadOf().filter((m) => m.files?.length)).toHaveLength(2);

    // The channel moves on: the parent falls out of the last 200 messages a history read returns.
    for (let i = 0; i < 210; i++) fake.postAsUser(CHANNEL, 'U0BOB0001', `chatter ${i}`);
    const historyBefore = fake.callsOf('conversations.history').length;

    const second = await startSlackApp(config(fake), sys.runtime, { progressIntervalMs: 50 });
    apps.push(second);
    await waitFor(async () => ((await getBatch(em(), batchId))?.deliveredRef ? true : undefined), 60_000, 'the batch marked delivered');

    expect(fake.messages(CHANNEL).filter(isParent)).toHaveLength(1);
    const thread = threadOf();
    expect(thread.filter((m) => m.files?.length)).toHaveLength(2);
    expect(thread.filter((m) => JSON.stringify(m.blocks ?? []).includes(ActionId.Favorite) && !m.files?.length)).toHaveLength(2);
    // The rerun found its parent in the steps, not in the channel's history.
    expect(fake.callsOf('conversations.history').length).toBe(historyBefore);
    const takeIds = thread.filter((m) => m.files?.length).map((m) =>
      String(m.blocks!.find((b) => String(b.block_id).startsWith(fileBlockId('')))!.block_id).slice(fileBlockId('').length));
    for (const id of takeIds) {
      const take = await getGeneration(em(), id);
      expect(take?.status).toBe('completed');
      expect(take?.deliverySteps[CARD_STEP]).toBeTruthy();
      expect(take?.deliverySteps[FILE_STEP]).toBeTruthy();
    }
    expect(takeIds).toHaveLength(2);
  }, 240_000);
});
