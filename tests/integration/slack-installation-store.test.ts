/**
 * The Slack app's Postgres installation store (bots/slack/oauth.ts) with Bolt's Installation
 * shapes, and the per-workspace clients that progress and delivery use, on a real schema.
 */
import { webApi, type Installation, type InstallationStore } from '@slack/bolt';
import { InstallProvider } from '@slack/oauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../core/log.ts';
import { installedWorkspaceClients, notifyingStore, postgresInstallationStore } from '../../bots/slack/oauth.ts';
import { findSlackInstallation } from '../../core/db/index.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { FakeSlack } from '../helpers/fake-slack/server.ts';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb('slackstore');
});
afterAll(async () => {
  await db.close();
});

function workspaceInstall(teamId: string, token: string, enterpriseId?: string): Installation {
  return {
    team: { id: teamId, name: teamId }, enterprise: enterpriseId ? { id: enterpriseId } : undefined,
    user: { token: undefined, scopes: undefined, id: 'UINSTALL1' },
    bot: { token, scopes: ['commands', 'chat:write'], id: `B${teamId}`, userId: `U${teamId}` },
    isEnterpriseInstall: false, authVersion: 'v2', appId: 'A0DITTY01', tokenType: 'bot',
  };
}

const tokenOf = (client: webApi.WebClient) => client.token;
const make = (token: string) => new webApi.WebClient(token);
const CLIENT = { id: '11.22', secret: 'client-secret' };
const installer = (store: InstallationStore, slackApiUrl?: string) =>
  new InstallProvider({ clientId: CLIENT.id, clientSecret: CLIENT.secret, stateSecret: 'a-long-random-state-secret', installationStore: store, clientOptions: { slackApiUrl } });

describe('postgres installation store', () => {
  it('GIVEN Bolt stores an installation THEN fetch returns it unchanged and the row has its fields', async () => {
    const store = postgresInstallationStore(() => db.em());
    const inst = workspaceInstall('T0STOREA1', 'xoxb-store-a');
    await store.storeInstallation(inst);
    expect(await store.fetchInstallation({ teamId: 'T0STOREA1', enterpriseId: undefined, isEnterpriseInstall: false })).toEqual(inst);
    const row = await findSlackInstallation(db.em(), { teamId: 'T0STOREA1' });
    expect(row).toMatchObject({ botUserId: 'UT0STOREA1', botId: 'BT0STOREA1', installerUserId: 'UINSTALL1', scopes: ['commands', 'chat:write'] });
    await expect(store.fetchInstallation({ teamId: 'T0NOPE0001', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/No Slack installation/);
  });

  it('GIVEN an install without a bot THEN it is refused and nothing is stored', async () => {
    const store = postgresInstallationStore(() => db.em());
    const userOnly: Installation = { ...workspaceInstall('T0USERONLY', 'x'), bot: undefined };
    await expect(store.storeInstallation(userOnly)).rejects.toThrow(/no bot token/);
    expect(await findSlackInstallation(db.em(), { teamId: 'T0USERONLY' })).toBeNull();
  });

  it('GIVEN an org-wide install THEN a workspace of the org gets a client with the org token, one outside does not', async () => {
    const store = postgresInstallationStore(() => db.em());
    await store.storeInstallation({
      team: undefined, enterprise: { id: 'E0ORGSTORE' }, user: { token: undefined, scopes: undefined, id: 'UINSTALL1' },
      bot: { token: 'xoxb-org-wide', scopes: ['commands'], id: 'BORG', userId: 'UORG' }, isEnterpriseInstall: true, authVersion: 'v2',
    });
    const clients = installedWorkspaceClients(installer(store), make);
    expect(tokenOf(await clients.clientFor({ teamId: 'T0MEMBER01', enterpriseId: 'E0ORGSTORE' }))).toBe('xoxb-org-wide');
    await expect(clients.clientFor({ teamId: 'T0MEMBER01' })).rejects.toThrow(/No Slack installation/);
  });

  it('GIVEN a reinstall through the notifying store THEN the cached client is replaced at once; an uninstall makes the workspace fail', async () => {
    const raw = postgresInstallationStore(() => db.em());
    const clients = installedWorkspaceClients(installer(raw), make, 60_000);
    const store = notifyingStore(raw, (team) => clients.forget(team));
    await store.storeInstallation(workspaceInstall('T0REINST01', 'xoxb-first'));
    const first = await clients.clientFor({ teamId: 'T0REINST01' });
    expect(tokenOf(first)).toBe('xoxb-first');
    expect(await clients.clientFor({ teamId: 'T0REINST01' })).toBe(first);

    // Written behind the clients' back, the cache still answers: this is what the notification fixes.
    await raw.storeInstallation(workspaceInstall('T0REINST01', 'xoxb-unnoticed'));
    expect(tokenOf(await clients.clientFor({ teamId: 'T0REINST01' }))).toBe('xoxb-first');

    await store.storeInstallation(workspaceInstall('T0REINST01', 'xoxb-second'));
    expect(tokenOf(await clients.clientFor({ teamId: 'T0REINST01' }))).toBe('xoxb-second');

    await store.deleteInstallation!({ teamId: 'T0REINST01', enterpriseId: undefined, isEnterpriseInstall: false });
    await expect(clients.clientFor({ teamId: 'T0REINST01' })).rejects.toThrow(/No Slack installation/);
  });

  it('GIVEN token rotation THEN a token expiring within two hours is refreshed and stored before use, and the refreshed client is reused while its token lives', async () => {
    const fake = await FakeSlack.start();
    try {
      fake.oauthClient = CLIENT;
      const teamId = 'T0ROTATE01';
      fake.oauthGrants.set('code-rot', {
        teamId, botToken: 'xoxb-rotating', botUserId: 'UROT', botId: 'BROT', installerUserId: 'UINSTALL1', scopes: ['commands'], expiresInS: 600,
      });
      // the install as Bolt stores it with rotation on: the bot token, its refresh token and expiry
      const granted = await new webApi.WebClient(undefined, { slackApiUrl: fake.apiUrl }).oauth.v2.access({ client_id: CLIENT.id, client_secret: CLIENT.secret, code: 'code-rot' });
      const store = postgresInstallationStore(() => db.em());
      const inst = workspaceInstall(teamId, granted.access_token!);
      inst.bot = { ...inst.bot!, refreshToken: granted.refresh_token!, expiresAt: Math.floor(Date.now() / 1000) + granted.expires_in! };
      await store.storeInstallation(inst);

      const clients = installedWorkspaceClients(installer(store, fake.apiUrl), make, 3_600_000);
      const client = await clients.clientFor({ teamId });
      expect(fake.refreshedTokens).toEqual(['xoxb-rotating-r1']);
      expect(tokenOf(client)).toBe('xoxb-rotating-r1');
      const stored = await store.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false });
      expect(stored.bot?.token).toBe('xoxb-rotating-r1');
      expect(stored.bot?.refreshToken).toBe('xoxe-1-refresh-xoxb-rotating-r1');
      // the new token lives 600 s: the client is reused within that, without another refresh
      expect(await clients.clientFor({ teamId })).toBe(client);
      expect(fake.refreshedTokens).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  });
});

describe('scrubSecrets', () => {
  it('GIVEN Web API debug lines THEN tokens and the client secret are masked, other fields kept', () => {
    const line = scrubSecrets('http request body: {"code":"c-1","client_id":"11.22","client_secret":"cs-value"} Bearer xoxb-1-2-abc xapp-1-A-3 refresh_token=r-1&x=2');
    expect(line).not.toMatch(/cs-value|xoxb-1-2-abc|xapp-1-A-3|r-1/);
    expect(line).toContain('"client_id":"11.22"');
    expect(line).toContain('"code":"c-1"');
    expect(line).toContain('&x=2');
  });
});
