import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteSlackInstallation, findSlackInstallation, saveSlackInstallation, SlackInstallation, type SlackInstallationInput,
} from '../../core/db/index.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb('slackinst');
});
afterAll(async () => {
  await db.close();
});

function workspace(teamId: string, over: Partial<SlackInstallationInput> = {}): SlackInstallationInput {
  const botToken = `xoxb-${teamId}-secret`;
  return {
    teamId, enterpriseId: null, isEnterpriseInstall: false, botToken, botUserId: 'UBOT1', botId: 'BBOT1',
    scopes: ['commands', 'chat:write', 'files:write'], installerUserId: 'UINSTALLER',
    installation: { team: { id: teamId }, bot: { token: botToken, id: 'BBOT1', userId: 'UBOT1' }, authVersion: 'v2' },
    ...over,
  };
}

describe('Slack installations', () => {
  it('GIVEN a stored workspace install THEN it is found by its team with token, scopes and the raw installation', async () => {
    await saveSlackInstallation(db.em(), workspace('T0STORE1'));
    const found = await findSlackInstallation(db.em(), { teamId: 'T0STORE1', isEnterpriseInstall: false });
    expect(found).not.toBeNull();
    expect(found!.botToken).toBe('xoxb-T0STORE1-secret');
    expect(found!.scopes).toEqual(['commands', 'chat:write', 'files:write']);
    expect(found!.installerUserId).toBe('UINSTALLER');
    expect(found!.installation).toEqual(workspace('T0STORE1').installation);
    expect(await findSlackInstallation(db.em(), { teamId: 'T0OTHER1', isEnterpriseInstall: false })).toBeNull();
  });

  it('GIVEN a row THEN serializing it shows no token', async () => {
    const row = await saveSlackInstallation(db.em(), workspace('T0SERIAL'));
    expect(row.botToken).toBe('xoxb-T0SERIAL-secret');
    expect(JSON.stringify(row)).not.toContain('secret');
    expect(JSON.stringify(row)).toContain('T0SERIAL');
    expect(SlackInstallation.meta.properties.botToken.hidden).toBe(true);
    expect(SlackInstallation.meta.properties.installation.hidden).toBe(true);
  });

  it('GIVEN a reinstall THEN the one row gets the new token and scopes and keeps its install time', async () => {
    const first = await saveSlackInstallation(db.em(), workspace('T0REINST'));
    await new Promise((r) => setTimeout(r, 20));
    const again = await saveSlackInstallation(db.em(), workspace('T0REINST', { botToken: 'xoxb-rotated', scopes: ['commands'], installerUserId: 'UOTHER' }));
    expect(again.installedAt.getTime()).toBe(first.installedAt.getTime());
    expect(again.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
    const found = await findSlackInstallation(db.em(), { teamId: 'T0REINST' });
    expect(found!.botToken).toBe('xoxb-rotated');
    expect(found!.scopes).toEqual(['commands']);
    expect(found!.installerUserId).toBe('UOTHER');
    const [count] = await db.em().execute<Array<{ n: string }>>(`select count(*) as n from slack_installations where team_id = 'T0REINST'`);
    expect(Number(count!.n)).toBe(1);
  });

  it('GIVEN an uninstall THEN the install is gone and a second delete removes nothing', async () => {
    await saveSlackInstallation(db.em(), workspace('T0DELETE'));
    expect(await deleteSlackInstallation(db.em(), { teamId: 'T0DELETE', isEnterpriseInstall: false })).toBe(1);
    expect(await findSlackInstallation(db.em(), { teamId: 'T0DELETE' })).toBeNull();
    expect(await deleteSlackInstallation(db.em(), { teamId: 'T0DELETE', isEnterpriseInstall: false })).toBe(0);
  });

  it('GIVEN an org-wide install THEN its workspaces find it, a workspace install of its own wins, and deleting that leaves the org install', async () => {
    await saveSlackInstallation(db.em(), workspace('unused', {
      teamId: null, enterpriseId: 'E0ORG001', isEnterpriseInstall: true, botToken: 'xoxb-org-token', botUserId: 'UORGBOT',
    }));
    const viaTeam = await findSlackInstallation(db.em(), { teamId: 'T0INORG1', enterpriseId: 'E0ORG001', isEnterpriseInstall: false });
    expect(viaTeam?.botToken).toBe('xoxb-org-token');
    expect(viaTeam?.isEnterpriseInstall).toBe(true);
    expect(viaTeam?.teamId).toBeNull();
    const viaOrg = await findSlackInstallation(db.em(), { enterpriseId: 'E0ORG001', isEnterpriseInstall: true });
    expect(viaOrg?.botUserId).toBe('UORGBOT');

    await saveSlackInstallation(db.em(), workspace('T0INORG1', { enterpriseId: 'E0ORG001', botToken: 'xoxb-own-token' }));
    expect((await findSlackInstallation(db.em(), { teamId: 'T0INORG1', enterpriseId: 'E0ORG001' }))?.botToken).toBe('xoxb-own-token');

    expect(await deleteSlackInstallation(db.em(), { teamId: 'T0INORG1', enterpriseId: 'E0ORG001', isEnterpriseInstall: false })).toBe(1);
    expect((await findSlackInstallation(db.em(), { teamId: 'T0INORG1', enterpriseId: 'E0ORG001' }))?.botToken).toBe('xoxb-org-token');
    // Without its enterprise a team cannot be matched to an org install.
    expect(await findSlackInstallation(db.em(), { teamId: 'T0INORG1' })).toBeNull();
  });

  it('GIVEN malformed input THEN nothing is stored and the error names fields, never values', async () => {
    const bad = workspace("T0'; drop table users; --", { botToken: 'xoxb-must-not-leak' });
    const err = await saveSlackInstallation(db.em(), bad).then(() => new Error('stored'), (e: unknown) => e as Error);
    expect(err.message).not.toBe('stored');
    expect(err.message).toContain('teamId');
    expect(err.message).not.toContain('xoxb-must-not-leak');
    await expect(saveSlackInstallation(db.em(), workspace('T0NOORG', { teamId: null }))).rejects.toThrow(/teamId/);
  });
});
