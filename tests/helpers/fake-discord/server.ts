/**
 * A fake Discord for tests: the REST API under `${apiBase}/v10` and a JSON gateway over `ws`, good
 * enough for the real discord.js client. It keeps the messages it was sent (with uploaded file
 * bytes), records every REST request, and can inject expired tokens and 429s.
 *
 * Shapes follow discord-api-docs (interactions/receiving-and-responding, events/gateway-events,
 * resources/message) and what discord.js 14 reads from them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SnowflakeUtil } from 'discord.js';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

/** Discord refuses a request whose files add up to more than this (413, code 40005). */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export interface RecordedRequest {
  method: string;
  /** Path below `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  path: string;
  query: URLSearchParams;
  /** JSON body, or the parsed `payload_json` of a multipart body. */
  body: Record<string, unknown> | null;
  files: RecordedFile[];
  authorization: string | null;
  at: number;
  status: number;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  content_type: string;
  url: string;
  proxy_url: string;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeUser;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: FakeAttachment[];
  flags: number;
  type: number;
  timestamp: string;
  edited_timestamp: string | null;
  message_reference?: { message_id: string; channel_id: string; guild_id?: string };
  nonce?: string;
  webhook_id?: string;
  application_id?: string;
  /** Not part of Discord's shape: bytes of each attachment, by attachment id. */
  fileData: Map<string, Buffer>;
  /** Not part of Discord's shape: how many times the message was edited. */
  edits: number;
}

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  bot?: boolean;
}

interface FakeInteraction {
  id: string;
  token: string;
  channelId: string;
  acked: boolean;
  messageId?: string;
}

interface RateLimitRule {
  method: string;
  path: RegExp;
  retryAfterS: number;
  remaining: number;
}

export interface SlashOptions {
  user?: FakeUser;
  channelId?: string;
  /** Bytes; Discord sends each interaction's upload limit. */
  attachmentSizeLimit?: number;
  /** Sent from a direct message with the bot: no guild, a user instead of a member. */
  dm?: boolean;
  /** Reuse an interaction id and token to simulate a duplicate delivery. */
  id?: string;
  token?: string;
  /** The member's permission bits as Discord computes them for the channel (default: @everyone's). */
  permissions?: string;
  /** Subcommand path: `['settings', 'view']` for `/ditty settings view`, or `['view']`. */
  subcommand?: string[];
}

/** A typed option value, e.g. `{ type: 7, value: channelId }` for a channel option. */
export interface TypedOption {
  type: number;
  value: string | number | boolean;
}

/** What @everyone may do on the fake guild: no Manage Server. */
export const EVERYONE_PERMISSIONS = '2248473465835073';
/** @everyone's permissions plus Manage Server (1 << 5). */
export const MANAGE_GUILD_PERMISSIONS = String(BigInt(EVERYONE_PERMISSIONS) | (1n << 5n));

export class FakeDiscord {
  readonly token = 'fake-bot-token';
  readonly applicationId: string;
  readonly botUser: FakeUser;
  readonly guildId: string;
  readonly channelId: string;
  readonly guildName = 'Fake Guild';
  readonly requests: RecordedRequest[] = [];
  readonly messages = new Map<string, FakeMessage>();
  /** Gateway payloads received from clients (IDENTIFY, heartbeats). */
  readonly gatewayReceived: Array<{ op: number; d: unknown }> = [];
  readonly users = new Map<string, FakeUser>();

  #server: Server;
  #wss: WebSocketServer;
  #sockets = new Set<WebSocket>();
  #seq = 0;
  #interactions = new Map<string, FakeInteraction>();
  #byToken = new Map<string, FakeInteraction>();
  #expiredTokens = new Set<string>();
  #rateLimits: RateLimitRule[] = [];
  #nonces = new Map<string, string>();
  #base = '';

  private constructor() {
    this.applicationId = SnowflakeUtil.generate().toString();
    this.guildId = SnowflakeUtil.generate().toString();
    this.channelId = SnowflakeUtil.generate().toString();
    this.botUser = { id: this.applicationId, username: 'ditty', global_name: null, discriminator: '0000', avatar: null, bot: true };
    this.users.set(this.botUser.id, this.botUser);
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSocket(ws));
    });
  }

  static async start(): Promise<FakeDiscord> {
    const fake = new FakeDiscord();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#base = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** What `config.discord.apiBase` should be: discord.js appends `/v10`. */
  get apiBase(): string {
    return `${this.#base}/api`;
  }

  get gatewayUrl(): string {
    return `${this.#base.replace('http', 'ws')}/gateway`;
  }

  /** Number of clients that identified and are still connected. */
  get connectedClients(): number {
    return [...this.#sockets].filter((s) => s.readyState === s.OPEN).length;
  }

  newUser(username: string, opts: { bot?: boolean } = {}): FakeUser {
    const user: FakeUser = { id: SnowflakeUtil.generate().toString(), username, global_name: username, discriminator: '0', avatar: null, ...(opts.bot ? { bot: true } : {}) };
    this.users.set(user.id, user);
    return user;
  }

  // ---- test controls -------------------------------------------------------------------

  /** Every later use of this interaction token answers 401 Invalid Webhook Token (50027). */
  expireToken(token: string): void {
    this.#expiredTokens.add(token);
  }

  /** The next `times` requests matching method and path answer 429 with `retry-after`. */
  rateLimit(method: string, path: RegExp, retryAfterS: number, times = 1): void {
    this.#rateLimits.push({ method: method.toUpperCase(), path, retryAfterS, remaining: times });
  }

  tokenOf(interactionId: string): string | undefined {
    return this.#interactions.get(interactionId)?.token;
  }

  /** The message an interaction's reply created (its "@original"). */
  originalOf(interactionId: string): FakeMessage | undefined {
    const id = this.#interactions.get(interactionId)?.messageId;
    return id ? this.messages.get(id) : undefined;
  }

  async waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`fake discord: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  requestsTo(method: string, path: RegExp | string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  // ---- gateway events -------------------------------------------------------------------

  member(user: FakeUser, permissions = EVERYONE_PERMISSIONS): Record<string, unknown> {
    return { user, roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, nick: null, permissions };
  }

  /** Sends a chat-input INTERACTION_CREATE; returns its id and token. */
  slashCommand(name: string, options: Record<string, string | number | TypedOption>, opts: SlashOptions = {}): { id: string; token: string } {
    const user = opts.user ?? this.newUser('alice');
    const channelId = opts.channelId ?? this.channelId;
    const id = opts.id ?? SnowflakeUtil.generate().toString();
    const token = opts.token ?? `itok-${id}-${Math.random().toString(36).slice(2)}`;
    this.#register(id, token, channelId);
    let optionList: unknown[] = Object.entries(options).map(([k, v]) =>
      typeof v === 'object' ? { name: k, ...v } : { name: k, type: typeof v === 'number' ? 4 : 3, value: v });
    // Subcommands wrap the options: type 1 is SUB_COMMAND, type 2 SUB_COMMAND_GROUP.
    const path = opts.subcommand ?? [];
    for (let i = path.length - 1; i >= 0; i--) {
      optionList = [{ name: path[i], type: i === path.length - 1 ? 1 : 2, options: optionList }];
    }
    this.dispatch('INTERACTION_CREATE', {
      ...(opts.dm ? this.#dmBase(id, token, user) : this.#interactionBase(id, token, user, channelId, opts.attachmentSizeLimit, opts.permissions)),
      type: 2,
      data: { id: SnowflakeUtil.generate().toString(), name, type: 1, options: optionList },
    });
    return { id, token };
  }

  /** Sends a button press (MESSAGE_COMPONENT) on a stored message. */
  pressButton(message: FakeMessage, customId: string, user: FakeUser, permissions?: string): { id: string; token: string } {
    const id = SnowflakeUtil.generate().toString();
    const token = `itok-${id}`;
    this.#register(id, token, message.channel_id);
    this.dispatch('INTERACTION_CREATE', {
      ...this.#interactionBase(id, token, user, message.channel_id, undefined, permissions),
      type: 3,
      message: this.#publicMessage(message),
      data: { custom_id: customId, component_type: 2 },
    });
    return { id, token };
  }

  react(message: FakeMessage, user: FakeUser, emoji: string, add: boolean): void {
    const custom = /^<(a?):(\w+):(\d+)>$/.exec(emoji);
    const d: Record<string, unknown> = {
      user_id: user.id,
      channel_id: message.channel_id,
      message_id: message.id,
      guild_id: this.guildId,
      // `<:name:id>` reacts with a custom emoji, anything else is a unicode emoji.
      emoji: custom ? { id: custom[3], name: custom[2], animated: custom[1] === 'a' } : { id: null, name: emoji },
      burst: false,
      type: 0,
    };
    // Discord includes the member on add only.
    if (add) d.member = this.member(user);
    this.dispatch(add ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE', d);
  }

  dispatch(t: string, d: unknown): void {
    const payload = JSON.stringify({ op: 0, t, s: ++this.#seq, d });
    for (const ws of this.#sockets) if (ws.readyState === ws.OPEN) ws.send(payload);
  }

  /** Closes every gateway connection with `code`, as Discord does when it revokes a token (4004). */
  closeGateway(code: number, reason = 'closed by the fake'): void {
    for (const ws of this.#sockets) ws.close(code, reason);
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- internals ----------------------------------------------------------------------------

  #register(id: string, token: string, channelId: string): void {
    if (this.#interactions.has(id)) return;
    const i: FakeInteraction = { id, token, channelId, acked: false };
    this.#interactions.set(id, i);
    this.#byToken.set(token, i);
  }

  /** A DM interaction: Discord sends `user`, no `member`, no guild, and context 1 (bot DM). */
  #dmBase(id: string, token: string, user: FakeUser): Record<string, unknown> {
    const channelId = `9${user.id.slice(1)}`;
    this.#register(id, token, channelId);
    return {
      id, application_id: this.applicationId, token, version: 1,
      channel: { id: channelId, type: 1, recipients: [user] }, channel_id: channelId, user,
      app_permissions: EVERYONE_PERMISSIONS, locale: 'en-US', entitlements: [],
      authorizing_integration_owners: { '0': this.guildId }, context: 1, attachment_size_limit: 10 * 1024 * 1024,
    };
  }

  #interactionBase(id: string, token: string, user: FakeUser, channelId: string, sizeLimit = 10 * 1024 * 1024, permissions = EVERYONE_PERMISSIONS): Record<string, unknown> {
    return {
      id,
      application_id: this.applicationId,
      token,
      version: 1,
      guild_id: this.guildId,
      channel: { id: channelId, type: 0, guild_id: this.guildId, name: 'general' },
      channel_id: channelId,
      member: this.member(user, permissions),
      app_permissions: EVERYONE_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
      attachment_size_limit: sizeLimit,
    };
  }

  #guild(): Record<string, unknown> {
    return {
      id: this.guildId,
      name: this.guildName,
      icon: null,
      owner_id: this.applicationId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: this.guildId, name: '@everyone', permissions: EVERYONE_PERMISSIONS, position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [this.member(this.botUser)],
      channels: [this.#channel()],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      premium_tier: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  #channel(id = this.channelId): Record<string, unknown> {
    return { id, type: 0, guild_id: this.guildId, name: 'general', position: 0, permission_overwrites: [], nsfw: false, topic: null, last_message_id: null, parent_id: null, rate_limit_per_user: 0 };
  }

  #onSocket(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => this.#sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw) => {
      let msg: { op: number; d: unknown };
      try {
        msg = JSON.parse(String(raw)) as { op: number; d: unknown };
      } catch {
        return ws.close(4002, 'Decode error');
      }
      this.gatewayReceived.push(msg);
      switch (msg.op) {
        case 1:
          ws.send(JSON.stringify({ op: 11 }));
          break;
        case 2: {
          const d = msg.d as { token?: string };
          if (d.token !== this.token) return ws.close(4004, 'Authentication failed');
          ws.send(JSON.stringify({
            op: 0, t: 'READY', s: ++this.#seq,
            d: {
              v: 10,
              user: this.botUser,
              guilds: [{ id: this.guildId, unavailable: true }],
              session_id: `session-${this.#seq}`,
              resume_gateway_url: this.gatewayUrl,
              shard: [0, 1],
              application: { id: this.applicationId, flags: 0 },
            },
          }));
          ws.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.#seq, d: this.#guild() }));
          break;
        }
        case 6:
          // No resumable sessions here: make the client identify afresh.
          ws.send(JSON.stringify({ op: 9, d: false }));
          break;
        default:
          break;
      }
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#base);
    const raw = await readBody(req);
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v\d+/, '');
    const { body, files } = await parseBody(req.headers['content-type'], raw);
    const record: RecordedRequest = {
      method: req.method ?? 'GET', path, query: url.searchParams, body, files,
      authorization: req.headers.authorization ?? null, at: Date.now(), status: 0,
    };
    this.requests.push(record);
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };

    const limit = this.#rateLimits.find((r) => r.remaining > 0 && r.method === record.method && r.path.test(path));
    if (limit) {
      limit.remaining--;
      return send(429, { message: 'You are being rate limited.', retry_after: limit.retryAfterS, global: false }, {
        'retry-after': String(limit.retryAfterS),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(limit.retryAfterS),
        'x-ratelimit-scope': 'user',
      });
    }
    try {
      this.#route(record, send);
    } catch (err) {
      send(500, { message: String(err), code: 0 });
    }
  }

  #route(r: RecordedRequest, send: (status: number, json?: unknown, headers?: Record<string, string>) => void): void {
    const p = r.path;
    let m: RegExpExecArray | null;
    const botAuth = r.authorization === `Bot ${this.token}`;
    const gateway = { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } };

    // Discord refuses a message whose components break its layout rules: at most five action
    // rows, at most five buttons in each (50035 Invalid Form Body, and nothing is posted).
    const body = r.body as Record<string, unknown> | undefined;
    const components = (body?.components ?? (body?.data as Record<string, unknown> | undefined)?.components) as unknown;
    if (Array.isArray(components) && (components.length > 5 || components.some((row) => {
      const children = (row as { components?: unknown }).components;
      return !Array.isArray(children) || children.length > 5;
    }))) {
      return send(400, { message: 'Invalid Form Body', code: 50035 });
    }
    // Discord's upload limits: at most 10 files in one message (50035, and kept attachments count
    // too), and a request whose files add up past 25 MiB is refused whole (413, 40005).
    const kept = Array.isArray(body?.attachments) ? (body.attachments as unknown[]).length : 0;
    if (r.files.length > 10 || (r.files.length > 0 && kept > 10)) {
      return send(400, { message: 'Invalid Form Body', code: 50035, errors: { attachments: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' }] } } });
    }
    if (r.files.reduce((n, f) => n + f.data.length, 0) > MAX_UPLOAD_BYTES) {
      return send(413, { message: 'Request entity too large', code: 40005 });
    }
    if (r.method === 'GET' && p === '/gateway/bot') return botAuth ? send(200, gateway) : send(401, { message: '401: Unauthorized', code: 0 });
    if (r.method === 'GET' && p === '/gateway') return send(200, { url: this.gatewayUrl });
    if (r.method === 'GET' && p === '/users/@me') return send(200, this.botUser);
    if (r.method === 'GET' && (m = /^\/users\/(\d+)$/.exec(p))) {
      const u = this.users.get(m[1]!);
      return u ? send(200, u) : send(404, { message: 'Unknown User', code: 10013 });
    }

    if (r.method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(p))) {
      const i = this.#interactions.get(m[1]!);
      if (!i || i.token !== m[2]) return send(404, { message: 'Unknown interaction', code: 10062 });
      if (i.acked) return send(400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      i.acked = true;
      const type = Number(r.body?.type);
      const data = (r.body?.data ?? {}) as Record<string, unknown>;
      let message: FakeMessage | undefined;
      if (type === 4 || type === 5) {
        message = this.#createMessage(i.channelId, {
          content: type === 4 ? String(data.content ?? '') : '',
          embeds: (data.embeds as unknown[]) ?? [],
          components: (data.components as unknown[]) ?? [],
          // 128 = LOADING ("ditty is thinking…"), 64 = EPHEMERAL
          flags: (Number(data.flags ?? 0) & 64) | (type === 5 ? 128 : 0),
          type: 20,
          webhook_id: this.applicationId,
        }, r.files);
        i.messageId = message.id;
      }
      if (r.query.get('with_response') !== 'true') return send(204);
      return send(200, {
        interaction: { id: i.id, type: 2, response_message_id: message?.id, response_message_loading: type === 5, response_message_ephemeral: Boolean(message && message.flags & 64) },
        resource: { type, ...(message ? { message: this.#publicMessage(message) } : {}) },
      });
    }

    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(p))) {
      const [, appId, token, target] = m;
      if (appId !== this.applicationId) return send(404, { message: 'Unknown Webhook', code: 10015 });
      if (this.#expiredTokens.has(token!)) return send(401, { message: 'Invalid Webhook Token', code: 50027 });
      const i = this.#byToken.get(token!);
      if (!i) return send(404, { message: 'Unknown Webhook', code: 10015 });
      if (!target && r.method === 'POST') {
        const data = r.body ?? {};
        const msg = this.#createMessage(i.channelId, {
          content: String(data.content ?? ''), embeds: (data.embeds as unknown[]) ?? [], components: (data.components as unknown[]) ?? [],
          flags: Number(data.flags ?? 0) & 64, type: 0, webhook_id: this.applicationId,
        }, r.files);
        return send(200, this.#publicMessage(msg));
      }
      const messageId = target === '@original' ? i.messageId : target;
      const msg = messageId ? this.messages.get(messageId) : undefined;
      if (!msg) return send(404, { message: 'Unknown Message', code: 10008 });
      if (r.method === 'GET') return send(200, this.#publicMessage(msg));
      if (r.method === 'DELETE') {
        this.messages.delete(msg.id);
        return send(204);
      }
      if (r.method === 'PATCH') {
        this.#editMessage(msg, r.body ?? {}, r.files);
        return send(200, this.#publicMessage(msg));
      }
    }

    if ((m = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(p))) {
      const [, channelId, messageId] = m;
      if (channelId !== this.channelId) return send(404, { message: 'Unknown Channel', code: 10003 });
      if (!botAuth) return send(401, { message: '401: Unauthorized', code: 0 });
      if (r.method === 'POST' && !messageId) {
        const data = r.body ?? {};
        const nonce = typeof data.nonce === 'string' ? data.nonce : undefined;
        if (nonce && data.enforce_nonce && this.#nonces.has(nonce)) {
          const existing = this.messages.get(this.#nonces.get(nonce)!);
          if (existing) return send(200, this.#publicMessage(existing));
        }
        const ref = data.message_reference as { message_id?: string } | undefined;
        const msg = this.#createMessage(channelId!, {
          content: String(data.content ?? ''), embeds: (data.embeds as unknown[]) ?? [], components: (data.components as unknown[]) ?? [],
          flags: 0, type: ref?.message_id ? 19 : 0, nonce,
          message_reference: ref?.message_id ? { message_id: ref.message_id, channel_id: channelId!, guild_id: this.guildId } : undefined,
        }, r.files);
        if (nonce) this.#nonces.set(nonce, msg.id);
        return send(200, this.#publicMessage(msg));
      }
      const msg = messageId ? this.messages.get(messageId) : undefined;
      if (!msg || msg.channel_id !== channelId) return send(404, { message: 'Unknown Message', code: 10008 });
      if (r.method === 'GET') return send(200, this.#publicMessage(msg));
      if (r.method === 'DELETE') {
        this.messages.delete(msg.id);
        return send(204);
      }
      if (r.method === 'PATCH') {
        this.#editMessage(msg, r.body ?? {}, r.files);
        return send(200, this.#publicMessage(msg));
      }
    }
    if (r.method === 'GET' && (m = /^\/channels\/(\d+)$/.exec(p))) {
      return m[1] === this.channelId ? send(200, this.#channel()) : send(404, { message: 'Unknown Channel', code: 10003 });
    }

    if (r.method === 'PUT' && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(p))) {
      if (!botAuth) return send(401, { message: '401: Unauthorized', code: 0 });
      const list = Array.isArray(r.body) ? (r.body as Array<Record<string, unknown>>) : [];
      return send(200, list.map((c) => ({ ...c, id: SnowflakeUtil.generate().toString(), application_id: m![1], guild_id: m![2], version: '1' })));
    }
    send(404, { message: '404: Not Found', code: 0 });
  }

  #createMessage(channelId: string, fields: Partial<FakeMessage>, files: RecordedFile[]): FakeMessage {
    const msg: FakeMessage = {
      id: SnowflakeUtil.generate().toString(),
      channel_id: channelId,
      guild_id: this.guildId,
      author: this.botUser,
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      flags: 0,
      type: 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      application_id: this.applicationId,
      fileData: new Map(),
      edits: 0,
      ...fields,
    };
    this.#attach(msg, files);
    this.messages.set(msg.id, msg);
    return msg;
  }

  #editMessage(msg: FakeMessage, data: Record<string, unknown>, files: RecordedFile[]): void {
    if ('content' in data) msg.content = String(data.content ?? '');
    if ('embeds' in data) msg.embeds = (data.embeds as unknown[]) ?? [];
    if ('components' in data) msg.components = (data.components as unknown[]) ?? [];
    if (Array.isArray(data.attachments)) {
      // Existing attachments survive only when listed by id; new uploads are added below.
      const keep = new Set((data.attachments as Array<{ id?: unknown }>).map((a) => String(a.id)));
      msg.attachments = msg.attachments.filter((a) => keep.has(a.id));
    }
    msg.flags &= ~128;
    this.#attach(msg, files);
    msg.edited_timestamp = new Date().toISOString();
    msg.edits++;
  }

  #attach(msg: FakeMessage, files: RecordedFile[]): void {
    for (const f of files) {
      const id = SnowflakeUtil.generate().toString();
      const url = `${this.#base}/attachments/${msg.channel_id}/${id}/${encodeURIComponent(f.name)}`;
      msg.attachments.push({ id, filename: f.name, size: f.data.length, content_type: f.contentType, url, proxy_url: url });
      msg.fileData.set(id, f.data);
    }
  }

  #publicMessage(msg: FakeMessage): Record<string, unknown> {
    const { fileData: _fileData, edits: _edits, ...rest } = msg;
    return { ...rest, tts: false, mention_everyone: false, mentions: [], mention_roles: [], pinned: false };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON bodies, or multipart with `payload_json` and `files[n]` parts, parsed by undici's FormData. */
async function parseBody(contentType: string | undefined, raw: Buffer): Promise<{ body: Record<string, unknown> | null; files: RecordedFile[] }> {
  if (!raw.length || !contentType) return { body: null, files: [] };
  if (contentType.startsWith('application/json')) return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    const files: RecordedFile[] = [];
    let body: Record<string, unknown> | null = null;
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json' && typeof value === 'string') body = JSON.parse(value) as Record<string, unknown>;
      else if (typeof value !== 'string') files.push({ field, name: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  return { body: null, files: [] };
}
