/**
 * Keeps the "Favorite (N)" button of a track message current after favorites by button or
 * reaction. Edits are coalesced per message (one scheduled edit reads the count when it runs)
 * and spend the channel's edit budget shared with progress edits, so a burst of stars costs a
 * few edits, not one per click.
 */
import { Routes } from 'discord.js';
import type { Client } from 'discord.js';
import type { FrontendRuntime } from '../../core/chat.ts';
import type { EditBudget } from '../../core/edit-budget.ts';
import type { Logger } from '../../core/log.ts';
import { trackButtons } from './messages.ts';
import { batchButtons } from './takes-messages.ts';
import type { SettingsCache } from './server-settings.ts';

/** What the counter needs of the bot: the REST client, the core, the favorite emoji, the log. */
export interface FavoriteCountDeps {
  client: Client<true>;
  runtime: FrontendRuntime;
  settings: SettingsCache;
  log: Logger;
}

export class FavoriteCounts {
  readonly #ctx: FavoriteCountDeps;
  readonly #budget: EditBudget;
  /** Message id → its scheduled edit. */
  readonly #scheduled = new Map<string, NodeJS.Timeout>();

  constructor(ctx: FavoriteCountDeps, budget: EditBudget) {
    this.#ctx = ctx;
    this.#budget = budget;
  }

  /** Schedules a redraw of the message's buttons with the track's count at that moment. */
  refresh(channelId: string, messageId: string, generationId: string, guildId: string): void {
    if (this.#scheduled.has(messageId)) return;
    const wait = this.#budget.reserve([`channel:${channelId}`]);
    const timer = setTimeout(() => {
      this.#scheduled.delete(messageId);
      void this.#edit(channelId, messageId, generationId, guildId);
    }, Math.max(0, wait));
    timer.unref();
    this.#scheduled.set(messageId, timer);
  }

  close(): void {
    for (const timer of this.#scheduled.values()) clearTimeout(timer);
    this.#scheduled.clear();
  }

  async #edit(channelId: string, messageId: string, generationId: string, guildId: string): Promise<void> {
    try {
      const track = await this.#ctx.runtime.core.track(generationId);
      if (!track || track.status !== 'completed') return;
      const emoji = await this.#ctx.settings.favoriteEmoji(guildId);
      // A take's message holds its whole batch: redraw every take's row.
      const batch = track.take && this.#ctx.runtime.core.batch ? await this.#ctx.runtime.core.batch(track.take.batchId) : null;
      const components = batch?.length ? batchButtons(batch, emoji) : trackButtons(track, emoji);
      await this.#ctx.client.rest.patch(Routes.channelMessage(channelId, messageId), { body: { components } });
    } catch (err) {
      // The count is cosmetic: the favorite itself is stored.
      this.#ctx.log.warn({ err, generationId }, 'discord favorite count not refreshed');
    }
  }
}
