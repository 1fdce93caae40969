/**
 * Fair turns: each server has a number of render slots; a track that finds them full waits in
 * the server's line (a `queued` row with no `admitted_at`, and no render job yet). Admission runs
 * under a per-server advisory lock inside a transaction, so counting slots and taking one is a
 * single step: 40 requests racing for 4 free slots admit exactly 4. The line is served
 * round-robin across users: the next admitted is the waiting track whose owner holds the fewest
 * slots counting the tracks queued ahead of it, and among equals the owner whose last turn is
 * oldest; so one user's long line never delays another user's first track by more than one render.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserError, UserErrorCode } from '../errors.ts';
import type { Platform } from '../jobs.ts';
import { exec, run } from './sql.ts';

export interface TurnLimits {
  /** Slots of a server whose settings name none. */
  serverConcurrency: number;
  /** Slots one user may hold in a server at once. */
  userConcurrency: number;
  /** Tracks that may wait in one server's line; past it new requests are refused. */
  serverLineMax: number;
  /** Tracks one user may have waiting in a server's line. */
  userLineMax: number;
}

export interface Admitted {
  id: string;
  platform: Platform;
  guildId: string;
  /** The owner's number of slots with this one (1 = their first): the render queue's priority. */
  priority: number;
}

interface Waiting {
  id: string;
  userId: number;
}

/** Serializes every admission in one server for the rest of the transaction (re-entrant). */
export async function lockServerTurns(tx: EntityManager, platform: Platform, guildId: string): Promise<void> {
  await exec(tx, `select pg_advisory_xact_lock(hashtext(?))`, [`ditty:turns:${platform}:${guildId}`]);
}

/**
 * The line in the order it will be served. A waiting track's turn is its owner's slots held plus
 * its rank among the owner's waiting tracks; among equal turns the owner served longest ago (or
 * never) goes first, then the older request.
 */
export function fairOrder<W extends Waiting>(
  waitingOldestFirst: readonly W[],
  slotsHeld: ReadonlyMap<number, number>,
  lastTurnAt: ReadonlyMap<number, number> = new Map(),
): W[] {
  const rank = new Map<number, number>();
  const turns = waitingOldestFirst.map((w, index) => {
    const k = (rank.get(w.userId) ?? 0) + 1;
    rank.set(w.userId, k);
    return { w, index, turn: (slotsHeld.get(w.userId) ?? 0) + k, last: lastTurnAt.get(w.userId) ?? -Infinity };
  });
  turns.sort((a, b) => a.turn - b.turn || (a.last === b.last ? 0 : a.last < b.last ? -1 : 1) || a.index - b.index);
  return turns.map((t) => t.w);
}

/** When each waiting user last got a slot (a user row belongs to one server). */
async function lastTurns(tx: EntityManager, line: readonly Waiting[]): Promise<Map<number, number>> {
  const users = [...new Set(line.map((w) => w.userId))];
  if (users.length === 0) return new Map();
  const rows = await exec(
    tx,
    `select user_id, max(admitted_at) as at from generations where user_id in (?) and admitted_at is not null group by user_id`,
    [users],
  );
  return new Map(rows.map((r) => [Number(r.user_id), r.at instanceof Date ? r.at.getTime() : new Date(String(r.at)).getTime()]));
}

async function slotsHeldByUser(tx: EntityManager, platform: Platform, guildId: string): Promise<Map<number, number>> {
  const rows = await exec(
    tx,
    `select user_id, count(*)::int as n from generations
     where platform = ? and guild_id = ? and status in ('queued', 'rendering', 'encoding') and admitted_at is not null
     group by user_id`,
    [platform, guildId],
  );
  return new Map(rows.map((r) => [Number(r.user_id), Number(r.n)]));
}

async function waitingLine(tx: EntityManager, platform: Platform, guildId: string): Promise<Waiting[]> {
  const rows = await exec(
    tx,
    `select id, user_id from generations
     where platform = ? and guild_id = ? and status = 'queued' and admitted_at is null
     order by created_at, id limit 10000`,
    [platform, guildId],
  );
  return rows.map((r) => ({ id: String(r.id), userId: Number(r.user_id) }));
}

async function serverSlots(tx: EntityManager, platform: Platform, guildId: string, fallback: number): Promise<number> {
  const rows = await exec(tx, `select concurrency from server_settings where platform = ? and guild_id = ?`, [platform, guildId]);
  const n = rows[0]?.concurrency;
  return n === null || n === undefined ? fallback : Number(n);
}

/**
 * Gives free slots of one server to the line, in fair order. Call inside a transaction that holds
 * `lockServerTurns` for the server. Returns the rows admitted, to be enqueued after commit.
 */
export async function admitWaiting(tx: EntityManager, platform: Platform, guildId: string, limits: TurnLimits): Promise<Admitted[]> {
  const held = await slotsHeldByUser(tx, platform, guildId);
  let free = (await serverSlots(tx, platform, guildId, limits.serverConcurrency)) - [...held.values()].reduce((a, b) => a + b, 0);
  if (free <= 0) return [];
  const line = await waitingLine(tx, platform, guildId);
  if (line.length === 0) return [];
  const admitted: Admitted[] = [];
  for (const w of fairOrder(line, held, await lastTurns(tx, line))) {
    if (free <= 0) break;
    const mine = held.get(w.userId) ?? 0;
    if (mine >= limits.userConcurrency) continue;
    held.set(w.userId, mine + 1);
    free--;
    admitted.push({ id: w.id, platform, guildId, priority: mine + 1 });
  }
  if (admitted.length > 0) {
    await run(tx, `update generations set admitted_at = now() where id in (?)`, [admitted.map((a) => a.id)]);
  }
  return admitted;
}

/** One server's admission as its own transaction. */
export async function admitTurns(em: EntityManager, platform: Platform, guildId: string, limits: TurnLimits): Promise<Admitted[]> {
  return em.transactional(async (tx) => {
    await lockServerTurns(tx, platform, guildId);
    return admitWaiting(tx, platform, guildId, limits);
  });
}

/**
 * Refuses a new track that would make the line longer than the caps (call after inserting it,
 * inside the same locked transaction, so the refusal rolls the insert back).
 */
export async function checkLineCaps(tx: EntityManager, platform: Platform, guildId: string, userId: number, limits: TurnLimits): Promise<void> {
  const [row] = await exec(
    tx,
    `select count(*)::int as server, count(*) filter (where user_id = ?)::int as mine from generations
     where platform = ? and guild_id = ? and status = 'queued' and admitted_at is null`,
    [userId, platform, guildId],
  );
  if (Number(row!.mine) > limits.userLineMax) {
    throw new UserError(
      UserErrorCode.ServerBusy,
      `You already have ${limits.userLineMax} tracks waiting in line here; try again when one of them has started.`,
      { lineMax: limits.userLineMax },
    );
  }
  if (Number(row!.server) > limits.serverLineMax) {
    throw new UserError(
      UserErrorCode.ServerBusy,
      `This server's line is full (${limits.serverLineMax} tracks waiting); try again in a few minutes.`,
      { lineMax: limits.serverLineMax },
    );
  }
}

export interface LinePlace {
  id: string;
  platform: Platform;
  /** 1-based: admitted tracks of the server not yet started, then this place in the fair line. */
  position: number;
}

/** The first `limit` tracks of a server's line with their places, for telling them where they stand. */
export async function linePlaces(em: EntityManager, platform: Platform, guildId: string, limit = 25): Promise<LinePlace[]> {
  const held = await slotsHeldByUser(em, platform, guildId);
  const line = await waitingLine(em, platform, guildId);
  const [ahead] = await exec(
    em,
    `select count(*)::int as n from generations where platform = ? and guild_id = ? and status = 'queued' and admitted_at is not null`,
    [platform, guildId],
  );
  const before = Number(ahead!.n);
  return fairOrder(line, held, await lastTurns(em, line)).slice(0, Math.max(0, limit)).map((w, i) => ({ id: w.id, platform, position: before + i + 1 }));
}

/** Servers with anyone waiting in line: the reconciler admits into each, in case a release was missed. */
export async function serversWithLine(em: EntityManager, limit = 1000): Promise<Array<{ platform: Platform; guildId: string }>> {
  const rows = await exec(
    em,
    `select distinct platform, guild_id from generations where status = 'queued' and admitted_at is null limit ?`,
    [Math.max(1, Math.floor(limit))],
  );
  return rows.map((r) => ({ platform: r.platform as Platform, guildId: String(r.guild_id) }));
}
