/**
 * The local chat's login. With LOCAL_CHAT_TOKEN set, a visitor logs in once with the shared
 * token and a display name; the server answers with a signed session cookie (HttpOnly,
 * SameSite=Strict, Secure behind HTTPS) and from then on every command, star and cancel acts as
 * the name in the session: a typed name in a request body is ignored. Without a token (loopback
 * only: start-up refuses otherwise) the chat stays open and the page sends its name, as before.
 *
 * The operator logs in with ADMIN_TOKEN instead (when set): an admin session, which may delete
 * anyone's track, as a server admin may on Discord and Slack.
 *
 * The session is `base64url(json).base64url(hmac)`, keyed from the token, so changing
 * LOCAL_CHAT_TOKEN signs everyone out. Routes:
 *   GET  /api/chat/session  → { mode: 'open' | 'token', name: string | null, admin: boolean }
 *   POST /api/chat/login    { name, token } → { name, admin }  (sets the cookie)
 *   POST /api/chat/logout   → 204 (clears it)
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/chat.ts';
import { localActor, parseDisplayName } from './commands.ts';

export const SESSION_COOKIE = 'ditty_chat';
const SESSION_MAX_AGE_S = 30 * 24 * 3600;
const BODY_LIMIT_BYTES = 4 * 1024;

export interface ChatAuthOptions {
  /** The shared access token; unset = open chat. */
  token?: string;
  /** Mark the cookie Secure (the page is served over HTTPS). */
  secure?: boolean;
  /** ADMIN_TOKEN: logging in with it instead of the shared token gives an admin session. */
  adminToken?: string;
}

export interface ChatAuth {
  mode: 'open' | 'token';
  /** Who sends this request: the session's name with a token, else the typed name. Throws 401 via reply when absent. */
  actor(req: FastifyRequest, typedName: unknown): Actor;
  /** The session's name, or null (always null in open mode). */
  sessionName(req: FastifyRequest): string | null;
  /** Whether the session was opened with ADMIN_TOKEN (never in open mode). */
  isAdmin(req: FastifyRequest): boolean;
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export class LoginRequiredError extends Error {
  readonly statusCode = 401;
  constructor() {
    super('Log in first: this chat asks for its access token.');
    this.name = 'LoginRequiredError';
  }
}

/** Registers the session routes on the chat plugin's scope and returns how handlers learn who is asking. */
export function registerChatAuth(app: FastifyInstance, opts: ChatAuthOptions): ChatAuth {
  const token = opts.token;
  const key = token ? createHash('sha256').update(`ditty-chat-session\0${token}`).digest() : null;
  const sign = (payload: string): string => b64(createHmac('sha256', key!).update(payload).digest());

  function session(req: FastifyRequest): { name: string; admin: boolean } | null {
    if (!key) return null;
    const raw = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const dot = raw?.indexOf('.') ?? -1;
    if (!raw || dot < 1) return null;
    const payload = raw.slice(0, dot);
    const mac = Buffer.from(raw.slice(dot + 1));
    const expected = Buffer.from(sign(payload));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { n?: unknown; iat?: unknown; a?: unknown };
      if (typeof data.n !== 'string' || typeof data.iat !== 'number') return null;
      if (Date.now() / 1000 - data.iat > SESSION_MAX_AGE_S) return null;
      return { name: data.n, admin: data.a === 1 };
    } catch {
      return null;
    }
  }
  const sessionName = (req: FastifyRequest): string | null => session(req)?.name ?? null;
  const isAdmin = (req: FastifyRequest): boolean => session(req)?.admin === true;

  const cookie = (value: string, maxAge: number): string =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${opts.secure ? '; Secure' : ''}`;

  app.get('/api/chat/session', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const current = session(req);
    return { mode: key ? 'token' : 'open', name: current?.name ?? null, admin: current?.admin ?? false };
  });

  app.post('/api/chat/login', { bodyLimit: BODY_LIMIT_BYTES }, async (req, reply: FastifyReply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    if (!key) return reply.code(404).send({ error: { code: 'not_found', message: 'This chat has no login.' } });
    const given = typeof body.token === 'string' ? body.token : '';
    const admin = opts.adminToken !== undefined && timingSafeEqual(digest(given), digest(opts.adminToken));
    if (!admin && !timingSafeEqual(digest(given), digest(token!))) {
      req.log.warn('local chat login refused: wrong access token');
      return reply.code(401).send({ error: { code: 'login_failed', message: 'That access token is not right.' } });
    }
    // Throws the usual name_invalid UserError for a bad name.
    const { displayName } = parseDisplayName(body.name);
    const payload = b64(JSON.stringify({ n: displayName, iat: Math.floor(Date.now() / 1000), ...(admin ? { a: 1 } : {}) }));
    req.log.info({ name: displayName, admin }, 'local chat login');
    return reply.header('set-cookie', cookie(`${payload}.${sign(payload)}`, SESSION_MAX_AGE_S)).header('cache-control', 'no-store').send({ name: displayName, admin });
  });

  app.post('/api/chat/logout', async (_req, reply) => reply.header('set-cookie', cookie('', 0)).code(204).send());

  if (key) {
    // Everything else under /api/chat wants a session; the page itself loads (it holds the login form).
    app.addHook('onRequest', async (req) => {
      const url = req.url.split('?')[0]!;
      if (!url.startsWith('/api/chat/') || url === '/api/chat/session' || url === '/api/chat/login' || url === '/api/chat/logout') return;
      if (sessionName(req) === null) throw new LoginRequiredError();
    });
  }

  return {
    mode: key ? 'token' : 'open',
    sessionName,
    isAdmin,
    actor(req, typedName) {
      if (!key) return localActor(typedName);
      const name = sessionName(req);
      if (name === null) throw new LoginRequiredError();
      return localActor(name);
    },
  };
}
