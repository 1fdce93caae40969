/**
 * Issue 12, worker side, on real Postgres, Redis, threads and processes: every wait has a bound
 * (a hung ffmpeg is killed, a hung render thread terminated), a poison job that kills its worker
 * process ends `failed` after three attempts and is told once, and a full disk refuses renders.
 * Modelled on BullMQ's stalled-job tests: a queue prefix of its own, workers that die mid-job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../core/chat.ts';
import { getGeneration } from '../../core/db/index.ts';
import { registry } from '../../core/metrics.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { TEST_DATABASE_URL, startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const actor = (name: string): Actor => ({ platform: 'local', platformUserId: name, guildId: 'local', displayName: name });

async function terminal(sys: TestSystem, id: string, timeoutMs = 30_000) {
  return waitFor(async () => {
    const g = await getGeneration(sys.runtime.orm.em.fork(), id);
    return g && ['completed', 'failed', 'cancelled'].includes(g.status) ? g : undefined;
  }, timeoutMs, `generation ${id} to end`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String);
}

describe('a fake ffmpeg (FFMPEG_PATH) that hangs or fails', () => {
  let sys: TestSystem;
  let dir: string;
  const events: ProgressEvent[] = [];
  const setMode = (mode: 'hang' | 'fail') => writeFile(join(dir, 'mode'), mode);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ditty-fake-ffmpeg-'));
    const script = join(dir, 'ffmpeg');
    // Answers the start-up version check, then hangs (exec: the pid stays the one it wrote) or fails.
    await writeFile(script, `#!/bin/sh
for a in "$@"; do [ "$a" = "-version" ] && { echo "ffmpeg version 0.0-fake"; exit 0; }; done
echo $$ >> "${dir}/pids"
if [ "$(cat "${dir}/mode")" = "hang" ]; then exec sleep 600; fi
echo "Invalid data found when processing input" >&2
exit 1
`);
    await chmod(script, 0o755);
    sys = await startTestSystem({
      roles: ['worker'],
      env: { FFMPEG_PATH: script },
      // A 5 s track's encode gets 1 s here (2 s per second of audio, at least 10 s, by default).
      configure: (c) => Object.assign(c.worker, { encodeTimeoutMinS: 1, encodeTimeoutPerS: 0.2 }),
    });
    sys.runtime.onProgress('local', (e) => events.push(e));
  });
  afterAll(async () => {
    await sys?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('GIVEN ffmpeg hangs THEN the encode is killed at its bound, the track fails with a plain message once, and no process or .tmp is left', async () => {
    await setMode('hang');
    const accepted = await sys.runtime.core.generate({ actor: actor('hung'), channelId: 'local', prompt: 'lofi piano', durationS: 5 });
    const started = Date.now();
    const row = await terminal(sys, accepted.generationId);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(row.status).toBe('failed');
    expect(row.errorCode).toBe('timed_out');
    expect(row.errorMessage).toBe('Encoding the audio took longer than 1 s, so ditty stopped it. Please try again; a shorter track is quicker.');
    expect(row.attempts).toBe(1); // a timeout is not retried: it would hang again
    const pids = (await readFile(join(dir, 'pids'), 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(1);
    expect(alive(pids[0]!)).toBe(false);
    expect((await filesUnder(sys.config.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.generationId === accepted.generationId && e.stage === 'failed')).toHaveLength(1);
  });

  it('GIVEN ffmpeg fails every time THEN the render is tried 3 times in all and ends failed with code and message, told once', async () => {
    await setMode('fail');
    const accepted = await sys.runtime.core.generate({ actor: actor('failing'), channelId: 'local', prompt: 'jazz trio', durationS: 5 });
    const row = await terminal(sys, accepted.generationId);
    expect(row.status).toBe('failed');
    expect(row.errorCode).toBe('encode_failed');
    expect(row.errorMessage).toBe('Encoding the audio failed; please try again.');
    expect(row.attempts).toBe(3);
    // The row is failed first, then BullMQ moves the job: the dead-letter set operators see.
    await waitFor(async () => ((await (await sys.runtime.queues.render.getJob(accepted.generationId))?.getState()) === 'failed' ? true : undefined), 5_000, 'the job in the failed set');
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.generationId === accepted.generationId && e.stage === 'failed')).toHaveLength(1);
    // /metrics: the outcome by error code, and the attempts before it.
    const text = await waitFor(async () => {
      const t = await registry.metrics();
      return /^ditty_jobs_total\{queue="render",outcome="failed",code="encode_failed"\} 1$/m.test(t) ? t : undefined;
    }, 5_000, 'the failed job counted by code');
    expect(Number(/^ditty_jobs_total\{queue="render",outcome="retried",code=""\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
  });
});

describe('a render thread that hangs', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({
      roles: ['worker'],
      configure: (c) => Object.assign(c.worker, { renderTimeoutBaseS: 1, renderTimeoutPerS: 0 }),
      worker: { poolOptions: { filename: new URL('../helpers/render-threads/hang.ts', import.meta.url).href, killGraceMs: 500 } },
    });
  });
  afterAll(async () => sys?.stop());

  it('GIVEN a render that never yields THEN it fails at its bound and its thread is terminated, not abandoned', async () => {
    const pool = sys.system.worker!.pool;
    const before = pool.threadIds();
    expect(before).toHaveLength(1);
    const accepted = await sys.runtime.core.generate({ actor: actor('spin'), channelId: 'local', prompt: 'ambient pads', durationS: 5 });
    const row = await terminal(sys, accepted.generationId, 15_000);
    expect(row.errorCode).toBe('timed_out');
    expect(row.errorMessage).toBe('Making the music took longer than 1 s, so ditty stopped it. Please try again; a shorter track is quicker.');
    // Piscina replaces the terminated thread: the spinning one is gone.
    await waitFor(() => (pool.threadIds().includes(before[0]!) ? undefined : true), 10_000, 'the hung thread to be terminated');
  });
});

describe('a poison job that kills its worker process', () => {
  let observer: TestSystem;
  const children: ChildProcess[] = [];
  const events: ProgressEvent[] = [];

  beforeAll(async () => {
    // No worker in this process: it only watches; workers run (and die) in child processes.
    observer = await startTestSystem({ roles: [] });
    observer.runtime.onProgress('local', (e) => events.push(e));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await observer?.stop();
  });

  function spawnWorker(): ChildProcess {
    const child = fork(new URL('../helpers/worker-process.ts', import.meta.url).pathname, [observer.schema, 'poison'], {
      execPath: process.execPath,
      env: {
        ...process.env, DATABASE_URL: TEST_DATABASE_URL, QUEUE_PREFIX: observer.config.queuePrefix, DATA_DIR: observer.config.dataDir,
        RECONCILE_INTERVAL_S: '1', WORKER_CONCURRENCY: '1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    return child;
  }

  it('GIVEN a job that kills its worker each time THEN after 3 attempts it is failed, told once, and the reconciler does not queue it again', async () => {
    const accepted = await observer.runtime.core.generate({ actor: actor('poisoner'), channelId: 'local', prompt: 'poison techno', durationS: 5 });
    let deaths = 0;
    let worker = spawnWorker();
    const row = await waitFor(async () => {
      if (worker.exitCode !== null || worker.signalCode !== null) {
        deaths++;
        worker = spawnWorker(); // the next worker finds the job stalled and takes it again
      }
      const g = await getGeneration(observer.runtime.orm.em.fork(), accepted.generationId);
      return g?.status === 'failed' ? g : undefined;
    }, 120_000, 'the poison job to fail');
    expect(deaths).toBe(3);
    expect(row.attempts).toBe(3);
    expect(row.errorCode).toBe('too_many_attempts');
    expect(row.errorMessage).toBe('ditty tried to make this track 3 times and the renderer stopped each time, so it gave up. Try a different prompt or a shorter track.');

    // The surviving worker keeps reconciling every second: the row stays failed, the job dead.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await getGeneration(observer.runtime.orm.em.fork(), accepted.generationId))?.status).toBe('failed');
    const job = await observer.runtime.queues.render.getJob(accepted.generationId);
    expect(['failed', undefined]).toContain(await job?.getState());
    expect(worker.exitCode === null && worker.signalCode === null).toBe(true);
    expect(events.filter((e) => e.generationId === accepted.generationId && e.stage === 'failed')).toHaveLength(1);

    // And the survivor still renders healthy tracks.
    const healthy = await observer.runtime.core.generate({ actor: actor('healthy'), channelId: 'local', prompt: 'house groove', durationS: 5 });
    const done = await waitFor(async () => {
      const g = await getGeneration(observer.runtime.orm.em.fork(), healthy.generationId);
      return g && g.status !== 'queued' && g.status !== 'rendering' && g.status !== 'encoding' ? g : undefined;
    }, 30_000, 'the healthy track');
    expect(done.status).toBe('delivering'); // no delivery consumer here: rendered and handed over
  }, 180_000); // four worker processes start in turn, each loading the engine; slow on a busy machine
});

describe('storage', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ roles: ['worker'], configure: (c) => { c.worker.minFreeDiskBytes = Number.MAX_SAFE_INTEGER; } });
  });
  afterAll(async () => sys?.stop());

  it('GIVEN less free space under DATA_DIR than MIN_FREE_DISK_MB THEN the render is refused at once with a plain message', async () => {
    const accepted = await sys.runtime.core.generate({ actor: actor('full'), channelId: 'local', prompt: 'trap beat', durationS: 5 });
    const row = await terminal(sys, accepted.generationId);
    expect(row.status).toBe('failed');
    expect(row.errorCode).toBe('storage_full');
    expect(row.errorMessage).toBe('The server is out of disk space, so the track could not be saved. An operator has to free space; please try again later.');
    expect(row.attempts).toBe(0); // refused before rendering
    expect(await filesUnder(join(sys.config.dataDir, 'tracks'))).toEqual([]);
  });
});
