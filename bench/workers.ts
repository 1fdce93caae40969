/**
 * Throughput of 1 vs 2 render workers in one run (docs/deploy.md, "Running N workers"), and the
 * disk each track takes. Each worker is a full worker role (its own BullMQ consumer, render
 * thread and ffmpeg) with WORKER_CONCURRENCY=1, as separate containers would run it; both share
 * this process, Postgres and Redis. Tracks are 30 s; the same batch is timed with one worker,
 * then with two, alternating so a noisy neighbour hits both alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem, type System } from '../app/system.ts';
import { loadConfig } from '../core/config.ts';
import { dropSchema } from '../core/db/orm.ts';
import { createLogger } from '../core/log.ts';
import { median, type Bench, type BenchRow } from './lib.ts';

const TRACKS = Number(process.env.BENCH_WORKER_TRACKS ?? 8);
const ROUNDS = Number(process.env.BENCH_WORKER_ROUNDS ?? 2);
const DURATION_S = 30;

export const bench: Bench = async () => {
  const schema = `bench_workers_${Date.now().toString(36)}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'ditty-bench-workers-'));
  const config = loadConfig({
    ...process.env,
    QUEUE_PREFIX: schema.replaceAll('_', '-'), DATA_DIR: dataDir, WORKER_CONCURRENCY: '1', LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '10000', SERVER_CONCURRENCY: '1000', USER_CONCURRENCY: '1000', RECONCILE_INTERVAL_S: '3600',
  });
  const log = createLogger('silent');
  const systems: System[] = [];
  const start = async () => {
    const s = await startSystem(config, log, { roles: ['worker'], schema });
    systems.push(s);
    return s;
  };
  const first = await start();
  const core = first.runtime.core;
  const em = () => first.runtime.orm.em.fork();
  let seq = 0;

  /** Queues a batch and returns seconds until every track is encoded and stored. */
  async function batch(): Promise<number> {
    const ids: string[] = [];
    const t0 = performance.now();
    for (let i = 0; i < TRACKS; i++) {
      const n = seq++;
      const accepted = await core.generate({
        actor: { platform: 'local', platformUserId: `bench${n}`, guildId: 'local', displayName: `bench ${n}` },
        channelId: 'local', prompt: ['lo-fi piano at 80 bpm', 'deep house in G minor', 'epic orchestral in D minor', 'fast drum and bass'][n % 4]!,
        durationS: DURATION_S, seed: n,
      });
      ids.push(accepted.generationId);
    }
    for (;;) {
      const rows = (await em().getConnection().execute(
        `select count(*) as done from generations where id in (?) and status in ('delivering', 'completed', 'failed')`, [ids],
      )) as Array<{ done: string }>;
      if (Number(rows[0]!.done) === ids.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return (performance.now() - t0) / 1000;
  }

  const one: number[] = [];
  const two: number[] = [];
  try {
    await batch(); // warm-up: engine graphs, ffmpeg, Postgres plans
    let second: System | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      one.push(await batch());
      second = await start();
      two.push(await batch());
      await second.stop();
      systems.splice(systems.indexOf(second), 1);
    }
    const sizes = (await em().getConnection().execute(
      `select size_bytes, actual_duration_s from generations where size_bytes is not null`,
    )) as Array<{ size_bytes: string; actual_duration_s: number }>;
    const bytesPerSecond = median(sizes.map((r) => Number(r.size_bytes) / r.actual_duration_s));
    const t1 = median(one);
    const t2 = median(two);
    const rows: BenchRow[] = [
      { group: 'workers', name: `1 worker: ${TRACKS} tracks of ${DURATION_S} s`, value: t1, unit: 's', note: `${(TRACKS / t1 * 60).toFixed(0)} tracks/min` },
      { group: 'workers', name: `2 workers: ${TRACKS} tracks of ${DURATION_S} s`, value: t2, unit: 's', note: `${(TRACKS / t2 * 60).toFixed(0)} tracks/min` },
      { group: 'workers', name: '2 workers speed-up', value: t1 / t2, unit: 'x', note: `${ROUNDS} rounds, medians; ${process.env.BENCH_NOTE ?? ''}`.trim() },
      { group: 'disk', name: 'stored audio per second of track', value: bytesPerSecond / 1024, unit: 'KiB/s', note: `median of ${sizes.length} tracks` },
      { group: 'disk', name: 'stored audio per 15 s track (default length)', value: (bytesPerSecond * 15) / 1024, unit: 'KiB' },
      { group: 'disk', name: 'stored audio per 120 s track (maximum length)', value: (bytesPerSecond * 120) / 1024 / 1024, unit: 'MiB' },
    ];
    return rows;
  } finally {
    const { queues } = first.runtime;
    for (const q of [queues.render, ...Object.values(queues.deliver)]) await q.obliterate({ force: true }).catch(() => undefined);
    for (const s of systems.reverse()) await s.stop().catch(() => undefined);
    const cleanup = await startSystem(config, log, { roles: [], schema, migrate: false }).catch(() => undefined);
    if (cleanup) {
      await dropSchema(cleanup.runtime.orm, schema).catch(() => undefined);
      await cleanup.stop();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
};
