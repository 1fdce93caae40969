/**
 * Takes on Slack: the real Bolt App over signed HTTP against the fake Slack (threads included),
 * over the real core, queue, worker and Postgres. One thread per batch: the parent names every
 * take with its seed and ends as the summary (a fault-injected failed take named with its reason);
 * each made take is a card and a file in the thread, favorited on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionId, cardBlockId, fileBlockId } from '../../bots/slack/blocks.ts';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { parseGenerateText } from '../../bots/slack/text.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeSlack, type StoredMessage } from '../helpers/fake-slack/server.ts';
import { FAIL_SEED } from '../helpers/render-threads/fail-seed.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'takes-signing-secret';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const BOB = { id: 'U0BOB0001', name: 'bob' };
const CHANNEL = 'C0TAKES001';

let fake: FakeSlack;
let sys: TestSystem;
let slack: SlackApp;
let sender: SlackSender;

beforeAll(async () => {
  fake = await FakeSlack.start();
  sys = await startTestSystem({
    roles: ['worker'],
    env: { DEFAULT_DURATION_S: '5', RATE_LIMIT_PER_MINUTE: '100', WORKER_CONCURRENCY: '2' },
    worker: { poolOptions: { filename: new URL('../helpers/render-threads/fail-seed.ts', import.meta.url).href, killGraceMs: 500 } },
  });
  slack = await startSlackApp({ botToken: 'xoxb-takes', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, sys.runtime, { progressIntervalMs: 50 });
  sender = new SlackSender(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, fake);
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await sys?.stop();
  await fake?.stop();
});

const batchParent = (m: StoredMessage) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:batch:'));

describe('takes on slack', () => {
  it('GIVEN takes words THEN they are read anywhere and kept out of the prompt', () => {
    expect(parseGenerateText('lofi piano takes:3 5')).toEqual({ prompt: 'lofi piano', takes: '3', duration: '5' });
    expect(parseGenerateText('x4 house at 124 bpm')).toEqual({ prompt: 'house at 124 bpm', takes: '4' });
    expect(parseGenerateText('jazz takes=2 seed:7')).toEqual({ prompt: 'jazz', takes: '2', seed: '7' });
  });

  let parent: StoredMessage;
  let thread: StoredMessage[];

  it('GIVEN /generate … takes:3 with one seed that fails THEN one thread: the parent names each take and the failure, the two made takes each a card and a file in it', async () => {
    const sent = await sender.command('/generate', `lo-fi piano at 80 bpm duration:5 seed:${FAIL_SEED - 1} takes:3`, { channelId: CHANNEL, user: ALICE });
    expect(sent.status).toBe(200);
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 10_000, 'queued reply');
    expect(String(reply.body.text)).toContain(`Queued 3 takes (5 s each, seeds ${FAIL_SEED - 1}, ${FAIL_SEED}, ${FAIL_SEED + 1}); each counts as one track`);
    const status = await fake.waitFor(() => fake.messages(CHANNEL).find(batchParent), 10_000, 'the thread parent');
    expect(JSON.stringify(status.blocks)).toContain(`*Take 2* · seed ${FAIL_SEED}`);

    parent = await fake.waitFor(() => {
      const m = fake.message(CHANNEL, status.ts);
      return m && /takes are ready/.test(String(m.text)) ? m : undefined;
    }, 60_000, 'the summary');
    const summary = JSON.stringify(parent.blocks);
    expect(summary).toContain('2 of 3 takes are ready');
    expect(summary).toContain(`*Take 2* · seed ${FAIL_SEED} · ❌ failed: The music engine failed; please try again. (make it again with seed:${FAIL_SEED})`);

    thread = await fake.waitFor(() => {
      const t = fake.messages(CHANNEL).filter((m) => m.thread_ts === status.ts);
      return t.filter((m) => m.files?.length).length === 2 ? t : undefined;
    }, 30_000, 'two files in the thread');
    const cards = thread.filter((m) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:')));
    expect(cards).toHaveLength(2);
    // Nothing of the batch outside its thread but the parent.
    expect(fake.messages(CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);
    const takeIds = cards.map((c) => String(c.blocks!.find((b) => String(b.block_id).startsWith('ditty:card:'))!.block_id).slice('ditty:card:'.length));
    const [one, three] = await Promise.all(takeIds.map((id) => sys.runtime.core.track(id)));
    expect(one?.params.seed).toBe(FAIL_SEED - 1);
    expect(three?.params.seed).toBe(FAIL_SEED + 1);
    for (const id of takeIds) expect(thread.some((m) => m.blocks?.some((b) => b.block_id === fileBlockId(id)))).toBe(true);
  }, 120_000);

  it('GIVEN the thread THEN a take is favorited on its own by its button, and by a reaction on its file; the parent favorites nothing', async () => {
    const cards = thread.filter((m) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:')));
    const idOf = (m: StoredMessage) => String(m.blocks!.find((b) => String(b.block_id).startsWith('ditty:card:'))!.block_id).slice('ditty:card:'.length);
    const [take1, take3] = cards.map(idOf) as [string, string];
    await sender.clickButton(cards[1]!, ActionId.Favorite, BOB);
    await waitFor(async () => ((await sys.runtime.core.track(take3))?.favorites === 1 ? true : undefined), 15_000, 'take 3 favorited');
    expect((await sys.runtime.core.track(take1))?.favorites).toBe(0);

    const file1 = thread.find((m) => m.blocks?.some((b) => b.block_id === fileBlockId(take1)))!;
    await sender.event(sender.reaction('reaction_added', BOB.id, 'star', CHANNEL, file1.ts));
    await waitFor(async () => ((await sys.runtime.core.track(take1))?.favorites === 1 ? true : undefined), 15_000, 'take 1 favorited by reaction');

    await sender.event(sender.reaction('reaction_added', ALICE.id, 'star', CHANNEL, parent.ts));
    await new Promise((r) => setTimeout(r, 1000));
    expect((await sys.runtime.core.track(take1))?.favorites).toBe(1);
    expect((await sys.runtime.core.track(take3))?.favorites).toBe(1);
    expect(cardBlockId(take1)).not.toBe(cardBlockId(take3));
  });

  it('GIVEN takes:7 THEN a plain refusal, only to the requester', async () => {
    const sent = await sender.command('/generate', 'house takes:7', { channelId: CHANNEL, user: ALICE });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 10_000, 'refusal');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toContain('Takes must be a whole number from 2 to 4.');
  });
});
