/**
 * Tells an outage of Postgres or Redis (the caller should hear "try again shortly", HTTP 503)
 * from a bug (logged, a generic 500). Driver errors carry system or SQLSTATE codes where they
 * can; pg and ioredis raise a few connection failures with no code, matched by their fixed text.
 */
import { ConnectionException } from '@mikro-orm/core';

/** Socket-level failures to reach a service. */
const SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, starting up), 53300 too many connections. */
const SQLSTATE = /^(08\d{3}|57P0[1-4]|53300)$/;
/** pg and ioredis failures that come without a code (their wording is fixed in those libraries). */
const NO_CODE_TEXT = [
  'Connection terminated', // pg: the server went away mid-query
  'timeout exceeded when trying to connect', // pg-pool: connectionTimeoutMillis
  'Client has encountered a connection error',
  'Connection is closed', // ioredis
  "Stream isn't writeable", // ioredis with enableOfflineQueue: false
  'Command timed out', // ioredis commandTimeout
  'Reached the max retries per request limit',
];

export function isOutage(err: unknown, depth = 0): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  if (err instanceof ConnectionException) return true;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (SYSTEM_CODES.has(e.code) || SQLSTATE.test(e.code))) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && NO_CODE_TEXT.some((t) => (e.message as string).includes(t))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isOutage(inner, depth + 1))) return true;
  return isOutage(e.cause, depth + 1);
}

export const UNAVAILABLE_MESSAGE = 'ditty cannot reach its database or queue right now; try again in a minute.';
