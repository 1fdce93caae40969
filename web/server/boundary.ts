/**
 * What every request meets before a route: bounded time to send it, text that is really text, and
 * errors turned into a plain sentence with the right status. An outage of Postgres or Redis is a
 * 503 that says "try again"; a bug is a 500 with a generic sentence; neither shows internal text.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUserError, UserError, UserErrorCode } from '../../core/errors.ts';
import { isOutage, UNAVAILABLE_MESSAGE } from '../../core/outage.ts';
import { hasBadText, textInvalidMessage } from '../../core/validate.ts';

export interface HttpLimits {
  /** Whole request (headers and body) must arrive within this. @defaultValue 30000 */
  requestTimeoutMs: number;
  /** A socket idle this long is closed (longer than the event stream's heartbeat). @defaultValue 60000 */
  idleTimeoutMs: number;
  /** Headers must arrive within this. @defaultValue 10000 */
  headersTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { requestTimeoutMs: 30_000, idleTimeoutMs: 60_000, headersTimeoutMs: 10_000 };

/** Fastify server options enforcing `limits` (Node checks the request timers this often). */
export function serverTimeouts(limits: HttpLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4))),
    },
  };
}

export function statusForUserError(code: UserErrorCode): number {
  switch (code) {
    case UserErrorCode.RateLimited:
    case UserErrorCode.ServerBusy:
      return 429;
    case UserErrorCode.NotFound:
      return 404;
    case UserErrorCode.Unauthorized:
      return 401;
    case UserErrorCode.NotAllowed:
    case UserErrorCode.ChannelNotAllowed:
      return 403;
    case UserErrorCode.Unavailable:
      return 503;
    default:
      return 400;
  }
}

const BAD_TEXT = textInvalidMessage('That request');

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies are decoded strictly (fastify's parser would turn broken UTF-8 into U+FFFD
 * silently) and refused when a string holds a NUL; addresses with broken or NUL escapes too.
 */
export function guardText(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(new UserError(UserErrorCode.TextInvalid, BAD_TEXT), undefined);
      return;
    }
    parseJson(req, text, (err, value) => {
      if (err) done(err, undefined);
      else if (hasBadText(value)) done(new UserError(UserErrorCode.TextInvalid, BAD_TEXT), undefined);
      else done(null, value);
    });
  });
  app.addHook('onRequest', async (req) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(req.url);
    } catch {
      throw new UserError(UserErrorCode.TextInvalid, 'That address contains characters that are not valid UTF-8.');
    }
    if (decoded.includes('\u0000')) throw new UserError(UserErrorCode.TextInvalid, 'That address contains a NUL byte.');
  });
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** One error handler for the whole app: a plain sentence, the right status, a log line. */
export function replyError(err: FastifyError | UserError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let status: number;
  let body: ErrorBody;
  if (isUserError(err)) {
    req.log.info({ code: err.code }, 'request refused');
    status = statusForUserError(err.code);
    body = { error: { code: err.code, message: err.message } };
  } else if (isOutage(err)) {
    req.log.warn({ err }, 'request refused: a backing service is down');
    status = 503;
    body = { error: { code: UserErrorCode.Unavailable, message: UNAVAILABLE_MESSAGE } };
  } else {
    const fastifyStatus = (err as FastifyError).statusCode ?? 500;
    if (fastifyStatus >= 400 && fastifyStatus < 500) {
      // Fastify's own refusals (bad JSON, body too large, wrong content type): safe to summarise.
      status = fastifyStatus;
      const message = status === 413 ? 'That message is too large.' : status === 408 ? 'That request took too long to arrive.' : 'That request was malformed; reload the page and try again.';
      body = { error: { code: 'bad_request', message } };
    } else {
      req.log.error({ err }, 'request failed');
      status = 500;
      body = { error: { code: 'internal', message: 'Something went wrong on our side. Try again in a moment.' } };
    }
  }
  // A route may have said how long to wait already (a full stream limit); keep its word.
  if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
  reply.header('cache-control', 'no-store');
  // A page (the player) gets a page; everything else JSON.
  if (req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '') && !req.url.startsWith('/api/')) {
    return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'none'")
      .send(`<!doctype html><meta charset="utf-8"><title>ditty</title><p>${escapeHtml(body.error.message)}</p>`);
  }
  return reply.code(status).send(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
