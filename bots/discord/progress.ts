/**
 * Live status on the deferred reply. Progress arrives many times a second; Discord allows a few
 * edits per webhook token every few seconds, so edits are coalesced: at most one per interval per
 * generation, always showing the latest state. The REST client serialises requests per route and
 * waits out any 429 on its own, so an edit queued here never races the final delivery edit.
 */
import type { InteractionWebhook } from 'discord.js';
import type { Logger } from '../../core/log.ts';
import { EditBudget } from '../../core/edit-budget.ts';
import { RecentSet } from '../../core/recent-set.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { NO_MENTIONS, progressMessage, type StatusLine } from './messages.ts';
import { isTokenGone } from './errors.ts';

interface Tracked {
  webhook: InteractionWebhook;
  prompt: string;
  /** Budget key of the channel the reply is in: all progress there shares its edit budget. */
  channelKey: string;
  lastEditAt: number;
  pending: ProgressEvent | null;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<void> | null;
  closed: boolean;
  /** Takes: the reply shows a whole batch, drawn from its takes' latest events. */
  render?: () => StatusLine;
}

/** Takes: one take's latest state in a batch reply. */
export interface TakeProgress {
  take: number;
  seed: number;
  generationId: string;
  ev: Pick<ProgressEvent, 'stage' | 'progress' | 'position' | 'etaS' | 'message'>;
}

const TERMINAL = new Set<ProgressEvent['stage']>(['failed', 'cancelled']);

/**
 * Finds the reply of a generation this process did not see asked (it restarted mid-render, or
 * another process took the command): null when the generation is not this process's to edit,
 * 'later' when that cannot be told yet (the client is still connecting).
 */
export type AdoptReply = (ev: ProgressEvent) => Promise<{ webhook: InteractionWebhook; prompt: string; channelId?: string } | null | 'later'>;

/** Discord allows about five message edits per five seconds in one channel, whoever's message. */
export function discordEditBudget(channelIntervalMs = 1000): EditBudget {
  return new EditBudget([{ prefix: 'channel:', intervalMs: channelIntervalMs }]);
}

export class ProgressEditor {
  readonly #tracked = new Map<string, Tracked>();
  /** Recently closed generations, bounded: late progress or a late track() must not reopen them. */
  readonly #finished = new RecentSet(1000);
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #adopt: AdoptReply | null;
  /** Generations being looked up for adoption, and (bounded) those found not to be ours. */
  readonly #adopting = new Set<string>();
  readonly #notOurs = new RecentSet(1000);
  /** Takes: take generation id → the batch reply (keyed by batch id) that shows it. */
  readonly #takes = new Map<string, { batchKey: string; takes: TakeProgress[] }>();

  readonly #budget: EditBudget;

  constructor(intervalMs: number, log: Logger, adopt: AdoptReply | null = null, budget: EditBudget = discordEditBudget()) {
    this.#budget = budget;
    this.#intervalMs = intervalMs;
    this.#log = log;
    this.#adopt = adopt;
  }

  /**
   * Starts following a generation whose reply this process can edit, showing `initial` at once
   * (unless the reply already shows it).
   * A generation already delivered (the worker can beat the core's answer) is left alone.
   */
  track(generationId: string, webhook: InteractionWebhook, prompt: string, initial: ProgressEvent, opts: { alreadyShown?: boolean; channelId?: string } = {}): void {
    if (this.#tracked.has(generationId) || this.#finished.has(generationId)) return;
    const channelKey = `channel:${opts.channelId ?? generationId}`;
    if (opts.alreadyShown) {
      // The reply itself showed `initial`: the next edit waits its turn like any other.
      this.#budget.reserve([channelKey]);
      this.#tracked.set(generationId, { webhook, prompt, channelKey, lastEditAt: Date.now(), pending: null, timer: null, inFlight: null, closed: false });
      return;
    }
    const t: Tracked = { webhook, prompt, channelKey, lastEditAt: 0, pending: initial, timer: null, inFlight: null, closed: false };
    this.#tracked.set(generationId, t);
    const flushed = this.#flush(generationId, t);
    if (TERMINAL.has(initial.stage)) {
      this.#markFinished(generationId);
      void flushed.finally(() => this.#forget(generationId, t));
    }
  }

  /**
   * Takes: follows a batch's reply (keyed by the batch id): every take's event redraws it with
   * `render`; it ends when the batch is posted (the delivery handler closes it).
   */
  trackBatch(batchKey: string, takes: TakeProgress[], webhook: InteractionWebhook, render: (takes: readonly TakeProgress[]) => StatusLine, opts: { alreadyShown?: boolean; channelId?: string } = {}): void {
    if (this.#tracked.has(batchKey) || this.#finished.has(batchKey)) return;
    for (const take of takes) this.#takes.set(take.generationId, { batchKey, takes });
    const channelKey = `channel:${opts.channelId ?? batchKey}`;
    const t: Tracked = { webhook, prompt: '', channelKey, lastEditAt: 0, pending: null, timer: null, inFlight: null, closed: false, render: () => render(takes) };
    this.#tracked.set(batchKey, t);
    if (opts.alreadyShown) {
      this.#budget.reserve([channelKey]);
      t.lastEditAt = Date.now();
      return;
    }
    t.pending = { generationId: batchKey, platform: 'discord', stage: 'queued', progress: 0 };
    void this.#flush(batchKey, t);
  }

  #onTakeEvent(batch: { batchKey: string; takes: TakeProgress[] }, ev: ProgressEvent): void {
    const t = this.#tracked.get(batch.batchKey);
    if (!t || t.closed) return;
    // Completion is the batch's post (by the delivery handler), which replaces the whole reply.
    if (ev.stage === 'completed') return void this.close(batch.batchKey);
    const take = batch.takes.find((x) => x.generationId === ev.generationId);
    if (!take) return;
    take.ev = ev;
    // The batch itself never ends here: a failed take is a line in it, and the post comes last.
    t.pending = { generationId: batch.batchKey, platform: ev.platform, stage: 'rendering', progress: 0 };
    this.#schedule(batch.batchKey, t);
  }

  onEvent(ev: ProgressEvent): void {
    const batch = this.#takes.get(ev.generationId);
    if (batch) return this.#onTakeEvent(batch, ev);
    const t = this.#tracked.get(ev.generationId);
    if (!t) return this.#maybeAdopt(ev);
    if (t.closed) return;
    // Completion belongs to the delivery handler, which replaces the whole message (in whichever
    // process consumed the delivery); here it only ends the tracking.
    if (ev.stage === 'completed') return void this.close(ev.generationId);
    if (ev.stage === 'delivering') return;
    t.pending = ev;
    if (TERMINAL.has(ev.stage)) {
      this.#markFinished(ev.generationId);
      this.#clearTimer(t);
      void this.#flush(ev.generationId, t).finally(() => this.#forget(ev.generationId, t));
      return;
    }
    this.#schedule(ev.generationId, t);
  }

  /** Stops editing a generation and waits for an edit in flight, before the final message goes out. */
  async close(generationId: string): Promise<void> {
    this.#markFinished(generationId);
    for (const [take, b] of this.#takes) if (b.batchKey === generationId) this.#takes.delete(take);
    const t = this.#tracked.get(generationId);
    if (!t) return;
    this.#forget(generationId, t);
    await t.inFlight;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#tracked.keys()].map((id) => this.close(id)));
  }

  get size(): number {
    return this.#tracked.size;
  }

  /**
   * An event for a generation this process does not follow: if it is ours to edit (the lookup
   * says so), follow it from this event on. Lookups happen once per generation, not per event.
   */
  #maybeAdopt(ev: ProgressEvent): void {
    const id = ev.generationId;
    if (!this.#adopt || ev.stage === 'completed' || ev.stage === 'delivering') return;
    if (this.#finished.has(id) || this.#adopting.has(id) || this.#notOurs.has(id)) return;
    this.#adopting.add(id);
    this.#adopt(ev)
      .then((found) => {
        if (found === null) this.#notOurs.add(id);
        else if (found !== 'later') this.track(id, found.webhook, found.prompt, ev, { channelId: found.channelId });
      }, (err: unknown) => this.#log.warn({ err, generationId: id }, 'discord progress: reply lookup failed'))
      .finally(() => this.#adopting.delete(id));
  }

  #markFinished(generationId: string): void {
    this.#finished.add(generationId);
  }

  #forget(generationId: string, t: Tracked): void {
    t.closed = true;
    t.pending = null;
    this.#clearTimer(t);
    if (this.#tracked.get(generationId) === t) this.#tracked.delete(generationId);
  }

  #clearTimer(t: Tracked): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
  }

  #schedule(generationId: string, t: Tracked): void {
    if (t.timer || t.inFlight) return;
    // This reply's own pace, and its turn in the channel's budget shared with every other reply there.
    const wait = this.#budget.reserve([t.channelKey], t.lastEditAt + this.#intervalMs);
    t.timer = setTimeout(() => {
      t.timer = null;
      void this.#flush(generationId, t);
    }, wait);
    t.timer.unref();
  }

  async #flush(generationId: string, t: Tracked): Promise<void> {
    // Awaiting only when needed keeps the read of `pending` synchronous with the caller.
    if (t.inFlight) await t.inFlight;
    const ev = t.pending;
    // A terminal event flushes even after close() raced it; a plain update does not.
    if (!ev || (t.closed && !TERMINAL.has(ev.stage))) return;
    t.pending = null;
    const msg = t.render ? t.render() : progressMessage(t.prompt, generationId, ev);
    t.lastEditAt = Date.now();
    t.inFlight = t.webhook
      .editMessage('@original', { content: msg.content, components: msg.components, allowedMentions: NO_MENTIONS })
      .then(() => undefined)
      .catch((err: unknown) => {
        if (isTokenGone(err)) this.#forget(generationId, t);
        else this.#log.warn({ err, generationId }, 'discord progress edit failed');
      })
      .finally(() => {
        t.inFlight = null;
        if (t.pending && !t.closed) this.#schedule(generationId, t);
      });
    await t.inFlight;
  }
}
