/**
 * /metrics as deployed: a worker process (its METRICS_PORT, as compose runs it) and a web process,
 * each scraped on its own after a real generation. The worker shows the render side (jobs,
 * render/encode histograms, real-time factor, queue depth, stored audio), the web the delivery
 * and HTTP side (deliver histogram, errors and 429s by route, event streams) and queue depth too,
 * so a backed-up queue is seen even when no worker is up to report it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm } from '../../core/db/index.ts';
import { deleteKeys, freePort, uniqueName } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const database = uniqueName('ditty_metrics').toLowerCase();
const prefix = uniqueName('metrics').toLowerCase();
const children: ChildProcess[] = [];
let dataDir = '';
let webUrl = '';
let workerUrl = '';

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${database}`, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ditty-metrics-'));
  const migrate = start(['scripts/migrate.ts'], {});
  await exited(migrate);
  expect(migrate.exitCode).toBe(0);
  const [metricsPort, httpPort] = [await freePort(), await freePort()];
  workerUrl = `http://127.0.0.1:${metricsPort}`;
  webUrl = `http://127.0.0.1:${httpPort}`;
  start(['scripts/start.ts', 'worker'], { METRICS_PORT: String(metricsPort), WORKER_CONCURRENCY: '1' });
  start(['scripts/start.ts', 'web'], { HTTP_PORT: String(httpPort), RATE_LIMIT_PER_MINUTE: '1' });
  // Ready: the worker's engine is loaded, and the web server answers.
  await waitFor(async () => {
    const health = (await (await fetch(`${workerUrl}/healthz`).catch(() => null))?.json().catch(() => null)) as { workers?: Array<{ state: string }> } | null;
    return health?.workers?.some((w) => w.state === 'ready') ? true : undefined;
  }, 100_000, 'worker ready');
  await waitFor(async () => ((await fetch(`${webUrl}/healthz`).catch(() => null))?.ok ? true : undefined), 60_000, 'web ready');
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.race([Promise.all(children.map(exited)), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await deleteKeys(prefix);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  const admin = await createOrm({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', poolMax: 1 });
  await admin.em.getConnection().execute(`drop database if exists "${database}" with (force)`);
  await admin.close(true);
}, 60_000);

const generate = (text: string) => fetch(`${webUrl}/api/chat/commands`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Scrape', text }),
});
const value = (text: string, pattern: string) => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('/metrics on the worker and on the web, as separate processes', () => {
  it('GIVEN a generation and a rate-limited one THEN each process reports its side, by name, with values', async () => {
    const res = await generate('/generate lo-fi piano 5s seed:4');
    expect(res.status).toBe(200);
    const { generationId } = (await res.json()) as { generationId: string };
    // RATE_LIMIT_PER_MINUTE=1: the second command in the minute is refused with a 429.
    expect((await generate('/generate lo-fi piano 5s seed:5')).status).toBe(429);
    await waitFor(async () => {
      const t = (await (await fetch(`${webUrl}/api/chat/tracks/${generationId}`)).json()) as { status: string };
      return t.status === 'completed' ? true : undefined;
    }, 60_000, 'completed');

    const worker = await waitFor(async () => {
      const text = await (await fetch(`${workerUrl}/metrics`)).text();
      return value(text, 'ditty_render_seconds_count') >= 1 && /^ditty_queue_jobs\{/m.test(text) ? text : undefined;
    }, 10_000, 'worker render metrics');
    expect(value(worker, 'ditty_jobs_total\\{queue="render",outcome="completed",code=""\\}')).toBeGreaterThanOrEqual(1);
    expect(value(worker, 'ditty_encode_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(worker, 'ditty_render_realtime_factor_count')).toBeGreaterThanOrEqual(1);
    expect(value(worker, 'ditty_render_realtime_factor_sum')).toBeGreaterThan(1);
    expect(value(worker, 'ditty_queue_jobs\\{queue="render",state="completed"\\}')).toBeGreaterThanOrEqual(1);
    expect(value(worker, 'ditty_queue_jobs\\{queue="render",state="waiting"\\}')).toBe(0);
    expect(value(worker, 'ditty_audio_bytes')).toBeGreaterThan(1000);
    expect(value(worker, 'ditty_audio_files')).toBe(1);
    expect(worker).toContain('ditty_process_resident_memory_bytes');

    const web = await waitFor(async () => {
      const text = await (await fetch(`${webUrl}/metrics`)).text();
      // A scrape leaves out a gauge whose source did not answer in time (Redis slow under load): ask again.
      const ready = value(text, 'ditty_deliver_seconds_count\\{platform="local"\\}') >= 1 && /^ditty_queue_jobs\{/m.test(text);
      return ready ? text : undefined;
    }, 10_000, 'web delivery metrics');
    expect(value(web, 'ditty_jobs_total\\{queue="deliver-local",outcome="completed",code=""\\}')).toBeGreaterThanOrEqual(1);
    expect(value(web, 'ditty_http_errors_total\\{route="/api/chat/commands",status="429"\\}')).toBe(1);
    expect(value(web, 'ditty_sse_clients')).toBe(0);
    expect(value(web, 'ditty_queue_jobs\\{queue="render",state="completed"\\}')).toBeGreaterThanOrEqual(1);
    expect(value(web, 'ditty_audio_files')).toBe(1);
    // The render side happens in the worker process only.
    expect(value(web, 'ditty_render_seconds_count')).toBe(0);
  }, 120_000);
});
