/**
 * Every entry point an operator runs (`npm start`, `npm run migrate`, jobs, apikey, ...) reads
 * `.env` from the project folder, as the docs say, and a bad setting there is one line, never a
 * stack. Run the way an operator does: `npm run` in a copy of the project whose `.env` the test
 * writes (the real tree's `.env` is the developer's, and other tests run beside this one).
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/system.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** npm scripts that read settings, with what a bad LOG_LEVEL in `.env` must make them print. */
const CONFIG_ENTRY_POINTS: Record<string, string[]> = {
  start: [], worker: [], web: [], migrate: [], jobs: ['failed'], apikey: ['list'], analyse: ['--backfill'],
  'engine:reload': [], 'slack:rekey': [], 'discord:deploy': [],
};
/** Scripts that read no settings of ditty's (developer tools), or only their own (model:fetch, tested below). */
const OTHER_SCRIPTS = ['test', 'typecheck', 'bench', 'render', 'examples', 'faults', 'model:fetch'];

let project = '';

interface Result { code: number | null; out: string }

function npmRun(script: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  // The test runner's own settings must not hide the file's: variables already set win over .env.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LOG_LEVEL|DATABASE_URL|REDIS_URL|STARTUP_TIMEOUT_S|MODEL_DIR|MUSICGEN_PRECISION|npm_.*)$/i.test(k)));
  const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: project, env: { ...base, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += String(d); });
  child.stderr.on('data', (d: Buffer) => { out += String(d); });
  // Bounded: each of these ends on its own within seconds; a hang is a failure, not a stuck suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, out });
  }));
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'ditty-entry-'));
  for (const dir of ['app', 'bots', 'core', 'migrations', 'scripts', 'web', 'worker']) {
    await cp(join(root, dir), join(project, dir), { recursive: true });
  }
  for (const file of ['package.json', '.npmrc']) await cp(join(root, file), join(project, file));
  await symlink(await realpath(join(root, 'node_modules')), join(project, 'node_modules'));
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('.env and bad settings at every entry point', () => {
  it('GIVEN package.json THEN every script is either tested here for .env or listed as reading no settings', async () => {
    const scripts = Object.keys((JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    expect(scripts.filter((s) => !(s in CONFIG_ENTRY_POINTS) && !OTHER_SCRIPTS.includes(s))).toEqual([]);
  });

  it('GIVEN LOG_LEVEL=loud in .env THEN each entry point prints one line naming it and exits 2', async () => {
    await writeFile(join(project, '.env'), 'LOG_LEVEL=loud\n');
    const failures: string[] = [];
    for (const [script, args] of Object.entries(CONFIG_ENTRY_POINTS)) {
      const { code, out } = await npmRun(script, args);
      const lines = out.trim().split('\n');
      if (code !== 2 || lines.length !== 1 || !lines[0]!.startsWith('Invalid configuration: LOG_LEVEL')) {
        failures.push(`${script}: exit ${code}, ${lines.length} line(s): ${out.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('GIVEN settings in .env THEN npm start and npm run migrate use them, and the environment wins over the file', async () => {
    const deadRedis = await freePort();
    const deadPostgres = await freePort();
    await writeFile(join(project, '.env'), [
      `REDIS_URL=redis://127.0.0.1:${deadRedis}`, `DATABASE_URL=postgresql://ditty:env-file-pass@127.0.0.1:${deadPostgres}/ditty`,
      'STARTUP_TIMEOUT_S=1', 'MODEL_DIR=/nonexistent', 'MUSICGEN_PRECISION=loud', '',
    ].join('\n'));
    const migrate = await npmRun('migrate', []);
    expect(migrate.code).toBe(1);
    expect(migrate.out).toContain(`Postgres at 127.0.0.1:${deadPostgres} is`);
    expect(migrate.out).not.toContain('env-file-pass');
    expect(migrate.out).not.toMatch(/^\s+at /m);

    const start = await npmRun('start', [], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' });
    expect(start.code).toBe(1);
    expect(start.out).toContain(`Redis at 127.0.0.1:${deadRedis} is`);
    expect(start.out).not.toContain(`${deadPostgres}`);

    const fetch = await npmRun('model:fetch', []);
    expect(fetch.code).toBe(2);
    expect(fetch.out.trim()).toMatch(/^MUSICGEN_PRECISION must be one of/);
  }, 120_000);
});
