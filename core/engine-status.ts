/**
 * Each render worker publishes its engine's state to Redis (a key per worker with a TTL), so the
 * web role's health endpoint can report workers running in other processes or containers.
 */
import type { Redis } from 'ioredis';

export interface EngineStatus {
  workerId: string;
  state: 'loading' | 'ready' | 'failed';
  engine: string;
  version: string | null;
  device: string | null;
  precision: string | null;
  loadMs: number | null;
  /** Why loading failed, as the engine said it (names missing model files). */
  error: string | null;
  since: string;
}

export const STATUS_TTL_S = 30;

export const engineStatusKey = (prefix: string, workerId: string) => `${prefix}:engine-status:${workerId}`;
export const adminChannel = (prefix: string) => `${prefix}:admin`;
export const RELOAD_ENGINE = 'reload-engine';

export async function publishEngineStatus(redis: Redis, prefix: string, status: EngineStatus): Promise<void> {
  await redis.set(engineStatusKey(prefix, status.workerId), JSON.stringify(status), 'EX', STATUS_TTL_S);
}

export async function readEngineStatuses(redis: Redis, prefix: string): Promise<EngineStatus[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', engineStatusKey(prefix, '*'), 'COUNT', 100);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as EngineStatus);
}

/** Asks every render worker to reload its engine (after a model folder was replaced). */
export async function requestEngineReload(redis: Redis, prefix: string): Promise<number> {
  return redis.publish(adminChannel(prefix), RELOAD_ENGINE);
}

/**
 * A worker's status key lives STATUS_TTL_S past its last refresh (every 10 s): a key is a heartbeat
 * within the last 30 s. Workers whose engine failed to load are alive but take no jobs.
 */
export function renderersOf(statuses: readonly EngineStatus[]): EngineStatus[] {
  return statuses.filter((s) => s.state !== 'failed');
}

export const NO_WORKER_NOTICE = 'no worker is running; your track will start when one is';

/**
 * Whether any render worker has reported in the last 30 s, read at most every `cacheMs` (a
 * SCAN per /generate would cost more than the request). Unknown (Redis down) counts as present:
 * the notice is for a missing worker, not for an outage, which has its own refusal.
 */
export function createWorkerPresence(redis: Redis, prefix: string, cacheMs = 2_000) {
  let cached: { at: number; alive: boolean } | undefined;
  return async function anyRenderer(now = Date.now()): Promise<boolean> {
    if (cached && now - cached.at < cacheMs) return cached.alive;
    // Bounded: a slow Redis must not slow an accepted /generate down.
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 500).unref());
    const alive = await Promise.race([readEngineStatuses(redis, prefix).then((s) => renderersOf(s).length > 0, () => true), timeout]);
    cached = { at: now, alive };
    return alive;
  };
}
