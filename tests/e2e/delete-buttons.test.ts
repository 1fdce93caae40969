/**
 * Deleting a track from Discord and Slack: the real discord.js and Bolt against the local fakes,
 * over the in-memory runtimes. Others are refused; the creator (Discord) or a workspace admin
 * (Slack) may, and the track message is removed. (Local chat deletion: tests/e2e/retention.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../../bots/discord/index.ts';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { ActionId, cardBlockId } from '../../bots/slack/blocks.ts';
import { registry } from '../../core/metrics.ts';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';
import { FakeDiscord, MANAGE_GUILD_PERMISSIONS } from '../helpers/fake-discord/server.ts';
import { FakeRuntime as DiscordRuntime } from '../helpers/fake-discord/runtime.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeRuntime as SlackRuntime } from '../helpers/fake-slack/runtime.ts';
import { FakeSlack } from '../helpers/fake-slack/server.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ditty-delete-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Discord delete button', () => {
  let fake: FakeDiscord;
  let runtime: DiscordRuntime;
  let bot: DiscordBot;
  let audioFile: string;
  beforeAll(async () => {
    audioFile = join(dir, 'tone.ogg');
    const { ffmpeg } = await locateFfmpeg();
    await promisify(execFile)(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', '-b:a', '32k', audioFile]);
    fake = await FakeDiscord.start();
    runtime = new DiscordRuntime();
    bot = await startDiscordBot({ token: fake.token, applicationId: fake.applicationId, apiBase: fake.apiBase }, runtime, { progressIntervalMs: 200 });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  async function delivered(prompt: string, user: ReturnType<FakeDiscord['newUser']>) {
    const { id } = fake.slashCommand('generate', { prompt }, { user });
    const gen = await fake.waitFor(() => [...runtime.generations.values()].find((g) => g.req.reply?.interactionId === id), 5000, 'generate call');
    await runtime.finish(gen.view.id, audioFile);
    const msg = await fake.waitFor(() => {
      const m = fake.originalOf(id);
      return m && JSON.stringify(m.components).includes(`ditty:del:${gen.view.id}`) ? m : undefined;
    }, 5000, 'track message with a Delete button');
    return { generationId: gen.view.id, msg };
  }

  it('GIVEN a track THEN someone else is refused, its creator deletes it and the message goes', async () => {
    const alice = fake.newUser('alice');
    const { generationId, msg } = await delivered('lofi delete me', alice);
    const mallory = fake.newUser('mallory');
    const bad = fake.pressButton(msg, `ditty:del:${generationId}`, mallory);
    const denied = await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${bad.token}/messages/@original`)[0], 5000, 'denial');
    expect(String(denied.body?.content)).toMatch(/Only the person who made a track, or an admin/);
    expect(runtime.generations.has(generationId)).toBe(true);
    expect(fake.messages.has(msg.id)).toBe(true);

    const good = fake.pressButton(msg, `ditty:del:${generationId}`, alice);
    const ok = await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${good.token}/messages/@original`)[0], 5000, 'delete answer');
    expect(String(ok.body?.content)).toContain('Deleted');
    expect(runtime.generations.has(generationId)).toBe(false);
    expect(fake.messages.has(msg.id)).toBe(false);
  });

  it('GIVEN a server admin (Manage Server) THEN they may delete anyone\'s track', async () => {
    const { generationId, msg } = await delivered('ambient admin delete', fake.newUser('carol'));
    const admin = fake.newUser('admin');
    const press = fake.pressButton(msg, `ditty:del:${generationId}`, admin, MANAGE_GUILD_PERMISSIONS);
    await fake.waitFor(() => fake.requestsTo('PATCH', `/webhooks/${fake.applicationId}/${press.token}/messages/@original`)[0], 5000, 'delete answer');
    expect(runtime.generations.has(generationId)).toBe(false);
    expect(fake.messages.has(msg.id)).toBe(false);
  });
});

describe('Slack delete button', () => {
  const SECRET = 'delete-test-signing-secret';
  const ALICE = { id: 'U0ALICE01', name: 'alice' };
  const BOB = { id: 'U0BOB0001', name: 'bob' };
  const ADMIN = { id: 'U0ADMIN01', name: 'ada' };
  let fake: FakeSlack;
  let runtime: SlackRuntime;
  let slack: SlackApp;
  let sender: SlackSender;
  let seq = 0;
  beforeAll(async () => {
    fake = await FakeSlack.start();
    fake.users.set(BOB.id, { name: 'bob', real_name: 'Bob', display_name: 'bob' });
    fake.users.set(ADMIN.id, { name: 'ada', real_name: 'Ada Admin', display_name: 'ada', is_admin: true });
    runtime = new SlackRuntime();
    slack = await startSlackApp({ botToken: 'xoxb-delete-test', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, runtime, { progressIntervalMs: 300 });
    sender = new SlackSender(`http://127.0.0.1:${slack.port}/slack/events`, SECRET, fake);
  });
  afterAll(async () => {
    await slack?.stop();
    await fake?.stop();
  });

  async function delivered(prompt: string) {
    const channel = `C0DEL${String(++seq).padStart(5, '0')}`;
    const before = runtime.rows.size;
    await sender.command('/generate', prompt, { channelId: channel, user: ALICE });
    await fake.waitFor(() => runtime.rows.size > before, 5000, 'generation');
    const id = [...runtime.rows.keys()].at(-1)!;
    const status = await fake.waitFor(() => fake.messages(channel).find((m) => m.blocks?.some((b) => b.block_id === cardBlockId(id))), 5000, 'status message');
    const file = join(dir, `${id}.opus`);
    await writeFile(file, 'audio');
    await runtime.deliver(id, file);
    const card = await fake.waitFor(() => {
      const m = fake.message(channel, status.ts);
      return m && JSON.stringify(m.blocks).includes(ActionId.Delete) ? m : undefined;
    }, 5000, 'card with Delete');
    return { id, channel, card };
  }

  it('GIVEN a track THEN a non-admin who did not make it is refused; a workspace admin deletes it and the card goes', async () => {
    const { channel, card } = await delivered('piano to delete');
    expect(JSON.stringify(card.blocks)).toContain('"confirm"');
    const refused = await sender.clickButton(card, ActionId.Delete, BOB);
    const refusal = await fake.waitFor(() => fake.responses.find((r) => r.id === refused.responseUrlId), 5000, 'refusal');
    expect(String(refusal.body.text)).toMatch(/Only the person who made a track, or an admin/);
    expect(fake.message(channel, card.ts)).toBeDefined();

    const done = await sender.clickButton(card, ActionId.Delete, ADMIN);
    const answer = await fake.waitFor(() => fake.responses.find((r) => r.id === done.responseUrlId), 5000, 'answer');
    expect(String(answer.body.text)).toContain('Deleted');
    await fake.waitFor(() => (fake.message(channel, card.ts) ? undefined : true), 5000, 'card removed');
  });

  it('GIVEN its creator THEN they may delete it, AND the uploaded file and its message go too (files.delete)', async () => {
    const { channel, card } = await delivered('synth to delete');
    const fileMessage = fake.messages(channel).find((m) => m.files?.length)!;
    const fileId = fileMessage.files![0]!.id;
    const done = await sender.clickButton(card, ActionId.Delete, ALICE);
    await fake.waitFor(() => fake.responses.find((r) => r.id === done.responseUrlId), 5000, 'answer');
    await fake.waitFor(() => (fake.message(channel, card.ts) ? undefined : true), 5000, 'card removed');
    await fake.waitFor(() => (fake.files.has(fileId) ? undefined : true), 5000, 'file deleted');
    expect(fake.callsOf('files.delete').at(-1)!.args.file).toBe(fileId);
    expect(fake.messages(channel).filter((m) => m.files?.length)).toHaveLength(0);
  });

  it('GIVEN a track whose upload was never recorded (delivered before steps were) THEN its file message is found and deleted', async () => {
    const { id, channel, card } = await delivered('older track to delete');
    runtime.rows.get(id)!.steps = {};
    const fileMessage = fake.messages(channel).find((m) => m.files?.length)!;
    const done = await sender.clickButton(card, ActionId.Delete, ALICE);
    await fake.waitFor(() => fake.responses.find((r) => r.id === done.responseUrlId), 5000, 'answer');
    await fake.waitFor(() => (fake.message(channel, fileMessage.ts) ? undefined : true), 5000, 'file message removed');
  });

  it('GIVEN Slack and Discord calls made above THEN /metrics counts them by platform and outcome', async () => {
    const text = await registry.metrics();
    const count = (platform: string) => Number(new RegExp(`^ditty_platform_api_calls_total\\{platform="${platform}",outcome="ok"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    // chat.postMessage, chat.update, chat.delete, users.info, file uploads...
    expect(count('slack')).toBeGreaterThan(5);
    expect(count('discord')).toBeGreaterThan(3);
  });
});
