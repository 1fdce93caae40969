/**
 * The whole loop on Discord: the real discord.js client against the fake Discord, over the real
 * core, queue, worker (embedded engine, ffmpeg), Postgres and Redis of `startTestSystem`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../../bots/discord/index.ts';
import { inert } from '../../bots/discord/messages.ts';
import { FakeDiscord, MANAGE_GUILD_PERMISSIONS, type FakeMessage, type RecordedRequest } from '../helpers/fake-discord/server.ts';
import { probe } from '../helpers/ffprobe.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

let fake: FakeDiscord;
let sys: TestSystem;
let bot: DiscordBot;
let tmp: string;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  tmp = await mkdtemp(join(tmpdir(), 'ditty-discord-'));
  sys = await startTestSystem({
    env: { DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase, DEFAULT_DURATION_S: '5' },
  });
  bot = await startDiscordBot(sys.config.discord!, sys.runtime, { progressIntervalMs: 250 });
});

afterAll(async () => {
  await bot?.stop();
  await sys?.stop();
  await fake?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const editsOf = (token: string): RecordedRequest[] => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${token}/messages/@original`);

async function trackMessage(interactionId: string): Promise<FakeMessage> {
  return fake.waitFor(() => {
    const m = fake.originalOf(interactionId);
    return m && m.embeds.length > 0 ? m : undefined;
  }, 45_000, 'the track message');
}

function generationIdOf(msg: FakeMessage): string {
  const m = /ditty:fav:([0-9a-f-]{36})/.exec(JSON.stringify(msg.components));
  if (!m) throw new Error('no generation id on the message');
  return m[1]!;
}

let firstMessage: FakeMessage;
let firstId: string;

describe('discord over the real system', () => {
  it('answers within 3 s once the core accepted, shows progress, waits out a 429, and posts a playable file with embed and buttons, echoing the prompt inert', async () => {
    fake.rateLimit('PATCH', /\/messages\/@original$/, 1, 1);
    const sent = Date.now();
    const { id, token } = fake.slashCommand('generate', { prompt: '@everyone **lofi** piano at 80 bpm', duration: 5 });
    const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 3000, 'acknowledgement');
    expect(ack.at - sent).toBeLessThan(3000);
    // Validation takes milliseconds: the reply is the public progress message, never a "thinking…" first.
    expect(ack.body?.type).toBe(4);
    expect(String((ack.body?.data as { content: string }).content)).not.toContain('@everyone');

    const msg = await trackMessage(id);
    const edits = editsOf(token);
    const limited = edits.find((e) => e.status === 429)!;
    expect(limited).toBeDefined();
    expect(edits[edits.indexOf(limited) + 1]!.at - limited.at).toBeGreaterThanOrEqual(1000);
    // Progress is shown from the first answer on; whether an edit also carries it depends on the
    // race between the 429's 1 s wait and a 5 s track's render (under load the track can win).
    const shown = [String((ack.body?.data as { content: string }).content), ...edits.filter((e) => e.status === 200).map((e) => String(e.body?.content))];
    expect(shown.some((c) => /⏳ Queued|Rendering|Encoding/.test(c))).toBe(true);
    for (const e of edits) expect(e.body?.allowed_mentions).toEqual({ parse: [] });
    for (const e of edits) expect(String(e.body?.content ?? '')).not.toContain('@everyone');

    const embed = msg.embeds[0] as { description: string; fields: Array<{ name: string; value: string }> };
    expect(embed.description).toContain('\\*\\*lofi\\*\\*');
    expect(embed.description).not.toContain('@everyone');
    expect(embed.fields.find((f) => f.name === 'BPM')?.value).toBe('80');
    expect(embed.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['Key', 'Genre', 'Duration', 'Seed', 'Engine', 'Render time']));
    expect(JSON.stringify(msg.components)).toMatch(/ditty:var:[0-9a-f-]{36}/);

    expect(msg.attachments).toHaveLength(1);
    const file = join(tmp, msg.attachments[0]!.filename);
    await writeFile(file, msg.fileData.get(msg.attachments[0]!.id)!);
    const p = await probe(file);
    expect(p.durationS).toBeGreaterThan(4.5);
    expect(p.durationS).toBeLessThan(5.6);
    firstMessage = msg;
    firstId = generationIdOf(msg);
    expect((await sys.runtime.core.track(firstId))?.status).toBe('completed');
  });

  it('favorites by reaction, unfavorites on removal, and still counts after a bot restart', async () => {
    const bob = fake.newUser('bob');
    const favorites = async () => (await sys.runtime.core.track(firstId))!.favorites;
    fake.react(firstMessage, bob, '⭐', true);
    await waitUntil(async () => (await favorites()) === 1, 'favorite');
    fake.react(firstMessage, bob, '⭐', false);
    await waitUntil(async () => (await favorites()) === 0, 'unfavorite');

    await bot.stop();
    bot = await startDiscordBot(sys.config.discord!, sys.runtime, { progressIntervalMs: 250 });
    const carol = fake.newUser('carol');
    fake.react(firstMessage, carol, '⭐', true);
    await waitUntil(async () => (await favorites()) === 1, 'favorite after restart');
  });

  it('falls back to a channel message when the token is gone', async () => {
    const { id, token } = fake.slashCommand('generate', { prompt: 'ambient pads', duration: 5 });
    await fake.waitFor(() => fake.originalOf(id), 3000, 'reply');
    fake.expireToken(token);
    const posted = await fake.waitFor(
      () => [...fake.messages.values()].find((m) => m.id !== fake.originalOf(id)?.id && m.embeds.length > 0 && JSON.stringify(m.embeds).includes('ambient pads')),
      45_000, 'channel fallback');
    expect(posted.attachments).toHaveLength(1);
    expect(posted.embeds).toHaveLength(1);
    const post = fake.requestsTo('POST', `/channels/${fake.channelId}/messages`).at(-1)!;
    expect(post.body?.allowed_mentions).toEqual({ parse: [] });
    const generationId = generationIdOf(posted);
    await waitUntil(async () => (await sys.runtime.core.track(generationId))?.status === 'completed', 'completed');
  });

  it('links the track when it does not fit the upload limit', async () => {
    const { id } = fake.slashCommand('generate', { prompt: 'techno loop', duration: 5 }, { attachmentSizeLimit: 2000 });
    const msg = await trackMessage(id);
    expect(msg.attachments).toHaveLength(0);
    expect(msg.content).toMatch(/https?:\/\/\S+/);
  });

  it('/stats reflects the favorites and plays made here', async () => {
    await sys.runtime.core.recordPlay(firstId, null, 'web');
    const s = fake.slashCommand('stats', { scope: 'server', period: 'all' });
    const edit = await fake.waitFor(() => editsOf(s.token)[0], 10_000, 'stats');
    const embed = (edit.body?.embeds as Array<{ fields: Array<{ name: string; value: string }> }>)[0]!;
    const field = (n: string) => embed.fields.find((f) => f.name === n)?.value;
    expect(field('Favorites')).toBe('1');
    expect(Number(field('Plays'))).toBeGreaterThanOrEqual(1);
    expect(Number(field('Generations'))).toBe(3);
    expect(field('Top tracks')).toContain('lofi');
    expect(edit.files.map((f) => f.name)).toEqual(['ditty-stats.png']);
  });
});

describe('discord search and settings over the real system', () => {
  const answerOf = (token: string) => fake.waitFor(() => editsOf(token).at(-1), 10_000, 'answer');
  const settings = (sub: string, options: Parameters<FakeDiscord['slashCommand']>[1], admin: boolean) =>
    fake.slashCommand('ditty', options, { subcommand: ['settings', sub], permissions: admin ? MANAGE_GUILD_PERMISSIONS : undefined });

  it('/search finds the finished track by a word of its prompt', async () => {
    const s = fake.slashCommand('search', { query: 'lofi' });
    const answer = await answerOf(s.token);
    const description = (answer.body?.embeds as Array<{ description: string }>)[0]!.description;
    const track = (await sys.runtime.core.track(firstId))!;
    expect(description).toContain(`(${track.playerUrl})`);
    expect(description.split('\n')).toHaveLength(1);
    const none = await answerOf(fake.slashCommand('search', { query: 'bagpipes' }).token);
    expect((none.body?.embeds as Array<{ description: string }>)[0]!.description).toMatch(/No finished track/);
  });

  it('refuses a non-admin, then an admin blocks a word and /generate with it is refused', async () => {
    const refused = await answerOf(settings('blocked-words', { action: 'add', word: 'kazoo' }, false).token);
    expect(String(refused.body?.content)).toMatch(/Only server admins.*Manage Server/);
    expect((await sys.runtime.core.settings('discord', fake.guildId)).blockedWords).toEqual([]);

    await answerOf(settings('blocked-words', { action: 'add', word: 'Kazoo' }, true).token);
    expect((await sys.runtime.core.settings('discord', fake.guildId)).blockedWords).toEqual(['kazoo']);
    const before = (await sys.runtime.core.recent('discord', fake.guildId, 50)).length;
    const g = fake.slashCommand('generate', { prompt: 'kazoo orchestra', duration: 5 });
    const refusal = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${g.id}/${g.token}/callback`)[0], 10_000, 'refusal');
    expect(refusal.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(String((refusal.body?.data as { content: string }).content)).toContain('kazoo');
    expect((await sys.runtime.core.recent('discord', fake.guildId, 50)).length).toBe(before);
    // Removing the last word writes an empty list.
    await answerOf(settings('blocked-words', { action: 'remove', word: 'kazoo' }, true).token);
    expect((await sys.runtime.core.settings('discord', fake.guildId)).blockedWords).toEqual([]);
  });

  it('a changed favorite emoji is honoured by reactions', async () => {
    const saved = await answerOf(settings('favorite-emoji', { emoji: '🎺' }, true).token);
    expect(JSON.stringify(saved.body?.embeds)).toContain('🎺');
    const dan = fake.newUser('dan');
    const favorites = async () => (await sys.runtime.core.track(firstId))!.favorites;
    const start = await favorites();
    fake.react(firstMessage, dan, '⭐', true);
    fake.react(firstMessage, dan, '🎺', true);
    await waitUntil(async () => (await favorites()) === start + 1, 'favorite by the new emoji');
    expect(await sys.runtime.core.isFavorite({ platform: 'discord', platformUserId: dan.id, guildId: fake.guildId, displayName: 'dan' }, firstId)).toBe(true);
    fake.react(firstMessage, dan, '⭐', false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await favorites()).toBe(start + 1);
    fake.react(firstMessage, dan, '🎺', false);
    await waitUntil(async () => (await favorites()) === start, 'unfavorite by the new emoji');
  });
});

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Last: it adds a generation, which the /stats totals above do not count.
describe('discord after a restart mid-render', () => {
  it('GIVEN a restart while the track waits THEN the new process edits the original reply with progress, and the track lands in it', async () => {
    const worker = sys.system.worker!.worker;
    await worker.pause();
    const { id, token } = fake.slashCommand('generate', { prompt: 'restart mid render', duration: 20 });
    await fake.waitFor(() => fake.originalOf(id)?.content.includes('Queued'), 5000, 'queued status');

    await bot.stop();
    bot = await startDiscordBot(sys.config.discord!, sys.runtime, { progressIntervalMs: 250 });
    const restarted = Date.now();
    worker.resume();

    const msg = await trackMessage(id);
    const after = editsOf(token).filter((e) => e.at >= restarted);
    // the new process never saw the command: its edits come from the stored reply
    expect(after.some((e) => /Rendering|Encoding|Uploading/.test(String(e.body?.content)))).toBe(true);
    expect(msg.attachments).toHaveLength(1);
  });
});

// After the restart test too: these add generations the /stats totals above do not count.
describe('discord: nothing silent, and Extend', () => {
  it('GIVEN a style and a word ditty does not have THEN the track message says what it played instead and what it ignored', async () => {
    const { id } = fake.slashCommand('generate', { prompt: 'grunge with a kazoo', duration: 5 });
    const msg = await trackMessage(id);
    // In the core's words, escaped like all text that quotes a prompt.
    expect(msg.content).toContain(`ℹ️ ${inert("Played as rock: I don't know grunge yet. Ignored: 'kazoo'.", 600)}`);
  });

  it('GIVEN Extend on a finished track THEN a new track 30 s longer, same params, linked to the first', async () => {
    const alice = fake.newUser('alice-ext');
    const { id } = fake.pressButton(firstMessage, `ditty:ext:${firstId}`, alice);
    const msg = await trackMessage(id);
    const childId = generationIdOf(msg);
    expect(childId).not.toBe(firstId);
    const [parent, child] = await Promise.all([sys.runtime.core.track(firstId), sys.runtime.core.track(childId)]);
    expect(child?.extendedFrom).toEqual({ id: firstId, playerUrl: parent!.playerUrl });
    expect(child?.params).toEqual(parent!.params);
    expect(child?.durationS).toBeCloseTo(35, 0);
    expect(msg.content).toContain(`⏩ Extended from ${parent!.playerUrl}`);
    const file = join(tmp, `extended-${msg.attachments[0]!.filename}`);
    await writeFile(file, msg.fileData.get(msg.attachments[0]!.id)!);
    expect((await probe(file)).durationS).toBeCloseTo(35, 0);
  });
});
