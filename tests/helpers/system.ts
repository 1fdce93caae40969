/**
 * A whole ditty system for one test file: its own Postgres schema, Redis key prefix, data dir
 * and HTTP port, with the real worker (embedded engine, ffmpeg) in-process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSystem, type Role, type System } from '../../app/system.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { dropSchema } from '../../core/db/orm.ts';
import { createLogger } from '../../core/log.ts';
import type { Runtime } from '../../core/runtime.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ditty_test';

export interface TestSystem {
  runtime: Runtime;
  config: Config;
  system: System;
  /** Base URL of the web server when the web role runs. */
  url: string;
  schema: string;
  stop(): Promise<void>;
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

export async function startTestSystem(opts: { roles?: Role[]; env?: Record<string, string>; drainTimeoutMs?: number } = {}): Promise<TestSystem> {
  const schema = uniqueName('t');
  const dataDir = await mkdtemp(join(tmpdir(), 'ditty-test-'));
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
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...opts.env,
  });
  const log = createLogger(config.logLevel, 'ditty-test');
  const system = await startSystem(config, log, { roles: opts.roles ?? ['worker', 'web'], schema, drainTimeoutMs: opts.drainTimeoutMs });
  return {
    runtime: system.runtime,
    config,
    system,
    url: system.url ?? config.http.publicUrl,
    schema,
    async stop() {
      const { orm } = system.runtime;
      const cleanupOrm = orm; // kept open until the schema is dropped
      await system.worker?.stop();
      await system.runtime.queues.render.obliterate({ force: true }).catch(() => undefined);
      await dropSchema(cleanupOrm, schema).catch(() => undefined);
      await system.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
