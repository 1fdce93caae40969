/**
 * Stored audio does not grow forever: the sweeper removes files past RETENTION_MAX_AGE_DAYS
 * (favorited tracks: RETENTION_FAVORITE_MAX_AGE_DAYS) and, past RETENTION_MAX_TOTAL_GB, the oldest
 * files first (favorited ones last), marking each generation `expired_at`. Deletion by a creator or
 * admin goes through the same claim-then-unlink path and marks `deleted_at`.
 *
 * Rows are claimed in one statement (`for update skip locked`, storage_path set null, the old path
 * returned), so several workers sweeping at once remove each file exactly once; the file is
 * unlinked after the claim commits (a crash in between leaves an orphan file, never a row that
 * points at nothing).
 */
import { unlink } from 'node:fs/promises';
import type { EntityManager, MikroORM } from './db/index.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { metrics } from './metrics.ts';

export type RetentionPolicy = Config['retention'];

/** Statuses whose file is final and no longer needed by the pipeline. */
const SETTLED = `status in ('completed', 'failed', 'cancelled')`;
const DAY_MS = 86_400_000;

interface Claimed {
  id: string;
  path: string;
}

async function claim(em: EntityManager, where: string, params: unknown[], mark: 'expired_at' | 'deleted_at', now: Date): Promise<Claimed[]> {
  const rows = await em.getConnection().execute<Array<{ id: string; storage_path: string | null }>>(
    `with victims as (
       select id, storage_path from generations where storage_path is not null and ${where} for update skip locked
     )
     update generations g set storage_path = null, ${mark} = ? from victims v where g.id = v.id
     returning v.id, v.storage_path`,
    // Bound in text order: the where clause's values, then the mark's time.
    [...params, now],
  );
  return rows.filter((r) => r.storage_path).map((r) => ({ id: String(r.id), path: String(r.storage_path) }));
}

async function removeFiles(claimed: Claimed[], log: Logger): Promise<void> {
  for (const { id, path } of claimed) {
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') log.warn({ err: err.message, generationId: id }, 'could not remove an audio file');
    });
  }
}

/** One pass of the sweeper; returns what it expired, by reason. */
export async function sweepRetention(em: EntityManager, policy: RetentionPolicy, log: Logger, now: Date = new Date()): Promise<{ age: number; size: number }> {
  let age: Claimed[] = [];
  if (policy.maxAgeDays !== undefined) {
    const cutoff = new Date(now.getTime() - policy.maxAgeDays * DAY_MS);
    const favoriteCutoff = new Date(now.getTime() - (policy.favoriteMaxAgeDays ?? policy.maxAgeDays) * DAY_MS);
    age = await claim(em, `${SETTLED} and ((favorites_count = 0 and created_at < ?) or created_at < ?)`, [cutoff, favoriteCutoff], 'expired_at', now);
    await removeFiles(age, log);
  }
  let size: Claimed[] = [];
  if (policy.maxTotalBytes !== undefined) {
    // Keep the newest, favorites first, until the budget is spent; everything settled past it goes.
    size = await claim(
      em,
      `${SETTLED} and id in (
         select id from (
           select id, sum(coalesce(size_bytes, 0)) over (order by (favorites_count > 0) desc, created_at desc, id) as kept
           from generations where storage_path is not null
         ) ranked where kept > ?
       )`,
      [policy.maxTotalBytes], 'expired_at', now,
    );
    await removeFiles(size, log);
  }
  if (age.length) metrics.retentionSwept.inc({ reason: 'age' }, age.length);
  if (size.length) metrics.retentionSwept.inc({ reason: 'size' }, size.length);
  if (age.length || size.length) log.info({ byAge: age.length, bySize: size.length }, 'retention: expired stored audio');
  return { age: age.length, size: size.length };
}

/** Deletes one generation's audio and marks it deleted; false when it was already gone or has no file yet. */
export async function deleteGenerationAudio(em: EntityManager, generationId: string, log: Logger, now: Date = new Date()): Promise<boolean> {
  const rows = await em.getConnection().execute<Array<{ id: string; storage_path: string | null }>>(
    `update generations g set storage_path = null, deleted_at = ?
     from (select id, storage_path from generations where id = ? and deleted_at is null and ${SETTLED} for update) v
     where g.id = v.id returning v.id, v.storage_path`,
    [now, generationId],
  );
  if (!rows.length) return false;
  await removeFiles(rows.filter((r) => r.storage_path).map((r) => ({ id: String(r.id), path: String(r.storage_path) })), log);
  return true;
}

/** Runs the sweeper every RETENTION_SWEEP_INTERVAL_S while a worker runs; nothing when no limit is set. */
export function startRetentionSweeper(orm: MikroORM, policy: RetentionPolicy, log: Logger): { stop(): void } {
  if (policy.maxAgeDays === undefined && policy.maxTotalBytes === undefined) return { stop() {} };
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    void sweepRetention(orm.em.fork(), policy, log)
      .catch((err: unknown) => log.warn({ err }, 'retention sweep failed'))
      .finally(() => { running = false; });
  };
  sweep();
  const timer = setInterval(sweep, policy.sweepIntervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
