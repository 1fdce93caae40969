/**
 * Slack tokens at rest: sealed with AES-256-GCM (core/secret-box.ts) in both bot_token and the
 * installation JSON; read back unchanged; a rotation opens old values with the previous key and
 * `resealSlackInstallations` moves every row to the new one; a wrong key fails without echoing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSlackInstallation, resealSlackInstallations, saveSlackInstallation, type SlackInstallationInput } from '../../core/db/index.ts';
import { createSecretBox, isSealed } from '../../core/secret-box.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb('slackenc');
});
afterAll(async () => {
  await db.close();
});

const OLD = Buffer.alloc(32, 1);
const NEW = Buffer.alloc(32, 2);

function workspace(teamId: string): SlackInstallationInput {
  const botToken = `xoxb-${teamId}-very-secret`;
  return {
    teamId, enterpriseId: null, isEnterpriseInstall: false, botToken, botUserId: 'UBOT1', botId: 'BBOT1',
    scopes: ['commands'], installerUserId: 'UINSTALLER',
    installation: { team: { id: teamId }, bot: { token: botToken, id: 'BBOT1', userId: 'UBOT1' }, authVersion: 'v2' },
  };
}

const rawRow = async (teamId: string) =>
  (await db.em().getConnection().execute(`select bot_token, installation::text as installation from slack_installations where team_id = ?`, [teamId]))[0] as { bot_token: string; installation: string };

describe('Slack token encryption', () => {
  it('GIVEN a key THEN no token is stored in plain text, and it reads back unchanged (round trip)', async () => {
    const box = createSecretBox([OLD]);
    await saveSlackInstallation(db.em(), workspace('T0ENC001'), box);
    const raw = await rawRow('T0ENC001');
    expect(raw.bot_token).not.toContain('very-secret');
    expect(isSealed(raw.bot_token)).toBe(true);
    expect(raw.installation).not.toContain('very-secret');
    const found = await findSlackInstallation(db.em(), { teamId: 'T0ENC001', isEnterpriseInstall: false }, box);
    expect(found!.botToken).toBe('xoxb-T0ENC001-very-secret');
    expect(found!.installation).toEqual(workspace('T0ENC001').installation);
    // The same plaintext seals differently each time (random IV).
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('GIVEN a rotation THEN the previous key still opens, reseal moves rows to the new key, and the old key alone no longer opens', async () => {
    await saveSlackInstallation(db.em(), workspace('T0ENC002'), createSecretBox([OLD]));
    const rotated = createSecretBox([NEW, OLD]);
    expect((await findSlackInstallation(db.em(), { teamId: 'T0ENC002', isEnterpriseInstall: false }, rotated))!.botToken).toBe('xoxb-T0ENC002-very-secret');
    expect(await resealSlackInstallations(db.em(), rotated)).toBeGreaterThanOrEqual(2);
    expect((await rawRow('T0ENC002')).bot_token.startsWith(`v1.${createSecretBox([NEW]).keyId}.`)).toBe(true);
    const onlyNew = createSecretBox([NEW]);
    expect((await findSlackInstallation(db.em(), { teamId: 'T0ENC002', isEnterpriseInstall: false }, onlyNew))!.botToken).toBe('xoxb-T0ENC002-very-secret');
    const onlyOld = createSecretBox([OLD]);
    await expect(findSlackInstallation(db.em(), { teamId: 'T0ENC002', isEnterpriseInstall: false }, onlyOld)).rejects.toThrow(/not configured/);
  });

  it('GIVEN a tampered value THEN opening fails (GCM tag) without echoing it', () => {
    const box = createSecretBox([NEW]);
    const sealed = box.seal('xoxb-tamper-secret');
    const parts = sealed.split('.');
    parts[4] = Buffer.from('xoxb-other-secret').toString('base64url');
    let message = '';
    try {
      box.open(parts.join('.'));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('secret');
  });

  it('GIVEN rows stored before a key was set THEN they are read as they are, and reseal encrypts them', async () => {
    await saveSlackInstallation(db.em(), workspace('T0ENC003'));
    expect((await rawRow('T0ENC003')).bot_token).toBe('xoxb-T0ENC003-very-secret');
    const box = createSecretBox([NEW]);
    expect((await findSlackInstallation(db.em(), { teamId: 'T0ENC003', isEnterpriseInstall: false }, box))!.botToken).toBe('xoxb-T0ENC003-very-secret');
    await resealSlackInstallations(db.em(), box);
    expect((await rawRow('T0ENC003')).bot_token).not.toContain('very-secret');
  });
});
