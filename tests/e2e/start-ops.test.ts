/**
 * Start-up and shutdown as an operator sees them: one plain line per problem, bounded waits for
 * dependencies, refusals of unsafe settings, and SIGTERM honoured within 10 s under `npm start`,
 * during start-up, and with Redis gone. `npm run migrate` exits 0 on an empty and a migrated database.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrm } from '../../core/db/index.ts';
import { freePort, uniqueName } from '../helpers/system.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const signalProbe = fileURLToPath(new URL('../helpers/signal-probe.mjs', import.meta.url));
const nodeBin = process.execPath;
const database = uniqueName('ditty_ops').toLowerCase();
const databaseUrl = `postgresql://postgres@127.0.0.1:5432/${database}`;
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
}

function run(cmd: string, args: string[], env: Record<string, string>): Run {
  const started = Date.now();
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const chunks: string[] = [];
  child.stdout!.on('data', (d: Buffer) => chunks.push(String(d)));
  child.stderr!.on('data', (d: Buffer) => chunks.push(String(d)));
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - started })));
  return { child, output: () => chunks.join(''), exited };
}

/** A port nothing listens on. */
const deadPort = () => freePort();

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  const admin = await createOrm({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', poolMax: 1 });
  await admin.em.getConnection().execute(`drop database if exists "${database}" with (force)`);
  await admin.close(true);
});

describe('start-up refusals', () => {
  it('GIVEN an invalid LOG_LEVEL THEN one line naming it and exit 2, no stack', async () => {
    const r = run(nodeBin, ['scripts/start.ts'], { LOG_LEVEL: 'loud' });
    expect((await r.exited).code).toBe(2);
    const lines = r.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: LOG_LEVEL/);
    expect(r.output()).not.toMatch(/\n\s+at /);
  });

  it('GIVEN a public bind with the local chat and no token THEN it refuses in one line', async () => {
    const r = run(nodeBin, ['scripts/start.ts'], { HTTP_HOST: '0.0.0.0', LOCAL_CHAT: 'true', LOCAL_CHAT_TOKEN: '' });
    expect((await r.exited).code).toBe(2);
    expect(r.output().trim().split('\n')).toHaveLength(1);
    expect(r.output()).toContain('LOCAL_CHAT_TOKEN');
  });

  it('GIVEN a public bind for the worker role only THEN the chat check does not apply', async () => {
    // It gets past the refusal and waits for (dead) Redis instead.
    const r = run(nodeBin, ['scripts/start.ts', 'worker'], { HTTP_HOST: '0.0.0.0', REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, STARTUP_TIMEOUT_S: '1' });
    expect((await r.exited).code).toBe(1);
    expect(r.output()).not.toContain('Refusing');
  });
});

describe('dependencies down at start', () => {
  it('GIVEN Redis unreachable THEN one plain line per retry, then exit 1 after STARTUP_TIMEOUT_S', async () => {
    const port = await deadPort();
    const r = run(nodeBin, ['scripts/start.ts'], { DATABASE_URL: databaseUrl, REDIS_URL: `redis://127.0.0.1:${port}`, STARTUP_TIMEOUT_S: '5' });
    const { code, ms } = await r.exited;
    expect(code).toBe(1);
    // 5 s of retries plus node's own start-up, which a loaded machine stretches.
    expect(ms).toBeLessThan(30_000);
    const lines = r.output().trim().split('\n');
    const retries = lines.filter((l) => l.startsWith(`Redis at 127.0.0.1:${port} is unreachable`));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.length).toBeLessThanOrEqual(3);
    expect(retries[0]).toContain('REDIS_URL');
    expect(lines.at(-1)).toMatch(/Gave up after \d+ s: Redis/);
    expect(r.output()).not.toContain('"level"');
  });

  it('GIVEN Postgres unreachable THEN the line names Postgres and DATABASE_URL, without the password', async () => {
    const port = await deadPort();
    const r = run(nodeBin, ['scripts/start.ts'], { DATABASE_URL: `postgresql://ditty:hunter2secret@127.0.0.1:${port}/x`, STARTUP_TIMEOUT_S: '3' });
    expect((await r.exited).code).toBe(1);
    expect(r.output()).toContain(`Postgres at 127.0.0.1:${port} is unreachable`);
    expect(r.output()).toContain('DATABASE_URL');
    expect(r.output()).not.toContain('hunter2secret');
  });

  it('GIVEN SIGTERM while waiting for a dependency THEN it exits at once', async () => {
    const r = run(nodeBin, ['scripts/start.ts'], { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    // Generous: a loaded CI machine can take many seconds just to start node.
    await waitFor(() => (r.output().includes('unreachable') ? true : undefined), 45_000, 'first retry line');
    const t = Date.now();
    r.child.kill('SIGTERM');
    await r.exited;
    expect(Date.now() - t).toBeLessThan(5_000);
  });

  it('GIVEN `npm start` waiting on Redis and SIGTERM to npm THEN node stops too (no orphan)', async () => {
    const r = run('npm', ['start', '--silent'], { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    await waitFor(() => (r.output().includes('unreachable') ? true : undefined), 45_000, 'first retry line');
    const pids = spawnSync('pgrep', ['-f', '-P', String(r.child.pid), 'scripts/start.ts'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    expect(pids.length).toBe(1);
    r.child.kill('SIGTERM');
    await r.exited;
    await waitFor(() => {
      try {
        process.kill(pids[0]!, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 10_000, 'node to exit');
    // npm's own warnings (e.g. unknown project config in .npmrc) would show here.
    expect(r.output()).not.toMatch(/npm warn/i);
  });
});

describe('SIGTERM as a container\'s PID 1', () => {
  it('GIVEN start-up THEN the SIGTERM handler is in place before the first package loads', async () => {
    // A PID 1 without a handler drops SIGTERM; loading the app's packages takes seconds when busy.
    const r = run(nodeBin, ['--import', signalProbe, 'scripts/start.ts'], { REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, STARTUP_TIMEOUT_S: '1' });
    await r.exited;
    expect(r.output()).toMatch(/signal-probe: first package \S+ loaded with 1 SIGTERM handler/);
  });

  it('GIVEN ditty as PID 1 of its own PID namespace (a container without init) THEN SIGTERM during start-up stops it', async () => {
    const r = run('unshare', ['--pid', '--fork', '--kill-child', nodeBin, 'scripts/start.ts'], { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    await waitFor(() => (r.output().includes('unreachable') ? true : undefined), 45_000, 'first retry line');
    const pid = Number(spawnSync('pgrep', ['-P', String(r.child.pid)], { encoding: 'utf8' }).stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const t = Date.now();
    process.kill(pid, 'SIGTERM');
    expect((await r.exited).code).toBe(0);
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(r.output()).toContain('SIGTERM during start-up');
  });
});

describe('shutdown with Postgres gone, under npm start', () => {
  it('GIVEN `npm start -- worker web` whose Postgres goes away THEN SIGTERM to npm stops node within 10 s', async () => {
    const proxy = await TcpProxy.open(5432);
    const dataDir = await mkdtemp(join(tmpdir(), 'ditty-ops-'));
    dirs.push(dataDir);
    try {
      const r = run('npm', ['start', '--silent', '--', 'worker', 'web'], {
        DATABASE_URL: `postgresql://postgres@127.0.0.1:${proxy.port}/${database}`, HTTP_PORT: String(await freePort()), DATA_DIR: dataDir,
        QUEUE_PREFIX: uniqueName('ops').toLowerCase(), LOG_LEVEL: 'info',
      });
      await waitFor(() => (r.output().includes('local chat ready') ? true : undefined), 100_000, 'start-up');
      const node = Number(spawnSync('pgrep', ['-f', '-P', String(r.child.pid), 'scripts/start.ts'], { encoding: 'utf8' }).stdout.trim());
      expect(node).toBeGreaterThan(0);
      await proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const t = Date.now();
      r.child.kill('SIGTERM');
      await r.exited;
      await waitFor(() => {
        try {
          process.kill(node, 0);
          return undefined;
        } catch {
          return true;
        }
      }, 15_000, 'node to exit');
      expect(Date.now() - t).toBeLessThan(10_000);
    } finally {
      await proxy.stop();
    }
  }, 150_000);
});

describe('shutdown with Redis gone', () => {
  it('GIVEN a running worker and web whose Redis dies THEN SIGTERM still exits within 10 s', async () => {
    const redisPort = await freePort();
    const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    children.push(redis);
    const dataDir = await mkdtemp(join(tmpdir(), 'ditty-ops-'));
    dirs.push(dataDir);
    const r = run(nodeBin, ['scripts/start.ts', 'worker', 'web'], {
      DATABASE_URL: databaseUrl, REDIS_URL: `redis://127.0.0.1:${redisPort}`, HTTP_PORT: String(await freePort()), DATA_DIR: dataDir,
      QUEUE_PREFIX: uniqueName('ops').toLowerCase(),
    });
    await waitFor(() => (r.output().includes('local chat ready') ? true : undefined), 100_000, 'start-up');
    redis.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const t = Date.now();
    r.child.kill('SIGTERM');
    await r.exited;
    expect(Date.now() - t).toBeLessThan(10_000);
  }, 150_000);
});

describe('npm run migrate', () => {
  it('GIVEN an empty database, then a migrated one THEN both runs exit 0', async () => {
    const name = uniqueName('ditty_mig').toLowerCase();
    try {
      for (const expected of [/ran \d+ migration/, /database is up to date/]) {
        const r = run(nodeBin, ['scripts/migrate.ts'], { DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${name}` });
        const timer = setTimeout(() => r.child.kill('SIGKILL'), 30_000);
        const { code } = await r.exited;
        clearTimeout(timer);
        expect(code).toBe(0);
        expect(r.output()).toMatch(expected);
      }
    } finally {
      const admin = await createOrm({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', poolMax: 1 });
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    }
  }, 70_000);
});
