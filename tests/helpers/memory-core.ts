/**
 * What the in-memory test runtimes (fake-discord, fake-slack) share with the real core without
 * Postgres: server settings (same defaults, the core's own patch validation, the admin rule; lists
 * replaced whole) and search (finished tracks of one server whose prompt has every query word).
 */
import type { Actor, Delivery, DeliveryHandler, DeliveryResult, ServerSettings, ServerSettingsPatch, SimilarResult, TrackView } from '../../core/chat.ts';
import { DEFAULT_FAVORITE_EMOJI, parseServerSettingsPatch } from '../../core/db/settings.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import type { Platform, ProgressEvent } from '../../core/jobs.ts';
import { cleanPrompt } from '../../core/validate.ts';

const words = (text: string): string[] => text.toLocaleLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** Like the core's full-text search with the `simple` configuration: every word must appear. */
export function searchTracks(views: Iterable<TrackView>, platform: Platform, guildId: string, query: string, limit = 10): TrackView[] {
  const wanted = words(cleanPrompt(query, 200));
  const max = Math.min(Math.max(1, limit), 25);
  return [...views]
    .filter((v) => v.origin.platform === platform && v.origin.guildId === guildId && v.status === 'completed')
    .filter((v) => {
      const have = new Set(words(v.prompt));
      return wanted.length > 0 && wanted.every((w) => have.has(w));
    })
    .reverse()
    .slice(0, max);
}

/**
 * A stand-in for "More like this" without Postgres or audio: the server's other finished tracks,
 * same style first, each with "close tempo" when the asked tempos are within 4%.
 */
export function similarTracksOf(views: Iterable<TrackView>, platform: Platform, guildId: string, generationId: string, limit = 5): SimilarResult {
  const all = [...views];
  const of = all.find((v) => v.id === generationId && v.origin.platform === platform && v.origin.guildId === guildId);
  if (!of) throw new UserError(UserErrorCode.NotFound, 'No such track in this server.');
  const others = all
    .filter((v) => v.id !== of.id && v.origin.platform === platform && v.origin.guildId === guildId && v.status === 'completed')
    .sort((a, b) => Number(b.params.genre === of.params.genre) - Number(a.params.genre === of.params.genre))
    .slice(0, Math.min(Math.max(1, limit), 10));
  return {
    of,
    analysed: true,
    tracks: others.map((track, i) => ({
      track,
      distance: i + 1,
      reasons: Math.abs(track.params.bpm / of.params.bpm - 1) <= 0.04 ? ['close tempo'] : [],
      measured: { tempoBpm: track.params.bpm, key: `${track.params.key} ${track.params.mode}` },
    })),
  };
}

export class MemorySettings {
  readonly #rows = new Map<string, ServerSettings>();
  readonly updateCalls: Array<{ actor: Actor; patch: ServerSettingsPatch; isAdmin: boolean }> = [];

  get(platform: Platform, guildId: string): ServerSettings {
    const row = this.#rows.get(`${platform}:${guildId}`);
    // Copies, so a caller that mutates the answer cannot change what is stored.
    return row
      ? { ...row, allowedChannels: [...row.allowedChannels], blockedWords: [...row.blockedWords] }
      : {
        platform, guildId, allowedChannels: [], maxDurationS: null, rateLimitPerMinute: null, concurrency: null,
        blockedWords: [], favoriteEmoji: DEFAULT_FAVORITE_EMOJI,
      };
  }

  update(actor: Actor, patch: ServerSettingsPatch, isAdmin: boolean): ServerSettings {
    this.updateCalls.push({ actor, patch, isAdmin });
    if (!isAdmin) throw new UserError(UserErrorCode.NotAllowed, 'Only server admins can change ditty settings.');
    const clean = parseServerSettingsPatch(patch);
    const next: ServerSettings = { ...this.get(actor.platform, actor.guildId) };
    for (const [k, v] of Object.entries(clean)) if (v !== undefined) Object.assign(next, { [k]: v });
    this.#rows.set(`${actor.platform}:${actor.guildId}`, next);
    return this.get(actor.platform, actor.guildId);
  }
}

/** Statuses of a track still being made (what ChatCore.inProgress returns). */
export const IN_PROGRESS: readonly string[] = ['queued', 'rendering', 'encoding', 'delivering'];

/**
 * What the core's Redis pub/sub and delivery queues do for a frontend, in memory: progress events
 * fan out to the listeners a frontend registered, and the last step of a render runs its
 * delivery handler. The fake runtimes extend it.
 */
export abstract class MemoryFrontendChannel {
  readonly #listeners = new Set<(e: ProgressEvent) => void>();
  #handler: DeliveryHandler | null = null;

  onProgress(_platform: Platform, listener: (event: ProgressEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async startDelivery(_platform: Platform, handler: DeliveryHandler): Promise<{ close(): Promise<void> }> {
    this.#handler = handler;
    return { close: async () => { if (this.#handler === handler) this.#handler = null; } };
  }

  /** Whether a frontend is consuming deliveries or listening to progress right now. */
  get attached(): { delivery: boolean; progressListeners: number } {
    return { delivery: this.#handler !== null, progressListeners: this.#listeners.size };
  }

  emit(event: ProgressEvent): void {
    for (const l of this.#listeners) l(event);
  }

  /** Runs the registered delivery handler, as the core's delivery worker would. */
  protected runDelivery(delivery: Delivery): Promise<DeliveryResult> {
    if (!this.#handler) throw new Error('no delivery handler registered');
    return this.#handler(delivery);
  }
}
