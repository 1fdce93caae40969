/**
 * Prometheus metrics for one process (prom-client). Counters and histograms are process-wide and
 * updated where things happen; gauges that describe shared state (queue depth, stored audio, open
 * event streams) are read at scrape time from sources each runtime registers and removes on close.
 * Names and labels are documented in docs/deploy.md; the Grafana dashboard reads them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'ditty_' });

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const metrics = {
  jobs: new Counter({
    name: 'ditty_jobs_total',
    help: 'Jobs finished by queue and outcome (completed, failed, cancelled, retried); code = error code',
    labelNames: ['queue', 'outcome', 'code'] as const,
    registers: [registry],
  }),
  renderSeconds: new Histogram({ name: 'ditty_render_seconds', help: 'Render time per track', buckets: SECONDS, registers: [registry] }),
  encodeSeconds: new Histogram({ name: 'ditty_encode_seconds', help: 'Encode time per track', buckets: SECONDS, registers: [registry] }),
  deliverSeconds: new Histogram({
    name: 'ditty_deliver_seconds', help: 'Time to post a finished track, by platform', labelNames: ['platform'] as const, buckets: SECONDS, registers: [registry],
  }),
  realtimeFactor: new Histogram({
    name: 'ditty_render_realtime_factor', help: 'Seconds of audio rendered per second of render time',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 50, 100, 200, 400, 800], registers: [registry],
  }),
  platformCalls: new Counter({
    name: 'ditty_platform_api_calls_total', help: 'Calls to chat platform APIs by platform and outcome (ok, error, rate_limited)',
    labelNames: ['platform', 'outcome'] as const, registers: [registry],
  }),
  httpErrors: new Counter({
    name: 'ditty_http_errors_total', help: 'HTTP responses with status >= 400 by route and status (429 = rate limited)',
    labelNames: ['route', 'status'] as const, registers: [registry],
  }),
  retentionSwept: new Counter({
    name: 'ditty_retention_expired_total', help: 'Tracks whose audio the retention sweeper removed, by reason (age, size)',
    labelNames: ['reason'] as const, registers: [registry],
  }),
};

type Source<T> = () => Promise<T> | T;

/** A source that fails or hangs (Redis down) is left out of this scrape rather than stalling it. */
async function read<T>(source: Source<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(source),
      new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), 2_000); }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
const queueSources = new Set<Source<Array<{ queue: string; counts: Record<string, number> }>>>();
const sseSources = new Set<Source<number>>();
const audioSources = new Set<Source<{ bytes: number; files: number }>>();

/** Registers a source; the returned function removes it (call it on close). */
function adder<T>(set: Set<T>) {
  return (source: T): (() => void) => {
    set.add(source);
    return () => set.delete(source);
  };
}
export const addQueueSource = adder(queueSources);
export const addSseSource = adder(sseSources);
export const addAudioSource = adder(audioSources);

new Gauge({
  name: 'ditty_queue_jobs', help: 'Jobs in each BullMQ queue by state', labelNames: ['queue', 'state'] as const, registers: [registry],
  async collect() {
    this.reset();
    for (const source of queueSources) {
      for (const { queue, counts } of (await read(source)) ?? []) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    }
  },
});
new Gauge({
  name: 'ditty_sse_clients', help: 'Open local chat event streams', registers: [registry],
  async collect() {
    let n = 0;
    for (const source of sseSources) n += (await read(source)) ?? 0;
    this.set(n);
  },
});
async function audioTotals(): Promise<{ bytes: number; files: number }> {
  // Runtimes of one process share a database: the first source answers.
  const first = [...audioSources][0];
  return (first && (await read(first))) || { bytes: 0, files: 0 };
}
new Gauge({
  name: 'ditty_audio_bytes', help: 'Bytes of stored audio (tracks not expired or deleted)', registers: [registry],
  async collect() {
    this.set((await audioTotals()).bytes);
  },
});
new Gauge({
  name: 'ditty_audio_files', help: 'Stored audio files (tracks not expired or deleted)', registers: [registry],
  async collect() {
    this.set((await audioTotals()).files);
  },
});

/** The exposition text and its content type, for GET /metrics. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  return { body: await registry.metrics(), contentType: registry.contentType };
}
