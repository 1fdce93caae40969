/**
 * Paged reads of finished tracks for the public API: newest, most played and search, each with an
 * opaque cursor (keyset: the last row's sort values, so a page never repeats or skips rows that
 * were there already). What is listed follows the same rule as /recent and /search in repo.ts:
 * completed and not deleted.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Platform } from '../jobs.ts';
import { isGenerationId } from '../validate.ts';
import { LISTED, SELECT_GENERATION, toGenerationRow, type GenerationRow } from './repo.ts';
import { exec, type Raw } from './sql.ts';

/** One server's tracks, or every server's (admin reads). */
export type CatalogScope = { platform: Platform; guildId: string } | 'global';

export type CatalogOrder = 'recent' | 'most-played';

export interface CatalogPage {
  rows: GenerationRow[];
  /** Pass back for the next page; null on the last one. */
  next: string | null;
}

/** Thrown for a cursor this module did not write (tampered, truncated, from another list). */
export class BadCursorError extends Error {}

interface Position {
  /** The list the cursor belongs to. */
  o: CatalogOrder | 'search';
  /** Sort values of the last row: completed_at text, or plays count, or the offset for search. */
  v: string | number;
  id: string;
}

/** Postgres' text form of a timestamptz (kept as text: a JS Date would drop the microseconds). */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

function encode(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url');
}

function decode(cursor: string, order: Position['o']): Position {
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError('malformed');
  }
  const pos = p as Partial<Position> | null;
  if (!pos || pos.o !== order || !isGenerationId(pos.id) || (typeof pos.v !== 'string' && typeof pos.v !== 'number')) throw new BadCursorError('malformed');
  if (typeof pos.v === 'string' && !PG_TIMESTAMP.test(pos.v)) throw new BadCursorError('malformed');
  if (typeof pos.v === 'number' && !(Number.isSafeInteger(pos.v) && pos.v >= 0)) throw new BadCursorError('malformed');
  return pos as Position;
}

function scopeSql(scope: CatalogScope): { sql: string; params: unknown[] } {
  return scope === 'global' ? { sql: 'true', params: [] } : { sql: 'g.platform = ? and g.guild_id = ?', params: [scope.platform, scope.guildId] };
}

/** A page of finished tracks, newest first or most played first. */
export async function listTracks(em: EntityManager, scope: CatalogScope, order: CatalogOrder, limit: number, cursor?: string | null): Promise<CatalogPage> {
  const where = scopeSql(scope);
  const after = cursor ? decode(cursor, order) : null;
  const params: unknown[] = [...where.params];
  let keyset = '';
  if (after && order === 'recent') {
    keyset = 'and (g.completed_at, g.id) < (?::timestamptz, ?::uuid)';
    params.push(after.v, after.id);
  } else if (after) {
    keyset = 'and (g.plays_count, g.id) < (?, ?::uuid)';
    params.push(after.v, after.id);
  }
  const sort = order === 'recent' ? 'g.completed_at desc, g.id desc' : 'g.plays_count desc, g.id desc';
  const rows = await exec(
    em,
    `${SELECT_GENERATION.replace('select g.*', 'select g.*, g.completed_at::text as sort_at')}
     where ${where.sql} and ${LISTED} ${keyset} order by ${sort} limit ?`,
    [...params, limit + 1],
  );
  return page(rows, limit, (last) => encode({ o: order, v: order === 'recent' ? String(last.sort_at) : Number(last.plays_count), id: String(last.id) }));
}

/** A page of finished tracks whose prompt matches `query` (Postgres full text, web-search syntax), best first. */
export async function searchTracks(em: EntityManager, scope: CatalogScope, query: string, limit: number, cursor?: string | null): Promise<CatalogPage> {
  const q = query.normalize('NFKC').slice(0, 200).trim();
  if (!q) return { rows: [], next: null };
  // Rank order is not a stable key once counts move, so search pages by offset.
  const offset = cursor ? Number(decode(cursor, 'search').v) : 0;
  const where = scopeSql(scope);
  const rows = await exec(
    em,
    `${SELECT_GENERATION}, websearch_to_tsquery('simple', ?) as q
     where ${where.sql} and ${LISTED} and to_tsvector('simple', g.prompt) @@ q
     order by ts_rank(to_tsvector('simple', g.prompt), q) desc, g.completed_at desc, g.id desc limit ? offset ?`,
    [q, ...where.params, limit + 1, offset],
  );
  return page(rows, limit, (last) => encode({ o: 'search', v: offset + limit, id: String(last.id) }));
}

function page(rows: Raw[], limit: number, cursorOf: (last: Raw) => string): CatalogPage {
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  return { rows: shown.map(toGenerationRow), next: more && shown.length > 0 ? cursorOf(shown[shown.length - 1]!) : null };
}

/** When the track was last played (any platform), or null. */
export async function lastPlayedAt(em: EntityManager, generationId: string): Promise<Date | null> {
  if (!isGenerationId(generationId)) return null;
  const [row] = await exec(em, `select max(played_at) as at from plays where generation_id = ?`, [generationId]);
  return row?.at ? new Date(row.at instanceof Date ? row.at.getTime() : String(row.at)) : null;
}
