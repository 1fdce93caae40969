/**
 * Each server's settings as the bot needs them on hot paths (every reaction, every delivery):
 * read through the core and kept briefly per guild, so a burst of reactions costs one query.
 * `/ditty settings` replaces the entry with the core's answer, so this process sees a change at
 * once; other processes within the TTL.
 */
import type { ChatCore, ServerSettings } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import { withTimeout } from './context.ts';
import { isFavoriteEmoji } from './ids.ts';

export interface SettingsCacheOptions {
  /** @defaultValue 30000 */
  ttlMs?: number;
  /** @defaultValue 5000 */
  maxGuilds?: number;
  /** A read slower than this counts as failed (reactions and deliveries then use the fallback). @defaultValue 10000 */
  timeoutMs?: number;
  now?: () => number;
}

export class SettingsCache {
  readonly #core: ChatCore;
  readonly #log: Logger;
  readonly #fallbackEmoji: string;
  readonly #ttlMs: number;
  readonly #maxGuilds: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { settings: ServerSettings; at: number }>();
  /** One read in flight per guild: concurrent reactions share it. */
  readonly #loading = new Map<string, Promise<ServerSettings>>();

  constructor(core: ChatCore, log: Logger, fallbackEmoji: string, opts: SettingsCacheOptions = {}) {
    this.#core = core;
    this.#log = log;
    this.#fallbackEmoji = fallbackEmoji;
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#maxGuilds = opts.maxGuilds ?? 5000;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  async get(guildId: string): Promise<ServerSettings> {
    const hit = this.#entries.get(guildId);
    if (hit && this.#now() - hit.at < this.#ttlMs) return hit.settings;
    let loading = this.#loading.get(guildId);
    if (!loading) {
      loading = this.#core.settings('discord', guildId).finally(() => this.#loading.delete(guildId));
      this.#loading.set(guildId, loading);
    }
    const settings = await withTimeout(loading, this.#timeoutMs, 'core.settings');
    this.set(guildId, settings);
    return settings;
  }

  /** Stores the core's latest answer (after an update), so the next read needs no query. */
  set(guildId: string, settings: ServerSettings): void {
    this.#entries.delete(guildId);
    this.#entries.set(guildId, { settings, at: this.#now() });
    if (this.#entries.size > this.#maxGuilds) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /**
   * The emoji that favorites a track on this server. When the core cannot answer, the bot's
   * default keeps reactions working; a stored value Discord would refuse on a button is ignored.
   */
  async favoriteEmoji(guildId: string): Promise<string> {
    try {
      const emoji = (await this.get(guildId)).favoriteEmoji;
      return isFavoriteEmoji(emoji) ? emoji : this.#fallbackEmoji;
    } catch (err) {
      this.#log.warn({ err, guildId }, 'discord server settings unavailable; using the default favorite emoji');
      return this.#fallbackEmoji;
    }
  }
}
