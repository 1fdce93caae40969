/**
 * Many workspaces through OAuth, end to end: the real system (Postgres schema, Redis prefix,
 * render worker, and the Slack role as app/system.ts starts it with the Postgres installation
 * store) against the fake Slack. A workspace installs through /slack/install and the redirect,
 * then its commands, progress edits and delivered track all use the token of its installation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSlackInstallation } from '../../core/db/index.ts';
import { createLogger } from '../../core/log.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { SlackSender } from '../helpers/fake-slack/client.ts';
import { FakeSlack, type ApiCall, type OAuthGrant } from '../helpers/fake-slack/server.ts';
import { freePort, startTestSystem, type TestSystem } from '../helpers/system.ts';

const SECRET = 'oauth-e2e-signing-secret';
const CLIENT_ID = '1111.2222';
const CLIENT_SECRET = 'oauth-e2e-client-secret-value';
const STATE_SECRET = 'oauth-e2e-state-secret-0123456789';
const TEAM_A = 'T0OAUTHAA';
const TEAM_B = 'T0OAUTHBB';
const TOKEN_A = 'xoxb-team-a-installed-token';
const TOKEN_A2 = 'xoxb-team-a-reinstalled-token';
const TOKEN_B = 'xoxb-team-b-installed-token';
const CHANNEL_A = 'C0OAUTHA1';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const SCOPES = ['commands', 'chat:write', 'files:write', 'reactions:read', 'users:read', 'channels:history', 'groups:history'];

let fake: FakeSlack;
let sys: TestSystem;
let sender: SlackSender;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.oauthClient = { id: CLIENT_ID, secret: CLIENT_SECRET };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  sys = await startTestSystem({
    roles: ['worker', 'slack'],
    env: {
      DEFAULT_DURATION_S: '5', RATE_LIMIT_PER_MINUTE: '100',
      SLACK_CLIENT_ID: CLIENT_ID, SLACK_CLIENT_SECRET: CLIENT_SECRET, SLACK_STATE_SECRET: STATE_SECRET,
      SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, SLACK_PORT: String(port),
      SLACK_TOKEN_KEY: Buffer.alloc(32, 9).toString('base64'),
      // as an app with several redirect URLs would: ditty must name this one to Slack
      SLACK_REDIRECT_URI: `${base}/slack/oauth_redirect`,
    },
    // Debug level, so the check on secrets covers Bolt's and the Web API client's chatter too.
    log: createLogger('debug', 'ditty-test', { write: (line: string) => void logLines.push(line) }),
  });
  sender = new SlackSender(`${base}/slack/events`, SECRET, fake);
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  await fake?.stop();
});

const grant = (teamId: string, botToken: string): OAuthGrant => ({
  teamId, botToken, botUserId: `U${teamId}BOT`, botId: `B${teamId}BOT`, installerUserId: ALICE.id, scopes: SCOPES,
});

/** Starts the install as a browser would: the state comes back in the redirect and in a cookie. */
async function startInstall(): Promise<{ location: URL; state: string; cookie: string }> {
  const res = await fetch(`${base}/slack/install`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { location, state: location.searchParams.get('state')!, cookie };
}

/** The whole flow: install page, Slack's consent (the fake's grant), the redirect back. */
async function install(g: OAuthGrant): Promise<Response> {
  const { state, cookie } = await startInstall();
  const code = `code-${randomUUID()}`;
  fake.oauthGrants.set(code, g);
  return fetch(`${base}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } });
}

// Stored tokens are sealed with SLACK_TOKEN_KEY: reading them back needs the same key.
const stored = (teamId: string) => findSlackInstallation(sys.runtime.orm.em.fork(), { teamId, isEnterpriseInstall: false }, createSecretBox(sys.config.slack!.tokenKeys!));
const since = (from: number) => fake.calls.filter((c) => c.at >= from);
const bearer = (c: ApiCall) => c.authorization?.replace(/^Bearer /, '');

describe('Slack OAuth on the real system', () => {
  it('GET /slack/install sends the browser to Slack with our client id, the manifest scopes, SLACK_REDIRECT_URI and a state bound to a cookie', async () => {
    const { location, state, cookie } = await startInstall();
    expect(location.origin + location.pathname).toBe('https://slack.com/oauth/v2/authorize');
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('redirect_uri')).toBe(`${base}/slack/oauth_redirect`);
    expect(location.searchParams.get('scope')?.split(',').sort()).toEqual([...SCOPES].sort());
    expect(state.length).toBeGreaterThan(20);
    expect(cookie).toBe(`slack-app-oauth-state=${state}`);
  });

  it('a redirect whose state is not this browser\'s installs nothing', async () => {
    const { state } = await startInstall();
    const code = `code-${randomUUID()}`;
    fake.oauthGrants.set(code, grant(TEAM_A, 'xoxb-forged'));
    const res = await fetch(`${base}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie: 'slack-app-oauth-state=someone-else' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(fake.oauthGrants.has(code)).toBe(true);
    expect(await stored(TEAM_A)).toBeNull();
  });

  it('the completed flow stores the install, and /generate from that workspace runs on its token through to the uploaded file', async () => {
    const res = await install(grant(TEAM_A, TOKEN_A));
    expect(res.status).toBe(200);
    // Slack refuses a token exchange whose redirect_uri differs from the authorize step's
    expect(fake.oauthRedirectUris.at(-1)).toBe(`${base}/slack/oauth_redirect`);
    const row = await stored(TEAM_A);
    expect(row?.botToken).toBe(TOKEN_A);
    expect(row?.botUserId).toBe(`U${TEAM_A}BOT`);
    expect(row?.installerUserId).toBe(ALICE.id);
    expect(row?.scopes).toEqual(SCOPES);

    const from = Date.now();
    const sent = await sender.command('/generate', 'oauth lofi piano 5 7', { teamId: TEAM_A, channelId: CHANNEL_A, user: ALICE });
    expect(sent.status).toBe(200);
    const status = await fake.waitFor(() => fake.messages(CHANNEL_A).find((m) => m.blocks?.some((b) => String(b.block_id).startsWith('ditty:card:'))), 15_000, 'status');
    await fake.waitFor(() => fake.messages(CHANNEL_A).find((m) => m.files?.length && Number(m.ts) > Number(status.ts)), 90_000, 'uploaded track');
    await fake.waitFor(() => fake.callsOf('chat.update').some((c) => c.args.ts === status.ts && /is ready/.test(String(c.args.text))), 10_000, 'track card');

    const calls = since(from);
    const methods = new Set(calls.map((c) => c.method));
    for (const m of ['chat.postMessage', 'chat.update', 'files.getUploadURLExternal', 'files.completeUploadExternal']) expect(methods).toContain(m);
    // Every call, from the command's listener, the progress edits and the delivery, used the stored token.
    expect(new Set(calls.map(bearer))).toEqual(new Set([TOKEN_A]));
  }, 120_000);

  it('each workspace answers with its own token, and a reinstall switches to the new one', async () => {
    expect((await install(grant(TEAM_B, TOKEN_B))).status).toBe(200);
    let from = Date.now();
    await sender.command('/ditty', 'settings', { teamId: TEAM_B, channelId: 'C0OAUTHB1', user: ALICE });
    const infoB = await fake.waitFor(() => since(from).find((c) => c.method === 'users.info'), 5000, 'users.info for B');
    expect(bearer(infoB)).toBe(TOKEN_B);

    expect((await install(grant(TEAM_A, TOKEN_A2))).status).toBe(200);
    expect((await stored(TEAM_A))?.botToken).toBe(TOKEN_A2);
    from = Date.now();
    await sender.command('/ditty', 'settings', { teamId: TEAM_A, channelId: CHANNEL_A, user: ALICE });
    const infoA = await fake.waitFor(() => since(from).find((c) => c.method === 'users.info'), 5000, 'users.info for A');
    expect(bearer(infoA)).toBe(TOKEN_A2);

    // Delivery had a client for the old token cached; the reinstall replaced it at once.
    from = Date.now();
    const channel = 'C0OAUTHA2';
    await sender.command('/generate', 'after reinstall 5 8', { teamId: TEAM_A, channelId: channel, user: ALICE });
    await fake.waitFor(() => fake.messages(channel).find((m) => m.files?.length), 90_000, 'uploaded track after reinstall');
    const calls = since(from);
    expect(calls.map((c) => c.method)).toContain('files.completeUploadExternal');
    expect(new Set(calls.map(bearer))).toEqual(new Set([TOKEN_A2]));
  }, 120_000);

  it('/stats in an installed workspace uploads its chart PNG with that workspace\'s token', async () => {
    const from = Date.now();
    // A chart is drawn once some track has a play or a favorite (bars of nothing say nothing).
    const [track] = await sys.runtime.core.recent('slack', TEAM_A, 1);
    await sys.runtime.core.recordPlay(track!.id, null, 'web');
    const sent = await sender.command('/stats', 'server all', { teamId: TEAM_A, channelId: CHANNEL_A, user: ALICE });
    const reply = await fake.waitFor(() => fake.responses.find((r) => sent.fields.response_url.endsWith(r.id)), 5000, 'stats');
    expect(JSON.stringify(reply.body.blocks)).toContain('oauth lofi piano');
    const chart = await fake.waitFor(
      () => [...fake.files.values()].find((f) => f.filename === 'ditty-stats.png' && f.completed && f.channel === CHANNEL_A), 10_000, 'chart',
    );
    expect(chart.bytes!.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const uploads = since(from).filter((c) => c.method.startsWith('files.'));
    expect(uploads.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(new Set(uploads.map(bearer))).toEqual(new Set([TOKEN_A2]));
  });

  it('a workspace that never installed is refused and nothing is generated', async () => {
    const from = Date.now();
    const sent = await sender.command('/generate', 'not installed here', { teamId: 'T0STRANGER', channelId: 'C0STRANGE', user: ALICE });
    await new Promise((r) => setTimeout(r, 300));
    // Bolt finds no installation, so no listener runs: no Web API call, no reply.
    expect(since(from)).toEqual([]);
    expect(fake.responses.some((r) => sent.fields.response_url.endsWith(r.id))).toBe(false);
    const stats = await sys.runtime.core.stats({ platform: 'slack', guildId: 'T0STRANGER', scope: 'server', period: 'all' });
    expect(stats.totals.generations).toBe(0);
  });

  it('app_uninstalled removes the workspace\'s install; its next command is refused', async () => {
    const envelope = {
      token: 'deprecated-verification-token', team_id: TEAM_B, api_app_id: 'A0DITTY01', type: 'event_callback',
      event: { type: 'app_uninstalled', event_ts: `${Date.now() / 1000}` }, event_id: `Ev${randomUUID().slice(0, 8)}`, event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: TEAM_B, user_id: `U${TEAM_B}BOT`, is_bot: true, is_enterprise_install: false }],
    };
    expect((await sender.post(JSON.stringify(envelope), 'application/json')).status).toBe(200);
    const deadline = Date.now() + 5000;
    while ((await stored(TEAM_B)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await stored(TEAM_B)).toBeNull();
    expect((await stored(TEAM_A))?.botToken).toBe(TOKEN_A2);
    const from = Date.now();
    const sent = await sender.command('/ditty', 'settings', { teamId: TEAM_B, channelId: 'C0OAUTHB1', user: ALICE });
    await new Promise((r) => setTimeout(r, 300));
    expect(since(from)).toEqual([]);
    expect(fake.responses.some((r) => sent.fields.response_url.endsWith(r.id))).toBe(false);
  });

  it('no log line holds a bot token, the client secret, the state secret or the signing secret', () => {
    expect(logLines.length).toBeGreaterThan(50);
    const all = logLines.join('');
    for (const secret of [TOKEN_A, TOKEN_A2, TOKEN_B, CLIENT_SECRET, STATE_SECRET, SECRET]) expect(all).not.toContain(secret);
  });
});
