/**
 * `npm start` as a process: it creates and migrates its own database, serves the local chat, and
 * on SIGTERM drains the render in flight before exiting 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrm, getGeneration } from '../../core/db/index.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, uniqueName } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const database = uniqueName('ditty_start');
const databaseUrl = `postgresql://postgres@127.0.0.1:5432/${database}`;

describe('npm start', () => {
  let child: ChildProcess | undefined;
  let dataDir = '';
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    const admin = await createOrm({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', poolMax: 1 });
    await admin.em.getConnection().execute(`drop database if exists "${database}" with (force)`);
    await admin.close(true);
  });

  it('GIVEN a fresh database THEN it starts, renders from the chat, and drains on SIGTERM', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ditty-start-'));
    const port = await freePort();
    const output: string[] = [];
    child = spawn(process.execPath, ['scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, QUEUE_PREFIX: uniqueName('start').toLowerCase(), DATA_DIR: dataDir, HTTP_PORT: String(port), LOG_LEVEL: 'info',
        // Room for the render to finish during the drain even on a loaded machine (the default 10 s leaves 7).
        SHUTDOWN_TIMEOUT_S: '60' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => output.push(String(d)));
    child.stderr!.on('data', (d: Buffer) => output.push(String(d)));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    await waitFor(() => (output.join('').includes('local chat ready') ? true : undefined), 30_000, 'start-up');
    expect(output.join('')).toContain('migrations applied');

    const base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}/api/chat/commands`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Sig', text: '/generate cinematic orchestral epic 120s' }),
    });
    expect(res.status).toBe(200);
    const { generationId } = (await res.json()) as { generationId: string };
    await waitFor(async () => {
      const t = (await (await fetch(`${base}/api/chat/tracks/${generationId}`)).json()) as { status: string };
      return t.status === 'rendering' ? true : undefined;
    }, 30_000, 'rendering');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const logs = output.join('');
    expect(logs).toContain('shutting down: draining active work');
    expect(logs).not.toContain('drain timed out');

    // The render finished during the drain: the row moved past rendering, nothing was lost.
    const orm = await createOrm({ databaseUrl, poolMax: 1 });
    const row = await getGeneration(orm.em.fork(), generationId);
    await orm.close(true);
    expect(['delivering', 'completed']).toContain(row?.status);
  });
});
