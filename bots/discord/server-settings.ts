/** The guild's settings cache (core/server-settings-cache.ts) plus Discord's favorite-emoji rules. */
import type { ChatCore, ServerSettings } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import { ServerSettingsCache } from '../../core/server-settings-cache.ts';
import { withTimeout } from './timeout.ts';
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
  readonly #cache: ServerSettingsCache;
  readonly #log: Logger;
  readonly #fallbackEmoji: string;
  readonly #timeoutMs: number;

  constructor(core: ChatCore, log: Logger, fallbackEmoji: string, opts: SettingsCacheOptions = {}) {
    this.#cache = new ServerSettingsCache(core, 'discord', { ttlMs: opts.ttlMs, maxServers: opts.maxGuilds, now: opts.now });
    this.#log = log;
    this.#fallbackEmoji = fallbackEmoji;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async get(guildId: string): Promise<ServerSettings> {
    return withTimeout(this.#cache.get(guildId), this.#timeoutMs, 'core.settings');
  }

  /** Stores the core's latest answer (after an update), so the next read needs no query. */
  set(guildId: string, settings: ServerSettings): void {
    this.#cache.set(guildId, settings);
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
