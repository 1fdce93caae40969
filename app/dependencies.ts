/**
 * Start-up waits for Postgres and Redis with one plain line per failed attempt (what is down,
 * where, what to do) and gives up after a bound, so an operator reading a container log sees why
 * nothing starts instead of a flood of JSON stacks, and a supervisor sees a non-zero exit.
 */
import { connect } from 'node:net';
import { Redis } from 'ioredis';

export interface Dependency {
  /** "Postgres", "Redis". */
  name: string;
  /** host:port, never the credentials. */
  where: string;
  /** What the operator can do, e.g. "start it or fix DATABASE_URL". */
  hint: string;
  /** Resolves when reachable; rejects with the reason. Must settle within a few seconds. */
  check(): Promise<void>;
}

export class DependencyTimeoutError extends Error {
  readonly dependency: Dependency;
  constructor(dependency: Dependency, waitedMs: number, reason: string) {
    super(`Gave up after ${Math.round(waitedMs / 1000)} s: ${dependency.name} at ${dependency.where} is still unreachable (${reason}); ${dependency.hint}.`);
    this.name = 'DependencyTimeoutError';
    this.dependency = dependency;
  }
}

const CHECK_TIMEOUT_MS = 3_000;

function hostPort(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname || '127.0.0.1'}:${u.port || defaultPort}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** A short reason from a connection error, without the URL (which may carry a password). */
function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = (e.message ?? String(err)).split('\n')[0]!.replace(/\w+:\/\/\S+/g, '[url]');
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

export function postgresDependency(databaseUrl: string): Dependency {
  return {
    name: 'Postgres',
    where: hostPort(databaseUrl, 5432),
    hint: 'start it, or point DATABASE_URL at it',
    // A TCP answer is enough here: credentials and a missing database are reported (or fixed)
    // by the start-up that follows, with their own message.
    check: () => tcpCheck(databaseUrl, 5432),
  };
}

function tcpCheck(url: string, defaultPort: number): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort), timeout: CHECK_TIMEOUT_MS });
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('timeout', () => { socket.destroy(); reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)); });
    socket.once('error', (err) => { socket.destroy(); reject(err); });
  });
}

export function redisDependency(redisUrl: string): Dependency {
  return {
    name: 'Redis',
    where: hostPort(redisUrl, 6379),
    hint: 'start it, or point REDIS_URL at it',
    async check() {
      // The TCP attempt first: its error (ECONNREFUSED, ENOTFOUND) says more than ioredis's "Connection is closed".
      await tcpCheck(redisUrl, 6379);
      const client = new Redis(redisUrl, {
        lazyConnect: true, connectTimeout: CHECK_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    },
  };
}

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between attempts. @defaultValue 2000 */
  retryMs?: number;
  /** Where the one-line notes go. @defaultValue console.error */
  say?: (line: string) => void;
  signal?: AbortSignal;
}

/** Waits until every dependency answers, in order; throws DependencyTimeoutError past the bound. */
export async function waitForDependencies(deps: readonly Dependency[], opts: WaitOptions): Promise<void> {
  const say = opts.say ?? ((line: string) => console.error(line));
  const retryMs = opts.retryMs ?? 2_000;
  const started = Date.now();
  for (const dep of deps) {
    for (;;) {
      opts.signal?.throwIfAborted();
      let reason: string;
      try {
        await dep.check();
        break;
      } catch (err) {
        reason = reasonOf(err);
      }
      const waited = Date.now() - started;
      if (waited + retryMs > opts.timeoutMs) throw new DependencyTimeoutError(dep, waited, reason);
      const left = Math.max(0, Math.round((opts.timeoutMs - waited) / 1000));
      say(`${dep.name} at ${dep.where} is unreachable (${reason}): ${dep.hint}. Retrying in ${Math.round(retryMs / 1000)} s, giving up in ${left} s.`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        opts.signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
  }
}
