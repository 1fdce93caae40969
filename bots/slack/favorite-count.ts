/**
 * Keeps the Favorite count on a Slack track card current after favorites by button or by
 * reaction (on the card or on the uploaded file). Redraws are coalesced per card: one scheduled
 * edit reads the count when it runs, and it takes its turn in the channel's and workspace's edit
 * budget shared with progress edits, so a burst of stars costs a few chat.update calls, not one
 * per star.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/log.ts';
import type { FrontendRuntime } from '../../core/chat.ts';
import type { EditBudget } from '../../core/edit-budget.ts';
import { cardBlockId, TOO_LARGE_BLOCK_ID, trackCardBlocks } from './blocks.ts';
import { budgetKeys } from './progress.ts';
import type { SettingsCache } from './server-settings.ts';

export interface FavoriteCountDeps {
  runtime: FrontendRuntime;
  editBudget: EditBudget;
  settings: SettingsCache;
  log: Logger;
}

type Blocks = Array<{ block_id?: string }> | undefined;

export class SlackFavoriteCounts {
  readonly #deps: FavoriteCountDeps;
  /** channel:ts of a card → its scheduled redraw. */
  readonly #scheduled = new Map<string, NodeJS.Timeout>();

  constructor(deps: FavoriteCountDeps) {
    this.#deps = deps;
  }

  /**
   * A favorite changed on the message `ts` (the card or the file message) of `generationId`:
   * the card is redrawn with the count as it is when its turn in the budget comes.
   */
  refresh(client: webApi.WebClient, teamId: string, channel: string, ts: string, generationId: string, blocks?: Blocks): void {
    void this.#cardTs(client, channel, ts, generationId, blocks).then((cardTs) => {
      if (!cardTs) return;
      const key = `${channel}:${cardTs}`;
      if (this.#scheduled.has(key)) return;
      const wait = this.#deps.editBudget.reserve(budgetKeys({ channel, teamId }));
      const timer = setTimeout(() => {
        this.#scheduled.delete(key);
        void this.#redraw(client, teamId, channel, cardTs, generationId);
      }, Math.max(0, wait));
      timer.unref();
      this.#scheduled.set(key, timer);
    }, (err: unknown) => this.#deps.log.warn({ err, generationId }, 'slack favorite count: card not found'));
  }

  close(): void {
    for (const timer of this.#scheduled.values()) clearTimeout(timer);
    this.#scheduled.clear();
  }

  /** The card is the message itself, or (a star on the file message) found in the channel by its block id. */
  async #cardTs(client: webApi.WebClient, channel: string, ts: string, generationId: string, blocks: Blocks): Promise<string | null> {
    if (blocks?.some((b) => b.block_id === cardBlockId(generationId))) return ts;
    const history = await client.conversations.history({ channel, oldest: String(Math.floor(Number(ts)) - 24 * 3600), latest: ts, inclusive: true, limit: 200 });
    const card = (history.messages ?? []).find((m) => (m.blocks as Blocks)?.some((b) => b.block_id === cardBlockId(generationId)));
    return card?.ts ?? null;
  }

  async #redraw(client: webApi.WebClient, teamId: string, channel: string, ts: string, generationId: string): Promise<void> {
    try {
      const track = await this.#deps.runtime.core.track(generationId);
      if (!track || track.status !== 'completed') return;
      // Whether the card says "too large to upload" is in the card itself: read it back.
      const history = await client.conversations.history({ channel, oldest: ts, latest: ts, inclusive: true, limit: 1 });
      const card = history.messages?.find((m) => m.ts === ts);
      if (!card) return;
      const uploaded = !(card.blocks as Blocks)?.some((b) => b.block_id === TOO_LARGE_BLOCK_ID);
      const favoriteEmoji = await this.#deps.settings.favoriteReaction(teamId);
      await client.chat.update({ channel, ts, ...trackCardBlocks(track, { userId: track.creator.platformUserId, uploaded, favoriteEmoji }) });
    } catch (err) {
      // The count is cosmetic: the favorite itself is stored.
      this.#deps.log.warn({ err, generationId }, 'slack favorite count not refreshed');
    }
  }
}
