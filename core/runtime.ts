/**
 * Builds the shared pieces of a ditty process from its config: Postgres (created and migrated),
 * Redis connections, queues, the ChatCore, live progress and delivery. Each process (all-in-one,
 * worker, web, discord, slack) builds one and closes it on shutdown.
 */
import type { MikroORM } from './db/index.ts';
import type { Redis } from 'ioredis';
import type { FrontendRuntime } from './chat.ts';
import type { Config } from './config.ts';
import { createOrm, ensureDatabase, migrateUp } from './db/orm.ts';
import { startDeliveryConsumer, takeEnded } from './delivery.ts';
import { PLATFORMS, progressChannel, type Platform, type ProgressEvent } from './jobs.ts';
import type { Logger } from './log.ts';
import { addAudioSource, addQueueSource } from './metrics.ts';
import { ConnectionHealth } from './connection-health.ts';
import { connectRedis, createQueues, type Queues } from './queue.ts';
import { createChatCore } from './service.ts';
import { within } from './worker-close.ts';

export interface Runtime extends FrontendRuntime {
  config: Config;
  connections: ConnectionHealth;
  orm: MikroORM;
  queues: Queues;
  /** Commands and publishing. */
  redis: Redis;
  publish(event: ProgressEvent): void;
  /** A fresh connection (blocking workers and subscribers each need their own). */
  connect(name: string, opts?: { failFast?: boolean }): Redis;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Postgres schema to use instead of the default (tests isolate themselves with one). */
  schema?: string;
  /** Run pending migrations at start-up (default true). */
  migrate?: boolean;
}

export async function createRuntime(config: Config, log: Logger, opts: RuntimeOptions = {}): Promise<Runtime> {
  await ensureDatabase(config.databaseUrl);
  const orm = await createOrm({ databaseUrl: config.databaseUrl, schema: opts.schema });
  if (opts.migrate !== false) {
    const ran = await migrateUp(orm);
    if (ran.length) log.info({ migrations: ran }, 'migrations applied');
  }
  const connections: Redis[] = [];
  const connect = (name: string, connectOpts: { failFast?: boolean } = {}) => {
    const c = connectRedis(config.redisUrl, `ditty-${name}`, connectOpts);
    c.on('error', (err: Error) => log.warn({ err: err.message, connection: name }, 'redis connection error'));
    connections.push(c);
    return c;
  };
  const redis = connect('commands', { failFast: true });
  const queueConnection = connect('queues', { failFast: true });
  // Fail-fast connections refuse commands until connected: give them a moment at start-up, but
  // start anyway when Redis is down (commands are refused in words until it is back).
  await Promise.all([redis, queueConnection].map((c) => whenReady(c, STARTUP_REDIS_WAIT_MS))).catch(() => {
    log.warn('redis not reachable at start-up; chat commands are refused until it is');
  });
  const queues = createQueues(queueConnection, config.queuePrefix);
  for (const queue of [queues.render, ...Object.values(queues.deliver)]) {
    queue.on('error', (err: Error) => log.warn({ err: err.message, queue: queue.name }, 'queue error'));
  }
  const publish = (event: ProgressEvent) => {
    void redis.publish(progressChannel(config.queuePrefix, event.platform), JSON.stringify(event)).catch((err: unknown) => {
      log.warn({ err, generationId: event.generationId }, 'progress publish failed');
    });
  };

  const listeners = new Map<Platform, Set<(e: ProgressEvent) => void>>(PLATFORMS.map((p) => [p, new Set()]));
  let subscriber: Redis | undefined;
  async function ensureSubscribed() {
    if (subscriber) return;
    subscriber = connect('progress');
    subscriber.on('message', (channel: string, message: string) => {
      const platform = PLATFORMS.find((p) => progressChannel(config.queuePrefix, p) === channel);
      if (!platform) return;
      let event: ProgressEvent;
      try {
        event = JSON.parse(message) as ProgressEvent;
      } catch {
        return;
      }
      for (const listener of listeners.get(platform)!) {
        try {
          listener(event);
        } catch (err) {
          log.error({ err, platform }, 'progress listener threw');
        }
      }
    });
    await subscriber.subscribe(...PLATFORMS.map((p) => progressChannel(config.queuePrefix, p)));
  }

  const removeSources = [
    addQueueSource(async () => Promise.all([queues.render, ...Object.values(queues.deliver)].map(async (q) => ({
      queue: q.name,
      counts: await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed', 'waiting-children'),
    })))),
    addAudioSource(async () => {
      const [row] = await orm.em.fork().getConnection().execute<Array<{ bytes: string | null; files: string }>>(
        `select coalesce(sum(size_bytes), 0) as bytes, count(*) as files from generations where storage_path is not null`,
      );
      return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
    }),
  ];
  const deliveries: Array<{ close(): Promise<void> }> = [];
  const core = createChatCore({ config, orm, queues, redis, log, publish });
  const runtime: Runtime = {
    config, orm, queues, redis, publish, connect, log, core,
    connections: new ConnectionHealth(),
    publicUrl: config.http.publicUrl,
    onProgress(platform, listener) {
      listeners.get(platform)!.add(listener);
      ensureSubscribed().catch((err: unknown) => log.error({ err }, 'progress subscribe failed'));
      return () => listeners.get(platform)!.delete(listener);
    },
    async startDelivery(platform, handler, batchHandler) {
      const consumer = await startDeliveryConsumer(
        { orm, connection: connect(`deliver-${platform}`), prefix: config.queuePrefix, publicUrl: runtime.publicUrl, log, publish, queues },
        platform, handler, batchHandler,
      );
      // Takes: a take that ends without a track may be the last of its batch; the batch is then posted.
      const stopTakes = runtime.onProgress(platform, (ev) => {
        if (ev.stage !== 'failed' && ev.stage !== 'cancelled') return;
        takeEnded({ orm, queues }, ev.generationId).catch((err: unknown) => log.warn({ err, generationId: ev.generationId }, 'batch check after a failed take failed; the reconciler will retry'));
      });
      const withTakes = { close: async () => { stopTakes(); await consumer.close(); } };
      deliveries.push(withTakes);
      return withTakes;
    },
    async close() {
      for (const remove of removeSources) remove();
      // Each consumer's close is bounded by itself (core/worker-close.ts); this bound is a second guard.
      await Promise.all(deliveries.map((d) => within(d.close(), 8_000)));
      // With Redis unreachable, a polite close would wait for a reconnect that may never come.
      await within(queues.close(), 5_000);
      await Promise.all(connections.map((c) => (c.status === 'ready' ? within(c.quit(), 2_000) : Promise.resolve()).finally(() => c.disconnect())));
      await orm.close(true);
    },
  };
  return runtime;
}

const STARTUP_REDIS_WAIT_MS = 3_000;

/** Resolves once the connection is ready; rejects after `ms`. */
function whenReady(c: Redis, ms: number): Promise<void> {
  if (c.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.off('ready', onReady);
      reject(new Error('redis not ready'));
    }, ms);
    timer.unref();
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    c.once('ready', onReady);
  });
}
