/**
 * A local stand-in for Slack's side of the wire, for driving the real Bolt App in tests:
 * the Web API methods the app calls (form-encoded like @slack/web-api sends them), the upload
 * URL of files.uploadV2, response_url endpoints, and a Socket Mode WebSocket. It keeps channel
 * history so edits and reactions can be checked, records every call with its time, and can
 * answer the next calls of a method with 429 + Retry-After.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export const FAKE_BOT_USER_ID = 'UDITTYBOT';
export const FAKE_BOT_ID = 'BDITTYBOT';
export const FAKE_TEAM_ID = 'T0DITTY01';

export type Args = Record<string, unknown>;

export interface ApiCall {
  method: string;
  args: Args;
  /** ms since epoch when the request arrived. */
  at: number;
  /** HTTP status answered (429 when rate limited). */
  status: number;
  authorization?: string;
}

export interface StoredMessage {
  ts: string;
  channel: string;
  user: string;
  bot_id: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
  files?: Array<{ id: string; name: string; title?: string }>;
  edited?: boolean;
  /** A reply in a thread: the parent's ts. Replies are left out of conversations.history, as on Slack. */
  thread_ts?: string;
}

export interface StoredFile {
  id: string;
  filename: string;
  /** Length announced to files.getUploadURLExternal. */
  length: number;
  bytes?: Buffer;
  completed: boolean;
  channel?: string;
}

/** What oauth.v2.access answers for one authorization code (Slack's OAuth v2 response). */
export interface OAuthGrant {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
  botToken: string;
  botUserId: string;
  botId: string;
  installerUserId: string;
  scopes: string[];
  /** Token rotation on: the bot token lives this long, and comes with a refresh token. */
  expiresInS?: number;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface SocketEnvelope {
  envelope_id: string;
  type: 'slash_commands' | 'interactive' | 'events_api';
  payload: Record<string, unknown>;
  accepts_response_payload?: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly files = new Map<string, StoredFile>();
  readonly responses: ResponseUrlPost[] = [];
  /** Channels the bot is not a member of: posting there fails with not_in_channel. */
  readonly notInChannel = new Set<string>();
  readonly users = new Map<string, { name: string; real_name: string; display_name: string; is_admin?: boolean; is_owner?: boolean }>();
  /** Archived channels: posting, editing and uploading there fail with is_archived. */
  readonly archived = new Set<string>();
  /** Error codes the next calls of a method answer with (`ok: false`), oldest first. */
  readonly #failures = new Map<string, string[]>();
  /** Bearer tokens that auth.test refuses with invalid_auth. */
  readonly revokedTokens = new Set<string>();
  /** Authorization codes oauth.v2.access accepts (each once), and the install each one grants. */
  readonly oauthGrants = new Map<string, OAuthGrant>();
  /** The redirect_uri of each oauth.v2.access call, in order (undefined when none was sent). */
  readonly oauthRedirectUris: Array<string | undefined> = [];
  /** The app credentials oauth.v2.access checks, when set. */
  oauthClient: { id: string; secret: string } | null = null;
  /** Bot tokens issued through oauth.v2.access: auth.test answers with their own team and bot. */
  readonly #issued = new Map<string, OAuthGrant>();
  /** With token rotation: when each access token expires (ms), and each refresh token's grant. */
  readonly #expiry = new Map<string, number>();
  readonly #refreshTokens = new Map<string, OAuthGrant>();
  /** Access tokens handed out by refresh_token exchanges, in order. */
  readonly refreshedTokens: string[] = [];
  readonly #channels = new Map<string, Map<string, StoredMessage>>();
  readonly #rateLimits = new Map<string, { retryAfterS: number; remaining: number; channel?: string }>();
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #acks = new Map<string, (ack: Record<string, unknown>) => void>();
  #lastTs = 0;
  #fileSeq = 0;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSocket(ws));
    });
  }

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** What the app's config.slack.apiUrl should be. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string = randomUUID()): string {
    return `${this.url}/respond/${id}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The next `times` calls of `method` get HTTP 429 with Retry-After. */
  /**
   * The next `times` calls of `method` answer 429. With `channel`, only calls about that channel:
   * a late redraw of another test's card must not take the 429 meant for this one.
   */
  rateLimit(method: string, retryAfterS: number, times = 1, channel?: string): void {
    this.#rateLimits.set(method, { retryAfterS, remaining: times, channel });
  }

  /** The next `times` calls of `method` answer `{ ok: false, error }`, as Slack does for e.g. token_revoked. */
  failNext(method: string, error: string, times = 1): void {
    this.#failures.set(method, [...(this.#failures.get(method) ?? []), ...Array<string>(times).fill(error)]);
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  messages(channel: string): StoredMessage[] {
    return [...(this.#channels.get(channel)?.values() ?? [])];
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.#channels.get(channel)?.get(ts);
  }

  /** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
  async waitFor<T>(check: () => T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // ---- Socket Mode ------------------------------------------------------------------------

  get socketCount(): number {
    return this.#sockets.size;
  }

  /** Sends one envelope to every connected app and resolves with the first ack. */
  async sendSocket(envelope: Omit<SocketEnvelope, 'envelope_id'> & { envelope_id?: string }, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const id = envelope.envelope_id ?? randomUUID();
    const acked = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for envelope ${id} in ${timeoutMs} ms`)), timeoutMs);
      this.#acks.set(id, (ack) => { clearTimeout(timer); resolve(ack); });
    });
    const text = JSON.stringify({ ...envelope, envelope_id: id });
    for (const ws of this.#sockets) ws.send(text);
    return acked;
  }

  #onSocket(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => this.#sockets.delete(ws));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { envelope_id?: string };
      if (msg.envelope_id) this.#acks.get(msg.envelope_id)?.(msg as Record<string, unknown>);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0DITTY01' }, debug_info: { host: 'fake', approximate_connection_time: 3600 } }));
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.url).pathname;
    const contentType = req.headers['content-type'] ?? '';
    if (path.startsWith('/respond/')) {
      this.responses.push({ id: path.slice('/respond/'.length), body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, at: Date.now() });
      return send(res, 200, 'ok', 'text/plain');
    }
    if (path.startsWith('/upload/')) {
      const id = path.slice('/upload/'.length);
      const file = this.files.get(id);
      if (!file) return send(res, 404, 'no such upload', 'text/plain');
      // @slack/web-api posts multipart with the bytes in a field named "body"; let fetch parse it.
      const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
      const part = form.get('body') ?? form.get('file');
      file.bytes = part instanceof Blob ? Buffer.from(await part.arrayBuffer()) : Buffer.from(String(part ?? ''));
      return send(res, 200, `OK - ${file.bytes.length}`, 'text/plain');
    }
    if (!path.startsWith('/api/')) return send(res, 404, 'not found', 'text/plain');
    const method = path.slice('/api/'.length);
    const args = parseArgs(raw, contentType);
    const call: ApiCall = { method, args, at: Date.now(), status: 200, authorization: req.headers.authorization };
    this.calls.push(call);
    const limit = this.#rateLimits.get(method);
    if (limit && limit.remaining > 0 && (limit.channel === undefined || args.channel === limit.channel)) {
      limit.remaining -= 1;
      call.status = 429;
      res.writeHead(429, { 'retry-after': String(limit.retryAfterS), 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    }
    const injected = this.#failures.get(method)?.shift();
    if (injected) return send(res, 200, JSON.stringify({ ok: false, error: injected }));
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? String(args.token ?? '');
    if (this.revokedTokens.has(token)) return send(res, 200, JSON.stringify({ ok: false, error: 'invalid_auth' }));
    const target = typeof args.channel === 'string' ? args.channel : typeof args.channel_id === 'string' ? args.channel_id : '';
    const writes = ['chat.postMessage', 'chat.update', 'chat.delete', 'files.completeUploadExternal', 'conversations.history', 'conversations.replies', 'chat.postEphemeral'];
    if (target && writes.includes(method)) {
      // A removed bot can read nothing of the channel and post nothing in it; an archived one posts nothing.
      if (this.notInChannel.has(target)) return send(res, 200, JSON.stringify({ ok: false, error: 'not_in_channel' }));
      if (this.archived.has(target) && !method.startsWith('conversations.')) return send(res, 200, JSON.stringify({ ok: false, error: 'is_archived' }));
    }
    const expiry = this.#expiry.get(token);
    if (expiry !== undefined && Date.now() >= expiry) return send(res, 200, JSON.stringify({ ok: false, error: 'token_expired' }));
    return send(res, 200, JSON.stringify(this.#api(method, args, token)));
  }

  #nextTs(): string {
    // Slack ts: seconds.micro, strictly increasing per workspace.
    this.#lastTs = Math.max(this.#lastTs + 1, Date.now() * 1000);
    return `${Math.floor(this.#lastTs / 1e6)}.${String(this.#lastTs % 1e6).padStart(6, '0')}`;
  }

  #store(channel: string, msg: Omit<StoredMessage, 'ts' | 'channel' | 'user' | 'bot_id'>): StoredMessage {
    const ts = this.#nextTs();
    const stored: StoredMessage = { ts, channel, user: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID, ...msg };
    let history = this.#channels.get(channel);
    if (!history) this.#channels.set(channel, (history = new Map()));
    history.set(ts, stored);
    return stored;
  }

  /** Adds a message by someone else (for reactions on messages that are not ditty's). */
  postAsUser(channel: string, user: string, text: string, blocks?: Array<Record<string, unknown>>): StoredMessage {
    const m = this.#store(channel, { text, blocks });
    m.user = user;
    m.bot_id = '';
    return m;
  }

  /** An access token of a grant: with rotation on, it expires and comes with a refresh token. */
  #rotating(grant: OAuthGrant): { access_token: string; refresh_token?: string; expires_in?: number } {
    this.#issued.set(grant.botToken, grant);
    if (grant.expiresInS === undefined) return { access_token: grant.botToken };
    const refreshToken = `xoxe-1-refresh-${grant.botToken}`;
    this.#refreshTokens.set(refreshToken, grant);
    this.#expiry.set(grant.botToken, Date.now() + grant.expiresInS * 1000);
    return { access_token: grant.botToken, refresh_token: refreshToken, expires_in: grant.expiresInS };
  }

  #api(method: string, a: Args, token: string): Record<string, unknown> {
    const channel = typeof a.channel === 'string' ? a.channel : typeof a.channel_id === 'string' ? a.channel_id : '';
    switch (method) {
      case 'auth.test': {
        const issued = this.#issued.get(token);
        if (issued) {
          return {
            ok: true, url: `https://${issued.teamId ?? issued.enterpriseId}.slack.com/`, team: issued.teamId ?? '', user: 'ditty',
            team_id: issued.teamId ?? '', enterprise_id: issued.enterpriseId, user_id: issued.botUserId, bot_id: issued.botId,
            is_enterprise_install: issued.isEnterpriseInstall ?? false,
          };
        }
        return { ok: true, url: 'https://ditty-test.slack.com/', team: 'ditty test', user: 'ditty', team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID };
      }
      case 'oauth.v2.access': {
        if (this.oauthClient && (a.client_id !== this.oauthClient.id || a.client_secret !== this.oauthClient.secret)) {
          return { ok: false, error: 'invalid_client_id' };
        }
        if (a.grant_type === 'refresh_token') {
          // Token rotation: a new access token (and refresh token) for the same install.
          const grant = this.#refreshTokens.get(String(a.refresh_token));
          if (!grant) return { ok: false, error: 'invalid_refresh_token' };
          const accessToken = `${grant.botToken}-r${this.refreshedTokens.length + 1}`;
          this.refreshedTokens.push(accessToken);
          return { ok: true, token_type: 'bot', ...this.#rotating({ ...grant, botToken: accessToken }), team: { id: grant.teamId }, enterprise: null };
        }
        this.oauthRedirectUris.push(a.redirect_uri === undefined ? undefined : String(a.redirect_uri));
        const grant = this.oauthGrants.get(String(a.code));
        if (!grant) return { ok: false, error: 'invalid_code' };
        this.oauthGrants.delete(String(a.code));
        this.#issued.set(grant.botToken, grant);
        return {
          ...this.#rotating(grant),
          ok: true, app_id: 'A0DITTY01', authed_user: { id: grant.installerUserId }, scope: grant.scopes.join(','), token_type: 'bot',
          access_token: grant.botToken, bot_user_id: grant.botUserId,
          team: grant.isEnterpriseInstall ? null : { id: grant.teamId, name: `team ${grant.teamId}` },
          enterprise: grant.enterpriseId ? { id: grant.enterpriseId, name: `org ${grant.enterpriseId}` } : null,
          is_enterprise_install: grant.isEnterpriseInstall ?? false,
        };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${this.url.replace(/^http/, 'ws')}/socket` };
      case 'chat.postMessage': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (this.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        const thread = typeof a.thread_ts === 'string' && a.thread_ts ? a.thread_ts : undefined;
        if (thread && !this.message(channel, thread)) return { ok: false, error: 'thread_not_found' };
        const m = this.#store(channel, { text: a.text as string | undefined, blocks: a.blocks as StoredMessage['blocks'], ...(thread ? { thread_ts: thread } : {}) });
        return { ok: true, channel, ts: m.ts, message: m };
      }
      case 'chat.update': {
        const m = this.message(channel, String(a.ts));
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = a.text as string | undefined;
        m.blocks = a.blocks as StoredMessage['blocks'];
        m.edited = true;
        return { ok: true, channel, ts: m.ts, text: m.text };
      }
      case 'chat.delete': {
        const deleted = this.#channels.get(channel)?.delete(String(a.ts));
        return deleted ? { ok: true, channel, ts: a.ts } : { ok: false, error: 'message_not_found' };
      }
      case 'chat.postEphemeral':
        if (this.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
        return { ok: true, message_ts: this.#nextTs() };
      case 'conversations.history': {
        const latest = a.latest !== undefined ? Number(a.latest) : Infinity;
        const oldest = a.oldest !== undefined ? Number(a.oldest) : 0;
        const inclusive = a.inclusive === true || a.inclusive === 'true' || a.inclusive === '1';
        const limit = Number(a.limit ?? 100);
        const messages = this.messages(channel)
          .filter((m) => {
            if (m.thread_ts && m.thread_ts !== m.ts) return false;
            const t = Number(m.ts);
            return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
          })
          .sort((x, y) => Number(y.ts) - Number(x.ts))
          .slice(0, limit);
        return { ok: true, messages, has_more: false };
      }
      case 'conversations.replies': {
        // `ts` names the parent or any reply; the parent comes first (whatever the bounds), then
        // the replies within latest/oldest, oldest first, as on Slack.
        const named = this.message(channel, String(a.ts));
        const parent = named?.thread_ts ? this.message(channel, named.thread_ts) : named;
        if (!parent) return { ok: false, error: 'thread_not_found' };
        const latest = a.latest !== undefined ? Number(a.latest) : Infinity;
        const oldest = a.oldest !== undefined ? Number(a.oldest) : 0;
        const inclusive = a.inclusive === true || a.inclusive === 'true' || a.inclusive === '1';
        const replies = this.messages(channel)
          .filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts)
          .filter((m) => { const t = Number(m.ts); return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest; })
          .sort((x, y) => Number(x.ts) - Number(y.ts));
        return { ok: true, messages: [parent, ...replies.slice(0, Number(a.limit ?? 1000))], has_more: false };
      }
      case 'users.info': {
        const u = this.users.get(String(a.user));
        if (!u) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: a.user, name: u.name, real_name: u.real_name, deleted: false, is_admin: u.is_admin ?? false, is_owner: u.is_owner ?? false,
            is_primary_owner: false, profile: { display_name: u.display_name, real_name: u.real_name },
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const id = `F${String(++this.#fileSeq).padStart(8, '0')}`;
        this.files.set(id, { id, filename: String(a.filename), length: Number(a.length), completed: false });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = (a.files ?? []) as Array<{ id: string; title?: string }>;
        const done: StoredFile[] = [];
        for (const f of list) {
          const file = this.files.get(f.id);
          if (!file?.bytes) return { ok: false, error: 'file_not_found' };
          if (file.bytes.length !== file.length) return { ok: false, error: 'invalid_length' };
          file.completed = true;
          file.channel = channel || undefined;
          done.push(file);
        }
        if (channel) {
          if (this.notInChannel.has(channel)) return { ok: false, error: 'not_in_channel' };
          // initial_comment wins over blocks, as on Slack.
          const thread = typeof a.thread_ts === 'string' && a.thread_ts ? a.thread_ts : undefined;
          this.#store(channel, {
            ...(thread ? { thread_ts: thread } : {}),
            text: a.initial_comment as string | undefined,
            blocks: a.initial_comment ? undefined : (a.blocks as StoredMessage['blocks']),
            files: done.map((f) => ({ id: f.id, name: f.filename, title: list.find((x) => x.id === f.id)?.title })),
          });
        }
        return { ok: true, files: done.map((f) => ({ id: f.id, name: f.filename, title: list.find((x) => x.id === f.id)?.title })) };
      }
      case 'files.delete': {
        // As on Slack: the file goes, and with it every message that shared it.
        const id = String(a.file ?? '');
        if (!this.files.delete(id)) return { ok: false, error: 'file_not_found' };
        for (const history of this.#channels.values()) {
          for (const [ts, m] of history) if (m.files?.some((f) => f.id === id)) history.delete(ts);
        }
        return { ok: true };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/** Web API calls are form-encoded with objects as JSON strings; JSON bodies are accepted too. */
function parseArgs(raw: Buffer, contentType: string): Args {
  const text = raw.toString('utf8');
  if (contentType.includes('application/json')) return text ? (JSON.parse(text) as Args) : {};
  const args: Args = {};
  for (const [k, v] of new URLSearchParams(text)) {
    args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return args;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
