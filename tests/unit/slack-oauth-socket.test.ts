/**
 * OAuth with Socket Mode: no HTTP receiver, so Bolt serves the install pages on SLACK_PORT while
 * commands arrive over the WebSocket, each authorized with the token its workspace installed.
 * Uses Bolt's in-memory store; the Postgres store has its own tests.
 */
import { MemoryInstallationStore } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackApp } from '../../bots/slack/index.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeRuntime } from '../helpers/fake-slack/runtime.ts';
import { FakeSlack } from '../helpers/fake-slack/server.ts';
import { freePort } from '../helpers/system.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(async () => {
  await fake.stop();
});

describe('Slack OAuth in Socket Mode', () => {
  it('serves the install flow on SLACK_PORT and answers a command over the socket with the installed token', async () => {
    const port = await freePort();
    const rt = new FakeRuntime();
    const store = new MemoryInstallationStore();
    const app = await startSlackApp(
      {
        signingSecret: 'unused-in-socket-mode', appToken: 'xapp-oauth-socket', apiUrl: fake.apiUrl, port,
        oauth: { clientId: '33.44', clientSecret: 'socket-client-secret', stateSecret: 'socket-state-secret-0123456789' },
      },
      rt, {}, { installationStore: store },
    );
    try {
      await fake.waitFor(() => fake.socketCount > 0, 5000, 'socket connection');
      const start = await fetch(`http://127.0.0.1:${port}/slack/install`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
      fake.oauthGrants.set('socket-code', {
        teamId: 'T0SOCKOAU', botToken: 'xoxb-socket-installed', botUserId: 'USOCKBOT', botId: 'BSOCKBOT', installerUserId: 'U0ALICE01', scopes: ['commands', 'chat:write'],
      });
      const done = await fetch(`http://127.0.0.1:${port}/slack/oauth_redirect?code=socket-code&state=${encodeURIComponent(state)}`, { headers: { cookie } });
      expect(done.status).toBe(200);
      const installed = await store.fetchInstallation({ teamId: 'T0SOCKOAU', enterpriseId: undefined, isEnterpriseInstall: false });
      expect(installed.bot?.token).toBe('xoxb-socket-installed');

      const sender = new SlackSender('http://unused.invalid/', 'unused', fake);
      const channel = 'C0SOCKOAU1';
      const from = Date.now();
      await fake.sendSocket({ type: 'slash_commands', payload: sender.commandBody('/generate', 'socket oauth synthwave', { teamId: 'T0SOCKOAU', channelId: channel }) });
      await fake.waitFor(() => rt.rows.size === 1, 5000, 'generation over socket');
      const post = await fake.waitFor(() => fake.calls.find((c) => c.at >= from && c.method === 'chat.postMessage' && c.args.channel === channel), 5000, 'status message');
      expect(post.authorization).toBe('Bearer xoxb-socket-installed');
    } finally {
      await app.stop();
    }
  });
});
