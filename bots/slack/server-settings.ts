/** The workspace's settings cache (core/server-settings-cache.ts) plus Slack's reaction naming. */
import type { ChatCore, ServerSettings } from '../../core/chat.ts';
import type { Logger } from '../../core/log.ts';
import { ServerSettingsCache } from '../../core/server-settings-cache.ts';
import { favoriteReaction } from './settings.ts';

export interface SettingsCacheOptions {
  /** @defaultValue 30000 */
  ttlMs?: number;
  /** @defaultValue 5000 */
  maxTeams?: number;
  now?: () => number;
}

export class SettingsCache {
  readonly #cache: ServerSettingsCache;
  readonly #log: Logger;
  readonly #fallbackReaction: string;

  constructor(core: ChatCore, log: Logger, fallbackReaction: string, opts: SettingsCacheOptions = {}) {
    this.#cache = new ServerSettingsCache(core, 'slack', { ttlMs: opts.ttlMs, maxServers: opts.maxTeams, now: opts.now });
    this.#log = log;
    this.#fallbackReaction = fallbackReaction;
  }

  get(teamId: string): Promise<ServerSettings> {
    return this.#cache.get(teamId);
  }

  /** Stores the core's latest answer (after an update), so the next read needs no query. */
  set(teamId: string, settings: ServerSettings): void {
    this.#cache.set(teamId, settings);
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
