/**
 * A sample of the hostile corpus end to end, through the real discord.js and Bolt against the
 * fakes: what reaches the channel (the fakes record it) — the public reply or status message and
 * the finished track's message — carries no markup a harmless prompt's does not. The whole
 * corpus runs through the builders in tests/unit/hostile-corpus.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordBot, type DiscordBot } from '../../bots/discord/index.ts';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { cardBlockId } from '../../bots/slack/blocks.ts';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';
import { FakeDiscord } from '../helpers/fake-discord/server.ts';
import { FakeRuntime as DiscordRuntime } from '../helpers/fake-discord/runtime.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeRuntime as SlackRuntime } from '../helpers/fake-slack/runtime.ts';
import { FakeSlack } from '../helpers/fake-slack/server.ts';
import { hostileSample } from '../helpers/hostile-corpus.ts';
import { markupAdded } from '../helpers/markup-audit.ts';

const execFileP = promisify(execFile);
const BENIGN = 'calm piano';
const SECRET = 'hostile-text-secret';
let tmp: string;
let audioFile: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ditty-hostile-'));
  audioFile = join(tmp, 'tone.ogg');
  const { ffmpeg } = await locateFfmpeg();
  await execFileP(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', '-b:a', '32k', audioFile]);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('Discord: hostile prompts end to end', () => {
  let fake: FakeDiscord;
  let runtime: DiscordRuntime;
  let bot: DiscordBot;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
    runtime = new DiscordRuntime();
    bot = await startDiscordBot({ token: fake.token, applicationId: fake.applicationId, apiBase: fake.apiBase }, runtime, { progressIntervalMs: 100, channelEditIntervalMs: 50 });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
  });

  /** The public reply as first shown, and the finished track's message, as the fake holds them. */
  async function run(prompt: string) {
    const { id, token } = fake.slashCommand('generate', { prompt });
    const ack = await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 5000, `reply to ${JSON.stringify(prompt).slice(0, 40)}`);
    if ((ack.body?.data as { flags?: number } | undefined)?.flags === 64) {
      // Refused: only the author saw it.
      expect(fake.originalOf(id)?.flags ?? 64).toBe(64);
      return null;
    }
    const gen = await fake.waitFor(() => [...runtime.generations.values()].find((g) => g.req.reply?.interactionId === id), 5000, 'generation');
    await runtime.finish(gen.view.id, audioFile);
    const msg = fake.originalOf(id)!;
    const data = ack.body?.data as { content: string; allowed_mentions?: unknown };
    return { reply: { content: data.content }, track: { content: msg.content, embeds: msg.embeds }, mentions: data.allowed_mentions };
  }

  it('GIVEN each sampled hostile prompt THEN the reply and the track message add no markup, and ping nobody', async () => {
    const benign = (await run(BENIGN))!;
    const failures: string[] = [];
    for (const c of hostileSample()) {
      const hostile = await run(c.text);
      if (!hostile) continue;
      expect(hostile.mentions).toEqual({ parse: [] });
      for (const d of markupAdded(benign.reply, hostile.reply, 'discord')) failures.push(`${c.name} reply: ${d}`);
      // The footer and title carry the generation id and engine params, which differ per track, not markup.
      for (const d of markupAdded(benign.track, hostile.track, 'discord')) failures.push(`${c.name} track: ${d}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('Slack: hostile prompts end to end', () => {
  let fake: FakeSlack;
  let runtime: SlackRuntime;
  let app: SlackApp;
  let sender: SlackSender;
  let seq = 0;
  beforeAll(async () => {
    fake = await FakeSlack.start();
    runtime = new SlackRuntime();
    app = await startSlackApp({ botToken: 'xoxb-hostile', signingSecret: SECRET, apiUrl: fake.apiUrl, port: 0 }, runtime, { progressIntervalMs: 100, editBudget: { channelIntervalMs: 20, workspaceIntervalMs: 20 } });
    sender = new SlackSender(`http://127.0.0.1:${app.port}/slack/events`, SECRET, fake);
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
  });

  /** The status message as posted and the track card it becomes, as the fake recorded the calls. */
  async function run(prompt: string) {
    const channel = `C0HOSTILE${String(++seq).padStart(3, '0')}`;
    const before = runtime.rows.size;
    const sent = await sender.command('/generate', prompt, { channelId: channel });
    // Bytes that are not text are refused in the command's answer itself (bots/slack/request-text.ts).
    const refusedInAck = sent.body !== '' && (JSON.parse(sent.body) as { response_type?: string }).response_type === 'ephemeral';
    await fake.waitFor(() => refusedInAck || runtime.rows.size > before || fake.responses.some((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'generation or refusal');
    if (runtime.rows.size === before) {
      // Refused: privately, and nothing was posted in the channel.
      expect(fake.callsOf('chat.postMessage').filter((c) => c.args.channel === channel)).toEqual([]);
      return null;
    }
    const id = [...runtime.rows.keys()].at(-1)!;
    const status = await fake.waitFor(() => fake.messages(channel).find((m) => m.blocks?.some((b) => b.block_id === cardBlockId(id))), 5000, 'status');
    const posted = fake.callsOf('chat.postMessage').find((c) => c.args.channel === channel)!;
    await runtime.deliver(id, audioFile);
    const card = fake.callsOf('chat.update').filter((c) => c.args.channel === channel && c.args.ts === status.ts).at(-1)!;
    const strip = (a: Record<string, unknown>) => ({ text: a.text, blocks: a.blocks });
    return { status: strip(posted.args), card: strip(card.args) };
  }

  it('GIVEN each sampled hostile prompt THEN the status message and the card add no markup, and user text is verbatim', async () => {
    const benign = (await run(BENIGN))!;
    const failures: string[] = [];
    for (const c of hostileSample()) {
      const hostile = await run(c.text);
      if (!hostile) continue;
      for (const d of markupAdded(benign.status, hostile.status, 'slack')) failures.push(`${c.name} status: ${d}`);
      for (const d of markupAdded(benign.card, hostile.card, 'slack')) failures.push(`${c.name} card: ${d}`);
    }
    expect(failures).toEqual([]);
  });
});
