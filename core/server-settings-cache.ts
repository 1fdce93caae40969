/**
 * A server's settings as frontends need them on hot paths (every reaction, every delivery):
 * read through the core and kept briefly per server, so a burst of reactions costs one query.
 * After an update the frontend stores the core's answer, so its own process sees the change at
 * once; other processes within the TTL.
 */
import type { ChatCore, ServerSettings } from './chat.ts';
import type { Platform } from './jobs.ts';

export interface ServerSettingsCacheOptions {
  /** @defaultValue 30000 */
  ttlMs?: number;
  /** Entries kept; the oldest goes first. @defaultValue 5000 */
  maxServers?: number;
  now?: () => number;
}

export class ServerSettingsCache {
  readonly #core: ChatCore;
  readonly #platform: Platform;
  readonly #ttlMs: number;
  readonly #maxServers: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { settings: ServerSettings; at: number }>();
  /** One read in flight per server: concurrent reactions share it. */
  readonly #loading = new Map<string, Promise<ServerSettings>>();

  constructor(core: ChatCore, platform: Platform, opts: ServerSettingsCacheOptions = {}) {
    this.#core = core;
    this.#platform = platform;
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#maxServers = opts.maxServers ?? 5000;
    this.#now = opts.now ?? Date.now;
  }

  async get(guildId: string): Promise<ServerSettings> {
    const hit = this.#entries.get(guildId);
    if (hit && this.#now() - hit.at < this.#ttlMs) return hit.settings;
    let loading = this.#loading.get(guildId);
    if (!loading) {
      loading = this.#core.settings(this.#platform, guildId)
        .then((settings) => {
          this.set(guildId, settings);
          return settings;
        })
        .finally(() => this.#loading.delete(guildId));
      this.#loading.set(guildId, loading);
    }
    return loading;
  }

  /** Stores the core's latest answer (after an update), so the next read needs no query. */
  set(guildId: string, settings: ServerSettings): void {
    this.#entries.delete(guildId);
    this.#entries.set(guildId, { settings, at: this.#now() });
    if (this.#entries.size > this.#maxServers) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
