/**
 * Socket Mode end to end: the real Bolt App opens its WebSocket through the fake
 * apps.connections.open, receives a slash command envelope, acks it over the socket, and the
 * real system renders and uploads the track.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ActionId } from '../../bots/slack/blocks.ts';
import { startSlackApp, type SlackApp } from '../../bots/slack/index.ts';
import { probe } from '../helpers/ffprobe.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeSlack } from '../helpers/fake-slack/server.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

let fake: FakeSlack;
let sys: TestSystem;
let slack: SlackApp;
let dir: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  sys = await startTestSystem({ roles: ['worker'], env: { DEFAULT_DURATION_S: '5' } });
  slack = await startSlackApp(
    { botToken: 'xoxb-socket-e2e', signingSecret: 'unused-in-socket-mode', appToken: 'xapp-socket-e2e', apiUrl: fake.apiUrl, port: 0 },
    sys.runtime,
  );
  dir = await mkdtemp(join(tmpdir(), 'ditty-slack-socket-'));
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await sys?.stop();
  await fake?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('handles /generate over Socket Mode from ack to uploaded audio', async () => {
  expect(slack.port).toBe(0);
  await fake.waitFor(() => fake.socketCount === 1, 10_000, 'socket connection');
  // /healthz reports the socket's own state in Socket Mode.
  await fake.waitFor(() => sys.runtime.connections.snapshot()['slack-socket']?.state === 'ready', 10_000, 'socket health');
  expect(fake.callsOf('apps.connections.open').at(-1)?.authorization).toBe('Bearer xapp-socket-e2e');

  const channel = 'C0SOCKET01';
  // The sender only builds the payload here; nothing goes over HTTP.
  const payload = new SlackSender('http://unused', 'unused', fake).commandBody('/generate', 'house groove 5 7', { channelId: channel });
  const started = performance.now();
  const ack = await fake.sendSocket({ type: 'slash_commands', payload, accepts_response_payload: true });
  expect(performance.now() - started).toBeLessThan(3000);
  expect(typeof ack.envelope_id).toBe('string');

  const fileMessage = await fake.waitFor(() => fake.messages(channel).find((m) => m.files?.length), 90_000, 'uploaded file');
  const card = fake.messages(channel).find((m) => JSON.stringify(m.blocks).includes(ActionId.Favorite));
  expect(card).toBeDefined();
  const file = fake.files.get(fileMessage.files![0]!.id)!;
  const path = join(dir, file.filename);
  await writeFile(path, file.bytes!);
  const probed = await probe(path);
  expect(probed.durationS).toBeGreaterThan(4.5);
  expect(probed.durationS).toBeLessThan(5.6);
}, 120_000);
