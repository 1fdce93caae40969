/**
 * The Slack app end to end: the real Bolt App over signed HTTP, the fake Slack Web API, and the
 * real system (Postgres schema, Redis prefix, render worker with the embedded engine, ffmpeg).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionId, cardBlockId, NOTICE_BLOCK_ID } from '../../bots/slack/blocks.ts';
import { slackInert } from '../../bots/slack/text.ts';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { probe } from '../helpers/ffprobe.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FAKE_TEAM_ID, FakeSlack, type StoredMessage } from '../helpers/fake-slack/server.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const SECRET = 'e2e-signing-secret';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const BOB = { id: 'U0BOB0001', name: 'bob' };
const ADMIN = { id: 'U0ADMIN01', name: 'ada' };
const CHANNEL = 'C0E2E00001';

let fake: FakeSlack;
let sys: TestSystem;
let slack: SlackApp;
let sender: SlackSender;
let dir: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.users.set(ADMIN.id, { name: 'ada', real_name: 'Ada Admin', display_name: 'ada', is_admin: true });
  sys = await startTestSystem({ roles: ['worker'], env: { DEFAULT_DURATION_S: '5', RATE_LIMIT_PER_MINUTE: '100' } });
  slack = await startSlackApp({ botToken: 'xoxb-e2e', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, sys.runtime, { progressIntervalMs: 50 });
  sender = new SlackSender(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, fake);
  dir = await mkdtemp(join(tmpdir(), 'ditty-slack-e2e-'));
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await sys?.stop();
  await fake?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every generation the workspace ever asked for (queued, failed or done), as the core counts them. */
const generationCount = async () =>
  (await sys.runtime.core.stats({ platform: 'slack', guildId: FAKE_TEAM_ID, scope: 'server', period: 'all' })).totals.generations;

/** The finished card and the file message of the generation whose status message is `statusTs`. */
async function finished(channel: string, statusTs: string): Promise<{ card: StoredMessage; fileMessage: StoredMessage }> {
  const card = await fake.waitFor(
    () => { const m = fake.message(channel, statusTs); return m && JSON.stringify(m.blocks).includes(ActionId.Favorite) ? m : undefined; },
    90_000, 'track card',
  );
  const fileMessage = await fake.waitFor(() => fake.messages(channel).find((m) => m.files?.length && Number(m.ts) > Number(statusTs)), 30_000, 'file message');
  return { card, fileMessage };
}

describe('Slack on the real system', () => {
  let trackId = '';
  let card: StoredMessage;

  it('/generate is acked within 3 s, shows progress, and ends with an audio file ffprobe accepts', async () => {
    const sent = await sender.command('/generate', 'lofi piano <!channel> @here 5 42', { channelId: CHANNEL, user: ALICE });
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(3000);

    const status = await fake.waitFor(() => fake.messages(CHANNEL).find((m) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:'))), 15_000, 'status');
    trackId = String(status.blocks!.find((b) => String(b.block_id).startsWith('ditty:card:'))!.block_id).slice('ditty:card:'.length);
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 10_000, 'queued reply');
    expect(String(reply.body.text)).toMatch(/Queued at position \d+ \(5 s, seed 42\)/);

    const done = await finished(CHANNEL, status.ts);
    card = done.card;
    expect(card.blocks?.[0]?.block_id).toBe(cardBlockId(trackId));
    expect(JSON.stringify(card.blocks)).toContain('*Seed*\\n42');

    const edits = fake.callsOf('chat.update').filter((c) => c.args.ts === status.ts).map((c) => String(c.args.text));
    // The status message is posted once the core accepted, already showing the queue.
    const posted = fake.callsOf('chat.postMessage').find((c) => c.args.channel === CHANNEL)!;
    expect(String(posted.args.text)).toMatch(/Queued/);
    expect(edits.at(-1)).toMatch(/is ready/);
    expect(edits.some((t) => /Rendering|Encoding|Posting/.test(t))).toBe(true);

    const upload = fake.callsOf('files.completeUploadExternal').at(-1)!;
    expect(upload.args.channel_id).toBe(CHANNEL);
    const file = [...fake.files.values()].find((f) => f.id === done.fileMessage.files![0]!.id)!;
    expect(file.completed).toBe(true);
    const path = join(dir, file.filename);
    await writeFile(path, file.bytes!);
    const probed = await probe(path);
    expect(probed.durationS).toBeGreaterThan(4.5);
    expect(probed.durationS).toBeLessThan(5.6);

    const track = await sys.runtime.core.track(trackId);
    expect(track?.status).toBe('completed');
    expect(track?.params.seed).toBe(42);

    // Everything echoed into the channel is inert.
    const out = fake.calls.filter((c) => c.args.channel === CHANNEL || c.args.channel_id === CHANNEL).map((c) => JSON.stringify(c.args)).join('\n');
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).not.toMatch(/<!(channel|here|everyone)/);
    expect(out).not.toContain('@here');
  }, 120_000);

  it('reaction_added and reaction_removed change favorites; a redelivered event changes nothing', async () => {
    const added = await sender.event(sender.reaction('reaction_added', BOB.id, 'star', CHANNEL, card.ts));
    expect(added.status).toBe(200);
    await waitForFavorites(trackId, 1);
    await sender.event(sender.reaction('reaction_removed', BOB.id, 'star', CHANNEL, card.ts));
    await waitForFavorites(trackId, 0);
    const retry = await sender.event(sender.reaction('reaction_added', BOB.id, 'star', CHANNEL, card.ts), { eventId: added.eventId, retryNum: 1 });
    expect(retry.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await favoriteRows(trackId)).toBe(0);
    // Favorite again (a new event) so /stats has something to show.
    await sender.event(sender.reaction('reaction_added', BOB.id, 'star', CHANNEL, card.ts));
    await waitForFavorites(trackId, 1);
  }, 30_000);

  it('/stats reflects the favorite', async () => {
    const sent = await sender.command('/stats', 'server all', { channelId: CHANNEL, user: ALICE });
    expect(sent.ms).toBeLessThan(3000);
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 10_000, 'stats');
    const body = JSON.stringify(reply.body.blocks);
    expect(body).toMatch(/1 ⭐ · lofi piano &lt;!channel&gt;/);
    expect(body).not.toMatch(/<!channel>/);
  }, 30_000);

  it('rejects forged signatures and stale timestamps without generating', async () => {
    const before = await generationCount();
    const forged = await sender.command('/generate', 'forged request', { channelId: CHANNEL }, { signWith: 'wrong-secret' });
    const stale = await sender.command('/generate', 'stale request', { channelId: CHANNEL }, { timestampS: Math.floor(Date.now() / 1000) - 301 });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await generationCount()).toBe(before);
  }, 30_000);

  it('a retried slash command makes one generation, and progress waits out a 429', async () => {
    const channel = 'C0E2E00002';
    const before = await generationCount();
    const fields = { channelId: channel, user: ALICE, triggerId: '4242.4242.e2eretry' };
    fake.rateLimit('chat.update', 1, 1, channel);
    const [first, retry] = await Promise.all([
      sender.command('/generate', 'ambient pads 5', fields),
      sender.command('/generate', 'ambient pads 5', fields, { retryNum: 1 }),
    ]);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(Math.max(first.ms, retry.ms)).toBeLessThan(3000);
    const status = await fake.waitFor(() => {
      const msgs = fake.messages(channel).filter((m) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:')));
      return msgs.length === 1 ? msgs[0] : undefined;
    }, 15_000, 'one status message');
    await finished(channel, status.ts);
    expect(await generationCount()).toBe(before + 1);
    expect(fake.messages(channel).filter((m) => !m.files?.length)).toHaveLength(1);
    expect(fake.messages(channel).filter((m) => m.files?.length)).toHaveLength(1);

    const edits = fake.callsOf('chat.update').filter((c) => c.args.channel === channel);
    const limited = edits.findIndex((c) => c.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect(edits[limited + 1]!.at - edits[limited]!.at).toBeGreaterThanOrEqual(1000);
  }, 120_000);

  const replyTo = (sent: { fields: Record<string, string> }) =>
    fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 10_000, 'reply');

  it('/search finds the finished track by a word of its prompt', async () => {
    const reply = await replyTo(await sender.command('/search', 'Piano', { channelId: CHANNEL, user: BOB }));
    expect(reply.body.response_type).toBe('ephemeral');
    const track = (await sys.runtime.core.track(trackId))!;
    expect(JSON.stringify(reply.body.blocks)).toContain(`<${track.playerUrl}|lofi piano &lt;!channel&gt;`);
    const none = await replyTo(await sender.command('/search', 'bagpipes', { channelId: CHANNEL, user: BOB }));
    expect(String(none.body.text)).toMatch(/No finished track/);
  }, 30_000);

  it('refuses a non-admin; an admin blocks a word and a later /generate with it is refused', async () => {
    const refused = await replyTo(await sender.command('/ditty', 'settings blocked-words add kazoo', { channelId: CHANNEL, user: ALICE }));
    expect(refused.body.response_type).toBe('ephemeral');
    expect(String(refused.body.text)).toMatch(/Only workspace admins and owners/);
    expect((await sys.runtime.core.settings('slack', FAKE_TEAM_ID)).blockedWords).toEqual([]);

    await replyTo(await sender.command('/ditty', 'settings blocked-words add Kazoo', { channelId: CHANNEL, user: ADMIN }));
    expect((await sys.runtime.core.settings('slack', FAKE_TEAM_ID)).blockedWords).toEqual(['kazoo']);
    const before = await generationCount();
    const refusedPrompt = await replyTo(await sender.command('/generate', 'kazoo orchestra 5', { channelId: CHANNEL, user: BOB }));
    expect(String(refusedPrompt.body.text)).toMatch(/does not allow the word "kazoo"/);
    expect(await generationCount()).toBe(before);
  }, 30_000);

  it('a changed favorite emoji is honoured by reactions', async () => {
    const saved = await replyTo(await sender.command('/ditty', 'settings favorite-emoji :trumpet:', { channelId: CHANNEL, user: ADMIN }));
    expect(JSON.stringify(saved.body.blocks)).toContain(':trumpet:');
    const CAROL = 'U0CAROL01';
    const start = await favoriteRows(trackId);
    await sender.event(sender.reaction('reaction_added', CAROL, 'star', CHANNEL, card.ts));
    await sender.event(sender.reaction('reaction_added', CAROL, 'trumpet', CHANNEL, card.ts));
    await waitForFavorites(trackId, start + 1);
    await sender.event(sender.reaction('reaction_removed', CAROL, 'star', CHANNEL, card.ts));
    await new Promise((r) => setTimeout(r, 300));
    expect(await favoriteRows(trackId)).toBe(start + 1);
    await sender.event(sender.reaction('reaction_removed', CAROL, 'trumpet', CHANNEL, card.ts));
    await waitForFavorites(trackId, start);
  }, 30_000);

  it('a style and a word ditty does not have: the card says what it played instead and what it ignored', async () => {
    const before = new Set(fake.messages(CHANNEL).map((m) => m.ts));
    await sender.command('/generate', 'grunge with a vuvuzela 5', { channelId: CHANNEL, user: ALICE });
    const status = await fake.waitFor(() => fake.messages(CHANNEL).find((m) => !before.has(m.ts) && m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:'))), 15_000, 'status');
    const done = await finished(CHANNEL, status.ts);
    const notice = done.card.blocks?.find((b) => b.block_id === NOTICE_BLOCK_ID);
    expect(JSON.stringify(notice)).toContain(JSON.stringify(slackInert("Played as rock: I don't know grunge yet. Ignored: 'vuvuzela'.")).slice(1, -1));
  }, 60_000);

  it('Extend on a finished track posts a new track 30 s longer, same params, linked to the first', async () => {
    const before = new Set(fake.messages(CHANNEL).map((m) => m.ts));
    await sender.clickButton(card, ActionId.Extend, BOB);
    const status = await fake.waitFor(() => fake.messages(CHANNEL).find((m) => !before.has(m.ts) && m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:'))), 15_000, 'status');
    const done = await finished(CHANNEL, status.ts);
    const childId = String(done.card.blocks!.find((b) => String(b.block_id).startsWith('ditty:card:'))!.block_id).slice('ditty:card:'.length);
    expect(childId).not.toBe(trackId);
    const [parent, child] = await Promise.all([sys.runtime.core.track(trackId), sys.runtime.core.track(childId)]);
    expect(child?.extendedFrom).toEqual({ id: trackId, playerUrl: parent!.playerUrl });
    expect(child?.params).toEqual(parent!.params);
    expect(child?.durationS).toBeCloseTo(35, 0);
    expect(JSON.stringify(done.card.blocks)).toContain(`Extended from <${parent!.playerUrl}|an earlier track>`);
    const file = [...fake.files.values()].find((f) => f.id === done.fileMessage.files![0]!.id)!;
    const path = join(dir, `extended-${file.filename}`);
    await writeFile(path, file.bytes!);
    expect((await probe(path)).durationS).toBeCloseTo(35, 0);
  }, 60_000);

  it('More like this on a card and /similar answer privately with this workspace\'s nearest tracks and why', async () => {
    // The worker analyses each track after posting it; wait until this one's is stored.
    await fake.waitFor(async () => ((await sys.runtime.core.analysis(trackId))?.state === 'done' ? true : undefined), 20_000, 'analysis');
    // And at least one neighbour's: under load the earlier tests' tracks can still be in analysis,
    // and then the answer is (rightly) "no other finished track to compare it with yet".
    await fake.waitFor(async () => ((await sys.runtime.core.similar('slack', FAKE_TEAM_ID, trackId, 1)).tracks.length ? true : undefined), 20_000, 'an analysed neighbour');
    const clickedAt = await sender.clickButton(card, ActionId.Similar, BOB);
    const reply = await fake.waitFor(() => fake.responses.find((r) => r.id === clickedAt.responseUrlId), 10_000, 'similar reply');
    expect(reply.body.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply.body.blocks);
    expect(text).toContain('More like lofi piano');
    expect(text).toMatch(/close tempo|same key|similar sound|closest overall/);
    const own = (await sys.runtime.core.track(trackId))!;
    expect(text).not.toContain(`<${own.playerUrl}|`);
    const byWords = await replyTo(await sender.command('/similar', 'piano', { channelId: CHANNEL, user: BOB }));
    expect(JSON.stringify(byWords.body.blocks)).toContain('More like lofi piano');
  }, 40_000);
});

/** Rows in the favorites table for a track: the table itself, not a counter derived from it. */
async function favoriteRows(id: string): Promise<number> {
  const [row] = await sys.runtime.orm.em.fork().execute<Array<{ n: number }>>('select count(*)::int as n from favorites where generation_id = ?', [id]);
  return Number(row!.n);
}

async function waitForFavorites(id: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await favoriteRows(id);
    const t = await sys.runtime.core.track(id);
    if (rows === n && t?.favorites === n) return;
    if (Date.now() > deadline) throw new Error(`favorites: ${rows} rows, count ${t?.favorites}; wanted ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
