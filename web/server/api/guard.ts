/**
 * What every /api/v1 request meets before its route: a per-address rate limit (so guessing keys
 * is slow too), the API key (Authorization: Bearer), then a per-key rate limit. Safe by default:
 * every route wants a key except the few named in PUBLIC_ROUTES. Limits answer with the IETF
 * RateLimit / RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers) and, when spent,
 * 429 with Retry-After.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { authenticateApiKey, type ApiKeyRow } from '../../../core/api-keys.ts';
import type { MikroORM } from '../../../core/db/index.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import { UNAVAILABLE_MESSAGE } from '../../../core/outage.ts';

export interface GuardOptions {
  orm: MikroORM;
  redis: Redis;
  prefix: string;
  perKeyPerMinute: number;
  perIpPerMinute: number;
  /** Route URLs (as registered, with the prefix) that need no key. */
  publicRoutes: ReadonlySet<string>;
}

const keys = new WeakMap<FastifyRequest, ApiKeyRow>();

/** The key that authenticated this request; routes behind the guard always have one. */
export function keyOf(req: FastifyRequest): ApiKeyRow {
  const key = keys.get(req);
  if (!key) throw new UserError(UserErrorCode.Unauthorized, 'Send an API key as "Authorization: Bearer <key>" (npm run apikey -- create NAME).');
  return key;
}

/** The presented bearer token, or null. Only from the header: secrets never travel in URLs. */
export function bearerOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ ]+(\S{1,200})\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** Query strings are logged by proxies and kept in browser history: a key there is refused, not used. */
const KEY_IN_URL = /[?&][^=]*=ditty_[a-z2-7]{10}_/i;

const WINDOW_S = 60;

export function installGuard(app: FastifyInstance, opts: GuardOptions): void {
  const limiter = (name: string, points: number) => new RateLimiterRedis({
    storeClient: opts.redis, keyPrefix: `${opts.prefix}:api-rl:${name}`, points, duration: WINDOW_S,
    // Refuse at once while Redis is away instead of queueing the command.
    rejectIfRedisNotReady: true,
  });
  const perIp = limiter('ip', opts.perIpPerMinute);
  const perKey = limiter('key', opts.perKeyPerMinute);

  /** Consumes a point; sets the headers; throws a 429 when spent. Unknown state (Redis down) is an outage. */
  async function take(reply: FastifyReply, name: 'ip' | 'key', rl: RateLimiterRedis, id: string, optional: boolean): Promise<void> {
    let res: RateLimiterRes;
    let spent = false;
    try {
      res = await rl.consume(id);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) {
        if (optional) return; // health must answer while Redis is down: that is what it reports
        throw new UserError(UserErrorCode.Unavailable, UNAVAILABLE_MESSAGE);
      }
      res = e;
      spent = true;
    }
    const resetS = Math.max(0, Math.ceil(res.msBeforeNext / 1000));
    rateLimitHeaders(reply, name, { limit: rl.points, remaining: res.remainingPoints, resetS });
    if (spent) {
      const waitS = Math.max(1, resetS);
      throw new UserError(UserErrorCode.RateLimited, name === 'ip'
        ? `Too many requests from this address: ${rl.points} a minute; try again in ${waitS} s.`
        : `This key has made ${rl.points} requests this minute; try again in ${waitS} s.`, { waitS });
    }
  }

  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url;
    const isPublic = route !== undefined && opts.publicRoutes.has(route);
    if (KEY_IN_URL.test(req.url)) {
      throw new UserError(UserErrorCode.Unauthorized, 'API keys go in the Authorization header, never in the address (addresses end up in logs). Revoke this key and make a new one.');
    }
    await take(reply, 'ip', perIp, req.ip, isPublic);
    if (isPublic) return;
    const token = bearerOf(req);
    if (!token) throw new UserError(UserErrorCode.Unauthorized, 'Send an API key as "Authorization: Bearer <key>" (npm run apikey -- create NAME).');
    const key = await authenticateApiKey(opts.orm.em.fork(), token);
    if (!key) throw new UserError(UserErrorCode.Unauthorized, 'That API key is not valid (unknown or revoked).');
    keys.set(req, key);
    await take(reply, 'key', perKey, key.prefix, false);
  });
}

/**
 * Adds a policy to the RateLimit-Policy and RateLimit headers (one list member each): `limit`
 * per WINDOW_S seconds, `remaining` now, full again in `resetS`.
 */
export function rateLimitHeaders(reply: FastifyReply, name: string, q: { limit: number; remaining: number; resetS: number }): void {
  appendItem(reply, 'ratelimit-policy', `"${name}";q=${q.limit};w=${WINDOW_S}`);
  appendItem(reply, 'ratelimit', `"${name}";r=${Math.max(0, q.remaining)};t=${Math.max(0, q.resetS)}`);
}

/** Adds one member to a structured-field list header. */
function appendItem(reply: FastifyReply, name: string, item: string): void {
  const existing = reply.getHeader(name);
  reply.header(name, existing ? `${String(existing)}, ${item}` : item);
}

/** Admin-only routes call this first. */
export function requireAdminKey(req: FastifyRequest): ApiKeyRow {
  const key = keyOf(req);
  if (!key.admin) throw new UserError(UserErrorCode.NotAllowed, 'Only admin keys may do that (npm run apikey -- create NAME --admin).');
  return key;
}
