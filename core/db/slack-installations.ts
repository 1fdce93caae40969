/**
 * Slack installations made through OAuth, one row per workspace (or per Enterprise Grid org for
 * an org-wide install). The Slack app's installation store and its delivery read bot tokens here.
 *
 * Tokens are secrets: with a SecretBox (SLACK_TOKEN_KEY), bot_token and installation are stored
 * sealed with AES-256-GCM (installation as `{ "sealed": "v1..." }`); rows stored before are read
 * as they are and sealed at their next save or by `npm run slack:rekey`. The rows returned carry `botToken` and `installation` as non-enumerable
 * properties, so JSON.stringify and the logger never see them, while code can still read them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { SecretBox } from '../secret-box.ts';
import { exec, run, type Raw } from './sql.ts';

export interface SlackInstallationInput {
  /** Null for an org-wide (Enterprise Grid) install. */
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  botToken: string;
  botUserId: string;
  botId: string;
  scopes: string[];
  /** The Slack user who installed the app. */
  installerUserId: string | null;
  /** The installation as Slack's OAuth library built it; returned unchanged by find. */
  installation: Record<string, unknown>;
}

export interface SlackInstallationRow extends SlackInstallationInput {
  installedAt: Date;
  updatedAt: Date;
}

export interface SlackInstallationQuery {
  teamId?: string | null;
  enterpriseId?: string | null;
  isEnterpriseInstall?: boolean;
}

const slackId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a Slack id');
const inputSchema = z.object({
  teamId: slackId.nullable(),
  enterpriseId: slackId.nullable(),
  isEnterpriseInstall: z.boolean(),
  botToken: z.string().min(1).max(1000),
  botUserId: slackId,
  botId: slackId,
  scopes: z.array(z.string().regex(/^[a-z0-9:._-]{1,100}$/)).max(200),
  installerUserId: slackId.nullable(),
  installation: z.record(z.string(), z.unknown()),
});

/**
 * The row a query names: an org-wide install is keyed by its enterprise, any other by its team.
 * A workspace of an org that installed org-wide has no row of its own, so a team query falls
 * back to its enterprise's row.
 */
function candidateKeys(q: SlackInstallationQuery, fallbackToOrg: boolean): string[] {
  const keys: string[] = [];
  if (q.isEnterpriseInstall) {
    if (q.enterpriseId) keys.push(`E:${q.enterpriseId}`);
    return keys;
  }
  if (q.teamId) keys.push(`T:${q.teamId}`);
  if (fallbackToOrg && q.enterpriseId) keys.push(`E:${q.enterpriseId}`);
  return keys;
}

function openInstallation(value: unknown, box: SecretBox | undefined): Record<string, unknown> {
  const v = value as Record<string, unknown>;
  if (typeof v?.sealed !== 'string') return v;
  if (!box) throw new Error('Slack installations are encrypted: set SLACK_TOKEN_KEY');
  return JSON.parse(box.open(v.sealed)) as Record<string, unknown>;
}

function openToken(value: string, box: SecretBox | undefined): string {
  if (!box) {
    if (value.startsWith('v1.')) throw new Error('Slack installations are encrypted: set SLACK_TOKEN_KEY');
    return value;
  }
  return box.open(value);
}

function toRow(r: Raw, box?: SecretBox): SlackInstallationRow {
  const row = {
    teamId: (r.team_id as string | null) ?? null,
    enterpriseId: (r.enterprise_id as string | null) ?? null,
    isEnterpriseInstall: Boolean(r.is_enterprise_install),
    botUserId: String(r.bot_user_id),
    botId: String(r.bot_id),
    scopes: (r.scopes as string[] | null) ?? [],
    installerUserId: (r.installer_user_id as string | null) ?? null,
    installedAt: new Date(r.installed_at as string | Date),
    updatedAt: new Date(r.updated_at as string | Date),
  } as SlackInstallationRow;
  Object.defineProperties(row, {
    botToken: { value: openToken(String(r.bot_token), box), enumerable: false },
    installation: { value: openInstallation(r.installation, box), enumerable: false },
  });
  return row;
}

/** Stores an installation; a reinstall of the same workspace or org replaces it (keeping installedAt). */
export async function saveSlackInstallation(em: EntityManager, input: SlackInstallationInput, box?: SecretBox): Promise<SlackInstallationRow> {
  const parsed = inputSchema.safeParse(input);
  // The message names fields only: values may be tokens.
  if (!parsed.success) throw new Error(`Invalid Slack installation: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const i = parsed.data;
  const [key] = candidateKeys(i, false);
  if (!key) throw new Error('Invalid Slack installation: an org-wide install needs enterpriseId, any other teamId');
  const [row] = await exec(
    em,
    `insert into slack_installations
       (install_key, team_id, enterprise_id, is_enterprise_install, bot_token, bot_user_id, bot_id, scopes, installer_user_id, installation)
     values (?, ?, ?, ?, ?, ?, ?, array(select jsonb_array_elements_text(?::jsonb)), ?, ?::jsonb)
     on conflict (install_key) do update set
       team_id = excluded.team_id, enterprise_id = excluded.enterprise_id, is_enterprise_install = excluded.is_enterprise_install,
       bot_token = excluded.bot_token, bot_user_id = excluded.bot_user_id, bot_id = excluded.bot_id, scopes = excluded.scopes,
       installer_user_id = excluded.installer_user_id, installation = excluded.installation, updated_at = now()
     returning *`,
    [
      key, i.teamId, i.enterpriseId, i.isEnterpriseInstall, box ? box.seal(i.botToken) : i.botToken, i.botUserId, i.botId,
      JSON.stringify(i.scopes), i.installerUserId, JSON.stringify(box ? { sealed: box.seal(JSON.stringify(i.installation)) } : i.installation),
    ],
  );
  return toRow(row!, box);
}

/** The installation serving a workspace (its own, else its org's org-wide one), or null. */
export async function findSlackInstallation(em: EntityManager, query: SlackInstallationQuery, box?: SecretBox): Promise<SlackInstallationRow | null> {
  const keys = candidateKeys(query, true);
  if (keys.length === 0) return null;
  const rows = await exec(em, `select * from slack_installations where install_key in (?)`, [keys]);
  // The workspace's own install wins over its org's.
  const best = keys.map((k) => rows.find((r) => r.install_key === k)).find((r) => r !== undefined);
  return best ? toRow(best, box) : null;
}

/** Removes exactly the named install (a workspace's uninstall leaves its org's install alone); returns rows deleted. */
export async function deleteSlackInstallation(em: EntityManager, query: SlackInstallationQuery): Promise<number> {
  const [key] = candidateKeys(query, false);
  if (!key) return 0;
  return run(em, `delete from slack_installations where install_key = ?`, [key]);
}

/**
 * Re-seals every installation with the box's current key (after a rotation, or to encrypt rows
 * stored before SLACK_TOKEN_KEY was set); returns how many rows it rewrote.
 */
export async function resealSlackInstallations(em: EntityManager, box: SecretBox): Promise<number> {
  const rows = await exec(em, `select install_key, bot_token, installation from slack_installations`);
  let n = 0;
  for (const r of rows) {
    const token = box.open(String(r.bot_token));
    const installation = openInstallation(r.installation, box);
    n += await run(
      em,
      `update slack_installations set bot_token = ?, installation = ?::jsonb where install_key = ?`,
      [box.seal(token), JSON.stringify({ sealed: box.seal(JSON.stringify(installation)) }), r.install_key],
    );
  }
  return n;
}
