/**
 * Composes a ditty process from roles: the render worker, the web server with the local chat,
 * and the Discord and Slack frontends. `npm start` runs them all in one process; docker compose
 * runs one role per container.
 */
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { createQueueExpiry } from '../core/expiry.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../core/runtime.ts';
import { createTurns } from '../core/turns.ts';
import { locateFfmpeg } from '../worker/audio/ffmpeg.ts';
import { startRenderWorker, type RenderWorker, type WorkerDeps } from '../worker/index.ts';

import type { Role } from './roles.ts';

export { ROLES, type Role } from './roles.ts';

export interface System {
  runtime: Runtime;
  worker?: RenderWorker;
  /** Where the web server listens, when the web role runs. */
  url?: string;
  /** `beforeClose` runs once every role and loop has stopped, on connections still open (a test drops its schema there). */
  stop(opts?: { beforeClose?: () => Promise<void> }): Promise<void>;
}

export interface SystemOptions extends RuntimeOptions {
  roles: readonly Role[];
  drainTimeoutMs?: number;
  /** Worker tuning for tests and the fault suite (short locks, a hanging render thread). */
  worker?: Pick<WorkerDeps, 'poolOptions' | 'lockDurationMs' | 'stalledIntervalMs' | 'earlyEncode'>;
}

export async function startSystem(config: Config, log: Logger, opts: SystemOptions): Promise<System> {
  const roles = new Set(opts.roles);
  let ffmpeg: string | undefined;
  if (roles.has('worker')) {
    // Fail before touching anything else: a worker without ffmpeg would accept jobs it cannot finish.
    const found = await locateFfmpeg(config.ffmpegPath ? { ...process.env, FFMPEG_PATH: config.ffmpegPath } : process.env);
    log.info({ ffmpeg: found.ffmpeg, source: found.source }, 'ffmpeg found');
    ffmpeg = found.ffmpeg;
  }
  const runtime = await createRuntime(config, log, opts);
  const stops: Array<() => Promise<void>> = [];
  // Every process bounds queue time, not only workers: the case that matters is no worker at all.
  const { orm, queues, publish } = runtime;
  const expiry = createQueueExpiry({ orm, queues, log, publish, maxQueueMs: config.maxQueueMs, turns: createTurns({ orm, queues, limits: config.limits, log, publish }) });
  expiry.start();
  stops.push(() => expiry.stop());
  const system: System = {
    runtime,
    async stop({ beforeClose } = {}) {
      // Frontends first (no new work), then the worker drains, then shared connections.
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ err }, 'stop failed'));
      await beforeClose?.().catch((err: unknown) => log.error({ err }, 'stop failed'));
      await runtime.close();
    },
  };
  try {
    if (roles.has('worker')) {
      const worker = await startRenderWorker({
        config, orm: runtime.orm, queues: runtime.queues, log,
        connection: runtime.connect('render-worker'), publisher: runtime.redis, subscriber: runtime.connect('cancel'),
        drainTimeoutMs: opts.drainTimeoutMs, ffmpeg, ...opts.worker,
      });
      system.worker = worker;
      stops.push(() => worker.stop());
      // Workers sweep stored audio (several may: rows are claimed, each file goes once).
      const { startRetentionSweeper } = await import('../core/retention.ts');
      const sweeper = startRetentionSweeper(runtime.orm, config.retention, log);
      stops.push(async () => sweeper.stop());
    }
    if (config.metricsPort !== undefined) {
      const { startOpsServer } = await import('./ops-server.ts');
      const ops = await startOpsServer(runtime, config.metricsPort);
      stops.push(() => ops.close());
      log.info({ url: ops.url }, 'health and metrics served');
    }
    if (roles.has('web')) {
      const { startWebServer } = await import('../web/server/main.ts');
      const web = await startWebServer(runtime, { localChat: config.localChat });
      system.url = web.url;
      stops.push(() => web.close());
      log.info({ url: web.url }, config.localChat ? 'local chat ready' : 'web server ready');
    }
    if (roles.has('discord') && config.discord) {
      const { startDiscordBot } = await import('../bots/discord/index.ts');
      // A revoked token or refused intents: no retry helps. A bots-only process exits non-zero so
      // its supervisor restarts it and alerts; with the worker or web role it stays up, health red.
      const botsOnly = !roles.has('web') && !roles.has('worker');
      const bot = await startDiscordBot(config.discord, runtime, {
        onFatal: botsOnly ? () => { void system.stop().finally(() => process.exit(1)); } : undefined,
      });
      stops.push(() => bot.stop());
    }
    if (roles.has('slack') && config.slack) {
      const { startSlackApp } = await import('../bots/slack/index.ts');
      const { postgresInstallationStore } = await import('../bots/slack/oauth.ts');
      // OAuth installs live in Postgres; each store call gets its own EntityManager fork.
      const { createSecretBox } = await import('../core/secret-box.ts');
      const box = config.slack.tokenKeys ? createSecretBox(config.slack.tokenKeys) : undefined;
      const installationStore = config.slack.oauth ? postgresInstallationStore(() => runtime.orm.em.fork(), box) : undefined;
      const app = await startSlackApp(config.slack, runtime, {}, { installationStore });
      stops.push(() => app.stop());
    }
  } catch (err) {
    await system.stop();
    throw err;
  }
  return system;
}
