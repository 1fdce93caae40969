/**
 * Each workspace's settings as the app needs them on hot paths (every reaction, every delivery):
 * read through the core and kept briefly per team, so a burst of reactions costs one query.
 * `/ditty settings` replaces the entry with the core's answer, so this process sees a change at
 * once; other processes within the TTL.
 */
import type { ChatCore, ServerSettings } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import { favoriteReaction } from './settings.ts';

export interface SettingsCacheOptions {
  /** @defaultValue 30000 */
  ttlMs?: number;
  /** @defaultValue 5000 */
  maxTeams?: number;
  now?: () => number;
}

export class SettingsCache {
  readonly #core: ChatCore;
  readonly #log: Logger;
  readonly #fallbackReaction: string;
  readonly #ttlMs: number;
  readonly #maxTeams: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { settings: ServerSettings; at: number }>();
  /** One read in flight per team: concurrent reactions share it. */
  readonly #loading = new Map<string, Promise<ServerSettings>>();

  constructor(core: ChatCore, log: Logger, fallbackReaction: string, opts: SettingsCacheOptions = {}) {
    this.#core = core;
    this.#log = log;
    this.#fallbackReaction = fallbackReaction;
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#maxTeams = opts.maxTeams ?? 5000;
    this.#now = opts.now ?? Date.now;
  }

  async get(teamId: string): Promise<ServerSettings> {
    const hit = this.#entries.get(teamId);
    if (hit && this.#now() - hit.at < this.#ttlMs) return hit.settings;
    let loading = this.#loading.get(teamId);
    if (!loading) {
      loading = this.#core.settings('slack', teamId).finally(() => this.#loading.delete(teamId));
      this.#loading.set(teamId, loading);
    }
    const settings = await loading;
    this.set(teamId, settings);
    return settings;
  }

  /** Stores the core's latest answer (after an update), so the next read needs no query. */
  set(teamId: string, settings: ServerSettings): void {
    this.#entries.delete(teamId);
    this.#entries.set(teamId, { settings, at: this.#now() });
    if (this.#entries.size > this.#maxTeams) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** The reaction name (no colons) that favorites a track; the app's default when the core cannot say. */
  async favoriteReaction(teamId: string): Promise<string> {
    try {
      return favoriteReaction((await this.get(teamId)).favoriteEmoji, this.#fallbackReaction);
    } catch (err) {
      this.#log.warn({ err, teamId }, 'slack workspace settings unavailable; using the default favorite emoji');
      return this.#fallbackReaction;
    }
  }
}
