/**
 * Keys of the public HTTP API (/api/v1). A key reads `ditty_<prefix>_<secret>`: the prefix (10
 * base32 characters) is public and names the key in lists and logs; the secret (32 random bytes,
 * base64url) is shown once at creation and only the SHA-256 of the whole key is stored. With 256
 * random bits there is nothing to brute-force, so a fast hash is the right one (a slow KDF would
 * only make every request slower). Each key acts as its own user of the `api` platform, so
 * quotas, fair turns and /stats count it like any chat user.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from './chat.ts';
import type { EntityManager } from './db/index.ts';
import { exec, run, type Raw } from './db/sql.ts';
import { UserError, UserErrorCode } from './errors.ts';
import { cleanName } from './validate.ts';

/** The one "server" every API key belongs to: their tracks, lines and leaderboards are shared. */
export const API_GUILD_ID = 'api';
export const API_CHANNEL_ID = 'api';

export interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  admin: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeyRow {
  /** The whole key: shown once, never stored. */
  key: string;
  /** The key's webhook signing secret (derived from the key; see webhookSecretFor). */
  webhookSecret: string;
}

const KEY_SHAPE = /^ditty_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function newPrefix(): string {
  return [...randomBytes(10)].map((b) => BASE32[b % 32]).join('');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The secret that signs a key's webhooks: HMAC-SHA256(key, "ditty-webhook-v1"), base64, with
 * Standard Webhooks' `whsec_` prefix. Derived, so the client can compute it from the key it holds
 * and the server stores it only with the generations that asked for a callback.
 */
export function webhookSecretFor(key: string): string {
  return `whsec_${createHmac('sha256', key).update('ditty-webhook-v1').digest('base64')}`;
}

/** The user a key acts as: its own user of the `api` platform. */
export function apiActor(key: Pick<ApiKeyRow, 'prefix' | 'name'>): Actor {
  return { platform: 'api', platformUserId: `key_${key.prefix}`, guildId: API_GUILD_ID, displayName: key.name };
}

const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

function toRow(r: Raw): ApiKeyRow {
  return {
    id: Number(r.id),
    name: String(r.name),
    prefix: String(r.prefix),
    admin: Boolean(r.admin),
    createdAt: dateOrNull(r.created_at) ?? new Date(0),
    lastUsedAt: dateOrNull(r.last_used_at),
    revokedAt: dateOrNull(r.revoked_at),
  };
}

const COLUMNS = 'id, name, prefix, admin, created_at, last_used_at, revoked_at';

export async function createApiKey(em: EntityManager, opts: { name: string; admin?: boolean }): Promise<CreatedApiKey> {
  const name = cleanName(opts.name, 100);
  const prefix = newPrefix();
  const key = `ditty_${prefix}_${randomBytes(32).toString('base64url')}`;
  const rows = await exec(em, `insert into api_keys (name, prefix, secret_hash, admin) values (?, ?, ?, ?) returning ${COLUMNS}`, [
    name, prefix, hashKey(key), opts.admin === true,
  ]);
  return { ...toRow(rows[0]!), key, webhookSecret: webhookSecretFor(key) };
}

export async function listApiKeys(em: EntityManager): Promise<ApiKeyRow[]> {
  return (await exec(em, `select ${COLUMNS} from api_keys order by id`)).map(toRow);
}

/** Revokes by prefix (or numeric id); false when no live key matched. */
export async function revokeApiKey(em: EntityManager, which: string): Promise<boolean> {
  const byId = /^\d{1,9}$/.test(which);
  if (!byId && !/^[a-z2-7]{10}$/.test(which)) throw new UserError(UserErrorCode.NotFound, 'Name the key by its prefix or id (see `apikey list`).');
  const changed = await run(em, `update api_keys set revoked_at = now() where ${byId ? 'id' : 'prefix'} = ? and revoked_at is null`, [byId ? Number(which) : which]);
  return changed > 0;
}

/** How stale last_used_at may get: one write a minute per key, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The live key a bearer token names, or null. The stored hash is compared in constant time;
 * a malformed token never reaches the database.
 */
export async function authenticateApiKey(em: EntityManager, presented: string, now: Date = new Date()): Promise<ApiKeyRow | null> {
  const m = KEY_SHAPE.exec(presented);
  if (!m) return null;
  const rows = await exec(em, `select ${COLUMNS}, secret_hash from api_keys where prefix = ?`, [m[1]]);
  const row = rows[0];
  if (!row) return null;
  const given = Buffer.from(hashKey(presented), 'hex');
  const stored = Buffer.from(String(row.secret_hash), 'hex');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
  const key = toRow(row);
  if (key.revokedAt) return null;
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await run(em, `update api_keys set last_used_at = ? where id = ?`, [now, key.id]);
  }
  return key;
}
