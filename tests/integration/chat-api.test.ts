/**
 * The local chat API through fastify with a typed fake FrontendRuntime: what the page sends
 * reaches the core as the core expects it, refusals come back as 4xx with the core's words, and
 * the event stream carries progress, deliveries and stars.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Actor, ChatCore, DeletedTrack, DeliveryHandler, DeliveryResult, FrontendRuntime, GenerateAccepted, GenerateRequest, ServerSettings, Stats, StatsQuery,
  TrackView, SimilarResult, AnalysisView,
} from '../../core/chat.ts';
import { PLAY_SOURCES } from '../../core/db/entities.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { newPublicToken } from '../../core/storage.ts';
import type { Platform, ProgressEvent } from '../../core/jobs.ts';
import { createLogger } from '../../core/log.ts';
import type { MusicParams } from '../../core/music.ts';
import { buildWebApp } from '../../web/server/app.ts';
import { chatPlugin, wireLocalChat, type ChatEvent } from '../../web/server/chat.ts';
import { localActor } from '../../web/server/commands.ts';
import type { GallerySource } from '../../web/server/gallery-source.ts';
import { describeParams } from '../../core/prompt/parse.ts';
import { IN_PROGRESS, similarTracksOf } from '../helpers/memory-core.ts';
import { hostileSample } from '../helpers/hostile-corpus.ts';
import { visibleText } from '../../core/text-clean.ts';

const PUBLIC_URL = 'http://ditty.example:8080';

const params: MusicParams = {
  bpm: 80, key: 'C', mode: 'minor', genre: 'lofi', mood: null, instruments: ['piano'], excluded: [], structure: [], seed: 7,
  explicit: ['bpm', 'instruments'],
};

function makeTrack(over: Partial<TrackView> = {}): TrackView {
  const id = over.id ?? randomUUID();
  return {
    id, prompt: 'lo-fi piano at 80 bpm', params, status: 'completed', progress: 1, durationS: 5, engine: 'embedded',
    engineVersion: '1', renderMs: 120, format: 'opus', sizeBytes: 4096,
    playerUrl: `${PUBLIC_URL}/t/tok-${id}`, audioUrl: `${PUBLIC_URL}/t/tok-${id}/audio`, downloadUrl: `${PUBLIC_URL}/t/tok-${id}/download`,
    favorites: 0, plays: 0, creator: { platformUserId: 'ada', displayName: 'Ada' },
    origin: { platform: 'local', guildId: 'local', channelId: 'local' }, createdAt: new Date(0).toISOString(),
    errorCode: null, errorMessage: null, ...over,
  };
}

/** Records every call; `failNext` makes the next call refuse the way the real core does. */
class FakeCore implements ChatCore {
  generated: GenerateRequest[] = [];
  favorites: Array<{ actor: Actor; id: string; on: boolean }> = [];
  plays: Array<{ id: string; actor: Actor | null; source: string }> = [];
  statsQueries: StatsQuery[] = [];
  tracks = new Map<string, TrackView>();
  failNext: Error | null = null;
  #favoriteCount = new Map<string, Set<string>>();

  #maybeFail(): void {
    const e = this.failNext;
    this.failNext = null;
    if (e) throw e;
  }

  async generate(req: GenerateRequest): Promise<GenerateAccepted> {
    this.#maybeFail();
    this.generated.push(req);
    const duplicate = req.reply?.requestKey !== undefined && this.generated.filter((g) => g.reply?.requestKey === req.reply?.requestKey).length > 1;
    return { generationId: randomUUID(), position: this.generated.length, params: { ...params, seed: Number(req.seed ?? 1) }, durationS: Number(req.durationS ?? 15), duplicate };
  }
  cancelled: Array<{ actor: Actor; id: string }> = [];
  async cancel(actor: Actor, id: string): Promise<boolean> {
    const track = this.tracks.get(id);
    if (!track) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    if (track.creator.platformUserId !== actor.platformUserId) {
      throw new UserError(UserErrorCode.NotAllowed, 'Only the person who asked for a track can cancel it.');
    }
    this.cancelled.push({ actor, id });
    return ['queued', 'rendering', 'encoding'].includes(track.status);
  }
  deletedTracks: Array<{ actor: Actor; id: string }> = [];
  async deleteTrack(actor: Actor, id: string, { isAdmin }: { isAdmin: boolean }): Promise<DeletedTrack | null> {
    const track = this.tracks.get(id);
    if (!track) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    if (track.creator.platformUserId !== actor.platformUserId && !isAdmin) {
      throw new UserError(UserErrorCode.NotAllowed, 'Only the person who made a track, or an admin of this server, can delete it.');
    }
    this.deletedTracks.push({ actor, id });
    this.tracks.delete(id);
    return { track, messageRef: id, channelId: 'local' };
  }
  async setFavorite(actor: Actor, id: string, on: boolean): Promise<{ changed: boolean; favorites: number }> {
    this.#maybeFail();
    this.favorites.push({ actor, id, on });
    const who = this.#favoriteCount.get(id) ?? new Set<string>();
    this.#favoriteCount.set(id, who);
    const had = who.has(actor.platformUserId);
    if (on) who.add(actor.platformUserId);
    else who.delete(actor.platformUserId);
    return { changed: had !== on, favorites: who.size };
  }
  async recordPlay(id: string, actor: Actor | null, source: string): Promise<void> {
    // The real core refuses sources the plays table does not know.
    if (!(PLAY_SOURCES as readonly string[]).includes(source)) throw new Error(`Unknown play source: ${source}`);
    this.plays.push({ id, actor, source });
  }
  async track(id: string): Promise<TrackView | null> {
    return this.tracks.get(id) ?? null;
  }
  async recent(platform: Platform, guildId: string): Promise<TrackView[]> {
    return [...this.tracks.values()].filter((t) => t.origin.platform === platform && t.origin.guildId === guildId && t.status === 'completed').reverse();
  }
  async replyOf(id: string): Promise<{ track: TrackView; reply: Record<string, string> } | null> {
    const track = this.tracks.get(id);
    return track ? { track, reply: {} } : null;
  }
  async inProgress(platform: Platform, guildId: string): Promise<TrackView[]> {
    return [...this.tracks.values()].filter((t) => t.origin.platform === platform && t.origin.guildId === guildId && IN_PROGRESS.includes(t.status));
  }
  searches: string[] = [];
  async search(platform: Platform, guildId: string, query: string): Promise<TrackView[]> {
    this.searches.push(query);
    const words = query.toLowerCase().split(' ');
    return (await this.recent(platform, guildId)).filter((t) => t.status === 'completed' && words.every((w) => t.prompt.includes(w)));
  }
  async similar(platform: Platform, guildId: string, generationId: string, limit?: number): Promise<SimilarResult> {
    this.#maybeFail();
    return similarTracksOf(this.tracks.values(), platform, guildId, generationId, limit);
  }
  async analysis(): Promise<AnalysisView | null> {
    return null;
  }
  favoriteChecks: string[] = [];
  async isFavorite(actor: Actor, id: string): Promise<boolean> {
    this.favoriteChecks.push(id);
    return this.#favoriteCount.get(id)?.has(actor.platformUserId) ?? false;
  }
  // Server settings are for Discord and Slack admins; the local chat never asks.
  async settings(): Promise<ServerSettings> {
    throw new Error('the local chat does not read server settings');
  }
  async updateSettings(): Promise<ServerSettings> {
    throw new Error('the local chat does not change server settings');
  }
  async stats(query: StatsQuery): Promise<Stats> {
    this.#maybeFail();
    this.statsQueries.push(query);
    return {
      scope: query.scope, period: query.period,
      totals: { generations: 1, completed: 1, failed: 0, successRate: 1, avgRenderMs: 120, favorites: 1, plays: 2 },
      topTracks: [{ id: 'x', prompt: 'lo-fi piano', favorites: 1, plays: 2, creator: 'Ada' }],
      topCreators: [{ platformUserId: 'ada', displayName: 'Ada', generations: 1, favoritesReceived: 1 }],
    };
  }
}

class FakeRuntime implements FrontendRuntime {
  core = new FakeCore();
  publicUrl = PUBLIC_URL;
  log = createLogger('silent');
  progress = new Map<Platform, Set<(e: ProgressEvent) => void>>();
  handlers = new Map<Platform, DeliveryHandler>();

  onProgress(platform: Platform, listener: (e: ProgressEvent) => void): () => void {
    const set = this.progress.get(platform) ?? new Set();
    this.progress.set(platform, set);
    set.add(listener);
    return () => set.delete(listener);
  }
  async startDelivery(platform: Platform, handler: DeliveryHandler): Promise<{ close(): Promise<void> }> {
    this.handlers.set(platform, handler);
    return { close: async () => void this.handlers.delete(platform) };
  }
  emit(event: ProgressEvent): void {
    for (const l of this.progress.get(event.platform) ?? []) l(event);
  }
  async deliver(track: TrackView, attempt = 0): Promise<DeliveryResult> {
    const handler = this.handlers.get('local');
    if (!handler) throw new Error('no local delivery handler');
    return handler({ track, reply: {}, filePath: '/tmp/none.ogg', fitsInline: true, attempt });
  }
}

/** Reads an SSE response into parsed events as they arrive. */
class EventReader {
  events: ChatEvent[] = [];
  raw = '';
  #waiters: Array<() => void> = [];
  constructor(res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.raw += chunk;
      const blocks = this.raw.split('\n\n');
      this.raw = blocks.pop() ?? '';
      for (const block of blocks) {
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) {
          const parsed = JSON.parse(data) as ChatEvent;
          expect(parsed.type).toBe(event);
          this.events.push(parsed);
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    });
  }
  async waitFor<T extends ChatEvent['type']>(type: T, timeoutMs = 2000): Promise<Extract<ChatEvent, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.type === type);
      if (found) return found as Extract<ChatEvent, { type: T }>;
      if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

function openStream(url: string): Promise<{ res: IncomingMessage; reader: EventReader; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      resolve({ res, reader: new EventReader(res), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

let runtime: FakeRuntime;
let app: FastifyInstance;
let wiring: { close(): Promise<void> } | null;

beforeEach(async () => {
  runtime = new FakeRuntime();
  app = fastify({ logger: false });
  await app.register(chatPlugin, { runtime, heartbeatMs: 50 });
  await app.ready();
  wiring = null;
});

afterEach(async () => {
  await wiring?.close();
  await app.close();
});

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

describe('GIVEN the hostile-text sample in the local chat', () => {
  it('THEN what the chat shows is the cleaned prompt (no hidden or control characters) or a refusal, and the page never parses text as HTML', async () => {
    for (const c of hostileSample()) {
      const res = await post('/api/chat/commands', { name: 'Ada', text: `/generate ${c.text}`, requestId: randomUUID() });
      if (res.statusCode !== 200) {
        expect(res.statusCode, c.name).toBeLessThan(500);
        continue;
      }
      const prompt = String(res.json().prompt);
      expect(prompt, c.name).toBe(visibleText(prompt));
      expect(prompt, c.name).not.toMatch(/[\p{Cc}\u200B\u202A-\u202E\u2066-\u2069\u{E0000}-\u{E007F}]/u);
    }
    // The pages write every user string with textContent: no HTML sink exists to reach.
    const dir = new URL('../../web/public/chat/', import.meta.url);
    const modules = (await readdir(dir)).filter((f) => f.endsWith('.js'));
    expect(modules.length).toBeGreaterThan(3);
    for (const file of [...modules.map((f) => new URL(f, dir)), new URL('../../web/public/gallery.js', import.meta.url)]) {
      expect(await readFile(file, 'utf8'), String(file)).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});

describe('POST /api/chat/commands', () => {
  it('GIVEN /generate with options THEN the core gets the cleaned prompt, numbers, the local actor and channel', async () => {
    const requestId = randomUUID();
    const res = await post('/api/chat/commands', { name: ' Ada ', text: '/generate lo-fi piano at 80 bpm 30s seed:7', requestId });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ kind: 'generate', prompt: 'lo-fi piano at 80 bpm', durationS: 30, position: 1, duplicate: false });
    expect(body.params.seed).toBe(7);
    const [req] = runtime.core.generated;
    expect(req).toMatchObject({
      actor: { platform: 'local', platformUserId: 'ada', guildId: 'local', displayName: 'Ada' },
      channelId: 'local', prompt: 'lo-fi piano at 80 bpm', durationS: 30, seed: 7,
    });
    expect(req!.reply).toEqual({ requestKey: `local:ada:${requestId}` });
  });

  it('GIVEN the same requestId twice THEN the second is a duplicate and is not announced to the channel again', async () => {
    const server = await listen();
    const stream = await openStream(`${server}/api/chat/events`);
    const requestId = randomUUID();
    await post('/api/chat/commands', { name: 'Ada', text: '/generate jazz', requestId });
    const again = await post('/api/chat/commands', { name: 'Ada', text: '/generate jazz', requestId });
    expect(again.json().duplicate).toBe(true);
    await stream.reader.waitFor('queued');
    await new Promise((r) => setTimeout(r, 100));
    expect(stream.reader.events.filter((e) => e.type === 'queued')).toHaveLength(1);
    stream.close();
  });

  it.each([
    [{ name: 'Ada', text: '/generate piano 500s' }, 400, 'duration_invalid', '5 to 120'],
    [{ name: 'Ada', text: '/dance' }, 400, 'unknown_command', '/dance'],
    [{ name: '', text: '/help' }, 400, 'name_invalid', '1 to 32'],
    [{ name: 'Ada\u202E', text: '/help' }, 400, 'name_invalid', 'invisible'],
    [{ text: '/help' }, 400, 'name_invalid', 'Pick a name'],
    [{ name: 'Ada', text: 42 }, 400, 'unknown_command', 'command'],
  ])('GIVEN %j THEN %i %s', async (payload, status, code, fragment) => {
    const res = await post('/api/chat/commands', payload);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toContain(fragment);
    expect(runtime.core.generated).toHaveLength(0);
  });

  it.each([
    [new UserError(UserErrorCode.RateLimited, 'Slow down: 10 tracks a minute. Try again in 42 s.'), 429],
    [new UserError(UserErrorCode.PromptBlocked, 'That prompt uses a word this server blocks.'), 400],
    [new UserError(UserErrorCode.Unavailable, 'The queue is down; try again soon.'), 503],
  ])('GIVEN the core refuses with %s THEN %i with its message', async (error, status) => {
    runtime.core.failNext = error;
    const res = await post('/api/chat/commands', { name: 'Ada', text: '/generate piano' });
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toEqual({ code: error.code, message: error.message });
  });

  it('GIVEN an internal failure THEN 500 with a generic message that leaks nothing', async () => {
    runtime.core.failNext = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    const res = await post('/api/chat/commands', { name: 'Ada', text: '/stats' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('ECONNREFUSED');
    expect(res.json().error.code).toBe('internal');
  });

  it('GIVEN malformed JSON, a non-object body or an oversized body THEN a clear 4xx', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/chat/commands', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('malformed');
    const array = await post('/api/chat/commands', ['/help']);
    expect(array.statusCode).toBe(400);
    const huge = await post('/api/chat/commands', { name: 'Ada', text: `/generate ${'x'.repeat(20_000)}` });
    expect(huge.statusCode).toBe(413);
  });

  it('GIVEN /stats week global, /recent, /search, /help THEN each answers from the core', async () => {
    const stats = await post('/api/chat/commands', { name: 'Ada', text: '/stats week global' });
    expect(stats.json()).toMatchObject({ kind: 'stats', stats: { scope: 'global', period: 'week' } });
    expect(runtime.core.statsQueries[0]).toMatchObject({ platform: 'local', guildId: 'local', scope: 'global', period: 'week' });

    const track = makeTrack();
    runtime.core.tracks.set(track.id, track);
    const recent = await post('/api/chat/commands', { name: 'Ada', text: '/recent' });
    expect(recent.json().tracks[0].audioUrl).toBe(`/t/tok-${track.id}/audio`);

    const other = makeTrack({ prompt: 'dark techno 130 bpm' });
    runtime.core.tracks.set(other.id, other);
    const search = await post('/api/chat/commands', { name: 'Ada', text: '/search  techno' });
    expect(search.json()).toMatchObject({ kind: 'search', query: 'techno' });
    expect(search.json().tracks.map((t: TrackView) => [t.id, t.playerUrl])).toEqual([[other.id, `/t/tok-${other.id}`]]);

    const help = await post('/api/chat/commands', { name: 'Ada', text: '/help' });
    expect(help.json().help.map((h: { usage: string }) => h.usage.split(' ')[0])).toEqual(['/generate', '/stats', '/recent', '/search', '/similar', '/help', 'Buttons']);
  });

  it('GIVEN /similar words and the More like this route THEN the nearest tracks come back with reasons, never the track itself', async () => {
    const a = makeTrack({ prompt: 'house groove' });
    const b = makeTrack({ prompt: 'deep house' });
    runtime.core.tracks.set(a.id, a);
    runtime.core.tracks.set(b.id, b);
    const byWords = await post('/api/chat/commands', { name: 'Ada', text: '/similar house groove' });
    expect(byWords.json()).toMatchObject({ kind: 'similar', of: { id: a.id }, empty: null });
    const ids = byWords.json().tracks.map((t: { id: string }) => t.id);
    expect(ids).toContain(b.id);
    expect(ids).not.toContain(a.id);
    expect(byWords.json().tracks[0].reasons).toBe('close tempo');
    const byButton = await app.inject({ method: 'GET', url: `/api/chat/tracks/${b.id}/similar` });
    expect(byButton.json()).toMatchObject({ kind: 'similar', of: { id: b.id, playerUrl: `/t/tok-${b.id}` } });
    expect(byButton.json().tracks.map((t: { id: string }) => t.id)).not.toContain(b.id);
    const none = await post('/api/chat/commands', { name: 'Ada', text: '/similar bagpipes' });
    expect(none.json()).toMatchObject({ kind: 'similar', of: null, tracks: [], empty: 'No finished track on this server matches those words.' });
  });
});

describe('tracks, stars and history', () => {
  it('GIVEN a star then an unstar THEN the core sees both, counts come back and the channel hears them', async () => {
    const track = makeTrack();
    runtime.core.tracks.set(track.id, track);
    const server = await listen();
    const stream = await openStream(`${server}/api/chat/events`);

    const on = await post(`/api/chat/tracks/${track.id}/favorite`, { name: 'Bob', on: true });
    expect(on.json()).toEqual({ generationId: track.id, on: true, changed: true, favorites: 1 });
    expect(await stream.reader.waitFor('favorite')).toEqual({ type: 'favorite', generationId: track.id, favorites: 1 });
    const again = await post(`/api/chat/tracks/${track.id}/favorite`, { name: 'bob', on: true });
    expect(again.json()).toMatchObject({ changed: false, favorites: 1 });
    const off = await post(`/api/chat/tracks/${track.id}/favorite`, { name: 'Bob', on: false });
    expect(off.json()).toMatchObject({ changed: true, favorites: 0 });
    expect(runtime.core.favorites.map((f) => [f.actor.platformUserId, f.on])).toEqual([['bob', true], ['bob', true], ['bob', false]]);
    stream.close();
  });

  it('GIVEN an unknown id, a non-uuid or a Discord track THEN 404 and the core is not asked to change anything', async () => {
    const discord = makeTrack({ origin: { platform: 'discord', guildId: '123', channelId: '456' } });
    runtime.core.tracks.set(discord.id, discord);
    for (const id of [randomUUID(), "1' OR 1=1 --", discord.id]) {
      const res = await post(`/api/chat/tracks/${encodeURIComponent(id)}/favorite`, { name: 'Ada', on: true });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect(runtime.core.favorites).toHaveLength(0);
    expect((await app.inject(`/api/chat/tracks/${discord.id}`)).statusCode).toBe(404);
  });

  it('GIVEN a star without on:boolean THEN 400', async () => {
    const track = makeTrack();
    runtime.core.tracks.set(track.id, track);
    const res = await post(`/api/chat/tracks/${track.id}/favorite`, { name: 'Ada', on: 'yes' });
    expect(res.statusCode).toBe(400);
  });

  it('GIVEN a cancel THEN the creator may while it renders; others are refused; a finished track is too late', async () => {
    const rendering = makeTrack({ status: 'rendering', progress: 0.3 });
    const done = makeTrack();
    runtime.core.tracks.set(rendering.id, rendering);
    runtime.core.tracks.set(done.id, done);
    const ok = await post(`/api/chat/tracks/${rendering.id}/cancel`, { name: 'Ada' });
    expect(ok.json()).toEqual({ generationId: rendering.id, cancelled: true });
    const other = await post(`/api/chat/tracks/${rendering.id}/cancel`, { name: 'Bob' });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toContain('Only the person who asked');
    const late = await post(`/api/chat/tracks/${done.id}/cancel`, { name: 'Ada' });
    expect(late.statusCode).toBe(403);
    expect(late.json().error.message).toContain('Too late');
  });

  it('GIVEN a play from a named and an anonymous page THEN both are recorded with source local', async () => {
    const track = makeTrack();
    runtime.core.tracks.set(track.id, track);
    expect((await post(`/api/chat/tracks/${track.id}/plays`, { name: 'Ada' })).statusCode).toBe(204);
    expect((await post(`/api/chat/tracks/${track.id}/plays`, {})).statusCode).toBe(204);
    expect(runtime.core.plays.map((p) => [p.actor?.platformUserId ?? null, p.source])).toEqual([['ada', 'local'], [null, 'local']]);
  });

  it('GIVEN finished and unfinished tracks THEN history gives the finished newest first, the unfinished oldest first, with links on this server', async () => {
    const a = makeTrack();
    const b = makeTrack();
    const queued = makeTrack({ status: 'queued', progress: 0, format: null, sizeBytes: null });
    const rendering = makeTrack({ status: 'rendering', progress: 0.4, format: null, sizeBytes: null });
    for (const t of [a, b, queued, rendering]) runtime.core.tracks.set(t.id, t);
    const res = await app.inject('/api/chat/history');
    const { tracks, inProgress } = res.json() as { tracks: TrackView[]; inProgress: TrackView[] };
    expect(tracks.map((t) => t.id)).toEqual([b.id, a.id]);
    expect(inProgress.map((t) => [t.id, t.status])).toEqual([[queued.id, 'queued'], [rendering.id, 'rendering']]);
    expect(tracks[1]).toMatchObject({ playerUrl: `/t/tok-${a.id}`, downloadUrl: `/t/tok-${a.id}/download` });
    expect(res.json().starred).toBeNull();
  });

  it('GIVEN a name THEN history says which tracks that name starred, asking the core only about tracks with stars', async () => {
    const starredByAda = makeTrack();
    const starredByBob = makeTrack();
    const unstarred = makeTrack();
    for (const t of [starredByAda, starredByBob, unstarred]) runtime.core.tracks.set(t.id, t);
    await runtime.core.setFavorite(localActor('Ada'), starredByAda.id, true);
    await runtime.core.setFavorite(localActor('Bob'), starredByBob.id, true);
    starredByAda.favorites = 1;
    starredByBob.favorites = 1;
    const res = await app.inject(`/api/chat/history?name=${encodeURIComponent('ADA')}`);
    expect(res.json().starred).toEqual([starredByAda.id]);
    expect(runtime.core.favoriteChecks.sort()).toEqual([starredByAda.id, starredByBob.id].sort());
    expect((await app.inject('/api/chat/history?name=%00')).statusCode).toBe(400);
  });
});

describe('parity with the bots', () => {
  it('GIVEN Variation on a track THEN the core gets its prompt and whole-second length with no seed, and the reply carries core\'s summary', async () => {
    const track = makeTrack({ durationS: 5.02 });
    runtime.core.tracks.set(track.id, track);
    const res = await post(`/api/chat/tracks/${track.id}/variation`, { name: 'Ada', requestId: randomUUID() });
    expect(res.statusCode).toBe(200);
    const [req] = runtime.core.generated;
    expect(req).toMatchObject({ prompt: track.prompt, durationS: 5, seed: null, channelId: 'local' });
    expect(req!.extend).toBeUndefined();
    expect(res.json()).toMatchObject({ kind: 'generate', summary: describeParams(res.json().params) });
    expect((await post(`/api/chat/tracks/${randomUUID()}/variation`, { name: 'Ada' })).statusCode).toBe(404);
  });

  it('GIVEN /stats with no period THEN the bots\' default (this week) and a chart link that answers with a PNG', async () => {
    const res = await post('/api/chat/commands', { name: 'Ada', text: '/stats' });
    expect(runtime.core.statsQueries[0]).toMatchObject({ period: 'week', scope: 'server' });
    const { chartUrl } = res.json();
    expect(chartUrl).toBe('/api/chat/stats/chart.png?period=week&scope=server');
    const chart = await app.inject(chartUrl);
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toBe('image/png');
    expect(chart.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    expect((await app.inject('/api/chat/stats/chart.png?period=year')).statusCode).toBe(400);
  });
});

describe('the gallery', () => {
  const source = (tracks: TrackView[]): GallerySource => ({
    list: async () => tracks,
    search: async (q) => tracks.filter((t) => t.prompt.includes(q)),
    createdBy: async (a) => tracks.filter((t) => t.creator.platformUserId === a.platformUserId),
    favoritesOf: async () => [],
    servers: async () => [{ platform: 'local', guildId: 'local', tracks: tracks.length }],
    leaderboard: async () => ({ stats: await runtime.core.stats({ platform: 'local', guildId: 'local', scope: 'server', period: 'week' }), tracks }),
    similar: async (id) => {
      const t = tracks.find((x) => x.id === id);
      return t ? runtime.core.similar(t.origin.platform, t.origin.guildId, id) : null;
    },
  });

  async function galleryApp(tracks: TrackView[], accessToken?: string): Promise<FastifyInstance> {
    const web = fastify({ logger: false });
    await web.register(chatPlugin, { runtime, gallery: source(tracks), accessToken });
    return web;
  }

  it('GIVEN tracks THEN / lists them as text with their players, and links to the chat first', async () => {
    const hostile = makeTrack({ prompt: '<script>alert(1)</script> piano', creator: { platformUserId: 'x', displayName: '<b>Eve</b>' } });
    const web = await galleryApp([hostile]);
    try {
      const page = await web.inject('/');
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; piano');
      expect(page.body).toContain('&lt;b&gt;Eve&lt;/b&gt;');
      expect(page.body).toContain(`src="/t/tok-${hostile.id}/audio"`);
      expect(page.body.indexOf('href="/chat"')).toBeLessThan(page.body.indexOf('<main'));
      for (const path of ['/recent', '/popular', '/favorites', '/search?q=piano', '/servers', '/servers/local/local', '/me?name=Ada', '/me/favorites']) {
        expect((await web.inject(path)).statusCode, path).toBe(200);
      }
      // More like this: the track, then its neighbours with why; an unknown or malformed id is a 404.
      const near = makeTrack({ prompt: 'another lofi piano' });
      runtime.core.tracks.set(hostile.id, hostile);
      runtime.core.tracks.set(near.id, near);
      const web2 = await galleryApp([hostile, near]);
      const similar = await web2.inject(`/similar/${hostile.id}`);
      expect(similar.statusCode).toBe(200);
      expect(similar.body).toContain(`data-track-id="${near.id}"`);
      expect(similar.body).toContain('Why: close tempo');
      expect(page.body).toContain(`href="/similar/${hostile.id}"`);
      expect((await web2.inject(`/similar/${randomUUID()}`)).statusCode).toBe(404);
      expect((await web2.inject('/similar/not-an-id')).statusCode).toBe(404);
      await web2.close();
      const chart = await web.inject('/servers/local/local/chart.png?period=all');
      expect(chart.headers['content-type']).toBe('image/png');
      expect((await web.inject('/servers/teams/x')).statusCode).toBe(404);
      expect((await web.inject('/servers/local/local?period=decade')).statusCode).toBe(400);
    } finally {
      await web.close();
    }
  });

  it('GIVEN LOCAL_CHAT_TOKEN and no session THEN every gallery page leads to the chat\'s login, and the chart is not served', async () => {
    const web = await galleryApp([makeTrack()], 'a-long-enough-access-token');
    try {
      for (const path of ['/', '/recent', '/search?q=x', '/servers/local/local', '/servers/local/local/chart.png', '/me', '/me/favorites', `/similar/${randomUUID()}`]) {
        const res = await web.inject(path);
        expect(res.statusCode, path).toBe(303);
        expect(res.headers.location, path).toBe('/chat');
        expect(res.body, path).toBe('');
      }
      expect((await web.inject('/chat')).statusCode).toBe(200);
    } finally {
      await web.close();
    }
  });
});

describe('GET /api/chat/events', () => {
  it('GIVEN progress and a delivery THEN the stream carries both; the delivery returns the generation id as message ref', async () => {
    wiring = await wireLocalChat(runtime);
    const server = await listen();
    const stream = await openStream(`${server}/api/chat/events`);
    expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');

    const id = randomUUID();
    runtime.emit({ generationId: id, platform: 'local', stage: 'rendering', progress: 0.25 });
    runtime.emit({ generationId: randomUUID(), platform: 'discord', stage: 'rendering', progress: 0.5 });
    expect(await stream.reader.waitFor('progress')).toEqual({ type: 'progress', generationId: id, platform: 'local', stage: 'rendering', progress: 0.25 });

    const track = makeTrack({ id, status: 'delivering' });
    expect(await runtime.deliver(track)).toEqual({ messageRef: id });
    // The core marks the row completed after the post, then reports it: that is when pages hear.
    runtime.core.tracks.set(id, makeTrack({ id, status: 'completed' }));
    runtime.emit({ generationId: id, platform: 'local', stage: 'completed', progress: 1 });
    const delivered = await stream.reader.waitFor('track');
    expect(delivered.track).toMatchObject({ id, status: 'completed', audioUrl: `/t/tok-${id}/audio` });
    // A retried delivery names the same message.
    expect(await runtime.deliver(track, 1)).toEqual({ messageRef: id });
    expect(stream.reader.events.filter((e) => e.type === 'progress')).toHaveLength(1);
    stream.close();
  });

  it('GIVEN a /generate THEN every open page hears it queued, with the creator and what was understood', async () => {
    const server = await listen();
    const pages = [await openStream(`${server}/api/chat/events`), await openStream(`${server}/api/chat/events`)];
    const res = await post('/api/chat/commands', { name: 'Ada', text: '/generate ambient pads 20s seed:3' });
    for (const page of pages) {
      const queued = await page.reader.waitFor('queued');
      expect(queued).toMatchObject({
        generationId: res.json().generationId, prompt: 'ambient pads', durationS: 20, position: 1,
        creator: { platformUserId: 'ada', displayName: 'Ada' },
      });
      expect(queued.params.seed).toBe(3);
      page.close();
    }
  });

  it('GIVEN an idle stream THEN heartbeats keep it alive; GIVEN app.close THEN open streams end', async () => {
    const server = await listen();
    const stream = await openStream(`${server}/api/chat/events`);
    let received = '';
    stream.res.on('data', (c: Buffer | string) => { received += String(c); });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toContain(': ping');
    const ended = new Promise<void>((resolve) => stream.res.on('end', () => resolve()));
    await app.close();
    await ended;
  });

  it('GIVEN the stream limit THEN one more page gets 503 with a message', async () => {
    await app.close();
    app = fastify({ logger: false });
    await app.register(chatPlugin, { runtime, maxStreams: 1 });
    const server = await listen();
    const first = await openStream(`${server}/api/chat/events`);
    const second = await openStream(`${server}/api/chat/events`);
    expect(second.res.statusCode).toBe(503);
    first.close();
    second.close();
  });
});

describe('the page', () => {
  it('GIVEN / without a gallery THEN it leads to /chat', async () => {
    const root = await app.inject('/');
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/chat');
  });

  it('GIVEN /chat THEN the page is served with a strict content security policy; its script and style are local', async () => {
    const page = await app.inject('/chat');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`media-src 'self' ${PUBLIC_URL}`);
    expect(page.body).toContain('src="/chat/main.js"');
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await app.inject('/chat/main.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.body).not.toContain('innerHTML');
    expect((await app.inject('/chat.css')).statusCode).toBe(200);
    expect((await app.inject('/theme.css')).statusCode).toBe(200);
    expect((await app.inject('/chat/cards.js')).headers['content-type']).toContain('javascript');
    expect((await app.inject('/tsconfig.json')).statusCode).toBe(404);
    expect((await app.inject('/../server/chat.ts')).statusCode).toBe(404);
  });
});

describe('buildWebApp', () => {
  it('GIVEN the chat and the tracks plugin in one app THEN the page, the chat API and range-served audio all answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ditty-chat-app-'));
    const file = join(dir, 'a.ogg');
    await writeFile(file, Buffer.alloc(1000, 7));
    const token = newPublicToken();
    const looked: string[] = [];
    const web = await buildWebApp({
      runtime,
      log: createLogger('silent'),
      tracks: {
        lookup: async (t) => {
          looked.push(t);
          return t === token
            ? { path: file, mime: 'audio/ogg', filename: 'ditty-a.ogg', title: 'a', prompt: 'a', description: 'a', durationS: 5, sizeBytes: 1000 }
            : null;
        },
        onPlay: async () => undefined,
        onDownload: async () => undefined,
      },
    });
    try {
      expect((await web.inject('/chat')).body).toContain('/chat/main.js');
      expect((await web.inject({ method: 'POST', url: '/api/chat/commands', payload: { name: 'Ada', text: '/help' } })).json().kind).toBe('help');
      const audio = await web.inject({ url: `/t/${token}/audio`, headers: { range: 'bytes=100-199' } });
      expect(audio.statusCode).toBe(206);
      expect(audio.rawPayload).toHaveLength(100);
      expect(audio.headers['content-type']).toBe('audio/ogg');
      expect(looked).toEqual([token]);
      expect((await web.inject(`/t/${newPublicToken()}/audio`)).statusCode).toBe(404);
    } finally {
      await web.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN localChat: false THEN only track links are served', async () => {
    const web = await buildWebApp({
      runtime, log: createLogger('silent'), localChat: false,
      tracks: { lookup: async () => null, onPlay: async () => undefined, onDownload: async () => undefined },
    });
    try {
      expect((await web.inject('/')).statusCode).toBe(404);
      expect((await web.inject('/chat')).statusCode).toBe(404);
      expect((await web.inject({ method: 'POST', url: '/api/chat/commands', payload: { name: 'Ada', text: '/help' } })).statusCode).toBe(404);
    } finally {
      await web.close();
    }
  });
});

async function listen(): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
