/**
 * What every chat frontend (local chat, Discord, Slack) asks of the core. Frontends translate
 * platform events into these calls and these results into platform messages; they hold no logic.
 */
import type { Mismatch, SimilarReason, TrackAnalysis } from './analysis.ts';
import type { ConnectionHealth } from './connection-health.ts';
import type { Platform, ProgressEvent } from './jobs.ts';
import type { Logger } from './log.ts';
import type { MusicParams } from './music.ts';
import type { ServerSettingsPatch, ServerSettingsRow } from './db/settings.ts';

export type ServerSettings = ServerSettingsRow;
export type { ServerSettingsPatch };

export interface Actor {
  platform: Platform;
  /** The platform's own user id (Discord snowflake, Slack U…, local name). */
  platformUserId: string;
  /** Discord guild id, Slack team id, or "local". */
  guildId: string;
  displayName: string;
}

export interface GenerateRequest {
  actor: Actor;
  channelId: string;
  /** Raw text from chat: validated and cleaned by the core. */
  prompt: string;
  /** Raw from chat (string or number); validated by the core. */
  durationS?: number | string | null;
  seed?: number | string | null;
  /** Audio format to encode (opus, mp3, wav); absent = Opus. Validated by the core. */
  format?: string | null;
  /** Largest file the platform accepts inline; over it the track is posted as a link. */
  sizeLimitBytes?: number;
  /**
   * Platform data the delivery step needs to answer in place (interaction token, response_url,
   * message ts). Stored with the generation, never logged.
   */
  reply?: Record<string, string>;
  /**
   * Extend: continue this finished track of the same server (same prompt, params and seed) for
   * `seconds` more (default 30, within the max duration); `prompt`, `durationS` and `seed` are
   * then ignored. The new track links to it.
   */
  extend?: { generationId: string; seconds?: number };
  /**
   * Takes: render this many seeds of the prompt (1-4, raw from chat; validated by the core) as one
   * batch, answered in one reply. With `seed`, the takes use seed, seed+1, …; without, distinct
   * random seeds. Each take counts as one generation in every limit. Ignored by an Extend.
   */
  takes?: number | string | null;
}

/** One take of an accepted batch. */
export interface AcceptedTake {
  generationId: string;
  /** 1-based take number. */
  take: number;
  seed: number;
  position: number;
  waiting: boolean;
}

export interface GenerateAccepted {
  generationId: string;
  /** 1-based place at the time of acceptance: in the render queue, or (waiting) in the server's line. */
  position: number;
  /**
   * True when the server's slots were all taken: the track waits its turn in the server's line,
   * served round-robin across users, and starts when a slot frees.
   */
  waiting?: boolean;
  params: MusicParams;
  durationS: number;
  /** True when this request repeated one already accepted (same interaction): nothing new was queued. */
  duplicate: boolean;
  /** What the user should know about the wait, in plain words: no render worker is running. */
  notice?: string;
  /**
   * Takes: present when the request asked for 2-4 takes. `generationId`, `position` and `params`
   * above are then the first take's.
   */
  batch?: { id: string; takes: AcceptedTake[] };
  /**
   * The user's generations-a-minute budget after this request (a repeat spends nothing), for
   * frontends that can show it (the public API's RateLimit header). The core always sets it;
   * optional for stand-in cores (the bots' test fakes) that keep no budget.
   */
  quota?: GenerationQuota;
}

/** A per-minute generation budget: `limit` a window, `remaining` now, a point back in `resetS`. */
export interface GenerationQuota {
  limit: number;
  remaining: number;
  resetS: number;
}

export interface TrackView {
  id: string;
  /**
   * The retention sweeper removed its stored audio: links say it expired, and every frontend shows
   * "expired" where it showed a player. Absent means false.
   */
  expired?: boolean;
  prompt: string;
  params: MusicParams;
  status: string;
  progress: number;
  durationS: number;
  engine: string;
  engineVersion: string;
  renderMs: number | null;
  format: string | null;
  sizeBytes: number | null;
  playerUrl: string;
  downloadUrl: string;
  /** Direct audio URL for inline players (not counted as a download). */
  audioUrl: string;
  favorites: number;
  plays: number;
  creator: { platformUserId: string; displayName: string };
  origin: { platform: Platform; guildId: string; channelId: string };
  createdAt: string;
  errorCode: string | null;
  errorMessage: string | null;
  /** Extend: the track this one continues, for an "Extended from …" link; absent or null otherwise. */
  extendedFrom?: { id: string; playerUrl: string } | null;
  /** Takes: this track is take `index` of `of` in batch `batchId`; absent or null for a lone track. */
  take?: { batchId: string; index: number; of: number } | null;
}

/** One neighbour in "More like this". */
export interface SimilarTrackView {
  track: TrackView;
  /** Euclidean distance between the two embeddings (smaller is nearer). */
  distance: number;
  /** Why, in words (may be empty: then it is simply the nearest overall). */
  reasons: SimilarReason[];
  measured: { tempoBpm: number | null; key: string | null };
}

export interface SimilarResult {
  of: TrackView;
  /** False while the track itself has not been analysed yet (a second after it is posted). */
  analysed: boolean;
  tracks: SimilarTrackView[];
}

/** What the analyser measured in a track, and how it compares with what was asked. */
export interface AnalysisView {
  state: 'pending' | 'done' | 'failed';
  analysis: TrackAnalysis | null;
  mismatch: Mismatch | null;
}

export type StatsScope = 'server' | 'global';
export type StatsPeriod = 'day' | 'week' | 'month' | 'all';
/** What /stats shows when no period is named, on every frontend: this ISO week. */
export const DEFAULT_STATS_PERIOD: StatsPeriod = 'week';

export interface StatsQuery {
  platform: Platform;
  guildId: string;
  scope: StatsScope;
  period: StatsPeriod;
  limit?: number;
}

export interface Stats {
  scope: StatsScope;
  period: StatsPeriod;
  totals: { generations: number; completed: number; failed: number; successRate: number; avgRenderMs: number | null; favorites: number; plays: number };
  topTracks: Array<{ id: string; prompt: string; favorites: number; plays: number; creator: string }>;
  topCreators: Array<{ platformUserId: string; displayName: string; generations: number; favoritesReceived: number }>;
}

/** Handed to a frontend's delivery handler once the track is encoded and stored. */
export interface Delivery {
  track: TrackView;
  reply: Record<string, string>;
  /** Local path of the encoded file, for platforms that upload it. */
  filePath: string;
  /** Fits the size limit the frontend asked for; false means post the link instead. */
  fitsInline: boolean;
  /** Zero-based attempt number: handlers make a retried post idempotent with generation id. */
  attempt: number;
  /**
   * What earlier runs of this delivery did: a run after a crash resumes instead of posting twice.
   * The delivery consumer always gives it; a handler called directly (a test) may go without.
   */
  steps?: DeliverySteps;
}

/**
 * The recorded steps of one generation's delivery, kept in Postgres (generations.delivery_steps).
 * A handler records each platform side effect as soon as it has happened (and, for a side effect
 * it can check afterwards, the reference it is about to use just before it), so a delivery run
 * again after kill -9 skips what is done and checks what may be half done.
 */
export interface DeliverySteps {
  /** Steps recorded by earlier runs (step name → platform reference), as of this run's start. */
  readonly done: Readonly<Record<string, string>>;
  /** Records a step; later reads (`done` of a later run) see it. */
  record(step: string, ref: string): Promise<void>;
  /** Records a step unless some run already did: true only for the first (at most once, across processes). */
  claim(step: string, ref: string): Promise<boolean>;
}

export interface DeliveryResult {
  /** Platform message reference (Discord message id, Slack ts, local message id). */
  messageRef: string;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<DeliveryResult>;

/** One take of a batch being posted: finished (with its file) or ended without a track (failed, cancelled). */
export interface TakeDelivery {
  /** 1-based take number. */
  take: number;
  track: TrackView;
  /** Set when the take finished: the encoded file. Null when it failed or was cancelled (track.errorMessage says why). */
  filePath: string | null;
  fitsInline: boolean;
  /** This take's own recorded steps (its generation row's), e.g. its card and file in a Slack thread. */
  steps?: DeliverySteps;
}

/**
 * Takes: handed to a frontend once no take of a batch is still being made. One message (or
 * thread) holds them all; failed takes are named in it with their reason.
 */
export interface BatchDelivery {
  batchId: string;
  takes: TakeDelivery[];
  reply: Record<string, string>;
  attempt: number;
  /** The batch's recorded steps (its message or thread parent): a rerun after kill -9 resumes from them. */
  steps?: DeliverySteps;
}

export type BatchDeliveryHandler = (delivery: BatchDelivery) => Promise<DeliveryResult>;

export interface DeletedTrack {
  track: TrackView;
  /** The posted message (delivered_ref), for the frontend to remove. */
  messageRef: string | null;
  channelId: string;
  /** The delivery's recorded steps (Slack: the uploaded file's id), so every message of it can go. */
  deliverySteps?: Readonly<Record<string, string>>;
}

export interface ChatCore {
  generate(req: GenerateRequest): Promise<GenerateAccepted>;
  cancel(actor: Actor, generationId: string): Promise<boolean>;
  setFavorite(actor: Actor, generationId: string, on: boolean): Promise<{ changed: boolean; favorites: number }>;
  /**
   * Counts a play, once per listener per track per hour: the actor, else `listener` (a web
   * listener key from core/listens.ts); with neither, every call counts.
   */
  recordPlay(generationId: string, actor: Actor | null, source: string, secondsPlayed?: number, listener?: string): Promise<void>;
  /**
   * Deletes a finished track: its file goes, it is hidden from every list, links say it was
   * deleted. Its creator may; so may a server admin (`isAdmin`, decided by the frontend) in the
   * track's own server. Returns what the frontend needs to hide the posted message; null when it
   * was already deleted or is still being made (cancel it instead).
   */
  deleteTrack(actor: Actor, generationId: string, opts: { isAdmin: boolean }): Promise<DeletedTrack | null>;
  track(generationId: string): Promise<TrackView | null>;
  /** Takes: every take of a batch, in take order (empty when unknown). Absent in test fakes that have no batches. */
  batch?(batchId: string): Promise<TrackView[]>;
  /**
   * A generation's track and the reply data its frontend stored with it, for a frontend process
   * that did not take the command (it restarted mid-render). Holds tokens: never log it.
   */
  replyOf(generationId: string): Promise<{ track: TrackView; reply: Record<string, string> } | null>;
  recent(platform: Platform, guildId: string, limit?: number): Promise<TrackView[]>;
  /** The server's tracks still queued, rendering, encoding or being posted, oldest first. */
  inProgress(platform: Platform, guildId: string, limit?: number): Promise<TrackView[]>;
  stats(query: StatsQuery): Promise<Stats>;
  /** Full-text search over the server's finished tracks. */
  search(platform: Platform, guildId: string, query: string, limit?: number): Promise<TrackView[]>;
  /**
   * "More like this": the finished tracks of this server (never another's; never deleted or
   * expired ones) nearest to `generationId` by their analysis, with the reasons. Throws NotFound
   * when the track is not this server's.
   */
  similar(platform: Platform, guildId: string, generationId: string, limit?: number): Promise<SimilarResult>;
  /** What the analyser measured in a track; null when there is no such (undeleted) track. */
  analysis(generationId: string): Promise<AnalysisView | null>;
  isFavorite(actor: Actor, generationId: string): Promise<boolean>;
  settings(platform: Platform, guildId: string): Promise<ServerSettings>;
  /**
   * Changes a server's settings. The frontend decides who is an admin from the platform's own
   * permissions (Discord Manage Server, Slack workspace admin) and says so in `isAdmin`.
   */
  updateSettings(actor: Actor, patch: ServerSettingsPatch, opts: { isAdmin: boolean }): Promise<ServerSettings>;
}

/**
 * What a frontend process receives at start: the core, live progress for its platform, and its
 * own delivery queue. `scripts/start.ts` builds one per process; tests build one per test.
 */
export interface FrontendRuntime {
  core: ChatCore;
  /** Base URL of ditty's HTTP server, for player and download links. */
  publicUrl: string;
  /** Subscribes to progress of this platform's generations; returns an unsubscribe function. */
  onProgress(platform: Platform, listener: (event: ProgressEvent) => void): () => void;
  /**
   * Consumes this platform's delivery queue. The core marks the generation delivered after the
   * handler resolves and skips generations already delivered, so handlers only post.
   */
  startDelivery(platform: Platform, handler: DeliveryHandler, batchHandler?: BatchDeliveryHandler): Promise<{ close(): Promise<void> }>;
  log: Logger;
  /** Where frontends report their connection state for /healthz (absent in some test runtimes). */
  connections?: ConnectionHealth;
}
