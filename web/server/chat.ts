/**
 * The local chat frontend: a fastify plugin serving the page, a small JSON API for commands and
 * stars, and a Server-Sent Events stream that plays the part of a chat channel. Like the Discord
 * and Slack bots it only translates: every decision is the core's, reached through FrontendRuntime.
 *
 * API (all JSON; errors are `{ error: { code, message } }` with a 4xx for anything the user can fix):
 *   POST /api/chat/commands             { name, text, requestId? }  → ChatReply
 *        requestId (a uuid the page makes per message) turns a resent message into a no-op.
 *   POST /api/chat/tracks/:id/favorite  { name, on }    → { generationId, on, changed, favorites }
 *   POST /api/chat/tracks/:id/cancel    { name }        → { generationId, cancelled } (creator only)
 *   POST /api/chat/tracks/:id/plays     { name }        → 204
 *   POST /api/chat/tracks/:id/delete    { name }        → { generationId, deleted } (creator only; file removed)
 *   GET  /api/chat/tracks/:id/similar   → ChatReply (kind similar): More like this, this chat's nearest tracks with reasons
 *   POST /api/chat/tracks/:id/extend    { name, seconds?, requestId? } → ChatReply (kind generate): a new
 *        track continuing this finished one for `seconds` more (default 30), linked to it.
 *   POST /api/chat/tracks/:id/variation { name, requestId? } → ChatReply (kind generate): the same prompt and
 *        length with a new random seed (the bots' Variation button).
 *   GET  /api/chat/stats/chart.png?period=&scope=   the /stats chart (core/chart.ts), as the bots attach it
 *   GET  /api/chat/tracks/:id                           → PageTrack
 *   GET  /api/chat/history?name=        → { tracks: PageTrack[] (newest first), inProgress: PageTrack[]
 *                                           (oldest first), starred: ids | null }
 *   GET  /api/chat/events[?lastEventId=]  text/event-stream of ChatEvent (event name = type, id = boot.seq;
 *                                       Last-Event-ID or lastEventId replays what a page missed)
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor, FrontendRuntime, GenerateAccepted, SimilarResult, Stats, TrackView } from '../../core/chat.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { webListener } from '../../core/listens.ts';
import { RecentSet } from '../../core/recent-set.ts';
import { addSseSource } from '../../core/metrics.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import type { MusicParams } from '../../core/music.ts';
import { describeNotes, describeParams } from '../../core/prompt/parse.ts';
import { renderStatsChart } from '../../core/chart.ts';
import { isGenerationId } from '../../core/validate.ts';
import { emptySimilarText, measuredText, reasonText, SIMILAR_LIMIT, similarForWords } from '../../core/similar.ts';
import { replyError } from './boundary.ts';
import { LoginRequiredError, registerChatAuth } from './chat-auth.ts';
import { galleryPlugin } from './gallery.ts';
import type { GallerySource } from './gallery-source.ts';
import { HELP, LOCAL_CHANNEL_ID, LOCAL_GUILD_ID, parseCommand, parseStatsQuery } from './commands.ts';

/**
 * A TrackView whose links point at this server by path, so the page works whatever host it was
 * opened by, with what the prompt was understood as and the notice of what was approximated or
 * ignored (core wording; the page shows both as text).
 */
export type PageTrack = TrackView & { summary: string; notice: string | null };

export type ChatReply =
  | ({ kind: 'generate'; prompt: string; summary: string; notice: string | null; creator: { platformUserId: string; displayName: string } } & Omit<GenerateAccepted, 'notice'>)
  /** chartUrl: the same chart the bots attach, for these stats (a path on this server). */
  | { kind: 'stats'; stats: Stats; chartUrl: string }
  | { kind: 'recent'; tracks: PageTrack[] }
  | { kind: 'search'; query: string; tracks: PageTrack[] }
  /** More like this: `of` the anchor track (null when none matched), each neighbour with why; `empty` says why none. */
  | { kind: 'similar'; of: PageTrack | null; tracks: Array<PageTrack & { reasons: string; measured: string }>; empty: string | null }
  | { kind: 'help'; help: ReadonlyArray<{ usage: string; description: string }> };

/** What the channel tells every open page. */
export type ChatEvent =
  | {
    type: 'queued';
    generationId: string;
    prompt: string;
    params: MusicParams;
    /** core's describeParams: what the prompt was understood as, in the bots' words. */
    summary: string;
    notice: string | null;
    durationS: number;
    position: number;
    /** Waiting in the server's line for a free slot. */
    waiting?: boolean;
    creator: { platformUserId: string; displayName: string };
    /** Takes: this card is take `index` of `of` in batch `batchId` (shown side by side); absent for a lone track. */
    take?: { batchId: string; index: number; of: number };
  }
  | ({ type: 'progress' } & ProgressEvent)
  | { type: 'track'; track: PageTrack }
  | { type: 'favorite'; generationId: string; favorites: number }
  | { type: 'deleted'; generationId: string }
  /** First on every stream, carrying the current event id (the page resumes from it). */
  | { type: 'hello' }
  /** The events since the page's last id are gone (the server restarted): reload the history. */
  | { type: 'reset' };

/** An event as the channel numbered it: `<boot>.<seq>`, the SSE id a page resumes from. */
export interface NumberedEvent {
  id: string;
  event: ChatEvent;
}

export interface ChatErrorBody {
  error: { code: string; message: string };
}

/**
 * The one local channel: a fan-out from the core's progress and delivery to every open page.
 * Every event gets an id (`<boot>.<seq>`); the last EVENT_BUFFER events are kept, so a page that
 * reconnects with Last-Event-ID gets exactly what it missed, once. A page whose id is from an
 * earlier boot (a restart) or too old is told to reload its history, which Postgres holds.
 * A track is announced at most once per channel, however often its completion is reported.
 */
export class LocalChannel {
  readonly #listeners = new Set<(event: ChatEvent, id: string) => void>();
  readonly boot = randomBytes(6).toString('hex');
  #seq = 0;
  readonly #buffer: NumberedEvent[] = [];
  readonly #announced = new RecentSet(10_000);
  readonly #bufferSize: number;

  constructor(bufferSize = EVENT_BUFFER) {
    this.#bufferSize = bufferSize;
  }

  subscribe(listener: (event: ChatEvent, id: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: ChatEvent): void {
    if (event.type === 'track' && !this.#announced.add(event.track.id)) return;
    const id = `${this.boot}.${++this.#seq}`;
    this.#buffer.push({ id, event });
    if (this.#buffer.length > this.#bufferSize) this.#buffer.shift();
    for (const listener of [...this.#listeners]) listener(event, id);
  }

  /** The id of the newest event (what a page that has seen everything would send back). */
  get lastId(): string {
    return `${this.boot}.${this.#seq}`;
  }

  /** Events after `lastEventId`, or null when they cannot be known (another boot, too old, malformed). */
  since(lastEventId: string): NumberedEvent[] | null {
    const m = /^([0-9a-f]{12})\.(\d{1,15})$/.exec(lastEventId);
    if (!m || m[1] !== this.boot) return null;
    const seq = Number(m[2]);
    if (seq > this.#seq) return null;
    const oldest = this.#seq - this.#buffer.length; // the newest seq no longer in the buffer
    if (seq < oldest) return null;
    return this.#buffer.slice(this.#buffer.length - (this.#seq - seq));
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}

// One channel per runtime, so that `buildWebApp` (the routes) and `startLocalChat` (progress and
// delivery) meet without either holding the other; a runtime is one process or one test.
const channels = new WeakMap<FrontendRuntime, LocalChannel>();

export function localChannelFor(runtime: FrontendRuntime): LocalChannel {
  let channel = channels.get(runtime);
  if (!channel) {
    channel = new LocalChannel();
    channels.set(runtime, channel);
  }
  return channel;
}

/** Rewrites the core's absolute links (built from PUBLIC_URL) to paths on this server. */
export function toPageTrack(track: TrackView, publicUrl: string): PageTrack {
  const base = publicUrl.replace(/\/$/, '');
  const local = (url: string): string => (url.startsWith(`${base}/`) ? url.slice(base.length) : url);
  return {
    ...track,
    playerUrl: local(track.playerUrl),
    downloadUrl: local(track.downloadUrl),
    audioUrl: local(track.audioUrl),
    extendedFrom: track.extendedFrom ? { ...track.extendedFrom, playerUrl: local(track.extendedFrom.playerUrl) } : null,
    summary: describeParams(track.params),
    notice: describeNotes(track.params),
  };
}

/**
 * Feeds the channel: the core's progress for local generations, and the local delivery queue,
 * where "posting" a finished track means telling every open page. The message ref is the
 * generation id, so a retried delivery names the same message and pages replace, not duplicate.
 */
export async function wireLocalChat(
  runtime: FrontendRuntime,
  channel: LocalChannel = localChannelFor(runtime),
  opts: { announceFallbackMs?: number } = {},
): Promise<{ close(): Promise<void> }> {
  // A track is announced once its row is completed, and only by the process whose delivery run
  // claimed the announcement (a recorded delivery step, so at most once across processes): the
  // delivery handler may run twice (a retried or stalled job; a web process killed between
  // posting and marking, whose job another process picks up), and a page that reconnects to
  // another process must not get the track again. Should the claimer die before announcing, the
  // page finds the track in the history it reloads after a restart ("reset").
  const claimed = new RecentSet(10_000);
  // Fallback timers and look-ups must not outlive close(): the runtime's database is closed (a
  // test's schema dropped) right after, and a look-up then reopened the pool, queried the dropped
  // schema and warned (bench chat: a fallback firing 3 s after the first system had stopped).
  // Pages lose nothing: their streams close with the server, and a new boot has them reload history.
  let closed = false;
  const fallbacks = new Set<NodeJS.Timeout>();
  const lookups = new Set<Promise<void>>();
  const announce = (generationId: string): void => {
    if (closed || !claimed.has(generationId)) return;
    const lookup = runtime.core.track(generationId).then(
      (track) => {
        if (track?.status === 'completed') channel.publish({ type: 'track', track: toPageTrack(track, runtime.publicUrl) });
      },
      (err: unknown) => runtime.log.warn({ err, generationId }, 'finished track not announced; pages see it in the history'),
    ).finally(() => lookups.delete(lookup));
    lookups.add(lookup);
  };
  const unsubscribe = runtime.onProgress('local', (event) => {
    if (event.stage === 'completed') announce(event.generationId);
    else channel.publish({ ...event, type: 'progress' });
  });
  let delivery: { close(): Promise<void> };
  try {
    delivery = await runtime.startDelivery('local', async ({ track, steps }) => {
      // Without recorded steps (a handler called directly) this process announces.
      if (!steps || (await steps.claim(ANNOUNCE_STEP, track.id))) claimed.add(track.id);
      // Should the "completed" event be lost on its way through Redis, the row still tells.
      const fallback = setTimeout(() => {
        fallbacks.delete(fallback);
        announce(track.id);
      }, opts.announceFallbackMs ?? ANNOUNCE_FALLBACK_MS).unref();
      fallbacks.add(fallback);
      return { messageRef: track.id };
    });
  } catch (e) {
    unsubscribe();
    throw e;
  }
  return {
    async close() {
      unsubscribe();
      // A delivery still running may schedule a fallback, so the timers go after it has ended.
      await delivery.close();
      closed = true;
      for (const fallback of fallbacks) clearTimeout(fallback);
      fallbacks.clear();
      await Promise.all(lookups);
    },
  };
}

export interface ChatPluginOptions {
  runtime: FrontendRuntime;
  /** Defaults to the runtime's channel (see localChannelFor). */
  channel?: LocalChannel;
  /** Folder of the page's static files. @defaultValue web/public */
  publicDir?: string;
  /** Open event streams allowed at once; each holds a socket. @defaultValue 200 */
  maxStreams?: number;
  /** Open event streams per client (session name with a login, else IP address), so one client cannot take them all. @defaultValue 6 */
  maxStreamsPerClient?: number;
  /** LOCAL_CHAT_TOKEN: the chat wants a login (chat-auth.ts); unset = open, names typed per request. */
  accessToken?: string;
  /** ADMIN_TOKEN: logging in to the chat with it gives an admin session, which may delete anyone's track. */
  adminToken?: string;
  /** Comment line sent on idle streams so proxies and browsers keep them open. @defaultValue 15000 */
  heartbeatMs?: number;
  /** The web gallery's data: with it the gallery is served at `/` behind the same login; without, `/` leads to the chat. */
  gallery?: GallerySource;
}

const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
/** Events kept for pages that reconnect (Last-Event-ID); older gaps reload the history instead. */
const EVENT_BUFFER = 1_000;
/** The delivery step of a local track: which run may announce it to the pages. */
export const ANNOUNCE_STEP = 'local.announce';
/** When a delivered track is looked up again in case its "completed" event never came. */
const ANNOUNCE_FALLBACK_MS = 3_000;
/** A page that stops reading gets cut off past this much unsent data instead of growing memory. */
const MAX_STREAM_BACKLOG_BYTES = 1 << 20;
const BODY_LIMIT_BYTES = 16 * 1024;
const HISTORY_LIMIT = 50;

export { statusForUserError } from './boundary.ts';

export async function chatPlugin(app: FastifyInstance, opts: ChatPluginOptions): Promise<void> {
  const { runtime } = opts;
  const { core } = runtime;
  const channel = opts.channel ?? localChannelFor(runtime);
  const maxStreams = opts.maxStreams ?? 200;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const streams = new Set<ServerResponse>();
  const maxPerClient = opts.maxStreamsPerClient ?? 6;
  const streamsByClient = new Map<string, number>();
  const removeSseSource = addSseSource(() => streams.size);
  app.addHook('onClose', async () => removeSseSource());
  const publicOrigin = originOf(runtime.publicUrl);

  app.addHook('onSend', async (_req, reply, payload) => {
    // Everything the page needs is served from here; user text is rendered with textContent,
    // and this policy is the second line should that ever slip.
    reply.header(
      'content-security-policy',
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; ` +
        `media-src 'self'${publicOrigin ? ` ${publicOrigin}` : ''}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    );
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  app.setErrorHandler((err: Error, req, reply) => {
    if (err instanceof LoginRequiredError) {
      return reply.code(401).send({ error: { code: 'login_required', message: err.message } } satisfies ChatErrorBody);
    }
    return replyError(err, req, reply);
  });

  await app.register(fastifyStatic, {
    root: opts.publicDir ?? DEFAULT_PUBLIC_DIR,
    prefix: '/',
    // Routes for the files that exist at start, not a catch-all that would shadow the
    // teammate plugins' routes; `decorateReply: false` leaves reply.sendFile to them.
    wildcard: false,
    decorateReply: false,
    index: false,
    serveDotFiles: false,
    // Only what the browser loads: the page's tsconfig is for type-checking, not for visitors.
    globIgnore: ['**/*.json', '**/*.md'],
  });

  const auth = registerChatAuth(app, { token: opts.accessToken, adminToken: opts.adminToken, secure: runtime.publicUrl.startsWith('https:') });

  // The chat page lives at /chat; `/` is the gallery (which links here first thing) when there is one.
  const chatPage = await readFile(join(opts.publicDir ?? DEFAULT_PUBLIC_DIR, 'chat.html'));
  app.get('/chat', async (_req, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(chatPage));
  if (opts.gallery) await app.register(galleryPlugin, { source: opts.gallery, auth, publicUrl: runtime.publicUrl });
  else app.get('/', async (_req, reply) => reply.redirect('/chat'));

  const trackFor = async (id: unknown): Promise<PageTrack> => {
    const track = isGenerationId(id) ? await core.track(id) : null;
    // Tracks from Discord or Slack channels are not this channel's to show.
    if (!track || track.origin.platform !== 'local') throw new UserError(UserErrorCode.NotFound, 'That track does not exist (or is not from this chat).');
    return toPageTrack(track, runtime.publicUrl);
  };

  /** Tells every page a new track is queued (unless it repeated a request) and builds the reply. */
  const announce = (actor: Actor, prompt: string, accepted: GenerateAccepted): ChatReply => {
    const creator = { platformUserId: actor.platformUserId, displayName: actor.displayName };
    // What the engine approximated, then anything about the queue (no worker running).
    // The queue notice is a clause (the bots embed it mid-sentence); after the notes it starts a sentence of its own.
    const notes = describeNotes(accepted.params);
    const queueNotice = accepted.notice && notes ? `${accepted.notice[0]!.toUpperCase()}${accepted.notice.slice(1)}.` : accepted.notice;
    const notice = [notes, queueNotice].filter(Boolean).join(' ') || null;
    const summary = describeParams(accepted.params);
    if (!accepted.duplicate && accepted.batch) {
      // Takes: one card per take, each with its own seed, side by side on every page.
      const { id: batchId, takes } = accepted.batch;
      for (const t of takes) {
        channel.publish({
          type: 'queued', generationId: t.generationId, prompt, params: { ...accepted.params, seed: t.seed }, summary, notice,
          durationS: accepted.durationS, position: t.position, waiting: t.waiting, creator, take: { batchId, index: t.take, of: takes.length },
        });
      }
    } else if (!accepted.duplicate) {
      channel.publish({
        type: 'queued', generationId: accepted.generationId, prompt, params: accepted.params, summary, notice,
        durationS: accepted.durationS, position: accepted.position, waiting: accepted.waiting, creator,
      });
    }
    return { kind: 'generate', prompt, summary, creator, ...accepted, notice };
  };

  app.post('/api/chat/commands', { bodyLimit: BODY_LIMIT_BYTES }, async (req): Promise<ChatReply> => {
    const body = objectBody(req);
    const actor = auth.actor(req, body.name);
    const command = parseCommand(body.text);
    switch (command.name) {
      case 'generate': {
        const accepted = await core.generate({
          actor,
          channelId: LOCAL_CHANNEL_ID,
          prompt: command.prompt,
          durationS: command.durationS,
          seed: command.seed,
          takes: command.takes,
          // Scoped by user so that one page cannot claim another user's request.
          reply: isGenerationId(body.requestId) ? { requestKey: `local:${actor.platformUserId}:${body.requestId.toLowerCase()}` } : undefined,
        });
        return announce(actor, command.prompt, accepted);
      }
      case 'stats':
        return {
          kind: 'stats',
          stats: await core.stats({ platform: 'local', guildId: LOCAL_GUILD_ID, scope: command.scope, period: command.period, limit: 10 }),
          chartUrl: `/api/chat/stats/chart.png?${new URLSearchParams({ period: command.period, scope: command.scope })}`,
        };
      case 'recent': {
        const tracks = await core.recent('local', LOCAL_GUILD_ID, 10);
        return { kind: 'recent', tracks: tracks.map((t) => toPageTrack(t, runtime.publicUrl)) };
      }
      case 'search': {
        const tracks = await core.search('local', LOCAL_GUILD_ID, command.query, 10);
        return { kind: 'search', query: command.query, tracks: tracks.map((t) => toPageTrack(t, runtime.publicUrl)) };
      }
      case 'similar':
        return similarReply(await similarForWords(core, 'local', LOCAL_GUILD_ID, command.words), command.words);
      case 'help':
        return { kind: 'help', help: HELP };
    }
  });

  function similarReply(result: SimilarResult | null, words = ''): ChatReply {
    const tracks = (result?.tracks ?? []).map((t) => ({ ...toPageTrack(t.track, runtime.publicUrl), reasons: reasonText(t), measured: measuredText(t) }));
    return {
      kind: 'similar',
      of: result ? toPageTrack(result.of, runtime.publicUrl) : null,
      tracks,
      empty: tracks.length ? null : emptySimilarText(result, words),
    };
  }

  app.get<{ Params: { id: string } }>('/api/chat/tracks/:id/similar', async (req): Promise<ChatReply> => {
    const { id } = await trackFor(req.params.id);
    return similarReply(await core.similar('local', LOCAL_GUILD_ID, id, SIMILAR_LIMIT));
  });

  app.post<{ Params: { id: string } }>('/api/chat/tracks/:id/favorite', { bodyLimit: BODY_LIMIT_BYTES }, async (req) => {
    const body = objectBody(req);
    const actor = auth.actor(req, body.name);
    if (typeof body.on !== 'boolean') throw new UserError(UserErrorCode.UnknownCommand, 'Say whether to star or unstar the track.');
    const { id } = await trackFor(req.params.id);
    const result = await core.setFavorite(actor, id, body.on);
    if (result.changed) channel.publish({ type: 'favorite', generationId: id, favorites: result.favorites });
    return { generationId: id, on: body.on, ...result };
  });

  app.post<{ Params: { id: string } }>('/api/chat/tracks/:id/cancel', { bodyLimit: BODY_LIMIT_BYTES }, async (req) => {
    const body = objectBody(req);
    const actor = auth.actor(req, body.name);
    const { id } = await trackFor(req.params.id);
    // The core refuses anyone but the creator; false means it had already finished.
    const cancelled = await core.cancel(actor, id);
    if (!cancelled) throw new UserError(UserErrorCode.NotAllowed, 'Too late to cancel: that track is already done.');
    return { generationId: id, cancelled };
  });

  app.post<{ Params: { id: string } }>('/api/chat/tracks/:id/extend', { bodyLimit: BODY_LIMIT_BYTES }, async (req): Promise<ChatReply> => {
    const body = objectBody(req);
    const actor = auth.actor(req, body.name);
    const parent = await trackFor(req.params.id);
    if (body.seconds !== undefined && typeof body.seconds !== 'number') {
      throw new UserError(UserErrorCode.DurationInvalid, 'Say how many seconds to add as a number, or leave it out for 30.');
    }
    // The core checks the rest: finished, same chat, limits and the longest track allowed.
    const accepted = await core.generate({
      actor,
      channelId: LOCAL_CHANNEL_ID,
      prompt: parent.prompt,
      extend: { generationId: parent.id, seconds: body.seconds },
      reply: isGenerationId(body.requestId) ? { requestKey: `local:${actor.platformUserId}:${body.requestId.toLowerCase()}` } : undefined,
    });
    return announce(actor, parent.prompt, accepted);
  });

  app.post<{ Params: { id: string } }>('/api/chat/tracks/:id/variation', { bodyLimit: BODY_LIMIT_BYTES }, async (req): Promise<ChatReply> => {
    const body = objectBody(req);
    const actor = auth.actor(req, body.name);
    const source = await trackFor(req.params.id);
    // As the bots' Variation button: same prompt and length, a seed the core picks at random.
    const accepted = await core.generate({
      actor,
      channelId: LOCAL_CHANNEL_ID,
      prompt: source.prompt,
      // A finished track's length is its rendered one, which may carry a fraction: ask for the whole seconds.
      durationS: Math.round(source.durationS),
      seed: null,
      reply: isGenerationId(body.requestId) ? { requestKey: `local:${actor.platformUserId}:${body.requestId.toLowerCase()}` } : undefined,
    });
    return announce(actor, source.prompt, accepted);
  });

  app.get<{ Querystring: { period?: string; scope?: string } }>('/api/chat/stats/chart.png', async (req, reply) => {
    const { period, scope } = parseStatsQuery(req.query);
    const stats = await core.stats({ platform: 'local', guildId: LOCAL_GUILD_ID, scope, period, limit: 10 });
    return reply.header('content-type', 'image/png').header('cache-control', 'no-store').send(renderStatsChart(stats.topTracks));
  });

  app.post<{ Params: { id: string } }>('/api/chat/tracks/:id/plays', { bodyLimit: BODY_LIMIT_BYTES }, async (req, reply) => {
    const body = objectBody(req);
    // A play counts even from a page whose name is not set yet; it is then anonymous.
    let actor: Actor | null = null;
    if (auth.mode === 'token' || body.name !== undefined) actor = auth.actor(req, body.name);
    const { id } = await trackFor(req.params.id);
    // Anonymous pages count once an hour per address and browser, like the public player.
    await core.recordPlay(id, actor, 'local', undefined, actor ? undefined : webListener(req.ip, req.headers['user-agent']));
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/chat/tracks/:id/delete', { bodyLimit: BODY_LIMIT_BYTES }, async (req) => {
    const body = objectBody(req);
    const actor = auth.actor(req, body.name);
    const { id } = await trackFor(req.params.id);
    // The creator, or the operator logged in with ADMIN_TOKEN (the core checks).
    const deleted = await core.deleteTrack(actor, id, { isAdmin: auth.isAdmin(req) });
    if (!deleted) throw new UserError(UserErrorCode.NotAllowed, 'That track is still being made: cancel it instead.');
    channel.publish({ type: 'deleted', generationId: id });
    return { generationId: id, deleted: true };
  });

  app.get<{ Params: { id: string } }>('/api/chat/tracks/:id', async (req) => trackFor(req.params.id));

  app.get<{ Querystring: { name?: string } }>('/api/chat/history', async (req) => {
    const actor = auth.mode === 'token' || req.query.name !== undefined ? auth.actor(req, req.query.name) : null;
    // Tracks still being made come too: a page opened (or reloaded) mid-render shows them at once
    // instead of at their next progress event, which a queued track may not send for minutes.
    const [tracks, inProgress] = await Promise.all([
      core.recent('local', LOCAL_GUILD_ID, HISTORY_LIMIT),
      core.inProgress('local', LOCAL_GUILD_ID, HISTORY_LIMIT),
    ]);
    // Only tracks with stars can be starred by this name: most have none, so most cost no query.
    const starred = actor
      ? (await Promise.all(tracks.filter((t) => t.favorites > 0).map(async (t) => ((await core.isFavorite(actor, t.id)) ? t.id : null))))
        .filter((id): id is string => id !== null)
      : null;
    return { tracks: tracks.map((t) => toPageTrack(t, runtime.publicUrl)), inProgress: inProgress.map((t) => toPageTrack(t, runtime.publicUrl)), starred };
  });

  // Server-Sent Events written by hand: no SSE plugin is installed, and the protocol needed here
  // is four lines (event, data, heartbeat comment, retry hint).
  app.get('/api/chat/events', (req, reply) => {
    const client = auth.sessionName(req) ?? req.ip;
    const mine = streamsByClient.get(client) ?? 0;
    if (streams.size >= maxStreams || mine >= maxPerClient) {
      req.log.warn({ open: streams.size, mine }, 'local chat stream refused: too many open');
      // The page retries after a 503 with backoff (chat.js); Retry-After says when it is worth it.
      reply.header('retry-after', '10');
      throw new UserError(UserErrorCode.Unavailable, mine >= maxPerClient
        ? 'You have too many chat pages open; close one and this one reconnects.'
        : 'Too many chat pages are open right now; this page keeps retrying.');
    }
    streamsByClient.set(client, mine + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n: connected\n\n');
    streams.add(res);

    const send = (event: ChatEvent, id: string): void => {
      if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
        req.log.warn('local chat stream too far behind; closing it');
        res.destroy();
        return;
      }
      // JSON.stringify never emits a raw newline, so each event is exactly one data line.
      res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // The browser sends Last-Event-ID when it reconnects by itself; the page passes it in the
    // query when it opens a new stream after a refusal. Replay and subscribing happen in one
    // synchronous step, so no event falls between them and none is sent twice.
    const lastEventId = lastEventIdOf(req);
    const missed = lastEventId === null ? [] : channel.since(lastEventId);
    if (missed === null) send({ type: 'reset' }, channel.lastId);
    else for (const { id, event } of missed) send(event, id);
    send({ type: 'hello' }, channel.lastId);
    const unsubscribe = channel.subscribe(send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      if (streams.delete(res)) {
        const left = (streamsByClient.get(client) ?? 1) - 1;
        if (left > 0) streamsByClient.set(client, left);
        else streamsByClient.delete(client);
      }
    });
  });

  // Open streams never go idle, so the server would wait on them forever at shutdown.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
}

function lastEventIdOf(req: FastifyRequest): string | null {
  const header = req.headers['last-event-id'];
  const query = (req.query as { lastEventId?: unknown } | undefined)?.lastEventId;
  const value = typeof header === 'string' ? header : typeof query === 'string' ? query : null;
  return value && value.length <= 64 ? value : null;
}

function objectBody(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UserError(UserErrorCode.UnknownCommand, 'Send the command as JSON: { "name": ..., "text": ... }.');
  }
  return body as Record<string, unknown>;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
