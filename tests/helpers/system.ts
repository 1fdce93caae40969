/**
 * A whole ditty system for one test file: its own Postgres schema, Redis key prefix, data dir
 * and HTTP port, with the real worker (embedded engine, ffmpeg) in-process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSystem, type Role, type System, type SystemOptions } from '../../app/system.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { dropSchema } from '../../core/db/orm.ts';
import { createLogger, type Logger } from '../../core/log.ts';
import type { Runtime } from '../../core/runtime.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ditty_test';

export interface TestSystem {
  runtime: Runtime;
  config: Config;
  system: System;
  /** Base URL of the web server when the web role runs. */
  url: string;
  schema: string;
  /** Stops everything; `keepData` leaves the schema, queue and files for a second system. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a test's private prefix on the shared Redis (never a flush). */
export async function deleteKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    for (let cursor = '0'; ;) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      if ((cursor = next) === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

export interface TestSystemOptions {
  roles?: Role[];
  env?: Record<string, string>;
  drainTimeoutMs?: number;
  /** Join another test system's data: its schema, and (through env) its QUEUE_PREFIX and DATA_DIR. */
  schema?: string;
  /** Where the system logs (default: a logger at TEST_LOG_LEVEL, silent unless set). */
  log?: Logger;
  /** Changes the loaded config before the system starts (values no variable sets, e.g. a 1 s bound). */
  configure?: (config: Config) => void;
  worker?: SystemOptions['worker'];
}

export async function startTestSystem(opts: TestSystemOptions = {}): Promise<TestSystem> {
  const schema = opts.schema ?? uniqueName('t');
  const dataDir = opts.env?.DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'ditty-test-')));
  const port = await freePort();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: TEST_DATABASE_URL,
    QUEUE_PREFIX: uniqueName('test').toLowerCase(),
    DATA_DIR: dataDir,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    WORKER_CONCURRENCY: '1',
    RECONCILE_INTERVAL_S: '2',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  opts.configure?.(config);
  const log = opts.log ?? createLogger(config.logLevel, 'ditty-test');
  const system = await startSystem(config, log, { roles: opts.roles ?? ['worker', 'web'], schema, drainTimeoutMs: opts.drainTimeoutMs, worker: opts.worker });
  return {
    runtime: system.runtime,
    config,
    system,
    url: system.url ?? config.http.publicUrl,
    schema,
    async stop({ keepData = false } = {}) {
      if (keepData) return system.stop();
      // Every role and loop stops first (the queue-expiry loop queried a dropped schema, and logged
      // so, when the schema went first), then the schema and queues go on the still-open connections.
      await system.stop({
        beforeClose: async () => {
          const { queues, orm } = system.runtime;
          // BullMQ waits for a connection that a "Redis is down" test never gets.
          if (system.runtime.redis.status === 'ready') {
            for (const q of [queues.render, ...Object.values(queues.deliver)]) await q.obliterate({ force: true }).catch(() => undefined);
          }
          await dropSchema(orm, schema).catch(() => undefined);
        },
      });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
