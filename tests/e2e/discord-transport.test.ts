/**
 * The real discord.js client against the fake Discord, over an in-memory core (FakeRuntime):
 * what the bot sends and when — acknowledgement, throttled progress, the final edit, 429s,
 * expired tokens, reactions across a restart, inert echoes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../../bots/discord/index.ts';
import { UNAVAILABLE_TEXT } from '../../bots/discord/messages.ts';
import { DM_REFUSAL } from '../../core/direct-messages.ts';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';
import { FakeDiscord, MANAGE_GUILD_PERMISSIONS, type FakeMessage } from '../helpers/fake-discord/server.ts';
import { FakeRuntime } from '../helpers/fake-discord/runtime.ts';

const execFileP = promisify(execFile);
let tmp: string;
let audioFile: string;
let fake: FakeDiscord;
let runtime: FakeRuntime;
let bot: DiscordBot | null = null;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ditty-discord-'));
  audioFile = join(tmp, 'tone.ogg');
  const { ffmpeg } = await locateFfmpeg();
  await execFileP(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', '-b:a', '32k', audioFile]);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function boot(opts: { progressIntervalMs?: number; channelEditIntervalMs?: number; coreTimeoutMs?: number; onFatal?: (code: number, line: string) => void } = {}): Promise<void> {
  fake = await FakeDiscord.start();
  runtime = new FakeRuntime();
  bot = await startDiscordBot({ token: fake.token, applicationId: fake.applicationId, apiBase: fake.apiBase }, runtime, { progressIntervalMs: 200, ...opts });
}
afterEach(async () => {
  await bot?.stop();
  bot = null;
  await fake?.close();
});

async function generated(prompt: string, opts: Parameters<FakeDiscord['slashCommand']>[2] = {}) {
  const sent = Date.now();
  const { id, token } = fake.slashCommand('generate', { prompt }, opts);
  const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 3000, 'acknowledgement');
  const gen = await fake.waitFor(() => [...runtime.generations.values()].find((g) => g.req.reply?.interactionId === id), 5000, 'generate call');
  return { id, token, ack, sent, generationId: gen.view.id };
}

const editsOf = (token: string) => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${token}/messages/@original`);
/** The private answer to a refused command: an ephemeral reply, nothing public before it. */
async function refusalOf(id: string, token: string) {
  const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 5000, 'refusal');
  expect(ack.body).toMatchObject({ type: 4, data: { flags: 64 } });
  expect(fake.originalOf(id)?.flags ?? 64).toBe(64);
  return String((ack.body?.data as { content?: string }).content);
}

describe('discord transport', () => {
  it('validates first, then answers publicly with the queue position, keeping the interaction in the reply map', async () => {
    await boot();
    const { id, token, ack, sent, generationId } = await generated('lofi piano');
    expect(ack.at - sent).toBeLessThan(3000);
    expect(ack.body?.type).toBe(4);
    const req = runtime.generations.get(generationId)!.req;
    expect(req.reply).toMatchObject({ requestKey: id, interactionId: id, interactionToken: token, applicationId: fake.applicationId, channelId: fake.channelId });
    expect(req.sizeLimitBytes).toBe(10 * 1024 * 1024);
    const data = ack.body?.data as { content: string; components: unknown; flags?: number };
    expect(data.content).toMatch(/Queued · position 1/);
    expect(data.flags ?? 0).toBe(0);
    expect(JSON.stringify(data.components)).toContain(`ditty:cancel:${generationId}`);
    // The reply already shows the queued state: no edit repeats it.
    await new Promise((r) => setTimeout(r, 300));
    expect(editsOf(token)).toHaveLength(0);
  });

  it('answers privately when the core fails within the acknowledgement budget', async () => {
    await boot({ coreTimeoutMs: 300 });
    runtime.generateImpl = () => new Promise(() => undefined);
    const { id, token } = fake.slashCommand('generate', { prompt: 'ambient pads' });
    expect(await refusalOf(id, token)).toBe(UNAVAILABLE_TEXT);
  });

  it('acknowledges within 3 s even when the core hangs, then says it is unavailable', async () => {
    await boot({ coreTimeoutMs: 2500 });
    runtime.generateImpl = () => new Promise(() => undefined);
    const sent = Date.now();
    const { id, token } = fake.slashCommand('generate', { prompt: 'ambient pads' });
    const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 3000, 'acknowledgement');
    expect(ack.at - sent).toBeLessThan(3000);
    const edit = await fake.waitFor(() => editsOf(token)[0], 5000, 'error edit');
    expect(edit.body?.content).toBe(UNAVAILABLE_TEXT);
  });

  it('throttles progress edits and always shows the latest state', async () => {
    // This test is about one reply's own pace: the channel budget (tested elsewhere) is opened wide.
    await boot({ progressIntervalMs: 400, channelEditIntervalMs: 10 });
    const { token, generationId } = await generated('techno build');
    const start = Date.now();
    for (let i = 1; i <= 40; i++) {
      runtime.emit({ generationId, platform: 'discord', stage: 'rendering', progress: i / 40, etaS: 40 - i });
      await new Promise((r) => setTimeout(r, 25));
    }
    await fake.waitFor(() => editsOf(token).some((e) => String(e.body?.content).includes('100%')), 3000, 'last progress');
    const elapsed = Date.now() - start;
    const progressEdits = editsOf(token).filter((e) => String(e.body?.content).includes('Rendering'));
    // 40 events over ~1 s: at most one edit per 400 ms window (plus the trailing one).
    expect(progressEdits.length).toBeLessThanOrEqual(Math.ceil(elapsed / 400) + 1);
    expect(progressEdits.length).toBeGreaterThanOrEqual(2);
    expect(progressEdits.at(-1)!.body?.components).toEqual([]);
    const gaps = progressEdits.slice(1).map((e, i) => e.at - progressEdits[i]!.at);
    // Arrival times carry some scheduling jitter on a busy CI machine.
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(300);
  });

  it('delivers the file, embed and buttons in the original reply, after a 429 is waited out', async () => {
    await boot();
    const { id, token, generationId } = await generated('jazz trio at 120 bpm');
    fake.rateLimit('PATCH', /\/messages\/@original$/, 1, 1);
    const result = await runtime.finish(generationId, audioFile);
    const msg = fake.originalOf(id)!;
    expect(result.messageRef).toBe(msg.id);
    const edits = editsOf(token);
    const limited = edits.find((e) => e.status === 429)!;
    const retried = edits.at(-1)!;
    expect(retried.status).toBe(200);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(1000);
    expect(retried.files.map((f) => f.name)).toEqual(['ditty-jazz-trio-at-120-bpm.ogg']);
    expect(retried.body?.allowed_mentions).toEqual({ parse: [] });
    expect(msg.attachments[0]!.size).toBeGreaterThan(1000);
    expect(JSON.stringify(msg.components)).toContain(`ditty:fav:${generationId}`);
    expect((msg.embeds[0] as { footer: { text: string } }).footer.text).toBe(`ditty · ${generationId}`);
  });

  it('links instead of attaching when the file does not fit', async () => {
    await boot();
    const { id, generationId } = await generated('cinematic strings', { attachmentSizeLimit: 2000 });
    expect(runtime.generations.get(generationId)!.req.sizeLimitBytes).toBe(2000);
    await runtime.finish(generationId, audioFile, { fitsInline: false });
    const msg = fake.originalOf(id)!;
    expect(msg.attachments).toHaveLength(0);
    expect(msg.content).toContain(`http://ditty.test/d/${generationId}`);
  });

  it('falls back to a channel message when the token is gone, once per generation', async () => {
    await boot();
    const { id, token, generationId } = await generated('rock riff');
    fake.expireToken(token);
    const a = await runtime.finish(generationId, audioFile, { attempt: 0 });
    // A retried delivery (same generation) must not post twice: the nonce is enforced.
    const b = await runtime.finish(generationId, audioFile, { attempt: 1 });
    expect(b.messageRef).toBe(a.messageRef);
    const posts = fake.requestsTo('POST', `/channels/${fake.channelId}/messages`);
    expect(posts).toHaveLength(2);
    expect(posts[0]!.body?.enforce_nonce).toBe(true);
    const msg = fake.messages.get(a.messageRef)!;
    expect(msg.id).not.toBe(fake.originalOf(id)!.id);
    expect(msg.attachments).toHaveLength(1);
    expect(posts[0]!.body?.allowed_mentions).toEqual({ parse: [] });
    expect([...fake.messages.values()].filter((m) => m.attachments.length > 0)).toHaveLength(1);
  });

  it('echoes a prompt with @everyone and markdown inert', async () => {
    await boot();
    const prompt = '@everyone **loud** <@123> __dnb__ `x`';
    const { id, token, ack, generationId } = await generated(prompt);
    await runtime.finish(generationId, audioFile);
    const bodies = [ack.body?.data as Record<string, unknown>, ...editsOf(token).map((r) => r.body)].filter((b) => b && ('content' in b || 'embeds' in b));
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const b of bodies) expect(b!.allowed_mentions).toEqual({ parse: [] });
    const texts = [String(bodies[0]!.content), ...editsOf(token).map((r) => String(r.body?.content ?? '')), JSON.stringify(fake.originalOf(id)!.embeds)];
    for (const t of texts) {
      expect(t).not.toMatch(/(^|[^\\])\*\*loud/);
      expect(t).not.toContain('@everyone');
    }
    expect(bodies[0]!.content).toContain('\\*\\*loud\\*\\*');
  });

  it('makes one generation from a duplicate delivery of one interaction', async () => {
    await boot();
    const first = await generated('house groove');
    fake.slashCommand('generate', { prompt: 'house groove' }, { id: first.id, token: first.token });
    await new Promise((r) => setTimeout(r, 500));
    // The second delivery finds the generation already queued and leaves the one reply alone.
    expect(fake.requestsTo('POST', `/interactions/${first.id}/${first.token}/callback`).filter((r) => r.status < 300)).toHaveLength(1);
    expect(runtime.generations.size).toBe(1);
  });

  it('answers a blocked prompt only to its author', async () => {
    await boot();
    const { id, token } = fake.slashCommand('generate', { prompt: 'forbidden song' });
    expect(await refusalOf(id, token)).toContain('forbidden');
    expect(fake.requestsTo('DELETE', `/webhooks/${fake.applicationId}/${token}/messages/@original`)).toHaveLength(0);
  });

  it('favorites by reaction and by button, ignores bots and other emoji, and works after a restart', async () => {
    await boot();
    const { id, generationId } = await generated('piano ballad');
    await runtime.finish(generationId, audioFile);
    const msg: FakeMessage = fake.originalOf(id)!;
    const bob = fake.newUser('bob');
    const robot = fake.newUser('robot', { bot: true });
    const favorites = () => runtime.generations.get(generationId)!.view.favorites;

    fake.react(msg, robot, '⭐', true);
    fake.react(msg, bob, '👍', true);
    fake.react(msg, bob, '⭐', true);
    await fake.waitFor(() => favorites() === 1, 3000, 'favorite by reaction');
    expect(runtime.favoriteCalls.map((c) => c.actor.platformUserId)).toEqual([bob.id]);

    fake.react(msg, bob, '⭐', false);
    await fake.waitFor(() => favorites() === 0, 3000, 'unfavorite by reaction');

    // The button agrees with reactions: one favorite per user and track.
    fake.react(msg, bob, '⭐', true);
    await fake.waitFor(() => favorites() === 1, 3000, 'favorite again');
    const press = fake.pressButton(msg, `ditty:fav:${generationId}`, bob);
    const answer = await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${press.token}/messages/@original`)[0], 3000, 'button answer');
    expect(String(answer.body?.content)).toMatch(/Removed from your favorites \(0/);
    expect(fake.requestsTo('POST', `/interactions/${press.id}/${press.token}/callback`)[0]!.body).toMatchObject({ type: 5, data: { flags: 64 } });

    // A new process has no cache: the reaction arrives on an uncached (partial) message.
    await bot!.stop();
    bot = await startDiscordBot({ token: fake.token, applicationId: fake.applicationId, apiBase: fake.apiBase }, runtime);
    const carol = fake.newUser('carol');
    fake.react(msg, carol, '⭐', true);
    await fake.waitFor(() => favorites() === 1, 5000, 'favorite after restart');
    expect(fake.requestsTo('GET', `/channels/${fake.channelId}/messages/${msg.id}`).length).toBeGreaterThanOrEqual(1);
  });

  it('ignores reactions on messages that are not ditty tracks', async () => {
    await boot();
    const other = await generated('lofi');
    // A message by the bot without any track id, e.g. an error reply.
    runtime.generations.clear();
    const msg = fake.originalOf(other.id)!;
    msg.components = [];
    const before = runtime.favoriteCalls.length;
    fake.react(msg, fake.newUser('dave'), '⭐', true);
    await fake.waitFor(() => fake.requestsTo('GET', `/channels/${fake.channelId}/messages/${msg.id}`).length > 0 || undefined, 3000, 'fetch').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(runtime.favoriteCalls.length).toBe(before);
  });

  it('variation queues the same prompt with a new seed once per double click', async () => {
    await boot();
    const { id, generationId } = await generated('trap beat');
    await runtime.finish(generationId, audioFile);
    const msg = fake.originalOf(id)!;
    const bob = fake.newUser('bob');
    fake.pressButton(msg, `ditty:var:${generationId}`, bob);
    fake.pressButton(msg, `ditty:var:${generationId}`, bob);
    await fake.waitFor(() => runtime.generations.size === 2, 5000, 'variation');
    await new Promise((r) => setTimeout(r, 300));
    expect(runtime.generations.size).toBe(2);
    const variation = [...runtime.generations.values()].at(-1)!;
    expect(variation.req.prompt).toBe('trap beat');
    expect(Number(variation.req.seed)).not.toBe(runtime.generations.get(generationId)!.view.params.seed);
  });

  it('cancel works for the owner only', async () => {
    await boot();
    const alice = fake.newUser('alice');
    const { id, generationId } = await generated('slow ambient', { user: alice });
    const msg = fake.originalOf(id)!;
    const mallory = fake.newUser('mallory');
    const bad = fake.pressButton(msg, `ditty:cancel:${generationId}`, mallory);
    const denied = await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${bad.token}/messages/@original`)[0], 3000, 'denial');
    expect(String(denied.body?.content)).toMatch(/Only the person who asked/);
    expect(runtime.generations.get(generationId)!.view.status).toBe('queued');
    const good = fake.pressButton(msg, `ditty:cancel:${generationId}`, alice);
    const ok = await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${good.token}/messages/@original`)[0], 3000, 'cancel answer');
    expect(String(ok.body?.content)).toContain('Cancelled');
    expect(runtime.generations.get(generationId)!.view.status).toBe('cancelled');
  });

  it('/stats answers with totals, leaderboard and a chart', async () => {
    await boot();
    const { id, generationId } = await generated('pop hook');
    await runtime.finish(generationId, audioFile);
    await runtime.core.setFavorite({ platform: 'discord', platformUserId: '555555', guildId: fake.guildId, displayName: 'x' }, generationId, true);
    await runtime.core.recordPlay(generationId, null, 'web');
    void id;
    const s = fake.slashCommand('stats', { scope: 'server', period: 'all' });
    const edit = await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${s.token}/messages/@original`)[0], 5000, 'stats');
    const embed = (edit.body?.embeds as Array<{ fields: Array<{ name: string; value: string }> }>)[0]!;
    const field = (n: string) => embed.fields.find((f) => f.name === n)?.value;
    expect(field('Favorites')).toBe('1');
    expect(field('Plays')).toBe('1');
    expect(field('Top tracks')).toContain('pop hook');
    expect(edit.files.map((f) => f.name)).toEqual(['ditty-stats.png']);
    expect(edit.files[0]!.data.subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('discord search and server settings', () => {
  const answerOf = (token: string) => fake.waitFor(() => editsOf(token).at(-1), 5000, 'answer');
  const settings = (sub: string, options: Parameters<FakeDiscord['slashCommand']>[1] = {}, admin = true) =>
    fake.slashCommand('ditty', options, { subcommand: ['settings', sub], permissions: admin ? MANAGE_GUILD_PERMISSIONS : undefined });
  const ackOf = (s: { id: string; token: string }) => fake.waitFor(() => fake.requestsTo('POST', `/interactions/${s.id}/${s.token}/callback`)[0], 3000, 'ack');

  it('/search lists finished matches privately, escaped, with player links', async () => {
    await boot();
    const hit = await generated('rainy **piano** @everyone');
    await runtime.finish(hit.generationId, audioFile);
    const other = await generated('techno drums');
    await runtime.finish(other.generationId, audioFile);
    await generated('piano still queued');
    const s = fake.slashCommand('search', { query: 'Piano' });
    expect((await ackOf(s)).body).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await answerOf(s.token);
    expect(answer.body?.allowed_mentions).toEqual({ parse: [] });
    const embed = (answer.body?.embeds as Array<{ description: string }>)[0]!;
    expect(embed.description).toContain(`(http://ditty.test/t/${hit.generationId})`);
    expect(embed.description).toContain('\\*\\*piano\\*\\*');
    expect(embed.description).not.toContain('@everyone');
    expect(embed.description).not.toContain(other.generationId);
    expect(embed.description.split('\n')).toHaveLength(1);
  });

  it('More like this (button) and /similar answer privately with the server\'s nearest tracks and why', async () => {
    await boot();
    const a = await generated('house groove at 124 bpm');
    await runtime.finish(a.generationId, audioFile);
    const b = await generated('deep house at 124 bpm');
    await runtime.finish(b.generationId, audioFile);
    const msg = fake.originalOf(a.id)!;
    const press = fake.pressButton(msg, `ditty:sim:${a.generationId}`, fake.newUser('eve'));
    expect((await ackOf(press)).body).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await answerOf(press.token);
    const embed = (answer.body?.embeds as Array<{ title: string; description: string }>)[0]!;
    expect(embed.title).toContain('house groove at 124 bpm');
    expect(embed.description).toContain(`(http://ditty.test/t/${b.generationId})`);
    expect(embed.description).toContain('close tempo');
    expect(embed.description).not.toContain(`(http://ditty.test/t/${a.generationId})`);

    const s = fake.slashCommand('similar', { words: 'deep house' });
    expect((await ackOf(s)).body).toMatchObject({ type: 5, data: { flags: 64 } });
    const byWords = (await answerOf(s.token)).body?.embeds as Array<{ title: string; description: string }>;
    expect(byWords[0]!.title).toContain('deep house at 124 bpm');
    expect(byWords[0]!.description).toContain(`(http://ditty.test/t/${a.generationId})`);
  });

  it('refuses a member without Manage Server, privately and saying which permission is needed', async () => {
    await boot();
    const s = settings('blocked-words', { action: 'add', word: 'polka' }, false);
    expect((await ackOf(s)).body).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await answerOf(s.token);
    expect(String(answer.body?.content)).toMatch(/Only server admins.*Manage Server/);
    expect(runtime.serverSettings.updateCalls.at(-1)?.isAdmin).toBe(false);
    expect((await runtime.core.settings('discord', fake.guildId)).blockedWords).toEqual([]);
  });

  it('lets an admin block a word, after which /generate with it is refused to its author only', async () => {
    await boot();
    const s = settings('blocked-words', { action: 'add', word: 'Polka' });
    const answer = await answerOf(s.token);
    expect(JSON.stringify(answer.body?.embeds)).toContain('"Blocked words","value":"polka"');
    expect(runtime.serverSettings.updateCalls.at(-1)?.isAdmin).toBe(true);
    const g = fake.slashCommand('generate', { prompt: 'happy POLKA party' });
    expect(await refusalOf(g.id, g.token)).toContain('polka');
    expect(runtime.generations.size).toBe(0);
    const adminView = JSON.stringify((await answerOf(settings('view', {}, true).token)).body?.embeds);
    expect(adminView).toContain('"Blocked words","value":"polka"');
    const memberView = JSON.stringify((await answerOf(settings('view', {}, false).token)).body?.embeds);
    expect(memberView).not.toContain('polka');
    expect(memberView).toContain('1 (members with Manage Server can see them)');
  });

  it('restricts /generate to allowed channels and rejects a bad emoji with what to type', async () => {
    await boot();
    await answerOf(settings('allowed-channels', { action: 'add', channel: { type: 7, value: '123456789012345678' } }).token);
    expect((await runtime.core.settings('discord', fake.guildId)).allowedChannels).toEqual(['123456789012345678']);
    const g = fake.slashCommand('generate', { prompt: 'lofi' });
    expect(await refusalOf(g.id, g.token)).toMatch(/not enabled in this channel/);
    const bad = await answerOf(settings('favorite-emoji', { emoji: '@everyone' }).token);
    expect(String(bad.body?.content)).toMatch(/one emoji/);
    expect((await runtime.core.settings('discord', fake.guildId)).favoriteEmoji).toBe('⭐');
  });

  it('honours a changed favorite emoji on reactions and on the Favorite button, at once', async () => {
    await boot();
    const { id, generationId } = await generated('guitar solo');
    const favorites = () => runtime.generations.get(generationId)!.view.favorites;
    const bob = fake.newUser('bob');
    await answerOf(settings('favorite-emoji', { emoji: '🎸' }).token);
    await runtime.finish(generationId, audioFile);
    const msg = fake.originalOf(id)!;
    expect(JSON.stringify(msg.components)).toContain('"name":"🎸"');

    const dave = fake.newUser('dave');
    fake.react(msg, dave, '⭐', true);
    fake.react(msg, bob, '🎸', true);
    await fake.waitFor(() => favorites() === 1, 3000, 'favorite by the new emoji');
    await new Promise((r) => setTimeout(r, 200));
    // The old default no longer favorites anything.
    expect(runtime.favoriteCalls.map((c) => c.actor.platformUserId)).toEqual([bob.id]);
    const press = fake.pressButton(msg, `ditty:fav:${generationId}`, bob);
    const answer = await fake.waitFor(() => editsOf(press.token)[0], 3000, 'button answer');
    expect(String(answer.body?.content)).toMatch(/Removed from your favorites \(0/);
    const again = fake.pressButton(msg, `ditty:fav:${generationId}`, bob);
    expect(String((await fake.waitFor(() => editsOf(again.token)[0], 3000, 'button answer')).body?.content)).toMatch(/^🎸 Added to your favorites \(1/);

    // A custom server emoji works the same way, matched by id.
    await answerOf(settings('favorite-emoji', { emoji: '<:ditty_heart:123456789012345678>' }).token);
    const carol = fake.newUser('carol');
    fake.react(msg, carol, '<:ditty_heart:123456789012345678>', true);
    await fake.waitFor(() => favorites() === 2, 3000, 'favorite by custom emoji');
  });
});

describe('discord favorite count', () => {
  it('GIVEN favorites by reaction and button THEN the Favorite button shows the current count, in few edits', async () => {
    await boot();
    const { id, generationId } = await generated('count me');
    await runtime.finish(generationId, audioFile);
    const msg = fake.originalOf(id)!;
    const label = () => JSON.stringify(fake.messages.get(msg.id)!.components).match(/Favorite \((\d+)\)/)?.[1];
    expect(label()).toBe('0');
    const users = ['ann', 'ben', 'cat', 'dov'].map((n) => fake.newUser(n));
    for (const u of users) fake.react(msg, u, '⭐', true);
    await fake.waitFor(() => label() === '4', 5000, 'count 4 on the button');
    const press = fake.pressButton(fake.messages.get(msg.id)!, `ditty:fav:${generationId}`, fake.newUser('eve'));
    await fake.waitFor(() => editsOf(press.token)[0], 3000, 'button answer');
    await fake.waitFor(() => label() === '5', 5000, 'count 5 after the button');
    // Four reactions and a click in a burst: coalesced, within the channel budget.
    const patches = fake.requestsTo('PATCH', `/channels/${fake.channelId}/messages/${msg.id}`);
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches.length).toBeLessThanOrEqual(4);
  });
});

describe('discord direct messages', () => {
  it.each([['generate', { prompt: 'lofi' }], ['stats', {}], ['recent', {}], ['search', { query: 'piano' }]] as const)(
    'GIVEN /%s in a DM THEN the same one-sentence refusal as on Slack, privately, and nothing queued',
    async (name, options) => {
      await boot();
      const { id, token } = fake.slashCommand(name, { ...options }, { dm: true });
      const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 3000, 'refusal');
      expect(ack.body).toMatchObject({ type: 4, data: { flags: 64, content: DM_REFUSAL } });
      expect(runtime.generations.size).toBe(0);
    },
  );
});

describe('discord /help', () => {
  it.each([false, true])('answers privately with commands, prompt words, limits and a link (in a DM: %s)', async (dm) => {
    await boot();
    const { id, token } = fake.slashCommand('help', {}, { dm });
    const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 3000, 'help');
    expect(ack.body).toMatchObject({ type: 4, data: { flags: 64 } });
    const body = JSON.stringify(ack.body?.data);
    for (const word of ['/generate', '/stats', '/search', 'bossa', 'no drums', 'intro', 'Duration 5-120 s', runtime.publicUrl]) expect(body).toContain(word);
  });
});

describe('discord connection health', () => {
  it.each([4004, 4014])('GIVEN gateway close %i THEN health is red, the reason is plain, and onFatal fires once', async (code) => {
    const fatal: Array<{ code: number; line: string }> = [];
    await boot({ onFatal: (c, line) => fatal.push({ code: c, line }) });
    expect(runtime.connections.snapshot().discord?.state).toBe('ready');
    expect(runtime.connections.healthy).toBe(true);
    fake.closeGateway(code);
    await fake.waitFor(() => fatal.length > 0, 5000, 'fatal callback');
    await new Promise((r) => setTimeout(r, 200));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.code).toBe(code);
    expect(fatal[0]!.line).toMatch(code === 4004 ? /DISCORD_TOKEN/ : /intent/);
    expect(runtime.connections.healthy).toBe(false);
    expect(runtime.connections.snapshot().discord).toMatchObject({ state: 'fatal', detail: fatal[0]!.line });
  });

  it('GIVEN an ordinary close THEN the client reconnects and health stays green', async () => {
    const fatal: number[] = [];
    await boot({ onFatal: (c) => fatal.push(c) });
    const identifies = fake.gatewayReceived.filter((m) => m.op === 2).length;
    fake.closeGateway(4000, 'unknown error');
    await fake.waitFor(() => fake.gatewayReceived.filter((m) => m.op === 2 || m.op === 6).length > identifies, 10_000, 'reconnect');
    await fake.waitFor(() => runtime.connections.snapshot().discord?.state === 'ready', 10_000, 'ready again');
    expect(fatal).toEqual([]);
    expect(runtime.connections.healthy).toBe(true);
  });
});
