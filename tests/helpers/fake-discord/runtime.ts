/**
 * A typed in-memory FrontendRuntime for transport tests of the Discord bot: the bot's own
 * behaviour (acknowledgement, edits, fallbacks, reactions) without Postgres, Redis or a worker.
 * Generations stay queued until the test calls `finish()`, which runs the bot's delivery handler
 * the way the core's delivery consumer does, with a real encoded file.
 */
import { randomUUID } from 'node:crypto';
import type {
  Actor, ChatCore, Delivery, DeliveryResult, FrontendRuntime, GenerateAccepted, GenerateRequest, Stats, StatsQuery, TrackView,
} from '../../../core/chat.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import type { Platform } from '../../../core/jobs.ts';
import { ConnectionHealth } from '../../../core/connection-health.ts';
import { createLogger, type Logger } from '../../../core/log.ts';
import { findBlockedWord } from '../../../core/validate.ts';
import { IN_PROGRESS, MemoryFrontendChannel, MemorySettings, searchTracks, similarTracksOf } from '../memory-core.ts';

interface Gen {
  req: GenerateRequest;
  view: TrackView;
  requestKey?: string;
  favoritedBy: Set<string>;
  delivered?: string;
}

export class FakeRuntime extends MemoryFrontendChannel implements FrontendRuntime {
  readonly publicUrl = 'http://ditty.test';
  readonly connections = new ConnectionHealth();
  readonly log: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'fake-runtime');
  readonly generations = new Map<string, Gen>();
  readonly generateCalls: GenerateRequest[] = [];
  readonly favoriteCalls: Array<{ actor: Actor; generationId: string; on: boolean }> = [];
  /** Replace to make the core fail or hang. */
  generateImpl: ((req: GenerateRequest) => Promise<GenerateAccepted>) | null = null;
  readonly serverSettings = new MemorySettings();
  readonly settingsReads: Array<{ guildId: string }> = [];

  readonly core: ChatCore = {
    generate: (req) => (this.generateImpl ? this.generateImpl(req) : this.#generate(req)),
    cancel: async (actor, id) => {
      const g = this.#get(id);
      if (g.view.creator.platformUserId !== actor.platformUserId) throw new UserError(UserErrorCode.NotAllowed, 'Only the person who asked for a track can cancel it.');
      if (g.view.status !== 'queued') return false;
      g.view.status = 'cancelled';
      this.emit({ generationId: id, platform: 'discord', stage: 'cancelled', progress: 0 });
      return true;
    },
    deleteTrack: async (actor, id, { isAdmin }) => {
      const g = this.#get(id);
      if (g.view.creator.platformUserId !== actor.platformUserId && !isAdmin) {
        throw new UserError(UserErrorCode.NotAllowed, 'Only the person who made a track, or an admin of this server, can delete it.');
      }
      this.generations.delete(id);
      return { track: g.view, messageRef: null, channelId: g.view.origin.channelId };
    },
    setFavorite: async (actor, id, on) => {
      this.favoriteCalls.push({ actor, generationId: id, on });
      const g = this.#get(id);
      const had = g.favoritedBy.has(actor.platformUserId);
      if (on) g.favoritedBy.add(actor.platformUserId);
      else g.favoritedBy.delete(actor.platformUserId);
      g.view.favorites = g.favoritedBy.size;
      return { changed: had !== on, favorites: g.view.favorites };
    },
    recordPlay: async (id) => {
      this.#get(id).view.plays++;
    },
    track: async (id) => this.generations.get(id)?.view ?? null,
    replyOf: async (id) => {
      const g = this.generations.get(id);
      return g ? { track: g.view, reply: g.req.reply ?? {} } : null;
    },
    recent: async (_platform: Platform, guildId: string, limit = 10) =>
      [...this.generations.values()].filter((g) => g.view.origin.guildId === guildId).map((g) => g.view).reverse().slice(0, limit),
    inProgress: async (_platform: Platform, guildId: string, limit = 10) =>
      [...this.generations.values()].map((g) => g.view).filter((v) => v.origin.guildId === guildId && IN_PROGRESS.includes(v.status)).slice(0, limit),
    stats: async (q: StatsQuery): Promise<Stats> => {
      const views = [...this.generations.values()].map((g) => g.view).filter((v) => q.scope === 'global' || v.origin.guildId === q.guildId);
      const completed = views.filter((v) => v.status === 'completed');
      return {
        scope: q.scope,
        period: q.period,
        totals: {
          generations: views.length, completed: completed.length, failed: 0,
          successRate: views.length ? completed.length / views.length : 0, avgRenderMs: completed.length ? 1234 : null,
          favorites: views.reduce((s, v) => s + v.favorites, 0), plays: views.reduce((s, v) => s + v.plays, 0),
        },
        topTracks: [...views].sort((a, b) => b.favorites - a.favorites).map((v) => ({ id: v.id, prompt: v.prompt, favorites: v.favorites, plays: v.plays, creator: v.creator.displayName })),
        topCreators: [],
      };
    },
    search: async (platform, guildId, query, limit) => searchTracks([...this.generations.values()].map((g) => g.view), platform, guildId, query, limit),
    similar: async (platform, guildId, generationId, limit) => similarTracksOf([...this.generations.values()].map((g) => g.view), platform, guildId, generationId, limit),
    analysis: async () => null,
    isFavorite: async (actor, id) => this.generations.get(id)?.favoritedBy.has(actor.platformUserId) ?? false,
    settings: async (platform, guildId) => {
      this.settingsReads.push({ guildId });
      return this.serverSettings.get(platform, guildId);
    },
    updateSettings: async (actor, patch, { isAdmin }) => this.serverSettings.update(actor, patch, isAdmin),
  };

  /** Marks the generation rendered and runs the bot's delivery handler, as the core would. */
  async finish(generationId: string, filePath: string, opts: { fitsInline?: boolean; attempt?: number } = {}): Promise<DeliveryResult> {
    const g = this.#get(generationId);
    if (!this.attached.delivery) throw new Error('no delivery handler registered');
    g.view = { ...g.view, status: 'delivering', progress: 1, renderMs: 420, format: 'ogg', sizeBytes: 1000 };
    const delivery: Delivery = { track: g.view, reply: g.req.reply ?? {}, filePath, fitsInline: opts.fitsInline ?? true, attempt: opts.attempt ?? 0 };
    const result = await this.runDelivery(delivery);
    g.view = { ...g.view, status: 'completed' };
    g.delivered = result.messageRef;
    return result;
  }

  async #generate(req: GenerateRequest): Promise<GenerateAccepted> {
    this.generateCalls.push(req);
    if (!req.prompt.trim()) throw new UserError(UserErrorCode.PromptEmpty, 'Describe the music you want.');
    const settings = this.serverSettings.get('discord', req.actor.guildId);
    if (settings.allowedChannels.length > 0 && !settings.allowedChannels.includes(req.channelId)) {
      throw new UserError(UserErrorCode.ChannelNotAllowed, 'ditty is not enabled in this channel; ask an admin which channels it may use.');
    }
    const blocked = findBlockedWord(req.prompt, ['forbidden', ...settings.blockedWords]);
    if (blocked) throw new UserError(UserErrorCode.PromptBlocked, `This server does not allow the word "${blocked}" in prompts; rephrase and try again.`);
    const key = req.reply?.requestKey;
    const existing = key ? [...this.generations.values()].find((g) => g.requestKey === key) : undefined;
    if (existing) return { generationId: existing.view.id, position: 1, params: existing.view.params, durationS: existing.view.durationS, duplicate: true };
    const id = randomUUID();
    const durationS = Number(req.durationS ?? 5) || 5;
    const params = {
      bpm: 80, key: 'A' as const, mode: 'minor' as const, genre: 'lofi' as const, mood: null, instruments: ['piano'], excluded: [], structure: [],
      seed: Number(req.seed ?? 7) || 7, explicit: ['bpm' as const],
    };
    const view: TrackView = {
      id, prompt: req.prompt, params, status: 'queued', progress: 0, durationS, engine: 'embedded', engineVersion: '1', renderMs: null,
      format: null, sizeBytes: null, playerUrl: `${this.publicUrl}/t/${id}`, downloadUrl: `${this.publicUrl}/d/${id}`, audioUrl: `${this.publicUrl}/a/${id}`,
      favorites: 0, plays: 0, creator: { platformUserId: req.actor.platformUserId, displayName: req.actor.displayName },
      origin: { platform: 'discord', guildId: req.actor.guildId, channelId: req.channelId }, createdAt: new Date().toISOString(), errorCode: null, errorMessage: null,
    };
    this.generations.set(id, { req, view, requestKey: key, favoritedBy: new Set() });
    const position = [...this.generations.values()].filter((g) => g.view.status === 'queued').length;
    return { generationId: id, position, params, durationS, duplicate: false };
  }

  #get(id: string): Gen {
    const g = this.generations.get(id);
    if (!g) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    return g;
  }
}
