/**
 * The real Bolt App over real HTTP against the fake Slack, with an in-memory runtime in place of
 * Postgres, Redis and the worker: receiving, acking, retries, progress, 429s, delivery, buttons,
 * reactions, escaping and Socket Mode. The same flows run on the real system in tests/e2e.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { CARD_STEP, FILE_BEGUN_STEP, FILE_STEP } from '../../bots/slack/delivery.ts';
import { ActionId, cardBlockId, fileBlockId } from '../../bots/slack/blocks.ts';
import { BOT_SCOPES } from '../../bots/slack/oauth.ts';
import { DM_REFUSAL } from '../../core/direct-messages.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeRuntime } from '../helpers/fake-slack/runtime.ts';
import { FAKE_TEAM_ID, FakeSlack } from '../helpers/fake-slack/server.ts';

const SECRET = 'unit-test-signing-secret';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const BOB = { id: 'U0BOB0001', name: 'bob' };
const ADMIN = { id: 'U0ADMIN01', name: 'ada' };

let fake: FakeSlack;
let runtime: FakeRuntime;
let slack: SlackApp;
let sender: SlackSender;
let dir: string;
let channelSeq = 0;
const newChannel = () => `C0TEST${String(++channelSeq).padStart(4, '0')}`;

beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.users.set(BOB.id, { name: 'bob', real_name: 'Bob Builder', display_name: 'bobby' });
  fake.users.set(ADMIN.id, { name: 'ada', real_name: 'Ada Admin', display_name: 'ada', is_admin: true });
  runtime = new FakeRuntime();
  slack = await startSlackApp({ botToken: 'xoxb-unit-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, runtime, { progressIntervalMs: 300 });
  sender = new SlackSender(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, fake);
  dir = await mkdtemp(join(tmpdir(), 'ditty-slack-'));
});

afterAll(async () => {
  await slack?.stop();
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Sends /generate and waits until the app has queued it; returns the generation and its status message. */
async function generate(text: string, channel = newChannel(), user = ALICE) {
  const before = runtime.rows.size;
  const sent = await sender.command('/generate', text, { channelId: channel, user });
  expect(sent.status).toBe(200);
  await fake.waitFor(() => runtime.rows.size > before, 5000, 'generation');
  const id = [...runtime.rows.keys()].at(-1)!;
  const status = await fake.waitFor(() => fake.messages(channel).find((m) => m.blocks?.some((b) => b.block_id === cardBlockId(id))), 5000, 'status message');
  return { id, channel, status, sent };
}

/** Everything the app sent into one channel, plus every private reply. */
function outgoingText(channel: string): string {
  const parts: string[] = [];
  for (const c of fake.calls) {
    const inChannel = c.args.channel === channel || c.args.channel_id === channel;
    if (inChannel && ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'files.completeUploadExternal'].includes(c.method)) parts.push(JSON.stringify(c.args));
  }
  for (const r of fake.responses) parts.push(JSON.stringify(r.body));
  return parts.join('\n');
}

describe('receiving', () => {
  it('acks /generate well within 3 s, then answers privately with the queue position', async () => {
    const { sent, id, channel } = await generate('lofi piano at 80 bpm 20 1234');
    expect(sent.ms).toBeLessThan(3000);
    const req = runtime.rows.get(id)!.request;
    expect(req.prompt).toBe('lofi piano at 80 bpm');
    expect(req.durationS).toBe('20');
    expect(req.seed).toBe('1234');
    expect(req.reply?.requestKey).toBe(`slack:${FAKE_TEAM_ID}:${sent.fields.trigger_id}`);
    expect(req.reply?.channel).toBe(channel);
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'ephemeral reply');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toMatch(/Queued at position \d+/);
  });

  it('rejects a forged signature and a timestamp older than 5 minutes', async () => {
    const calls = runtime.generateCalls.length;
    const forged = await sender.command('/generate', 'forged', {}, { signWith: 'not-the-secret' });
    const stale = await sender.command('/generate', 'stale', {}, { timestampS: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(runtime.generateCalls.length).toBe(calls);
  });

  it('makes one generation and leaves one status message when Slack retries a command', async () => {
    const channel = newChannel();
    const fields = { channelId: channel, user: ALICE, triggerId: '1111.2222.retrytrigger' };
    const before = runtime.rows.size;
    const first = await sender.command('/generate', 'ambient pads 10', fields);
    const retry = await sender.command('/generate', 'ambient pads 10', fields, { retryNum: 1 });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await fake.waitFor(() => runtime.generateCalls.filter((r) => r.reply?.requestKey?.endsWith('retrytrigger')).length === 2, 5000, 'both requests');
    await new Promise((r) => setTimeout(r, 300));
    expect(runtime.rows.size).toBe(before + 1);
    // The retry posts nothing: one status message, nothing to clean up.
    expect(fake.messages(channel)).toHaveLength(1);
    expect(fake.callsOf('chat.delete').filter((c) => c.args.channel === channel)).toHaveLength(0);
  });

  it('tells the user how to invite the bot when it is not in the channel, and cancels the track before it renders', async () => {
    const channel = newChannel();
    fake.notInChannel.add(channel);
    const calls = runtime.generateCalls.length;
    const sent = await sender.command('/generate', 'trap beat', { channelId: channel });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'reply');
    expect(String(reply.body.text)).toContain('/invite @ditty');
    expect(runtime.generateCalls.length).toBe(calls + 1);
    expect([...runtime.rows.values()].at(-1)!.view.status).toBe('cancelled');
  });

  it('answers a bad duration with the core message, privately, and never posts in the channel', async () => {
    const channel = newChannel();
    const sent = await sender.command('/generate', 'house music duration:9999', { channelId: channel });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'reply');
    expect(String(reply.body.text)).toMatch(/Duration must be/);
    expect(reply.body.response_type).toBe('ephemeral');
    expect(fake.callsOf('chat.postMessage').filter((c) => c.args.channel === channel)).toHaveLength(0);
  });
});

describe('progress and delivery', () => {
  it('throttles progress edits and always ends on the newest state', async () => {
    const { id, channel, status } = await generate('techno 130 bpm');
    const start = fake.callsOf('chat.update').length;
    for (let i = 1; i <= 10; i++) runtime.progress(id, 'rendering', i / 10, { etaS: 10 - i });
    await fake.waitFor(() => JSON.stringify(fake.message(channel, status.ts)?.blocks).includes('100%'), 5000, 'last progress');
    const edits = fake.callsOf('chat.update').slice(start).filter((c) => c.args.ts === status.ts);
    expect(edits.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(290);
  });

  it('waits out a 429 Retry-After before editing again', async () => {
    const { id, channel, status } = await generate('jazz trio');
    await new Promise((r) => setTimeout(r, 350));
    fake.rateLimit('chat.update', 1);
    runtime.progress(id, 'rendering', 0.42);
    await fake.waitFor(() => JSON.stringify(fake.message(channel, status.ts)?.blocks).includes('42%'), 10_000, 'edit after 429');
    const edits = fake.callsOf('chat.update').filter((c) => c.args.ts === status.ts);
    const limited = edits.findIndex((c) => c.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect(edits[limited + 1]!.at - edits[limited]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('uploads the file with uploadV2 and turns the status message into the track card', async () => {
    const { id, channel, status } = await generate('cinematic strings 10 77');
    const file = join(dir, 'track.opus');
    const bytes = Buffer.from('OggS fake audio bytes '.repeat(50));
    await writeFile(file, bytes);
    const result = await runtime.deliver(id, file);
    expect(result.messageRef).toBe(status.ts);
    const card = fake.message(channel, status.ts)!;
    expect(JSON.stringify(card.blocks)).toContain(ActionId.Favorite);
    expect(JSON.stringify(card.blocks)).toContain('*Seed*\\n77');
    const getUrl = fake.callsOf('files.getUploadURLExternal').at(-1)!;
    expect(getUrl.args.filename).toBe('ditty-cinematic-strings-77.opus');
    expect(Number(getUrl.args.length)).toBe(bytes.length);
    const stored = [...fake.files.values()].at(-1)!;
    expect(stored.completed).toBe(true);
    expect(stored.bytes?.equals(bytes)).toBe(true);
    const fileMessage = fake.messages(channel).find((m) => m.files?.length);
    expect(fileMessage?.blocks?.[0]?.block_id).toBe(fileBlockId(id));
    expect(fake.callsOf('files.upload')).toHaveLength(0);
  });

  it('does not upload twice when the delivery is retried', async () => {
    const { id, channel } = await generate('dnb 174 bpm');
    const file = join(dir, 'retry.opus');
    await writeFile(file, 'audio');
    await runtime.deliver(id, file);
    await runtime.deliver(id, file, { attempt: 1 });
    expect(fake.messages(channel).filter((m) => m.files?.length)).toHaveLength(1);
  });

  it('does not upload twice when a killed delivery is redelivered as a first attempt', async () => {
    // kill -9 after the upload: BullMQ hands the stalled job out again without raising attemptsMade.
    const { id, channel } = await generate('stalled upload');
    const file = join(dir, 'stalled.opus');
    await writeFile(file, 'audio');
    await runtime.deliver(id, file, { attempt: 0 });
    await runtime.deliver(id, file, { attempt: 0 });
    expect(fake.messages(channel).filter((m) => m.files?.length)).toHaveLength(1);
  });

  it('records each delivery step, so a normal delivery needs no look at the channel history', async () => {
    const { id, channel, status } = await generate('steps recorded');
    const file = join(dir, 'steps.opus');
    await writeFile(file, 'audio bytes');
    const historyBefore = fake.callsOf('conversations.history').length;
    await runtime.deliver(id, file);
    expect(fake.callsOf('conversations.history').length).toBe(historyBefore);
    const steps = runtime.rows.get(id)!.steps;
    expect(steps[CARD_STEP]).toBe(status.ts);
    const shared = fake.messages(channel).find((m) => m.files?.length)!;
    expect(steps[FILE_STEP]).toBe(shared.files![0]!.id);
    expect(steps[FILE_BEGUN_STEP]).toBe(steps[FILE_STEP]);
  });

  it.each([
    ['after Slack shared the file, before it was recorded', FILE_STEP, 1],
    ['after the upload URL was recorded, before the bytes went up', 'upload-bytes', 1],
    ['after the card was posted, before it was recorded', CARD_STEP, 1],
  ])('GIVEN a delivery killed %s THEN the rerun resumes: one card, one file', async (_what, dieAt, files) => {
    const { id, channel, status } = await generate(`killed ${dieAt}`);
    const file = join(dir, `killed-${dieAt}.opus`);
    await writeFile(file, 'audio bytes');
    if (dieAt === 'upload-bytes') fake.failNext('files.completeUploadExternal', 'internal_error'); // dies mid-upload
    await expect(runtime.deliver(id, file, { dieAtStep: dieAt })).rejects.toThrow();
    const second = await runtime.deliver(id, file, { attempt: 0 }); // a stalled job comes back as a first attempt
    expect(second.messageRef).toBe(status.ts);
    expect(fake.messages(channel).filter((m) => m.files?.length)).toHaveLength(files);
    expect(fake.messages(channel).filter((m) => JSON.stringify(m.blocks ?? []).includes(ActionId.Favorite))).toHaveLength(1);
    expect(runtime.rows.get(id)!.steps[FILE_STEP]).toBeTruthy();
  });

  it.each([
    ['not_in_channel', (channel: string) => fake.notInChannel.add(channel), /no longer in that channel/],
    ['is_archived', (channel: string) => fake.archived.add(channel), /archived/],
    ['token_revoked', () => fake.failNext('chat.update', 'token_revoked'), /revoked/],
    ['missing_scope', () => fake.failNext('chat.update', 'missing_scope'), /permission/],
  ])('GIVEN %s at delivery THEN it stops at once and the requester hears why with the link', async (code, breakIt, why) => {
    const { id, channel } = await generate(`permanent ${code}`);
    const sent = fake.responses.length;
    breakIt(channel);
    const uploads = fake.callsOf('files.getUploadURLExternal').length;
    const file = join(dir, `${code}.opus`);
    await writeFile(file, 'audio');
    const err = await runtime.deliver(id, file).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'DeliveryRefusedError', code });
    // With one bot token, a revoked token is fatal for the whole app: /healthz goes red.
    if (code === 'token_revoked') expect(runtime.connections.snapshot().slack).toMatchObject({ state: 'fatal', detail: expect.stringMatching(/SLACK_BOT_TOKEN/) });
    expect(fake.callsOf('files.getUploadURLExternal').length).toBe(uploads);
    const notice = await fake.waitFor(() => fake.responses.slice(sent).find((r) => JSON.stringify(r.body).includes(`/t/${id}`)), 5000, 'notice');
    expect(notice.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(notice.body)).toMatch(why);
    fake.notInChannel.delete(channel);
    fake.archived.delete(channel);
  });

  it('GIVEN a transient Slack error at delivery THEN it throws for the core to retry, telling nobody yet', async () => {
    const { id } = await generate('transient failure');
    const sent = fake.responses.length;
    fake.failNext('chat.update', 'internal_error');
    const file = join(dir, 'transient.opus');
    await writeFile(file, 'audio');
    const err = await runtime.deliver(id, file).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).not.toBe('DeliveryRefusedError');
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.responses.slice(sent).filter((r) => JSON.stringify(r.body).includes(`/t/${id}`))).toHaveLength(0);
  });

  it('posts a new card when someone deleted the status message', async () => {
    const { id, channel, status } = await generate('deleted status');
    await fetch(`${fake.apiUrl}chat.delete`, { method: 'POST', body: new URLSearchParams({ channel, ts: status.ts }) });
    const file = join(dir, 'deleted.opus');
    await writeFile(file, 'audio');
    const result = await runtime.deliver(id, file);
    expect(result.messageRef).not.toBe(status.ts);
    expect(JSON.stringify(fake.message(channel, result.messageRef)?.blocks)).toContain(cardBlockId(id));
  });

  it('posts only a link when the track is over the size limit', async () => {
    const { id, channel, status } = await generate('rock anthem');
    const uploads = fake.callsOf('files.getUploadURLExternal').length;
    await runtime.deliver(id, join(dir, 'missing.opus'), { fitsInline: false });
    expect(fake.callsOf('files.getUploadURLExternal').length).toBe(uploads);
    expect(JSON.stringify(fake.message(channel, status.ts)!.blocks)).toContain('too large');
  });
});

describe('favorites, buttons and safety', () => {
  async function deliveredTrack(prompt: string) {
    const g = await generate(prompt);
    const file = join(dir, `${g.id}.opus`);
    await writeFile(file, 'audio');
    await runtime.deliver(g.id, file);
    return { ...g, card: fake.message(g.channel, g.status.ts)!, fileMessage: fake.messages(g.channel).find((m) => m.files?.length)! };
  }

  it('favorites on :star: added and unfavorites on removed; a redelivered event changes nothing', async () => {
    const { id, channel, card, fileMessage } = await deliveredTrack('piano ballad');
    const added = await sender.event(sender.reaction('reaction_added', BOB.id, 'star', channel, card.ts));
    expect(added.status).toBe(200);
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 1, 5000, 'favorite');
    await sender.event(sender.reaction('reaction_removed', BOB.id, 'star', channel, fileMessage.ts));
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 0, 5000, 'unfavorite');
    // Slack redelivers the first event: the favorite must not come back.
    await sender.event(sender.reaction('reaction_added', BOB.id, 'star', channel, card.ts), { eventId: added.eventId, retryNum: 1 });
    await sender.event(sender.reaction('reaction_added', BOB.id, 'thumbsup', channel, card.ts));
    await new Promise((r) => setTimeout(r, 300));
    expect(runtime.rows.get(id)!.view.favorites).toBe(0);
    expect(fake.callsOf('users.info').some((c) => c.args.user === BOB.id)).toBe(true);
  });

  it('redraws the card\'s Favorite count after stars by reaction, on the card or on the file, within the edit budget', async () => {
    const { id, channel, card, fileMessage } = await deliveredTrack('reaction count');
    const cardText = () => JSON.stringify(fake.message(channel, card.ts)!.blocks);
    const updatesBefore = fake.callsOf('chat.update').filter((c) => c.args.ts === card.ts).length;
    await sender.event(sender.reaction('reaction_added', BOB.id, 'star', channel, fileMessage.ts));
    await fake.waitFor(() => cardText().includes('Favorite (1)'), 5000, 'count 1 after a star on the file');
    await Promise.all([ALICE, ADMIN].map((u) => sender.event(sender.reaction('reaction_added', u.id, 'star', channel, card.ts))));
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 3, 5000, 'three favorites');
    await fake.waitFor(() => cardText().includes('Favorite (3)'), 5000, 'count 3 after stars on the card');
    await sender.event(sender.reaction('reaction_removed', BOB.id, 'star', channel, fileMessage.ts));
    await fake.waitFor(() => cardText().includes('Favorite (2)'), 5000, 'count 2 after an unstar');
    // Coalesced: never more redraws than changes (four), whatever the timing.
    expect(fake.callsOf('chat.update').filter((c) => c.args.ts === card.ts).length - updatesBefore).toBeLessThanOrEqual(4);
  });

  it('ignores the favorite emoji on messages that are not ditty tracks', async () => {
    const channel = newChannel();
    const { id } = await deliveredTrack('pop song');
    const spoof = fake.postAsUser(channel, BOB.id, 'look', [{ type: 'section', block_id: cardBlockId(id), text: { type: 'mrkdwn', text: 'x' } }]);
    const lookups = fake.callsOf('conversations.history').length;
    await sender.event(sender.reaction('reaction_added', ALICE.id, 'star', channel, spoof.ts));
    // Even when item_user is missing (or lies), the message author is checked.
    await sender.event({ ...sender.reaction('reaction_added', ALICE.id, 'star', channel, spoof.ts), item_user: undefined });
    await fake.waitFor(() => fake.callsOf('conversations.history').length === lookups + 1, 5000, 'one lookup');
    await new Promise((r) => setTimeout(r, 300));
    expect(runtime.rows.get(id)!.view.favorites).toBe(0);
  });

  it('toggles the favorite with the button and redraws the count', async () => {
    const { id, channel, card } = await deliveredTrack('ambient drone');
    await sender.clickButton(card, ActionId.Favorite, BOB);
    await fake.waitFor(() => JSON.stringify(fake.message(channel, card.ts)!.blocks).includes('Favorite (1)'), 5000, 'count 1');
    await sender.clickButton(fake.message(channel, card.ts)!, ActionId.Favorite, BOB);
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 0, 5000, 'toggled off');
  });

  it('ignores a replayed delivery of one Favorite click instead of toggling it back', async () => {
    const { id, card } = await deliveredTrack('replayed click');
    const stamp = `${Date.now() / 1000}`;
    await sender.clickButton(card, ActionId.Favorite, BOB, {}, stamp);
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 1, 5000, 'favorited');
    await sender.clickButton(card, ActionId.Favorite, BOB, { retryNum: 1 }, stamp);
    await new Promise((r) => setTimeout(r, 300));
    expect(runtime.rows.get(id)!.view.favorites).toBe(1);
  });

  it('acks the Play and Download link buttons at once', async () => {
    const { card } = await deliveredTrack('link buttons');
    for (const action of [ActionId.Play, ActionId.Download]) {
      const sent = await sender.clickButton(card, action, BOB);
      expect(sent.status).toBe(200);
      expect(sent.ms).toBeLessThan(1000);
    }
  });

  it('lets only the creator cancel, and shows it in the status message', async () => {
    const { id, channel, status } = await generate('slow jam');
    const refused = await sender.clickButton(status, ActionId.Cancel, BOB);
    const refusal = await fake.waitFor(() => fake.responses.find((r) => r.id === refused.responseUrlId), 5000, 'refusal');
    expect(String(refusal.body.text)).toMatch(/Only the person/);
    expect(runtime.rows.get(id)!.view.status).toBe('queued');
    await sender.clickButton(status, ActionId.Cancel, ALICE);
    await fake.waitFor(() => JSON.stringify(fake.message(channel, status.ts)!.blocks).includes('Cancelled'), 5000, 'cancelled view');
    expect(runtime.rows.get(id)!.view.status).toBe('cancelled');
  });

  it('queues a variation of a track with a new seed', async () => {
    const { id, card } = await deliveredTrack('chiptune 8 bit');
    const before = runtime.rows.size;
    await sender.clickButton(card, ActionId.Variation, BOB);
    await fake.waitFor(() => runtime.rows.size === before + 1, 5000, 'variation');
    const variation = [...runtime.rows.values()].at(-1)!;
    expect(variation.view.prompt).toBe(runtime.rows.get(id)!.view.prompt);
    expect(variation.request.seed).toBeNull();
    expect(variation.view.creator.platformUserId).toBe(BOB.id);
  });

  it('echoes <!channel>, <!everyone> and @here inert', async () => {
    const { id, channel } = await generate('lofi <!channel> <!everyone> @here <@U0BOB0001> & friends');
    const file = join(dir, 'inert.opus');
    await writeFile(file, 'audio');
    await runtime.deliver(id, file);
    const out = outgoingText(channel);
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).not.toMatch(/<!(channel|everyone|here)/);
    expect(out).not.toContain('<@U0BOB0001>');
    expect(out).not.toContain('@here');
  });

  it('/stats without tracks uploads no chart; in a channel without the bot, the numbers come with an invite hint', async () => {
    const uploadsBefore = fake.callsOf('files.getUploadURLExternal').length;
    const empty = await sender.command('/stats', 'server all', { teamId: 'T0EMPTYWS1' });
    await fake.waitFor(() => fake.responses.find((r) => empty.fields.response_url.endsWith(r.id)), 5000, 'empty stats');
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.callsOf('files.getUploadURLExternal').length).toBe(uploadsBefore);

    const charted = await deliveredTrack('chart without bot');
    await runtime.core.setFavorite({ platform: 'slack', platformUserId: BOB.id, guildId: FAKE_TEAM_ID, displayName: 'bob' }, charted.id, true);
    const outside = newChannel();
    fake.notInChannel.add(outside);
    const sent = await sender.command('/stats', 'server all', { channelId: outside });
    const replies = await fake.waitFor(() => {
      const r = fake.responses.filter((x) => sent.fields.response_url.endsWith(x.id));
      return r.length >= 2 ? r : undefined;
    }, 5000, 'stats and hint');
    expect(JSON.stringify(replies[0]!.body.blocks)).toContain('Top tracks');
    expect(fake.messages(outside)).toEqual([]);
    expect(String(replies[1]!.body.text)).toContain('/invite @ditty');
  });

  it('/stats with tracks but no favorites or plays shows the numbers and uploads no blank chart', async () => {
    await runtime.core.generate({ actor: { platform: 'slack', platformUserId: ALICE.id, guildId: 'T0NOFAVS01', displayName: 'alice' }, channelId: 'C0NOFAVS01', prompt: 'unloved tune' });
    const uploadsBefore = fake.callsOf('files.getUploadURLExternal').length;
    const sent = await sender.command('/stats', 'server all', { teamId: 'T0NOFAVS01' });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'stats');
    expect(JSON.stringify(reply.body.blocks)).toContain('unloved tune');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.callsOf('files.getUploadURLExternal').length).toBe(uploadsBefore);
  });

  it('/search without words says how to use it, not how to generate', async () => {
    const sent = await sender.command('/search', '  \u200b ');
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'usage');
    expect(String(reply.body.text)).toMatch(/Usage: \/search/);
    expect(String(reply.body.text)).not.toMatch(/generate/);
  });

  it('/stats shows favorites given in this workspace', async () => {
    const { id, channel, card } = await deliveredTrack('stats probe track');
    await sender.event(sender.reaction('reaction_added', BOB.id, 'star', channel, card.ts));
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 1, 5000, 'favorite');
    const sent = await sender.command('/stats', 'server all');
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'stats');
    const body = JSON.stringify(reply.body.blocks);
    expect(body).toContain('all time');
    expect(body).toMatch(/1 ⭐ · stats probe track/);

    // The chart is uploaded into the channel the command came from, as a PNG with a yellow favorites bar.
    const chart = await fake.waitFor(
      () => [...fake.files.values()].find((f) => f.filename === 'ditty-stats.png' && f.completed && f.channel === sent.fields.channel_id), 5000, 'chart upload',
    );
    const png = PNG.sync.read(chart.bytes!);
    expect([png.width, png.height]).toEqual([600, 260]);
    let yellow = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 0xf5 && png.data[i + 1] === 0xc5 && png.data[i + 2] === 0x18) yellow++;
    expect(yellow).toBeGreaterThan(100);
    expect(fake.messages(sent.fields.channel_id).some((m) => m.files?.some((f) => f.id === chart.id))).toBe(true);
    const upload = fake.callsOf('files.completeUploadExternal').find((c) => JSON.stringify(c.args.files).includes(chart.id))!;
    expect(JSON.stringify(upload.args.files)).toContain('top tracks chart');

    const bad = await sender.command('/stats', 'yesterday');
    const badReply = await fake.waitFor(() => fake.responses.find((r) => bad.fields.response_url.endsWith(r.id)), 5000, 'usage');
    expect(String(badReply.body.text)).toContain('Usage');
  });
});

describe('search and workspace settings', () => {
  async function deliveredTrack(prompt: string) {
    const g = await generate(prompt);
    const file = join(dir, `${g.id}.opus`);
    await writeFile(file, 'audio');
    await runtime.deliver(g.id, file);
    return { ...g, card: fake.message(g.channel, g.status.ts)! };
  }
  const replyTo = (sent: { fields: Record<string, string> }) =>
    fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'reply');
  const ditty = async (text: string, user: { id: string; name: string }, channelId = newChannel()) => replyTo(await sender.command('/ditty', text, { user, channelId }));
  const adminActor = { platform: 'slack' as const, platformUserId: ADMIN.id, guildId: FAKE_TEAM_ID, displayName: 'ada' };

  // The runtime is shared by the whole file: put the workspace back as the other tests expect it,
  // through the app so its settings cache is reset too.
  afterEach(async () => {
    for (const text of ['blocked-words clear', 'allowed-channels clear', 'favorite-emoji default']) await ditty(`settings ${text}`, ADMIN);
    expect(await runtime.core.settings('slack', FAKE_TEAM_ID)).toMatchObject({ blockedWords: [], allowedChannels: [], favoriteEmoji: '⭐' });
  });

  it('/search answers privately with links to finished matches only, query echoed inert', async () => {
    const hit = await deliveredTrack('rainy piano nocturne');
    await generate('piano still rendering');
    const sent = await sender.command('/search', 'PIANO <!channel>');
    const reply = await replyTo(sent);
    expect(reply.body.response_type).toBe('ephemeral');
    // "<!channel>" is part of the query, so nothing matches; the echo stays inert.
    expect(String(reply.body.text)).toContain('&lt;!channel&gt;');
    const ok = await replyTo(await sender.command('/search', 'nocturne piano'));
    const body = JSON.stringify(ok.body.blocks);
    expect(body).toContain(`<http://ditty.test/t/${hit.id}|rainy piano nocturne>`);
    expect(body).not.toContain('rendering');
    const empty = await replyTo(await sender.command('/search', '   '));
    expect(String(empty.body.text)).toMatch(/Usage: \/search/);
  });

  it('refuses a member who is not a workspace admin, and shows them the settings without the blocked words', async () => {
    await runtime.core.updateSettings(adminActor, { blockedWords: ['secretword'] }, { isAdmin: true });
    const refused = await ditty('settings blocked-words add polka', ALICE);
    expect(refused.body.response_type).toBe('ephemeral');
    expect(String(refused.body.text)).toMatch(/Only workspace admins and owners/);
    expect(runtime.serverSettings.updateCalls.at(-1)).toMatchObject({ isAdmin: false, patch: {} });
    expect((await runtime.core.settings('slack', FAKE_TEAM_ID)).blockedWords).toEqual(['secretword']);
    const view = JSON.stringify((await ditty('settings', ALICE)).body.blocks);
    expect(view).toContain('1 (admins can see them)');
    expect(view).not.toContain('secretword');
    expect(fake.callsOf('users.info').some((c) => c.args.user === ALICE.id)).toBe(true);
  });

  it('lets an admin block a word; a later /generate with it is refused privately and queues nothing', async () => {
    const saved = await ditty('settings blocked-words add Polka', ADMIN);
    expect(JSON.stringify(saved.body.blocks)).toContain('Blocked words*\\n“polka”');
    const before = runtime.rows.size;
    const channel = newChannel();
    const sent = await sender.command('/generate', 'happy POLKA party', { channelId: channel });
    const reply = await replyTo(sent);
    expect(String(reply.body.text)).toMatch(/does not allow the word "polka"/);
    expect(runtime.rows.size).toBe(before);
    await fake.waitFor(() => fake.messages(channel).length === 0, 5000, 'placeholder deleted');
  });

  it('restricts /generate to allowed channels named in Slack markup or with "here"', async () => {
    const allowed = newChannel();
    await ditty(`settings allowed-channels add <#${allowed}|music>`, ADMIN);
    expect((await runtime.core.settings('slack', FAKE_TEAM_ID)).allowedChannels).toEqual([allowed]);
    const elsewhere = await replyTo(await sender.command('/generate', 'lofi', { channelId: newChannel() }));
    expect(String(elsewhere.body.text)).toMatch(/not enabled in this channel/);
    await generate('lofi in the right place', allowed);
    const bad = await ditty('settings max-duration 900', ADMIN);
    expect(String(bad.body.text)).toMatch(/from 5 to 120/);
  });

  it('honours a changed favorite emoji on reactions, the Favorite button and new cards', async () => {
    const { id, channel, card } = await deliveredTrack('tuba march');
    const saved = await ditty('settings favorite-emoji :tada:', ADMIN);
    expect(JSON.stringify(saved.body.blocks)).toContain(':tada:');
    await sender.event(sender.reaction('reaction_added', ALICE.id, 'star', channel, card.ts));
    await sender.event(sender.reaction('reaction_added', BOB.id, 'tada', channel, card.ts));
    await fake.waitFor(() => runtime.rows.get(id)!.view.favorites === 1, 5000, 'favorite by the new emoji');
    await new Promise((r) => setTimeout(r, 200));
    expect(runtime.rows.get(id)!.favoritedBy).toEqual(new Set([`${FAKE_TEAM_ID}:${BOB.id}`]));

    // The button agrees with the reaction: BOB already has it, so a click removes it.
    const off = await sender.clickButton(card, ActionId.Favorite, BOB);
    const offReply = await fake.waitFor(() => fake.responses.find((r) => r.id === off.responseUrlId), 5000, 'button reply');
    expect(String(offReply.body.text)).toMatch(/Removed from your favorites \(0/);
    const on = await sender.clickButton(card, ActionId.Favorite, BOB);
    const onReply = await fake.waitFor(() => fake.responses.find((r) => r.id === on.responseUrlId), 5000, 'button reply');
    expect(String(onReply.body.text)).toMatch(/^:tada: Added to your favorites \(1/);
    await fake.waitFor(() => JSON.stringify(fake.message(channel, card.ts)!.blocks).includes(':tada: Favorite (1)'), 5000, 'card redrawn');

    const next = await deliveredTrack('sousaphone');
    expect(JSON.stringify(next.card.blocks)).toContain(':tada: Favorite (0)');
    const fileMessage = fake.messages(next.channel).find((m) => m.files?.length)!;
    expect(JSON.stringify(fileMessage.blocks)).toContain('react with :tada: to favorite');
  });
});

describe('manifest', () => {
  interface Manifest {
    features: { slash_commands: Array<{ command: string; url?: string }> };
    oauth_config: { scopes: { bot: string[] } };
    settings: { event_subscriptions: { bot_events: string[]; request_url?: string }; interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
  }
  const load = async (name: string) =>
    JSON.parse(await readFile(new URL(`../../bots/slack/manifest/${name}`, import.meta.url), 'utf8')) as Manifest;

  it('declares what the app handles, and the app answers every declared command', async () => {
    const http = await load('http.json');
    const socket = await load('socket-mode.json');
    const commands = http.features.slash_commands.map((c) => c.command);
    expect(socket.features.slash_commands.map((c) => c.command)).toEqual(commands);
    expect(http.settings.event_subscriptions.bot_events.sort()).toEqual(['app_uninstalled', 'reaction_added', 'reaction_removed', 'tokens_revoked']);
    expect(socket.settings.event_subscriptions.bot_events.sort()).toEqual(http.settings.event_subscriptions.bot_events);
    // OAuth installs ask for exactly the manifest's scopes.
    expect([...BOT_SCOPES].sort()).toEqual([...http.oauth_config.scopes.bot].sort());
    for (const scope of ['commands', 'chat:write', 'files:write', 'reactions:read', 'users:read', 'channels:history']) {
      expect(http.oauth_config.scopes.bot).toContain(scope);
    }
    expect(socket.oauth_config.scopes.bot).toEqual(http.oauth_config.scopes.bot);
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.features.slash_commands.every((c) => c.url === undefined)).toBe(true);
    expect(http.features.slash_commands.every((c) => c.url?.endsWith('/slack/events'))).toBe(true);
    for (const command of commands) {
      const sent = await sender.command(command, command === '/generate' ? 'manifest check' : '', { channelId: newChannel() });
      expect(sent.status).toBe(200);
      await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, `reply to ${command}`);
    }
  });
});

describe('start-up', () => {
  it('fails at start with the Slack error when the bot token is refused, and registers nothing', async () => {
    fake.revokedTokens.add('xoxb-revoked');
    const rt = new FakeRuntime();
    await expect(startSlackApp({ botToken: 'xoxb-revoked', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, rt)).rejects.toThrow(/invalid_auth/);
    expect(rt.attached).toEqual({ delivery: false, progressListeners: 0 });
  });
});

describe('logs', () => {
  it('never contain the bot token, app token or signing secret, even at debug level', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const rt = new FakeRuntime(log);
    const secrets = { botToken: 'xoxb-SECRET-BOT-TOKEN-1', signingSecret: 'SECRET-SIGNING-abcdef', appToken: undefined };
    const app = await startSlackApp({ ...secrets, apiUrl: fake.apiUrl, port: 0 }, rt, { progressIntervalMs: 50 });
    try {
      const s = new SlackSender(`http://127.0.0.1:${app.port}/slack/events`, secrets.signingSecret, fake);
      const channel = newChannel();
      await s.command('/generate', 'debug logging check', { channelId: channel });
      await fake.waitFor(() => rt.rows.size === 1, 5000, 'generation');
      const [id] = rt.rows.keys();
      const file = join(dir, 'log.opus');
      await writeFile(file, 'audio');
      await rt.deliver(id!, file);
      await s.command('/generate', 'forged', { channelId: channel }, { signWith: 'nope' });
      expect(lines.length).toBeGreaterThan(10);
      const all = lines.join('');
      expect(all).not.toContain(secrets.botToken);
      expect(all).not.toContain(secrets.signingSecret);
    } finally {
      await app.stop();
    }
    expect(rt.attached).toEqual({ delivery: false, progressListeners: 0 });
  });
});

describe('bad bytes', () => {
  it('refuses NUL and broken UTF-8 in any text field: a plain private sentence for a command, an event dropped, one log line each, and it keeps serving', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const rt = new FakeRuntime(log);
    const app = await startSlackApp({ botToken: 'xoxb-unit-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, rt, { progressIntervalMs: 50 });
    try {
      const s = new SlackSender(`http://127.0.0.1:${app.port}/slack/events`, SECRET, fake);
      const channel = newChannel();
      const form = (command: string, fields: Record<string, string>) =>
        Object.entries({ ...s.commandBody(command, 'x', { channelId: channel }), ...fields }).map(([k, v]) => `${k}=${v}`).join('&');
      const FORM = 'application/x-www-form-urlencoded';
      const refused = (sent: { status: number; body: string }) => {
        expect(sent.status).toBe(200);
        const body = JSON.parse(sent.body) as { response_type: string; text: string };
        expect(body.response_type).toBe('ephemeral');
        expect(body.text).toBe('That command contains a NUL byte or characters that are not valid UTF-8; remove them and try again.');
      };
      // Slack percent-escapes form fields: broken UTF-8 arrives as escapes Bolt would turn into U+FFFD.
      refused(await s.post(form('/generate', { text: 'lofi%FF%FE+piano' }), FORM));
      refused(await s.post(form('/search', { text: 'lofi%00' }), FORM));
      refused(await s.post(form('/generate', { text: 'lofi+piano', user_name: 'al%C3%28ice' }), FORM));
      // A raw broken byte: signed over what Bolt checks it reaches the app and is refused the same way...
      const raw = Buffer.concat([Buffer.from(form('/generate', { text: 'lofi' })), Buffer.from([0xff])]);
      refused(await s.post(raw, FORM, { signAs: raw.toString() }));
      // ...signed over its bytes, as Slack would, Bolt's signature check (over the decoded text) refuses it.
      expect((await s.post(raw, FORM)).status).toBe(401);
      expect(rt.generateCalls).toHaveLength(0);
      expect(fake.messages(channel)).toHaveLength(0);

      // Events API (JSON): an unpaired surrogate in any field drops the event; the same event clean works.
      await s.command('/generate', 'clean lofi', { channelId: channel });
      await fake.waitFor(() => rt.rows.size === 1, 5000, 'the clean generation');
      const [id] = rt.rows.keys();
      const status = await fake.waitFor(() => fake.messages(channel)[0], 5000, 'status message');
      const reaction = s.reaction('reaction_added', BOB.id, 'star', channel, status.ts);
      const bad = await s.post(JSON.stringify({
        token: 't', team_id: FAKE_TEAM_ID, api_app_id: 'A0DITTY01', type: 'event_callback', event_id: 'EvBADTEXT01', event_time: 1,
        event: { ...reaction, item_user: '\ud800' },
      }), 'application/json'); // JSON.stringify writes the unpaired surrogate as a \ud800 escape
      expect(bad.status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect(rt.rows.get(id!)!.favoritedBy.size).toBe(0);
      await s.event(reaction);
      await fake.waitFor(() => rt.rows.get(id!)!.favoritedBy.size === 1 || undefined, 5000, 'the clean reaction');

      const refusals = lines.filter((l) => l.includes('slack request refused: a text field holds a NUL byte or is not valid UTF-8'));
      expect(refusals).toHaveLength(5);
      expect(refusals.join('')).not.toContain('lofi');
      expect(lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});

describe('socket mode', () => {
  it('connects through apps.connections.open and handles a slash command', async () => {
    const rt = new FakeRuntime();
    const app = await startSlackApp({ botToken: 'xoxb-socket', signingSecret: SECRET, appToken: 'xapp-socket', apiUrl: fake.apiUrl, port: 0 }, rt);
    try {
      expect(app.port).toBe(0);
      await fake.waitFor(() => fake.socketCount > 0, 5000, 'socket connection');
      const channel = newChannel();
      const payload = sender.commandBody('/generate', 'socket mode synthwave', { channelId: channel });
      const started = performance.now();
      const ack = await fake.sendSocket({ type: 'slash_commands', payload, accepts_response_payload: true });
      expect(performance.now() - started).toBeLessThan(3000);
      expect(ack.envelope_id).toBeTruthy();
      await fake.waitFor(() => rt.rows.size === 1, 5000, 'generation over socket');
      expect([...rt.rows.values()][0]!.view.prompt).toBe('socket mode synthwave');
      expect(fake.callsOf('apps.connections.open').at(-1)!.authorization).toBe('Bearer xapp-socket');
      // Bytes that are not text are refused over the socket too, in the ack's payload.
      const bad = await fake.sendSocket({ type: 'slash_commands', payload: sender.commandBody('/generate', 'synth\u0000wave', { channelId: channel }), accepts_response_payload: true });
      expect(bad.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('NUL byte') });
      await new Promise((r) => setTimeout(r, 200));
      expect(rt.rows.size).toBe(1);
    } finally {
      await app.stop();
    }
  });
});

describe('connection health and a revoked token', () => {
  it('GIVEN the token is revoked while running THEN the probe marks health red with what to do', async () => {
    const own = new FakeRuntime();
    const probeApp = await startSlackApp({ botToken: 'xoxb-probe-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, own, { healthProbeMs: 50 });
    try {
      await fake.waitFor(() => own.connections.snapshot().slack?.lastOkAt, 3000, 'a working probe');
      expect(own.connections.healthy).toBe(true);
      fake.revokedTokens.add('xoxb-probe-test');
      await fake.waitFor(() => own.connections.snapshot().slack?.state === 'fatal', 3000, 'red health');
      expect(own.connections.healthy).toBe(false);
      expect(own.connections.snapshot().slack?.detail).toMatch(/invalid_auth.*SLACK_BOT_TOKEN/);
    } finally {
      fake.revokedTokens.delete('xoxb-probe-test');
      await probeApp.stop();
    }
  });

  it('GIVEN a revoked token when /generate posts THEN the user is told to reinstall, not "something went wrong"', async () => {
    fake.failNext('chat.postMessage', 'token_revoked');
    const sent = await sender.command('/generate', 'revoked token tune', { channelId: newChannel() });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'reply');
    expect(String(reply.body.text)).toMatch(/reinstall/);
    expect(String(reply.body.text)).not.toMatch(/something went wrong/);
  });
});

describe('direct messages', () => {
  it.each(['/generate', '/stats', '/recent', '/search', '/ditty'])('GIVEN %s in a DM THEN the same one-sentence refusal as on Discord, privately, and nothing queued', async (cmd) => {
    const calls = runtime.generateCalls.length;
    const sent = await sender.command(cmd, cmd === '/generate' ? 'lofi piano' : cmd === '/search' ? 'piano' : '', { channelId: 'D0DMALICE1' });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'refusal');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(reply.body.blocks)).toContain(JSON.stringify(DM_REFUSAL).slice(1, -1));
    expect(runtime.generateCalls.length).toBe(calls);
    expect(fake.messages('D0DMALICE1')).toEqual([]);
  });
});

describe('/help', () => {
  it('answers privately with the commands, prompt words the engine knows, limits and a link, in a channel or a DM', async () => {
    for (const channelId of [newChannel(), 'D0DMALICE2']) {
      const sent = await sender.command('/help', '', { channelId });
      const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'help');
      const body = JSON.stringify(reply.body.blocks);
      expect(reply.body.response_type).toBe('ephemeral');
      for (const word of ['/generate', '/stats', '/search', 'bossa', 'no drums', 'intro', 'Duration 5-120 s', runtime.publicUrl]) expect(body).toContain(word);
    }
  });
});

// Last: it restarts the shared app.
describe('a restart mid-render', () => {
  it('GIVEN the app restarts while a track renders THEN the new process finds the status message and keeps it moving', async () => {
    const { id, channel, status } = await generate('restart while rendering');
    await slack.stop();
    slack = await startSlackApp({ botToken: 'xoxb-unit-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, runtime, { progressIntervalMs: 300 });
    sender = new SlackSender(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, fake);
    runtime.progress(id, 'rendering', 0.4);
    await fake.waitFor(() => JSON.stringify(fake.message(channel, status.ts)?.blocks).includes('40%'), 5000, 'progress after restart');
    runtime.progress(id, 'rendering', 0.8);
    await fake.waitFor(() => JSON.stringify(fake.message(channel, status.ts)?.blocks).includes('80%'), 5000, 'more progress');
  });
});
