/**
 * The HTTP app: public track links (player page, audio, downloads) and the local chat. Building
 * the app and feeding the chat are separate so a test can build one without queues, and so a
 * web-only process without LOCAL_CHAT still serves links posted in Discord or Slack.
 */
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { FrontendRuntime } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import { chatPlugin, wireLocalChat } from './chat.ts';
import { countHttpErrors } from './ops.ts';
import { tracksPlugin, type TracksPluginOptions } from './tracks.ts';

export interface WebAppOptions {
  runtime: FrontendRuntime;
  tracks: TracksPluginOptions;
  log: Logger;
  /** Serve the local chat page and API. @defaultValue true */
  localChat?: boolean;
}

/** Largest request body anywhere in the app; routes set smaller limits of their own. */
const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildWebApp(opts: WebAppOptions): Promise<FastifyInstance> {
  const app = fastify({
    // Widened to fastify's logger interface so the app keeps the plain FastifyInstance type.
    loggerInstance: opts.log.child({ component: 'web' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Audio range requests would log a line each; errors are still logged by the handlers.
    logController: new LogController({ disableRequestLogging: true }),
    // Links are long-lived and shared; a trailing slash from a chat client's link parser is not a 404.
    routerOptions: { ignoreTrailingSlash: true },
  });
  countHttpErrors(app);
  await app.register(tracksPlugin, opts.tracks);
  if (opts.localChat !== false) await app.register(chatPlugin, { runtime: opts.runtime });
  return app;
}

/**
 * Starts what the local chat needs besides routes: the local delivery queue (a finished track is
 * "posted" by telling every open page) and live progress. Pair with `buildWebApp` on the same runtime.
 */
export async function startLocalChat(runtime: FrontendRuntime): Promise<{ close(): Promise<void> }> {
  return wireLocalChat(runtime);
}
