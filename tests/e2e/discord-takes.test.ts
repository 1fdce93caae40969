/**
 * Takes on Discord: the real discord.js client against the fake Discord, over the real core,
 * queue, worker and Postgres. One reply holds every take (a file and a row of buttons each), a
 * take whose render fails (fault injected for one seed) is named in it in plain words while the
 * others are delivered, each take is favorited on its own, and a batch over the per-minute limit
 * is refused in words. The fake enforces Discord's message limits (10 files, 25 MiB, 5×5 buttons).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../../bots/discord/index.ts';
import { MESSAGE_STEP } from '../../bots/discord/delivery.ts';
import { getBatch } from '../../core/db/index.ts';
import { exec } from '../../core/db/sql.ts';
import { FakeDiscord, MAX_UPLOAD_BYTES, type FakeMessage } from '../helpers/fake-discord/server.ts';
import { FAIL_SEED } from '../helpers/render-threads/fail-seed.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

let fake: FakeDiscord;
let sys: TestSystem;
let bot: DiscordBot;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  sys = await startTestSystem({
    env: { DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase, DEFAULT_DURATION_S: '5', WORKER_CONCURRENCY: '2' },
    worker: { poolOptions: { filename: new URL('../helpers/render-threads/fail-seed.ts', import.meta.url).href, killGraceMs: 500 } },
  });
  bot = await startDiscordBot(sys.config.discord!, sys.runtime, { progressIntervalMs: 250 });
});

afterAll(async () => {
  await bot?.stop();
  await sys?.stop();
  await fake?.close();
});

async function batchMessage(interactionId: string): Promise<FakeMessage> {
  return fake.waitFor(() => {
    const m = fake.originalOf(interactionId);
    return m && JSON.stringify(m.embeds).includes('ditty takes · ') ? m : undefined;
  }, 60_000, 'the batch message');
}

const favIds = (m: FakeMessage): string[] => [...JSON.stringify(m.components).matchAll(/ditty:fav:([0-9a-f-]{36})/g)].map((x) => x[1]!);

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  await waitFor(async () => ((await check()) ? true : undefined), 15_000, what);
}

describe('takes on discord', () => {
  let message: FakeMessage;

  it('GIVEN /generate takes:3 with one seed that fails THEN one message holds the two made takes (a file and buttons each) and says in words which take failed and why', async () => {
    const { id, token } = fake.slashCommand('generate', { prompt: 'lo-fi piano at 80 bpm', duration: 5, seed: FAIL_SEED - 1, takes: 3 });
    // While the takes are made, the reply has a line per take with its seed.
    const progress = await fake.waitFor(() => {
      const m = fake.originalOf(id);
      return m && /Take 1\*\* · seed 66600/.test(m.content) && /Take 3\*\* · seed 66602/.test(m.content) ? m : undefined;
    }, 5_000, 'the batch progress reply');
    expect(progress.content).toContain('3 takes');

    message = await batchMessage(id);
    expect(message.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/-take1\.\w+$/), expect.stringMatching(/-take3\.\w+$/)]);
    for (const a of message.attachments) expect(message.fileData.get(a.id)!.length).toBeGreaterThan(1000);
    expect(message.content).toMatch(/2 of .*3 takes are ready/);
    expect(message.content).toContain('**Take 1** · seed 66600');
    expect(message.content).toContain('**Take 3** · seed 66602');
    expect(message.content).toMatch(/\*\*Take 2\*\* · seed 66601 · ❌ failed: The music engine failed; please try again\. \(make it again with seed 66601\)/);
    // One row per made take, each with its own Favorite.
    expect(message.components).toHaveLength(2);
    expect(favIds(message)).toHaveLength(2);
    // The whole batch was one reply: nothing else was posted in the channel.
    expect(fake.requestsTo('POST', `/channels/${fake.channelId}/messages`)).toHaveLength(0);
    const edits = fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${token}/messages/@original`);
    for (const e of edits) expect(e.body?.allowed_mentions).toEqual({ parse: [] });

    const [take1, take3] = favIds(message);
    await waitUntil(async () => (await sys.runtime.core.track(take1!))?.status === 'completed', 'take 1 completed');
    const t1 = await sys.runtime.core.track(take1!);
    expect(t1?.params.seed).toBe(FAIL_SEED - 1);
    await waitUntil(async () => (await sys.runtime.core.batch!(t1!.take!.batchId)).every((t) => t.status !== 'delivering'), 'every take ended');
    const batch = await sys.runtime.core.batch!(t1!.take!.batchId);
    expect(batch.map((t) => t.status)).toEqual(['completed', 'failed', 'completed']);
    expect(batch[2]!.id).toBe(take3);
    // The message is the batch's recorded delivery step: a rerun after kill -9 returns it, posting nothing.
    expect((await getBatch(sys.runtime.orm.em.fork(), t1!.take!.batchId))?.deliverySteps[MESSAGE_STEP]).toBe(message.id);
  });

  it('GIVEN the batch message THEN each take is favorited with its own button, the other untouched, and every row stays', async () => {
    const [take1, take3] = favIds(message);
    const bob = fake.newUser('bob');
    fake.pressButton(message, `ditty:fav:${take3}`, bob);
    await waitUntil(async () => (await sys.runtime.core.track(take3!))?.favorites === 1, 'take 3 favorited');
    expect((await sys.runtime.core.track(take1!))?.favorites).toBe(0);
    // The count on the button is redrawn for the whole batch: both rows, take 3 counting 1.
    const redrawn = await fake.waitFor(() => {
      const m = fake.messages.get(message.id)!;
      return JSON.stringify(m.components).includes('Take 3 · Favorite (1)') ? m : undefined;
    }, 15_000, 'the redrawn count');
    expect(redrawn.components).toHaveLength(2);
    expect(JSON.stringify(redrawn.components)).toContain('Take 1 · Favorite (0)');
    // A reaction on a batch message cannot say which take: it changes nothing.
    fake.react(redrawn, bob, '⭐', true);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await sys.runtime.core.track(take1!))?.favorites).toBe(0);
    expect((await sys.runtime.core.track(take3!))?.favorites).toBe(1);
  });

  it('GIVEN takes:4 THEN one message with four files and four rows, seeds distinct', async () => {
    const { id } = fake.slashCommand('generate', { prompt: 'house at 124 bpm', duration: 5, takes: 4 });
    const m = await batchMessage(id);
    expect(m.attachments).toHaveLength(4);
    expect(m.components).toHaveLength(4);
    const seeds = [...m.content.matchAll(/\*\*Take \d\*\* · seed (\d+)/g)].map((x) => x[1]);
    expect(new Set(seeds).size).toBe(4);
    expect(m.content).toContain('4 takes are ready');
  });

  it('GIVEN a limit of 3 a minute THEN takes:4 is refused privately in words and nothing is queued', async () => {
    await sys.runtime.core.updateSettings({ platform: 'discord', platformUserId: 'admin', guildId: fake.guildId, displayName: 'admin' }, { rateLimitPerMinute: 3 }, { isAdmin: true });
    const rows = async () => Number((await exec(sys.runtime.orm.em.fork(), `select count(*)::int as n from generations where guild_id = ?`, [fake.guildId]))[0]!.n);
    const before = await rows();
    const { id, token } = fake.slashCommand('generate', { prompt: 'jazz trio', duration: 5, takes: 4 }, { user: fake.newUser('dora') });
    const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 5_000, 'the refusal');
    const data = ack.body?.data as { content: string; flags: number };
    expect(data.flags & 64).toBe(64);
    // inert() escapes markdown in echoed text (a colon becomes "\\:").
    expect(data.content.replace(/\\/g, '')).toContain('4 takes count as 4 generations, and you have 3 of 3 left this minute: ask for 3 takes now');
    expect(await rows()).toBe(before);
  });
});

describe('the fake refuses what Discord refuses', () => {
  const post = async (files: number, bytesEach: number, components: unknown[] = []) => {
    const form = new FormData();
    form.set('payload_json', JSON.stringify({ content: 'x', components, attachments: Array.from({ length: files }, (_, i) => ({ id: i, filename: `f${i}.ogg` })) }));
    for (let i = 0; i < files; i++) form.set(`files[${i}]`, new Blob([new Uint8Array(bytesEach)]), `f${i}.ogg`);
    const res = await fetch(`${fake.apiBase}/v10/channels/${fake.channelId}/messages`, { method: 'POST', headers: { authorization: `Bot ${fake.token}` }, body: form });
    return { status: res.status, body: (await res.json()) as { code?: number } };
  };
  const row = (n: number) => ({ type: 1, components: Array.from({ length: n }, (_, i) => ({ type: 2, style: 2, custom_id: `b${i}`, label: 'b' })) });

  it('GIVEN 11 files THEN 50035; 10 files pass', async () => {
    expect(await post(11, 10)).toMatchObject({ status: 400, body: { code: 50035 } });
    expect((await post(10, 10)).status).toBe(200);
  });

  it('GIVEN files adding up past 25 MiB THEN 413 (40005)', async () => {
    expect(await post(1, MAX_UPLOAD_BYTES + 1)).toMatchObject({ status: 413, body: { code: 40005 } });
  });

  it('GIVEN 6 rows or 6 buttons in a row THEN 50035', async () => {
    expect((await post(0, 0, Array.from({ length: 6 }, () => row(1)))).status).toBe(400);
    expect((await post(0, 0, [row(6)])).status).toBe(400);
    expect((await post(0, 0, Array.from({ length: 5 }, () => row(5)))).status).toBe(200);
  });
});
