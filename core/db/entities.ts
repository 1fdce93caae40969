/**
 * The schema, declared once with `defineEntity` (no decorators: Node's type stripping cannot run
 * them). Migrations are generated from these definitions, and a test checks that the migrated
 * database and these definitions agree.
 *
 * Repository code (repo.ts, stats.ts) reads and writes with plain SQL so that counters are updated
 * by single atomic statements; these definitions are the source of truth for names and types.
 */
import { defineEntity, p } from '@mikro-orm/core';
import type { MusicParams } from '../music.ts';

export const PLATFORM_VALUES = ['local', 'discord', 'slack', 'api'] as const;
export const STATUS_VALUES = ['queued', 'rendering', 'encoding', 'delivering', 'completed', 'failed', 'cancelled'] as const;
export const PLAY_SOURCES = ['web', 'download', 'discord', 'slack', 'local', 'api'] as const;
export const PERIOD_VALUES = ['day', 'week', 'month', 'all'] as const;

export interface UserPreferences {
  defaultDurationS?: number;
  format?: 'opus' | 'mp3' | 'wav';
}

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary().autoincrement(),
    platform: p.enum(PLATFORM_VALUES),
    platformUserId: p.string().length(64),
    guildId: p.string().length(64),
    displayName: p.string().length(100),
    createdAt: p.datetime().defaultRaw('now()'),
    lastActiveAt: p.datetime().defaultRaw('now()'),
    preferences: p.json<UserPreferences>().defaultRaw(`'{}'`),
  },
  uniques: [{ properties: ['platform', 'guildId', 'platformUserId'] }],
});

export const Prompt = defineEntity({
  name: 'Prompt',
  tableName: 'prompts',
  properties: {
    id: p.integer().primary().autoincrement(),
    normalized: p.text().unique(),
    usedCount: p.integer().default(0),
    firstUsedAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().defaultRaw('now()'),
  },
});

const completed = `status = 'completed'`;
/** Finished and still playable: the web gallery lists only these. */
const playable = `status = 'completed' and deleted_at is null and expired_at is null`;

export const Generation = defineEntity({
  name: 'Generation',
  tableName: 'generations',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).index(),
    prompt: p.text(),
    promptEntry: () => p.manyToOne(Prompt).fieldName('prompt_id').index(),
    params: p.json<MusicParams>(),
    /** uint32 does not fit a Postgres int4. */
    seed: p.bigint('number'),
    requestedDurationS: p.integer(),
    actualDurationS: p.double().nullable(),
    engine: p.string().length(40),
    engineVersion: p.string().length(80),
    device: p.string().length(16).nullable(),
    precision: p.string().length(8).nullable(),
    status: p.enum(STATUS_VALUES).default('queued'),
    progress: p.float().default(0),
    /** Render attempts started: the cap (MAX_RENDER_ATTEMPTS) must survive stalls, Redis and the reconciler. */
    attempts: p.smallint().default(0),
    errorCode: p.string().length(40).nullable(),
    errorMessage: p.text().nullable(),
    createdAt: p.datetime(),
    /** UTC day of created_at: the bucket the leaderboard reads tracks by. */
    createdDay: p.date(),
    /** When the row got a server slot (its render job); null while it waits in the server's line. */
    admittedAt: p.datetime().nullable(),
    /** The retention sweeper removed the audio (storage_path is then null). */
    expiredAt: p.datetime().nullable(),
    /** Deleted by its creator or a server admin: file gone, hidden from every list. */
    deletedAt: p.datetime().nullable(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    renderMs: p.integer().nullable(),
    encodeMs: p.integer().nullable(),
    realtimeFactor: p.double().nullable(),
    format: p.string().length(8).nullable(),
    /** The format the request asked for (public API `format`); null = the frontend's default (Opus). */
    requestedFormat: p.string().length(8).nullable(),
    bitrateKbps: p.integer().nullable(),
    sampleRate: p.integer().nullable(),
    channels: p.smallint().nullable(),
    sizeBytes: p.bigint('number').nullable(),
    sha256: p.string().length(64).nullable(),
    storagePath: p.text().nullable(),
    publicToken: p.string().length(64).unique(),
    platform: p.enum(PLATFORM_VALUES),
    guildId: p.string().length(64),
    channelId: p.string().length(64),
    requestKey: p.string().length(200).nullable().unique(),
    /** Interaction tokens and the like: never logged, never sent to a browser. */
    reply: p.json<Record<string, string>>().hidden(),
    sizeLimitBytes: p.bigint('number'),
    fitsInline: p.boolean().nullable(),
    deliveredRef: p.string().length(100).nullable(),
    /** What the platform's delivery has done so far (step → message ts, file id…): a rerun resumes. */
    deliverySteps: p.json<Record<string, string>>().defaultRaw(`'{}'`).hidden(),
    deliveredAt: p.datetime().nullable(),
    favoritesCount: p.integer().default(0),
    playsCount: p.integer().default(0),
    downloadsCount: p.integer().default(0),
    /** Extend: the finished track this one continues ("Extended from …"); null for a new track. */
    parent: () => p.manyToOne(Generation).fieldName('parent_id').nullable().deleteRule('set null').index(),
    /** Takes: the batch this track is one take of (one reply for all takes); null for a lone track. */
    batch: () => p.manyToOne(GenerationBatch).fieldName('batch_id').nullable().deleteRule('cascade').index(),
    /** 1-based take number within its batch. */
    takeIndex: p.smallint().nullable(),
  },
  indexes: [
    // Reconciler and stuck-job sweeps: status first, oldest first.
    { name: 'generations_status_created_at_idx', properties: ['status', 'createdAt'] },
    // Per-server concurrency counts only in-flight rows.
    {
      name: 'generations_active_idx',
      properties: ['platform', 'guildId'],
      where: `status in ('queued', 'rendering', 'encoding')`,
    },
    // A server's line of tracks waiting for a slot, oldest first.
    {
      name: 'generations_line_idx',
      properties: ['platform', 'guildId', 'createdAt'],
      where: `status = 'queued' and admitted_at is null`,
    },
    // The retention sweeper: stored files, oldest first.
    { name: 'generations_stored_idx', properties: ['createdAt'], where: 'storage_path is not null' },
    // /recent: newest completed in a server.
    {
      name: 'generations_recent_idx',
      columns: [{ name: 'platform' }, { name: 'guild_id' }, { name: 'completed_at', sort: 'desc' }],
      where: completed,
    },
    // Leaderboards: every top-N read is an index range scan that stops after N rows.
    {
      name: 'generations_top_server_day_idx',
      columns: [
        { name: 'platform' }, { name: 'guild_id' }, { name: 'created_day' },
        { name: 'favorites_count', sort: 'desc' }, { name: 'plays_count', sort: 'desc' }, { name: 'id' },
      ],
      where: completed,
    },
    {
      name: 'generations_top_server_all_idx',
      columns: [
        { name: 'platform' }, { name: 'guild_id' },
        { name: 'favorites_count', sort: 'desc' }, { name: 'plays_count', sort: 'desc' }, { name: 'id' },
      ],
      where: completed,
    },
    {
      name: 'generations_top_global_day_idx',
      columns: [
        { name: 'created_day' },
        { name: 'favorites_count', sort: 'desc' }, { name: 'plays_count', sort: 'desc' }, { name: 'id' },
      ],
      where: completed,
    },
    {
      name: 'generations_top_global_all_idx',
      columns: [{ name: 'favorites_count', sort: 'desc' }, { name: 'plays_count', sort: 'desc' }, { name: 'id' }],
      where: completed,
    },
    // The web gallery's lists across servers (core/db/browse.ts): playable tracks only.
    {
      name: 'generations_browse_recent_idx',
      columns: [{ name: 'completed_at', sort: 'desc' }, { name: 'id' }],
      where: playable,
    },
    {
      name: 'generations_browse_plays_idx',
      columns: [
        { name: 'plays_count', sort: 'desc' }, { name: 'favorites_count', sort: 'desc' }, { name: 'completed_at', sort: 'desc' }, { name: 'id' },
      ],
      where: playable,
    },
    {
      name: 'generations_prompt_fts_idx',
      expression: `create index "generations_prompt_fts_idx" on "generations" using gin (to_tsvector('simple', "prompt"))`,
    },
  ],
});

export const Play = defineEntity({
  name: 'Play',
  tableName: 'plays',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    generation: () => p.manyToOne(Generation).index(),
    user: () => p.manyToOne(User).nullable().index(),
    source: p.enum(PLAY_SOURCES),
    playedAt: p.datetime(),
    secondsPlayed: p.float().nullable(),
  },
});

export const Favorite = defineEntity({
  name: 'Favorite',
  tableName: 'favorites',
  properties: {
    user: () => p.manyToOne(User).primary(),
    generation: () => p.manyToOne(Generation).primary().index(),
    createdAt: p.datetime(),
  },
  primaryKeys: ['user', 'generation'],
});

export const ServerSettings = defineEntity({
  name: 'ServerSettings',
  tableName: 'server_settings',
  properties: {
    id: p.integer().primary().autoincrement(),
    platform: p.enum(PLATFORM_VALUES),
    guildId: p.string().length(64),
    /** Empty means every channel. */
    allowedChannels: p.array().defaultRaw(`'{}'`),
    /** Null means the deployment's default from config. */
    maxDurationS: p.integer().nullable(),
    rateLimitPerMinute: p.integer().nullable(),
    concurrency: p.integer().nullable(),
    blockedWords: p.array().defaultRaw(`'{}'`),
    favoriteEmoji: p.string().length(64).default('⭐'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [{ properties: ['platform', 'guildId'] }],
});

/**
 * Maintained totals per scope and calendar period (UTC day, ISO week, month, and 'all' with bucket
 * 1970-01-01). platform and guild_id are '*' for the global scope. Updated in the same transaction
 * as the event, so /stats reads a single row.
 */
export const StatTotals = defineEntity({
  name: 'StatTotals',
  tableName: 'stat_totals',
  properties: {
    platform: p.string().length(16).primary(),
    guildId: p.string().length(64).primary(),
    period: p.enum(PERIOD_VALUES).primary(),
    bucket: p.date().primary(),
    generations: p.integer().default(0),
    completed: p.integer().default(0),
    failed: p.integer().default(0),
    renderMsSum: p.bigint('number').default(0),
    rendered: p.integer().default(0),
    favorites: p.integer().default(0),
    plays: p.integer().default(0),
  },
  primaryKeys: ['platform', 'guildId', 'period', 'bucket'],
});

/**
 * Maintained per-creator counters per calendar period, so the creator leaderboard is an index
 * scan of N rows for either scope.
 */
export const CreatorStats = defineEntity({
  name: 'CreatorStats',
  tableName: 'creator_stats',
  properties: {
    user: () => p.manyToOne(User).primary(),
    period: p.enum(PERIOD_VALUES).primary(),
    bucket: p.date().primary(),
    platform: p.enum(PLATFORM_VALUES),
    guildId: p.string().length(64),
    /** Completed tracks, counted in the period the request was made. */
    generations: p.integer().default(0),
    /** Favorites standing on this creator's tracks, counted in the period they were given. */
    favoritesReceived: p.integer().default(0),
  },
  primaryKeys: ['user', 'period', 'bucket'],
  indexes: [
    {
      name: 'creator_stats_server_top_idx',
      columns: [
        { name: 'platform' }, { name: 'guild_id' }, { name: 'period' }, { name: 'bucket' },
        { name: 'favorites_received', sort: 'desc' }, { name: 'generations', sort: 'desc' }, { name: 'user_id' },
      ],
    },
    {
      name: 'creator_stats_global_top_idx',
      columns: [
        { name: 'period' }, { name: 'bucket' },
        { name: 'favorites_received', sort: 'desc' }, { name: 'generations', sort: 'desc' }, { name: 'user_id' },
      ],
    },
  ],
});

/**
 * A Slack installation made through OAuth: one per workspace, or one per Enterprise Grid org for
 * an org-wide install. `installKey` (`T:<team id>` or `E:<enterprise id>`) names the row, so a
 * reinstall updates it in place. Tokens are secrets: hidden from serialization, never logged.
 */
export const SlackInstallation = defineEntity({
  name: 'SlackInstallation',
  tableName: 'slack_installations',
  properties: {
    id: p.integer().primary().autoincrement(),
    installKey: p.string().length(80).unique(),
    teamId: p.string().length(64).nullable(),
    enterpriseId: p.string().length(64).nullable(),
    isEnterpriseInstall: p.boolean().default(false),
    botToken: p.text().hidden(),
    botUserId: p.string().length(64),
    botId: p.string().length(64),
    scopes: p.array().defaultRaw(`'{}'`),
    installerUserId: p.string().length(64).nullable(),
    installedAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
    /** The installation exactly as Slack's OAuth library built it (it holds the tokens too). */
    installation: p.json<Record<string, unknown>>().hidden(),
  },
});

/**
 * What the analyser measured in a finished track (core/analysis.ts), one row per generation. A row
 * whose analysis failed keeps `error` (and no embedding), so the backfill does not retry it
 * forever. The embedding is searched as a `cube` (contrib): candidates through the GiST index on
 * its summary (`ditty_coarse`), re-ranked by the full distance; the
 * extension lives in the shared `public` schema because extensions are per database and every
 * test file migrates its own schema.
 */
export const TrackAnalysis = defineEntity({
  name: 'TrackAnalysis',
  tableName: 'track_analyses',
  properties: {
    generation: () => p.manyToOne(Generation).primary().deleteRule('cascade'),
    version: p.smallint(),
    tempoBpm: p.double().nullable(),
    tempoConfidence: p.float().nullable(),
    keyPc: p.smallint().nullable(),
    mode: p.string().length(5).nullable(),
    keyConfidence: p.float().nullable(),
    loudnessLufs: p.double().nullable(),
    truePeakDbtp: p.double().nullable(),
    centroidHz: p.float().nullable(),
    energy: p.float().nullable(),
    onsetsPerS: p.float().nullable(),
    embedding: p.array<number>().columnType('double precision[]').nullable(),
    analysedMs: p.float().nullable(),
    error: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    /** The generation's platform and server, copied when the analysis is saved: the index finds a server's tracks. */
    platform: p.text().nullable(),
    guildId: p.string().length(64).nullable(),
    /** The embedding's 9-dimension summary, kept by Postgres (generated column); read only by the search. */
    coarse: p.string().columnType('cube').generated('(public.ditty_coarse(embedding)) stored').nullable().lazy(),
  },
  indexes: [
    {
      // Two-stage nearest neighbours, per server: the server and the summary in one GiST index (migration 20261204203000).
      name: 'track_analyses_server_coarse_idx',
      expression: `create index "track_analyses_server_coarse_idx" on "track_analyses" using gist ("guild_id", "platform", "coarse") where "coarse" is not null`,
    },
  ],
});

/**
 * Takes: several seeds of one prompt asked for at once and answered in one reply. Each take is a
 * generation row of its own (batch_id, take_index); the batch is delivered, once, when every take
 * has finished or failed (delivered_ref is the one message that holds them all).
 */
export const GenerationBatch = defineEntity({
  name: 'GenerationBatch',
  tableName: 'generation_batches',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).index(),
    platform: p.enum(PLATFORM_VALUES),
    guildId: p.string().length(64),
    channelId: p.string().length(64),
    takes: p.smallint(),
    requestKey: p.string().length(200).nullable().unique(),
    createdAt: p.datetime(),
    deliveredRef: p.string().length(100).nullable(),
    deliveredAt: p.datetime().nullable(),
    /** What the batch's post has done so far (step → platform reference): see DeliverySteps. */
    deliverySteps: p.json<Record<string, string>>().defaultRaw(`'{}'`).hidden(),
  },
});


/**
 * A key of the public HTTP API (/api/v1). The secret is shown once at creation and only its
 * SHA-256 is kept (the secret is 32 random bytes, so a fast hash is enough: nothing to guess);
 * `prefix` is the public part that names the key in lists, logs and the user it acts as.
 */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(100),
    prefix: p.string().length(16).unique(),
    secretHash: p.string().length(64).hidden(),
    admin: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});


export const ENTITIES = [User, Prompt, Generation, GenerationBatch, Play, Favorite, ServerSettings, StatTotals, CreatorStats, SlackInstallation, TrackAnalysis, ApiKey];
