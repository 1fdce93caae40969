/**
 * An in-memory FrontendRuntime for testing the Slack app without Postgres, Redis or a worker.
 * It keeps the contract's behaviour that the app relies on (input validated by the real
 * validators, one generation per request key, favorites as per-user sets, creator-only cancel)
 * and lets the test play the worker: push progress events and run the delivery handler.
 */
import { randomUUID } from 'node:crypto';
import type {
  ChatCore, Delivery, DeliverySteps, FrontendRuntime, GenerateAccepted, GenerateRequest, Stats, StatsQuery, TrackView,
} from '../../../core/chat.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import type { Platform, ProgressEvent, Stage } from '../../../core/jobs.ts';
import { ConnectionHealth } from '../../../core/connection-health.ts';
import { createLogger, type Logger } from '../../../core/log.ts';
import type { MusicParams } from '../../../core/music.ts';
import { cleanPrompt, findBlockedWord, parseDuration, parseSeed } from '../../../core/validate.ts';
import { IN_PROGRESS, MemoryFrontendChannel, MemorySettings, searchTracks, similarTracksOf } from '../memory-core.ts';

interface Row {
  view: TrackView;
  request: GenerateRequest;
  favoritedBy: Set<string>;
  /** The row's recorded delivery steps, kept across deliveries as Postgres keeps them. */
  steps: Record<string, string>;
}

export class FakeRuntime extends MemoryFrontendChannel implements FrontendRuntime {
  readonly publicUrl = 'http://ditty.test';
  readonly connections = new ConnectionHealth();
  readonly log: Logger;
  readonly rows = new Map<string, Row>();
  readonly generateCalls: GenerateRequest[] = [];
  readonly deliveries: Array<{ delivery: Delivery; result?: { messageRef: string }; error?: unknown }> = [];
  readonly #byKey = new Map<string, string>();
  readonly serverSettings = new MemorySettings();

  constructor(log: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'fake-runtime')) {
    super();
    this.log = log;
  }

  readonly core: ChatCore = {
    generate: async (req) => this.#generate(req),
    cancel: async (actor, id) => {
      const row = this.#row(id);
      if (row.view.creator.platformUserId !== actor.platformUserId) {
        throw new UserError(UserErrorCode.NotAllowed, 'Only the person who asked for a track can cancel it.');
      }
      if (!['queued', 'rendering'].includes(row.view.status)) return false;
      row.view.status = 'cancelled';
      this.emit({ generationId: id, platform: 'slack', stage: 'cancelled', progress: 0 });
      return true;
    },
    deleteTrack: async (actor, id, { isAdmin }) => {
      const row = this.#row(id);
      if (row.view.creator.platformUserId !== actor.platformUserId && !isAdmin) {
        throw new UserError(UserErrorCode.NotAllowed, 'Only the person who made a track, or an admin of this server, can delete it.');
      }
      return { track: row.view, messageRef: null, channelId: row.view.origin.channelId, deliverySteps: { ...row.steps } };
    },
    setFavorite: async (actor, id, on) => {
      const row = this.#row(id);
      const key = `${actor.guildId}:${actor.platformUserId}`;
      const had = row.favoritedBy.has(key);
      if (on) row.favoritedBy.add(key);
      else row.favoritedBy.delete(key);
      row.view.favorites = row.favoritedBy.size;
      return { changed: had !== on, favorites: row.view.favorites };
    },
    recordPlay: async (id) => {
      this.#row(id).view.plays += 1;
    },
    track: async (id) => this.rows.get(id)?.view ?? null,
    replyOf: async (id) => {
      const row = this.rows.get(id);
      return row ? { track: row.view, reply: row.request.reply ?? {} } : null;
    },
    recent: async (platform: Platform, guildId: string, limit = 10) =>
      [...this.rows.values()].filter((r) => r.view.origin.platform === platform && r.view.origin.guildId === guildId).map((r) => r.view).reverse().slice(0, limit),
    inProgress: async (platform: Platform, guildId: string, limit = 10) =>
      [...this.rows.values()].map((r) => r.view).filter((v) => v.origin.platform === platform && v.origin.guildId === guildId && IN_PROGRESS.includes(v.status)).slice(0, limit),
    stats: async (q: StatsQuery): Promise<Stats> => {
      const views = [...this.rows.values()].map((r) => r.view).filter((v) => q.scope === 'global' || v.origin.guildId === q.guildId);
      const completed = views.filter((v) => v.status === 'completed').length;
      const failed = views.filter((v) => v.status === 'failed').length;
      return {
        scope: q.scope,
        period: q.period,
        totals: {
          generations: views.length, completed, failed, successRate: views.length ? completed / views.length : 0, avgRenderMs: null,
          favorites: views.reduce((s, v) => s + v.favorites, 0), plays: views.reduce((s, v) => s + v.plays, 0),
        },
        topTracks: [...views].sort((a, b) => b.favorites - a.favorites).slice(0, 5)
          .map((v) => ({ id: v.id, prompt: v.prompt, favorites: v.favorites, plays: v.plays, creator: v.creator.displayName })),
        topCreators: [],
      };
    },
    search: async (platform, guildId, query, limit) => searchTracks([...this.rows.values()].map((r) => r.view), platform, guildId, query, limit),
    similar: async (platform, guildId, generationId, limit) => similarTracksOf([...this.rows.values()].map((r) => r.view), platform, guildId, generationId, limit),
    analysis: async () => null,
    isFavorite: async (actor, id) => this.rows.get(id)?.favoritedBy.has(`${actor.guildId}:${actor.platformUserId}`) ?? false,
    settings: async (platform, guildId) => this.serverSettings.get(platform, guildId),
    updateSettings: async (actor, patch, { isAdmin }) => this.serverSettings.update(actor, patch, isAdmin),
  };

  progress(id: string, stage: Stage, progress: number, extra: Partial<ProgressEvent> = {}): void {
    this.#row(id).view.status = stage;
    this.emit({ generationId: id, platform: 'slack', stage, progress, ...extra });
  }

  /** Plays the worker's last step: marks the track done and runs the app's delivery handler. */
  /**
   * `dieAtStep`: the process "dies" (the run throws) just before recording that step, as kill -9
   * between a platform call and its record would leave it; the next deliver() resumes.
   */
  async deliver(id: string, filePath: string, opts: { fitsInline?: boolean; attempt?: number; sizeBytes?: number; dieAtStep?: string } = {}): Promise<{ messageRef: string }> {
    const row = this.#row(id);
    if (!this.attached.delivery) throw new Error('no delivery handler registered');
    Object.assign(row.view, { status: 'completed', progress: 1, renderMs: 840, format: 'opus', sizeBytes: opts.sizeBytes ?? 1000, engine: 'embedded', engineVersion: '1' });
    const steps: DeliverySteps = {
      done: { ...row.steps },
      async record(step, ref) {
        if (step === opts.dieAtStep) throw new Error(`killed before recording ${step}`);
        row.steps[step] = ref;
      },
      async claim(step, ref) {
        if (step in row.steps) return false;
        await this.record(step, ref);
        return true;
      },
    };
    const delivery: Delivery = { track: row.view, reply: row.request.reply ?? {}, filePath, fitsInline: opts.fitsInline ?? true, attempt: opts.attempt ?? 0, steps };
    try {
      const result = await this.runDelivery(delivery);
      this.deliveries.push({ delivery, result });
      return result;
    } catch (error) {
      this.deliveries.push({ delivery, error });
      throw error;
    }
  }

  #row(id: string): Row {
    const row = this.rows.get(id);
    if (!row) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    return row;
  }

  async #generate(req: GenerateRequest): Promise<GenerateAccepted> {
    this.generateCalls.push(req);
    const prompt = cleanPrompt(req.prompt);
    const settings = this.serverSettings.get(req.actor.platform, req.actor.guildId);
    if (settings.allowedChannels.length > 0 && !settings.allowedChannels.includes(req.channelId)) {
      throw new UserError(UserErrorCode.ChannelNotAllowed, 'ditty is not enabled in this channel; ask an admin which channels it may use.');
    }
    const blocked = findBlockedWord(prompt, settings.blockedWords);
    if (blocked) throw new UserError(UserErrorCode.PromptBlocked, `This server does not allow the word "${blocked}" in prompts; rephrase and try again.`);
    const durationS = parseDuration(req.durationS, 15, Math.min(settings.maxDurationS ?? 120, 120));
    const seed = parseSeed(req.seed);
    const key = req.reply?.requestKey;
    const existing = key ? this.#byKey.get(key) : undefined;
    if (existing) {
      const row = this.rows.get(existing)!;
      return { generationId: existing, position: 1, params: row.view.params, durationS: row.view.durationS, duplicate: true };
    }
    const id = randomUUID();
    if (key) this.#byKey.set(key, id);
    const params: MusicParams = { bpm: 90, key: 'A', mode: 'minor', genre: 'lofi', mood: null, instruments: [], excluded: [], structure: [], seed, explicit: [] };
    const position = [...this.rows.values()].filter((r) => r.view.status === 'queued').length + 1;
    const view: TrackView = {
      id, prompt, params, status: 'queued', progress: 0, durationS, engine: 'embedded', engineVersion: 'pending', renderMs: null, format: null,
      sizeBytes: null, playerUrl: `${this.publicUrl}/t/${id}`, downloadUrl: `${this.publicUrl}/t/${id}/download`, audioUrl: `${this.publicUrl}/t/${id}/audio`,
      favorites: 0, plays: 0, creator: { platformUserId: req.actor.platformUserId, displayName: req.actor.displayName },
      origin: { platform: req.actor.platform, guildId: req.actor.guildId, channelId: req.channelId }, createdAt: new Date().toISOString(),
      errorCode: null, errorMessage: null,
    };
    this.rows.set(id, { view, request: req, favoritedBy: new Set(), steps: {} });
    this.emit({ generationId: id, platform: 'slack', stage: 'queued', progress: 0, position });
    return { generationId: id, position, params, durationS, duplicate: false };
  }
}
