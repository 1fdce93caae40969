/** Per-server settings (a Discord guild, a Slack workspace, or the local chat). */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { UserError, UserErrorCode } from '../errors.ts';
import type { Platform } from '../jobs.ts';
import { exec } from './sql.ts';

export interface ServerSettingsRow {
  platform: Platform;
  guildId: string;
  /** Empty means every channel. */
  allowedChannels: string[];
  /** Null means the deployment's default from config. */
  maxDurationS: number | null;
  rateLimitPerMinute: number | null;
  concurrency: number | null;
  blockedWords: string[];
  favoriteEmoji: string;
}

export const DEFAULT_FAVORITE_EMOJI = '⭐';

const id = z.string().trim().min(1).max(64);
const patchSchema = z
  .object({
    allowedChannels: z.array(id).max(200),
    maxDurationS: z.number().int().min(5).max(120).nullable(),
    rateLimitPerMinute: z.number().int().min(1).max(10_000).nullable(),
    concurrency: z.number().int().min(1).max(1000).nullable(),
    blockedWords: z.array(z.string().trim().min(1).max(100)).max(500),
    favoriteEmoji: z.string().trim().min(1).max(64),
  })
  .partial()
  .strict();

export type ServerSettingsPatch = z.infer<typeof patchSchema>;

const COLUMNS = {
  allowedChannels: 'allowed_channels',
  maxDurationS: 'max_duration_s',
  rateLimitPerMinute: 'rate_limit_per_minute',
  concurrency: 'concurrency',
  blockedWords: 'blocked_words',
  favoriteEmoji: 'favorite_emoji',
} as const satisfies Record<keyof ServerSettingsPatch, string>;

function toRow(platform: Platform, guildId: string, r: Record<string, unknown> | undefined): ServerSettingsRow {
  const nullableInt = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    platform,
    guildId,
    allowedChannels: (r?.allowed_channels as string[] | undefined) ?? [],
    maxDurationS: nullableInt(r?.max_duration_s),
    rateLimitPerMinute: nullableInt(r?.rate_limit_per_minute),
    concurrency: nullableInt(r?.concurrency),
    blockedWords: (r?.blocked_words as string[] | undefined) ?? [],
    favoriteEmoji: (r?.favorite_emoji as string | undefined) ?? DEFAULT_FAVORITE_EMOJI,
  };
}

/** The server's settings; a server that never changed any gets the defaults. */
export async function getServerSettings(em: EntityManager, platform: Platform, guildId: string): Promise<ServerSettingsRow> {
  const rows = await exec(
    em,
    `select * from server_settings where platform = ? and guild_id = ?`,
    [platform, guildId],
  );
  return toRow(platform, guildId, rows[0]);
}

/** Validates an admin's patch; the UserError names every bad field. In-memory test cores reuse it. */
export function parseServerSettingsPatch(patch: unknown): ServerSettingsPatch {
  const parsed = patchSchema.safeParse(patch);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'settings')))];
    throw new UserError(UserErrorCode.NotAllowed, `Invalid server setting: ${fields.join(', ')}.`, { fields });
  }
  return parsed.data;
}

/** Changes only the given fields; input comes from admin commands in chat and is validated here. */
export async function updateServerSettings(
  em: EntityManager,
  platform: Platform,
  guildId: string,
  patch: ServerSettingsPatch,
): Promise<ServerSettingsRow> {
  const entries = Object.entries(parseServerSettingsPatch(patch)).filter(([, v]) => v !== undefined) as Array<[keyof ServerSettingsPatch, unknown]>;
  const cols = entries.map(([k]) => COLUMNS[k]);
  const rows = await exec(
    em,
    `insert into server_settings (platform, guild_id${cols.map((c) => `, ${c}`).join('')})
     values (?, ?${entries.map(([k]) => (k === 'allowedChannels' || k === 'blockedWords' ? ', array[?]::text[]' : ', ?')).join('')})
     on conflict (platform, guild_id) do update set updated_at = now()${cols.map((c) => `, ${c} = excluded.${c}`).join('')}
     returning *`,
    [platform, guildId, ...entries.map(([, v]) => v)],
  );
  return toRow(platform, guildId, rows[0]);
}
