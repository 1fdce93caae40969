/**
 * Read-only lists across every server (local chat, Discord guilds, Slack workspaces) for the web
 * gallery: recent, most played, most favorited, search, one person's tracks and favorites, and the
 * servers that have tracks. Only tracks someone can still play are listed: completed, not deleted,
 * audio not expired. Pages are bounded offsets (`offset` is clamped), so no list costs more than a
 * few thousand rows.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Platform } from '../jobs.ts';
import { clampLimit, SELECT_GENERATION, toGenerationRow, type GenerationRow } from './repo.ts';
import { ALL_BUCKET, GLOBAL_SCOPE } from './aggregates.ts';
import { exec } from './sql.ts';

/** Playable: finished, and neither deleted by a person nor expired by retention. */
const PLAYABLE = `g.status = 'completed' and g.deleted_at is null and g.expired_at is null`;
/** Deepest offset a page may ask for: past it, a list is a search problem, not a paging one. */
export const BROWSE_MAX_OFFSET = 2_000;

export interface BrowsePage {
  limit: number;
  offset?: number;
}

export type BrowseOrder = 'recent' | 'plays' | 'favorites';

const ORDER_BY: Record<BrowseOrder, string> = {
  recent: 'g.completed_at desc, g.id',
  plays: 'g.plays_count desc, g.favorites_count desc, g.completed_at desc, g.id',
  favorites: 'g.favorites_count desc, g.plays_count desc, g.completed_at desc, g.id',
};

function window(page: BrowsePage): [number, number] {
  const offset = Math.min(BROWSE_MAX_OFFSET, Math.max(0, Math.floor(Number.isFinite(page.offset) ? page.offset! : 0)));
  return [clampLimit(page.limit), offset];
}

/** Playable tracks of every server, in the given order. */
export async function browseTracks(em: EntityManager, order: BrowseOrder, page: BrowsePage): Promise<GenerationRow[]> {
  const [limit, offset] = window(page);
  const rows = await exec(em, `${SELECT_GENERATION} where ${PLAYABLE} order by ${ORDER_BY[order]} limit ? offset ?`, [limit, offset]);
  return rows.map(toGenerationRow);
}

/** Playable tracks of every server whose prompt matches (Postgres full text, web-search syntax). */
export async function browseSearch(em: EntityManager, query: string, page: BrowsePage): Promise<GenerationRow[]> {
  const q = String(query ?? '').normalize('NFKC').slice(0, 200).trim();
  if (!q) return [];
  const [limit, offset] = window(page);
  const rows = await exec(
    em,
    `${SELECT_GENERATION}, websearch_to_tsquery('simple', ?) as q
     where ${PLAYABLE} and to_tsvector('simple', g.prompt) @@ q
     order by ts_rank(to_tsvector('simple', g.prompt), q) desc, g.completed_at desc, g.id limit ? offset ?`,
    [q, limit, offset],
  );
  return rows.map(toGenerationRow);
}

export interface BrowseUser {
  platform: Platform;
  guildId: string;
  platformUserId: string;
}

/** One person's playable tracks, newest first. */
export async function browseCreatedBy(em: EntityManager, user: BrowseUser, page: BrowsePage): Promise<GenerationRow[]> {
  const [limit, offset] = window(page);
  const rows = await exec(
    em,
    `${SELECT_GENERATION} where ${PLAYABLE} and u.platform = ? and u.guild_id = ? and u.platform_user_id = ?
     order by g.completed_at desc, g.id limit ? offset ?`,
    [user.platform, user.guildId, user.platformUserId, limit, offset],
  );
  return rows.map(toGenerationRow);
}

/** The playable tracks one person starred, most recently starred first. */
export async function browseFavoritesOf(em: EntityManager, user: BrowseUser, page: BrowsePage): Promise<GenerationRow[]> {
  const [limit, offset] = window(page);
  const rows = await exec(
    em,
    `${SELECT_GENERATION}
       join favorites f on f.generation_id = g.id
       join users fu on fu.id = f.user_id and fu.platform = ? and fu.guild_id = ? and fu.platform_user_id = ?
     where ${PLAYABLE}
     order by f.created_at desc, g.id limit ? offset ?`,
    [user.platform, user.guildId, user.platformUserId, limit, offset],
  );
  return rows.map(toGenerationRow);
}

export interface ServerSummary {
  platform: Platform;
  guildId: string;
  /** Tracks finished there, ever (the /stats all-time total: it counts later deleted or expired ones too). */
  tracks: number;
}

/**
 * Servers with at least one finished track, the busiest first. Read from the /stats all-time
 * totals (one row per server) rather than by grouping every generation: 505 ms p50 at 200k
 * generations that way (npm run bench -- gallery).
 */
export async function browseServers(em: EntityManager, limit = 50): Promise<ServerSummary[]> {
  const rows = await exec(
    em,
    `select platform, guild_id, completed from stat_totals
      where period = 'all' and bucket = ?::date and guild_id <> ? and completed > 0
      order by completed desc, platform, guild_id limit ?`,
    [ALL_BUCKET, GLOBAL_SCOPE, clampLimit(limit, 200)],
  );
  return rows.map((r) => ({ platform: r.platform as Platform, guildId: String(r.guild_id), tracks: Number(r.completed) }));
}
