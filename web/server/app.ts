/**
 * The HTTP app: public track links (player page, audio, downloads) and the local chat. Building
 * the app and feeding the chat are separate so a test can build one without queues, and so a
 * web-only process without LOCAL_CHAT still serves links posted in Discord or Slack.
 */
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { FrontendRuntime } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import { DEFAULT_HTTP_LIMITS, guardText, replyError, serverTimeouts, type HttpLimits } from './boundary.ts';
import { chatPlugin, wireLocalChat } from './chat.ts';
import type { GallerySource } from './gallery-source.ts';
import { countHttpErrors } from './ops.ts';
import { tracksPlugin, type TracksPluginOptions } from './tracks.ts';

export interface WebAppOptions {
  runtime: FrontendRuntime;
  tracks: TracksPluginOptions;
  log: Logger;
  /** Serve the local chat page and API. @defaultValue true */
  localChat?: boolean;
  /** LOCAL_CHAT_TOKEN: the chat asks for it at login. */
  chatToken?: string;
  /** ADMIN_TOKEN: a chat login with it is an admin session (deletes anyone's track). */
  adminToken?: string;
  /** Host headers to answer (PUBLIC_URL's host); loopback names are always answered. Unset = any. */
  allowedHosts?: string[];
  /** TRUST_PROXY: who may set X-Forwarded-For (client addresses for per-client limits and counts). */
  trustProxy?: true | string[];
  /** Timeouts for slow or stalled clients. @defaultValue DEFAULT_HTTP_LIMITS */
  httpLimits?: Partial<HttpLimits>;
  /** The web gallery's data (served at `/` with the local chat, behind its login). */
  gallery?: GallerySource;
}

/** Largest request body anywhere in the app; routes set smaller limits of their own. */
const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildWebApp(opts: WebAppOptions): Promise<FastifyInstance> {
  const app = fastify({
    // Widened to fastify's logger interface so the app keeps the plain FastifyInstance type.
    loggerInstance: opts.log.child({ component: 'web' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: opts.trustProxy ?? false,
    // Audio range requests would log a line each; errors are still logged by the handlers.
    logController: new LogController({ disableRequestLogging: true }),
    // Links are long-lived and shared; a trailing slash from a chat client's link parser is not a 404.
    routerOptions: { ignoreTrailingSlash: true },
    // A client that sends its request slowly (or never finishes it) is cut off, not waited on.
    ...serverTimeouts({ ...DEFAULT_HTTP_LIMITS, ...opts.httpLimits }),
  });
  countHttpErrors(app);
  if (opts.allowedHosts) checkHostHeader(app, opts.allowedHosts);
  guardText(app);
  app.setErrorHandler(replyError);
  await app.register(tracksPlugin, opts.tracks);
  if (opts.localChat !== false) await app.register(chatPlugin, { runtime: opts.runtime, accessToken: opts.chatToken, adminToken: opts.adminToken, gallery: opts.gallery });
  return app;
}

/**
 * Starts what the local chat needs besides routes: the local delivery queue (a finished track is
 * "posted" by telling every open page) and live progress. Pair with `buildWebApp` on the same runtime.
 */
export async function startLocalChat(runtime: FrontendRuntime): Promise<{ close(): Promise<void> }> {
  return wireLocalChat(runtime);
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/;

/**
 * Answers only requests addressed to PUBLIC_URL's host (and loopback, for health checks and the
 * machine itself): a page served under another name (DNS rebinding, a stray vhost) gets 421.
 */
export function checkHostHeader(app: FastifyInstance, allowed: readonly string[]): void {
  const hosts = new Set(allowed.map((h) => h.toLowerCase()));
  app.addHook('onRequest', async (req, reply) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (hosts.has(host) || LOOPBACK_HOST.test(host)) return;
    req.log.warn({ host: host.slice(0, 100) }, 'request for an unknown host refused');
    return reply.code(421).header('content-type', 'text/plain; charset=utf-8').send('This server does not answer for that host name (see PUBLIC_URL).\n');
  });
}
