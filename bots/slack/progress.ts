/**
 * Live progress in the status message, throttled: at most one chat.update per message per
 * interval, and within the channel's and workspace's shared edit budget (core/edit-budget.ts),
 * always showing the newest event (intermediate ones are dropped, not queued). A 429
 * is waited out by the WebClient (it pauses for Retry-After, then retries); events that arrive
 * meanwhile collapse into the next update.
 */
import { EditBudget } from '../../core/edit-budget.ts';
import { RecentSet } from '../../core/recent-set.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import type { Logger } from '../../core/log.ts';
import type { StatusInput } from './blocks.ts';

export interface StatusTarget extends StatusInput {
  channel: string;
  ts: string;
  /** Whose bot token edits the message (OAuth installs: one per workspace). */
  teamId?: string;
  enterpriseId?: string;
}

/** Posts one status update; resolves when Slack has it (or finally refused it). */
export type StatusWriter = (target: StatusTarget, event: ProgressEvent) => Promise<void>;

interface Entry {
  target: StatusTarget;
  latest: ProgressEvent | null;
  /** Bumped per event so a finished send knows whether a newer one is waiting. */
  version: number;
  sentVersion: number;
  lastSentAt: number;
  inflight: Promise<void> | null;
  timer: NodeJS.Timeout | null;
}

export interface ProgressOptions {
  /**
   * Smallest gap between two updates of one message. chat.update is Tier 3 (about 50 a minute
   * per workspace), shared by every message in flight.
   * @defaultValue 2000
   */
  intervalMs?: number;
  /** How many ids of finished generations to remember so late events are dropped. @defaultValue 2000 */
  rememberFinished?: number;
  /**
   * Finds the status message of a generation this process did not start (it restarted
   * mid-render), so its progress keeps moving; null when it is not this process's to edit.
   */
  adopt?: (event: ProgressEvent) => Promise<StatusTarget | null>;
  /**
   * The budget shared with every other edit in the same channel and workspace (progress of
   * other tracks, favorite counts). @defaultValue slackEditBudget()
   */
  budget?: EditBudget;
}

/**
 * Slack's edit budget: about one message write per second per channel, and chat.update is Tier 3
 * (about 50 a minute per workspace), shared by every message being edited there.
 */
export function slackEditBudget(opts: { channelIntervalMs?: number; workspaceIntervalMs?: number } = {}): EditBudget {
  return new EditBudget([
    { prefix: 'channel:', intervalMs: opts.channelIntervalMs ?? 1000 },
    { prefix: 'team:', intervalMs: opts.workspaceIntervalMs ?? 1200 },
  ]);
}

/** The places an edit of this message spends budget in. */
export function budgetKeys(target: { channel: string; teamId?: string }): string[] {
  return [`channel:${target.teamId ?? ''}:${target.channel}`, `team:${target.teamId ?? ''}`];
}

const TERMINAL = new Set(['failed', 'cancelled']);

export class ProgressUpdater {
  readonly #write: StatusWriter;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #entries = new Map<string, Entry>();
  /** Events for generations not yet tracked: the queued event can beat generate()'s return. */
  readonly #early = new Map<string, ProgressEvent>();
  readonly #finished: RecentSet;
  readonly #budget: EditBudget;
  readonly #adopt: ((event: ProgressEvent) => Promise<StatusTarget | null>) | null;
  /** Generations looked up for adoption (once each, bounded). */
  readonly #looked: RecentSet;

  constructor(write: StatusWriter, log: Logger, opts: ProgressOptions = {}) {
    this.#write = write;
    this.#log = log;
    this.#intervalMs = opts.intervalMs ?? 2000;
    this.#finished = new RecentSet(opts.rememberFinished ?? 2000);
    this.#budget = opts.budget ?? slackEditBudget();
    this.#adopt = opts.adopt ?? null;
    this.#looked = new RecentSet(opts.rememberFinished ?? 2000);
  }

  /** Starts following a status message; `initial` is shown at once unless the message already shows it. */
  track(target: StatusTarget, initial: ProgressEvent, opts: { alreadyShown?: boolean } = {}): void {
    if (this.#finished.has(target.generationId)) return;
    const entry: Entry = { target, latest: null, version: 0, sentVersion: 0, lastSentAt: 0, inflight: null, timer: null };
    this.#entries.set(target.generationId, entry);
    const early = this.#early.get(target.generationId);
    this.#early.delete(target.generationId);
    const newer = early && early.stage !== 'queued' ? early : null;
    if (opts.alreadyShown) {
      // The message was posted showing `initial`: only newer events edit it, at the usual pace.
      entry.latest = initial;
      entry.lastSentAt = Date.now();
      if (newer) this.#push(entry, newer);
      return;
    }
    // An early event newer than the initial one (e.g. already rendering) wins.
    this.#push(entry, newer ?? initial);
  }

  handle(event: ProgressEvent): void {
    if (this.#finished.has(event.generationId)) return;
    const entry = this.#entries.get(event.generationId);
    if (!entry) {
      if (this.#early.size >= 1000) this.#early.delete(this.#early.keys().next().value!);
      this.#early.set(event.generationId, event);
      this.#maybeAdopt(event);
      return;
    }
    this.#push(entry, event);
  }

  /**
   * Stops updates for a generation and waits for the one in flight, so the caller's final edit
   * (the track card) is the last word on the message.
   */
  async finish(generationId: string): Promise<void> {
    this.#markFinished(generationId);
    const entry = this.#entries.get(generationId);
    this.#entries.delete(generationId);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    await entry.inflight?.catch(() => undefined);
  }

  get tracked(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((id) => this.finish(id)));
    this.#early.clear();
  }

  /** A render moving that nobody here follows: look once whether its status message is ours to edit. */
  #maybeAdopt(event: ProgressEvent): void {
    if (!this.#adopt || !['rendering', 'encoding'].includes(event.stage) || !this.#looked.add(event.generationId)) return;
    this.#adopt(event)
      .then((target) => {
        if (!target || this.#entries.has(event.generationId) || this.#finished.has(event.generationId)) return;
        this.#log.info({ generationId: event.generationId }, 'slack progress: following a status message from before a restart');
        this.track(target, event);
      }, (err: unknown) => this.#log.warn({ err, generationId: event.generationId }, 'slack progress: status message lookup failed'));
  }

  #markFinished(id: string): void {
    this.#finished.add(id);
  }

  #push(entry: Entry, event: ProgressEvent): void {
    entry.latest = event;
    entry.version += 1;
    this.#schedule(entry);
  }

  #schedule(entry: Entry): void {
    if (entry.inflight || entry.timer) return;
    // Terminal states skip the message's own interval (nothing follows them), not the shared budget.
    const terminal = entry.latest !== null && TERMINAL.has(entry.latest.stage);
    const wait = this.#budget.reserve(budgetKeys(entry.target), terminal ? 0 : entry.lastSentAt + this.#intervalMs);
    if (wait <= 0) this.#send(entry);
    else entry.timer = setTimeout(() => { entry.timer = null; this.#send(entry); }, wait);
  }

  #send(entry: Entry): void {
    const event = entry.latest;
    if (!event || entry.sentVersion === entry.version) return;
    const version = entry.version;
    entry.inflight = this.#write(entry.target, event)
      .catch((err: unknown) => {
        // A lost progress edit is cosmetic; the delivery step posts the result regardless.
        this.#log.warn({ err, generationId: event.generationId }, 'slack progress update failed');
      })
      .finally(() => {
        entry.inflight = null;
        entry.sentVersion = version;
        entry.lastSentAt = Date.now();
        if (TERMINAL.has(event.stage)) {
          this.#markFinished(event.generationId);
          this.#entries.delete(event.generationId);
        } else if (this.#entries.get(event.generationId) === entry) {
          this.#schedule(entry);
        }
      });
  }
}
