/**
 * Refusal latency during outages (issue 12, point 4): a /generate through the core while Redis is
 * stopped, while it hangs (connection open, no answers), and a chat route while Postgres is
 * stopped. The services stay up; a TCP proxy in front of each is what stops or freezes.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../core/chat.ts';
import { UserError } from '../core/errors.ts';
import { startTestSystem, type TestSystem } from '../tests/helpers/system.ts';
import { TcpProxy } from '../tests/helpers/tcp-proxy.ts';
import { percentile, type Bench, type BenchRow } from './lib.ts';

const SAMPLES = 30;
const GOAL_MS = 1_000;
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ditty_test';

const actor = (): Actor => ({ platform: 'discord', platformUserId: `u${randomUUID().slice(0, 8)}`, guildId: 'bench', displayName: 'bench' });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof UserError) || e.code !== 'unavailable') throw e;
    return performance.now() - t0;
  }
  throw new Error('expected a refusal');
}

function rows(group: string, samples: number[], note: string): BenchRow[] {
  const p = (q: number) => percentile(samples, q);
  return [
    { group, name: 'refusal p50', value: p(50), unit: 'ms', note },
    { group, name: 'refusal p95', value: p(95), unit: 'ms', goal: `< ${GOAL_MS} ms`, met: p(95) < GOAL_MS },
    { group, name: 'refusal max', value: Math.max(...samples), unit: 'ms', goal: `< ${GOAL_MS} ms`, met: Math.max(...samples) < GOAL_MS },
  ];
}

export const bench: Bench = async () => {
  const out: BenchRow[] = [];
  const redisProxy = await TcpProxy.open(6379);
  let sys: TestSystem = await startTestSystem({ roles: ['web'], env: { REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, RATE_LIMIT_PER_MINUTE: '10000' } });
  const generate = () => sys.runtime.core.generate({ actor: actor(), channelId: 'c', prompt: 'piano', durationS: 5 });
  try {
    await redisProxy.stop();
    const down: number[] = [];
    for (let i = 0; i < SAMPLES; i++) down.push(await timed(generate));
    out.push(...rows('redis stopped: /generate', down, `${SAMPLES} samples`));
    process.stderr.write('  redis stopped: measured\n');

    await redisProxy.start();
    await new Promise((r) => setTimeout(r, 1_500));
    redisProxy.freeze();
    const hung: number[] = [];
    for (let i = 0; i < SAMPLES; i++) hung.push(await timed(generate));
    out.push(...rows('redis hung: /generate', hung, 'bounded by the 700 ms command timeout'));
    process.stderr.write('  redis hung: measured\n');
  } finally {
    // Back up before stopping: a polite shutdown waits on Redis for its consumers.
    await redisProxy.stop();
    await redisProxy.start();
    await sys.stop();
    await redisProxy.stop();
  }

  const pgProxy = await TcpProxy.open(Number(new URL(DATABASE_URL).port || 5432));
  const url = new URL(DATABASE_URL);
  url.port = String(pgProxy.port);
  sys = await startTestSystem({ roles: ['web'], env: { DATABASE_URL: url.toString() } });
  try {
    await pgProxy.stop();
    const pg: number[] = [];
    for (let i = 0; i < SAMPLES; i++) pg.push(await timed(generate));
    out.push(...rows('postgres stopped: /generate', pg, `${SAMPLES} samples`));
    const route: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      const res = await fetch(`${sys.url}/api/chat/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'b', text: '/recent' }) });
      if (res.status !== 503) throw new Error(`expected 503, got ${res.status}`);
      route.push(performance.now() - t0);
    }
    out.push(...rows('postgres stopped: POST /recent (HTTP 503)', route, `${SAMPLES} samples`));
  } finally {
    await pgProxy.start();
    await sys.stop();
    await pgProxy.stop();
  }
  return out;
};
