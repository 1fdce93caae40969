/**
 * Repository functions: every read and write the core, bots and worker make. Each takes a forked
 * EntityManager and runs plain SQL through it, so counters move by single atomic statements and
 * multi-step changes share one transaction with their aggregates (see aggregates.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../chat.ts';
import { UserError, UserErrorCode } from '../errors.ts';
import type { Platform, Stage } from '../jobs.ts';
import type { MusicParams } from '../music.ts';
import { isGenerationId } from '../validate.ts';
import { bumpCreator, bumpTotals, periodBuckets, type TotalsDelta } from './aggregates.ts';
import { PLAY_SOURCES, type UserPreferences } from './entities.ts';
import { exec, run, type Raw } from './sql.ts';
import { admitWaiting, checkLineCaps, linePlaces, lockServerTurns, type Admitted, type TurnLimits } from './turns.ts';

export type GenerationStatus = Stage;
export type PlaySource = (typeof PLAY_SOURCES)[number];
/** Statuses that hold a render slot: counted against a server's concurrency. */
export const ACTIVE_STATUSES: readonly GenerationStatus[] = ['queued', 'rendering', 'encoding'];
export const TERMINAL_STATUSES: readonly GenerationStatus[] = ['completed', 'failed', 'cancelled'];

export interface UserRow {
  id: number;
  platform: Platform;
  platformUserId: string;
  guildId: string;
  displayName: string;
  createdAt: Date;
  lastActiveAt: Date;
  preferences: UserPreferences;
}

export interface GenerationRow {
  id: string;
  userId: number;
  creator: { platformUserId: string; displayName: string };
  prompt: string;
  promptId: number;
  params: MusicParams;
  seed: number;
  requestedDurationS: number;
  actualDurationS: number | null;
  engine: string;
  engineVersion: string;
  device: string | null;
  precision: string | null;
  status: GenerationStatus;
  progress: number;
  /** Render attempts started so far (each start of 'rendering' adds one). */
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  /** When it got a server slot; null while it waits in the server's line (see turns.ts). */
  admittedAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  renderMs: number | null;
  encodeMs: number | null;
  realtimeFactor: number | null;
  format: string | null;
  /** The format the request asked for; null = default (Opus). */
  requestedFormat: string | null;
  bitrateKbps: number | null;
  sampleRate: number | null;
  channels: number | null;
  sizeBytes: number | null;
  sha256: string | null;
  storagePath: string | null;
  publicToken: string;
  platform: Platform;
  guildId: string;
  channelId: string;
  requestKey: string | null;
  /** Platform reply data (interaction tokens): never log it. */
  reply: Record<string, string>;
  sizeLimitBytes: number;
  fitsInline: boolean | null;
  deliveredRef: string | null;
  /** Delivery steps done so far (see recordDeliveryStep). */
  deliverySteps: Record<string, string>;
  deliveredAt: Date | null;
  favoritesCount: number;
  playsCount: number;
  downloadsCount: number;
  expiredAt: Date | null;
  deletedAt: Date | null;
  /** Extend: the track this one continues, and its public token (for links). */
  parentId: string | null;
  parentPublicToken: string | null;
  /** Takes: the batch this track is one take of, its 1-based number and the batch's size; null for a lone track. */
  batchId: string | null;
  takeIndex: number | null;
  batchTakes: number | null;
}

/** Columns a worker or the core may change after creation. */
const PATCH_COLUMNS = {
  status: 'status',
  progress: 'progress',
  errorCode: 'error_code',
  errorMessage: 'error_message',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  renderMs: 'render_ms',
  encodeMs: 'encode_ms',
  realtimeFactor: 'realtime_factor',
  actualDurationS: 'actual_duration_s',
  device: 'device',
  precision: 'precision',
  engine: 'engine',
  engineVersion: 'engine_version',
  format: 'format',
  bitrateKbps: 'bitrate_kbps',
  sampleRate: 'sample_rate',
  channels: 'channels',
  sizeBytes: 'size_bytes',
  sha256: 'sha256',
  storagePath: 'storage_path',
  fitsInline: 'fits_inline',
  deliveredRef: 'delivered_ref',
  deliveredAt: 'delivered_at',
} as const satisfies Partial<Record<keyof GenerationRow, string>>;

export type GenerationPatch = Partial<Pick<GenerationRow, keyof typeof PATCH_COLUMNS>>;

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toUserRow(r: Raw): UserRow {
  return {
    id: num(r.id),
    platform: r.platform as Platform,
    platformUserId: String(r.platform_user_id),
    guildId: String(r.guild_id),
    displayName: String(r.display_name),
    createdAt: date(r.created_at),
    lastActiveAt: date(r.last_active_at),
    preferences: (r.preferences ?? {}) as UserPreferences,
  };
}

export function toGenerationRow(r: Raw): GenerationRow {
  return {
    id: String(r.id),
    userId: num(r.user_id),
    creator: { platformUserId: String(r.creator_platform_user_id), displayName: String(r.creator_display_name) },
    prompt: String(r.prompt),
    promptId: num(r.prompt_id),
    params: r.params as MusicParams,
    seed: num(r.seed),
    requestedDurationS: num(r.requested_duration_s),
    actualDurationS: numOrNull(r.actual_duration_s),
    engine: String(r.engine),
    engineVersion: String(r.engine_version),
    device: strOrNull(r.device),
    precision: strOrNull(r.precision),
    status: r.status as GenerationStatus,
    progress: num(r.progress),
    attempts: num(r.attempts ?? 0),
    errorCode: strOrNull(r.error_code),
    errorMessage: strOrNull(r.error_message),
    createdAt: date(r.created_at),
    admittedAt: dateOrNull(r.admitted_at),
    startedAt: dateOrNull(r.started_at),
    completedAt: dateOrNull(r.completed_at),
    renderMs: numOrNull(r.render_ms),
    encodeMs: numOrNull(r.encode_ms),
    realtimeFactor: numOrNull(r.realtime_factor),
    format: strOrNull(r.format),
    requestedFormat: strOrNull(r.requested_format),
    bitrateKbps: numOrNull(r.bitrate_kbps),
    sampleRate: numOrNull(r.sample_rate),
    channels: numOrNull(r.channels),
    sizeBytes: numOrNull(r.size_bytes),
    sha256: strOrNull(r.sha256),
    storagePath: strOrNull(r.storage_path),
    publicToken: String(r.public_token),
    platform: r.platform as Platform,
    guildId: String(r.guild_id),
    channelId: String(r.channel_id),
    requestKey: strOrNull(r.request_key),
    reply: (r.reply ?? {}) as Record<string, string>,
    sizeLimitBytes: num(r.size_limit_bytes),
    fitsInline: r.fits_inline === null || r.fits_inline === undefined ? null : Boolean(r.fits_inline),
    deliveredRef: strOrNull(r.delivered_ref),
    deliverySteps: (r.delivery_steps ?? {}) as Record<string, string>,
    deliveredAt: dateOrNull(r.delivered_at),
    favoritesCount: num(r.favorites_count),
    playsCount: num(r.plays_count),
    downloadsCount: num(r.downloads_count),
    expiredAt: dateOrNull(r.expired_at),
    deletedAt: dateOrNull(r.deleted_at),
    parentId: strOrNull(r.parent_id),
    parentPublicToken: strOrNull(r.parent_public_token),
    batchId: strOrNull(r.batch_id),
    takeIndex: numOrNull(r.take_index),
    batchTakes: numOrNull(r.batch_takes),
  };
}

/** A generation with its creator and parent token: read it with toGenerationRow. */
export const SELECT_GENERATION = `select g.*, u.platform_user_id as creator_platform_user_id, u.display_name as creator_display_name,
    pg.public_token as parent_public_token, gb.takes as batch_takes
  from generations g join users u on u.id = g.user_id left join generations pg on pg.id = g.parent_id
  left join generation_batches gb on gb.id = g.batch_id`;

/** Lowercase, NFKC, collapsed whitespace: two prompts that read the same count as one. */
export function normalizePrompt(prompt: string): string {
  return prompt.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** 32 random bytes, base64url: the only key to a track's public links. */
export function newPublicToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function upsertUser(em: EntityManager, actor: Actor, now: Date = new Date()): Promise<UserRow> {
  const rows = await exec(
    em,
    `insert into users (platform, guild_id, platform_user_id, display_name, created_at, last_active_at)
     values (?, ?, ?, ?, ?, ?)
     on conflict (platform, guild_id, platform_user_id) do update
       set display_name = excluded.display_name,
           last_active_at = greatest(users.last_active_at, excluded.last_active_at)
     returning *`,
    [actor.platform, actor.guildId, actor.platformUserId, actor.displayName, now, now],
  );
  return toUserRow(rows[0]!);
}

/** Merges preferences into the user's (creating the user if new); `null` clears a key. */
export async function setUserPreferences(
  em: EntityManager,
  actor: Actor,
  prefs: { [K in keyof UserPreferences]?: UserPreferences[K] | null },
): Promise<UserRow> {
  const d = prefs.defaultDurationS;
  if (d !== undefined && d !== null && !(Number.isInteger(d) && d >= 5 && d <= 120)) {
    throw new UserError(UserErrorCode.DurationInvalid, 'Default duration must be a whole number of seconds from 5 to 120.');
  }
  if (prefs.format !== undefined && prefs.format !== null && !['opus', 'mp3', 'wav'].includes(prefs.format)) {
    throw new UserError(UserErrorCode.NotAllowed, 'Format must be opus, mp3 or wav.');
  }
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const key of ['defaultDurationS', 'format'] as const) {
    if (prefs[key] === null) unset.push(key);
    else if (prefs[key] !== undefined) set[key] = prefs[key];
  }
  const user = await upsertUser(em, actor);
  const rows = await exec(
    em,
    `update users set preferences = (preferences - array[?]::text[]) || ?::jsonb where id = ? returning *`,
    [unset, set, user.id],
  );
  return toUserRow(rows[0]!);
}

export interface CreateGenerationInput {
  actor: Actor;
  channelId: string;
  /** Already cleaned by core/validate.ts. */
  prompt: string;
  params: MusicParams;
  durationS: number;
  engine: string;
  engineVersion: string;
  sizeLimitBytes: number;
  reply: Record<string, string>;
  /** Platform interaction id: a repeat of the same request returns the first generation. */
  requestKey?: string;
  /**
   * Take a server slot in the same transaction, or wait in the server's line (refused past its
   * caps). Without it the generation is admitted at once, whatever the server holds.
   */
  turns?: TurnLimits;
  /** Extend: the finished generation this one continues. */
  parentId?: string;
  /** Audio format asked for (already validated); null or absent = default. */
  format?: string | null;
  now?: Date;
}

export interface CreatedGeneration {
  generation: GenerationRow;
  duplicate: boolean;
  /** Rows given a slot by this call (the new one, unless it waits): enqueue them after commit. */
  admitted: Admitted[];
  /** The new row's place when it waits in line (see turns.ts linePlaces), read under the lock. */
  place: number | null;
}

/** Thrown inside the transaction to roll it back when another request won the same request_key. */
class DuplicateRequest extends Error {}

export async function getGenerationByRequestKey(em: EntityManager, requestKey: string): Promise<GenerationRow | null> {
  const rows = await exec(em, `${SELECT_GENERATION} where g.request_key = ?`, [requestKey]);
  return rows[0] ? toGenerationRow(rows[0]) : null;
}

/**
 * Writes a queued generation in one transaction with its user, prompt counters and totals, and
 * (with `turns`) its server slot or place in line. A request_key seen before returns the existing
 * generation with duplicate = true and changes nothing.
 */
export async function createGeneration(
  em: EntityManager,
  input: CreateGenerationInput,
): Promise<CreatedGeneration> {
  if (input.requestKey) {
    const existing = await getGenerationByRequestKey(em, input.requestKey);
    if (existing) return { generation: existing, duplicate: true, admitted: [], place: null };
  }
  const { turns } = input;
  try {
    const { generation, admitted, place } = await em.transactional(async (tx) => {
      if (turns) await lockServerTurns(tx, input.actor.platform, input.actor.guildId);
      // Stamped under the lock, so a server's line is in the order requests got through.
      const now = input.now ?? new Date();
      const user = await upsertUser(tx, input.actor, now);
      const [prompt] = await exec(
        tx,
        `insert into prompts (normalized, used_count, first_used_at, last_used_at) values (?, 1, ?, ?)
         on conflict (normalized) do update
           set used_count = prompts.used_count + 1, last_used_at = greatest(prompts.last_used_at, excluded.last_used_at)
         returning id`,
        [normalizePrompt(input.prompt), now, now],
      );
      const id = randomUUID();
      const inserted = await exec(
        tx,
        `insert into generations (id, user_id, prompt, prompt_id, params, seed, requested_duration_s, engine, engine_version,
           status, progress, created_at, created_day, public_token, platform, guild_id, channel_id, request_key, reply, size_limit_bytes, admitted_at, parent_id, requested_format)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (request_key) do nothing
         returning id`,
        [
          id, user.id, input.prompt, prompt!.id, input.params, input.params.seed, input.durationS,
          input.engine, input.engineVersion, now, periodBuckets(now).day, newPublicToken(), input.actor.platform,
          input.actor.guildId, input.channelId, input.requestKey ?? null, input.reply, input.sizeLimitBytes, turns ? null : now, input.parentId ?? null, input.format ?? null,
        ],
      );
      if (inserted.length === 0) throw new DuplicateRequest();
      let admitted: Admitted[] = [{ id, platform: input.actor.platform, guildId: input.actor.guildId, priority: 1 }];
      let place: number | null = null;
      if (turns) {
        admitted = await admitWaiting(tx, input.actor.platform, input.actor.guildId, turns);
        if (!admitted.some((a) => a.id === id)) {
          await checkLineCaps(tx, input.actor.platform, input.actor.guildId, user.id, turns);
          place = (await linePlaces(tx, input.actor.platform, input.actor.guildId, 100_000)).find((p) => p.id === id)?.position ?? null;
        }
      }
      await bumpTotals(tx, input.actor.platform, input.actor.guildId, now, { generations: 1 });
      return { generation: (await getGeneration(tx, id))!, admitted, place };
    });
    return { generation, duplicate: false, admitted, place };
  } catch (e) {
    if (!(e instanceof DuplicateRequest)) throw e;
    const existing = await getGenerationByRequestKey(em, input.requestKey!);
    if (!existing) throw new Error('request_key conflicted but no generation holds it');
    return { generation: existing, duplicate: true, admitted: [], place: null };
  }
}

export async function getGeneration(em: EntityManager, id: string): Promise<GenerationRow | null> {
  if (!isGenerationId(id)) return null;
  const rows = await exec(em, `${SELECT_GENERATION} where g.id = ?`, [id]);
  return rows[0] ? toGenerationRow(rows[0]) : null;
}

/**
 * Extend: the lengths of the tracks a generation continues, oldest first (its parent, the
 * parent's parent…), which its render needs to compose the same piece. Empty for a new track.
 */
export async function extendedLengths(em: EntityManager, id: string): Promise<number[]> {
  const rows = await exec(
    em,
    `with recursive chain (id, parent_id, length_s, depth) as (
       select id, parent_id, requested_duration_s, 0 from generations where id = ?
       union all
       select g.id, g.parent_id, g.requested_duration_s, c.depth + 1 from generations g join chain c on g.id = c.parent_id where c.depth < 100
     )
     select length_s from chain where depth > 0 order by depth desc`,
    [id],
  );
  return rows.map((r) => num(r.length_s));
}

export async function getGenerationByToken(em: EntityManager, publicToken: string): Promise<GenerationRow | null> {
  if (typeof publicToken !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(publicToken)) return null;
  const rows = await exec(em, `${SELECT_GENERATION} where g.public_token = ?`, [publicToken]);
  return rows[0] ? toGenerationRow(rows[0]) : null;
}

/** What a generation in a given state adds to the totals and its creator's counters. */
function contribution(status: string, renderMs: number | null): Required<Pick<TotalsDelta, 'completed' | 'failed' | 'renderMsSum' | 'rendered'>> {
  const done = status === 'completed';
  return {
    completed: done ? 1 : 0,
    failed: status === 'failed' ? 1 : 0,
    rendered: done && renderMs !== null ? 1 : 0,
    renderMsSum: done && renderMs !== null ? renderMs : 0,
  };
}

/**
 * Records that a delivery step is done (or begun) with its platform reference: one key of the
 * row's delivery_steps, merged in one statement, so two steps recorded at once both stay.
 */
export async function recordDeliveryStep(em: EntityManager, id: string, step: string, ref: string): Promise<void> {
  if (!isGenerationId(id)) return;
  await exec(em, `update generations set delivery_steps = delivery_steps || jsonb_build_object(?::text, ?::text) where id = ?`, [step, ref, id]);
}

/**
 * Records a step only if no run recorded it before; true for the one caller that did. For a side
 * effect that must happen at most once across processes (the local chat's announcement).
 */
export async function claimDeliveryStep(em: EntityManager, id: string, step: string, ref: string): Promise<boolean> {
  if (!isGenerationId(id)) return false;
  const rows = await exec(
    em,
    `update generations set delivery_steps = delivery_steps || jsonb_build_object(?::text, ?::text)
      where id = ? and (delivery_steps -> ?::text) is null returning id`,
    [step, ref, id, step],
  );
  return rows.length === 1;
}

/**
 * Applies `patch` only while the generation's status is one of `from`, in one statement that locks
 * the row first: of two workers racing on the same generation, exactly one gets true. Entering a
 * terminal status stamps completed_at (unless given); entering 'rendering' stamps started_at.
 */
export interface TransitionOptions {
  /** Added to the row's render attempts (1 when a render starts, -1 when a drain hands it back). */
  addAttempts?: number;
  /** Applies only while fewer than this many attempts were made: the per-generation cap. */
  attemptsBelow?: number;
}

export async function transitionGeneration(
  em: EntityManager,
  id: string,
  from: readonly GenerationStatus[],
  patch: GenerationPatch,
  opts: TransitionOptions = {},
): Promise<boolean> {
  if (!isGenerationId(id) || from.length === 0) return false;
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const column = PATCH_COLUMNS[key as keyof typeof PATCH_COLUMNS];
    if (!column) throw new Error(`transitionGeneration: ${key} cannot be patched`);
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${column} = ?`);
  }
  if (patch.status && TERMINAL_STATUSES.includes(patch.status) && patch.completedAt === undefined) {
    sets.push('completed_at = coalesce(g.completed_at, now())');
  }
  if (patch.status === 'rendering' && patch.startedAt === undefined) sets.push('started_at = coalesce(g.started_at, now())');
  if (opts.addAttempts) {
    sets.push('attempts = greatest(0, g.attempts + ?)');
    values.push(Math.trunc(opts.addAttempts));
  }
  if (sets.length === 0) return false;
  const capped = opts.attemptsBelow === undefined ? '' : ' and attempts < ?';

  return em.transactional(async (tx) => {
    const rows = await exec(
      tx,
      `with old as (select id, status, render_ms from generations where id = ? and status = any(array[?]::text[])${capped} for update)
       update generations g set ${sets.join(', ')}
       from old where g.id = old.id
       returning old.status as old_status, old.render_ms as old_render_ms, g.status, g.render_ms, g.created_at,
                 g.user_id, g.platform, g.guild_id`,
      [id, [...from], ...(opts.attemptsBelow === undefined ? [] : [opts.attemptsBelow]), ...values],
    );
    const row = rows[0];
    if (!row) return false;
    const before = contribution(String(row.old_status), numOrNull(row.old_render_ms));
    const after = contribution(String(row.status), numOrNull(row.render_ms));
    const delta: TotalsDelta = {
      completed: after.completed - before.completed,
      failed: after.failed - before.failed,
      rendered: after.rendered - before.rendered,
      renderMsSum: after.renderMsSum - before.renderMsSum,
    };
    const createdAt = date(row.created_at);
    await bumpTotals(tx, String(row.platform), String(row.guild_id), createdAt, delta);
    await bumpCreator(
      tx,
      { userId: num(row.user_id), platform: String(row.platform), guildId: String(row.guild_id) },
      createdAt,
      { generations: delta.completed ?? 0 },
    );
    return true;
  });
}

/** Render progress in [0, 1]; ignored once the generation has left the render stages. */
export async function setProgress(em: EntityManager, id: string, progress: number): Promise<boolean> {
  if (!isGenerationId(id) || !Number.isFinite(progress)) return false;
  const changed = await run(
    em,
    `update generations set progress = ? where id = ? and status in ('queued', 'rendering', 'encoding')`,
    [Math.min(1, Math.max(0, progress)), id],
  );
  return changed > 0;
}

/**
 * The head of the render queue (admitted, not started), oldest first, for telling waiting users
 * their new place. Tracks still waiting in a server's line are told by turns.ts's linePlaces.
 */
export async function listQueueHead(em: EntityManager, limit: number): Promise<Array<{ id: string; platform: Platform }>> {
  const rows = await exec(
    em,
    `select id, platform from generations where status = 'queued' and admitted_at is not null order by admitted_at, created_at limit ?`,
    [Math.max(1, Math.floor(limit))],
  );
  return rows.map((r) => ({ id: String(r.id), platform: r.platform as Platform }));
}

/**
 * Admitted ids still queued `olderThanMs` after admission, oldest first: the reconciler
 * re-enqueues them. Rows waiting in a server's line have no job on purpose and are not listed.
 */
export async function listStaleQueued(em: EntityManager, olderThanMs: number, limit: number): Promise<string[]> {
  const rows = await exec(
    em,
    `select id from generations where status = 'queued' and admitted_at is not null and admitted_at < ? order by created_at limit ?`,
    [new Date(Date.now() - olderThanMs), Math.max(1, Math.floor(limit))],
  );
  return rows.map((r) => String(r.id));
}

/** Ids in any of `statuses` whose last start (or creation) is older than `olderThanMs`. */
export async function listStuck(
  em: EntityManager,
  statuses: readonly GenerationStatus[],
  olderThanMs: number,
  limit = 100,
): Promise<string[]> {
  const rows = await exec(
    em,
    `select id from generations where status = any(array[?]::text[]) and coalesce(started_at, created_at) < ?
     order by created_at limit ?`,
    [[...statuses], new Date(Date.now() - olderThanMs), Math.max(1, Math.floor(limit))],
  );
  return rows.map((r) => String(r.id));
}

export interface FailedGeneration {
  id: string;
  platform: Platform;
  guildId: string;
  prompt: string;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  createdAt: Date;
  failedAt: Date | null;
}

/** The dead-letter list: failed generations, newest first. */
export async function listFailed(em: EntityManager, limit: number): Promise<FailedGeneration[]> {
  const rows = await exec(
    em,
    `select id, platform, guild_id, prompt, error_code, error_message, attempts, created_at, completed_at
     from generations where status = 'failed' order by completed_at desc nulls last limit ?`,
    [Math.max(1, Math.floor(limit))],
  );
  return rows.map((r) => ({
    id: String(r.id), platform: r.platform as Platform, guildId: String(r.guild_id), prompt: String(r.prompt),
    errorCode: strOrNull(r.error_code), errorMessage: strOrNull(r.error_message), attempts: num(r.attempts),
    createdAt: date(r.created_at), failedAt: dateOrNull(r.completed_at),
  }));
}

/** Generations of a server holding a render slot (admitted; queued, rendering, encoding). */
export async function countActive(em: EntityManager, platform: Platform, guildId: string): Promise<number> {
  const rows = await exec(
    em,
    `select count(*)::int as n from generations where platform = ? and guild_id = ? and status in ('queued', 'rendering', 'encoding')
       and admitted_at is not null`,
    [platform, guildId],
  );
  return num(rows[0]!.n);
}

/** How many admitted generations got their slot before `admittedAt` and have not started (0 = next). */
export async function queuedBefore(em: EntityManager, admittedAt: Date): Promise<number> {
  const rows = await exec(
    em,
    `select count(*)::int as n from generations where status = 'queued' and admitted_at is not null and admitted_at < ?`,
    [admittedAt],
  );
  return num(rows[0]!.n);
}

interface CounterTarget {
  userId: number;
  platform: string;
  guildId: string;
}

function notFound(): UserError {
  return new UserError(UserErrorCode.NotFound, 'That track does not exist (any more).');
}

async function lockGenerationForCounters(tx: EntityManager, generationId: string): Promise<CounterTarget> {
  // Taking the generation's row lock first orders every writer of its counters the same way.
  const rows = await exec(
    tx,
    `select user_id, platform, guild_id from generations where id = ? for no key update`,
    [generationId],
  );
  if (!rows[0]) throw notFound();
  return { userId: num(rows[0].user_id), platform: String(rows[0].platform), guildId: String(rows[0].guild_id) };
}

/**
 * Stars (on = true) or unstars a track for the actor. Idempotent: a repeated star or unstar
 * changes nothing. Returns the track's favorite count after the call.
 */
export async function setFavorite(
  em: EntityManager,
  actor: Actor,
  generationId: string,
  on: boolean,
  now: Date = new Date(),
): Promise<{ changed: boolean; favorites: number }> {
  if (!isGenerationId(generationId)) throw notFound();
  return em.transactional(async (tx) => {
    const target = await lockGenerationForCounters(tx, generationId);
    const user = await upsertUser(tx, actor, now);
    const changedRows = on
      ? await exec(
          tx,
          `insert into favorites (user_id, generation_id, created_at) values (?, ?, ?)
           on conflict do nothing returning created_at`,
          [user.id, generationId, now],
        )
      : await exec(
          tx,
          `delete from favorites where user_id = ? and generation_id = ? returning created_at`,
          [user.id, generationId],
        );
    if (changedRows.length === 0) {
      const [row] = await exec(tx, `select favorites_count from generations where id = ?`, [generationId]);
      return { changed: false, favorites: num(row!.favorites_count) };
    }
    const step = on ? 1 : -1;
    const [row] = await exec(
      tx,
      `update generations set favorites_count = favorites_count + ? where id = ? returning favorites_count`,
      [step, generationId],
    );
    // An unstar takes back the favorite from the period it was given in.
    const at = on ? now : date(changedRows[0]!.created_at);
    await bumpTotals(tx, target.platform, target.guildId, at, { favorites: step });
    await bumpCreator(tx, target, at, { favoritesReceived: step });
    return { changed: true, favorites: num(row!.favorites_count) };
  });
}

/** Whether the actor has starred the track (false for unknown users or ids). */
export async function isFavorite(em: EntityManager, actor: Actor, generationId: string): Promise<boolean> {
  if (!isGenerationId(generationId)) return false;
  const rows = await exec(
    em,
    `select 1 from favorites f join users u on u.id = f.user_id
     where u.platform = ? and u.guild_id = ? and u.platform_user_id = ? and f.generation_id = ?`,
    [actor.platform, actor.guildId, actor.platformUserId, generationId],
  );
  return rows.length > 0;
}

/** Counts a play of a track (anonymous when actor is null). */
export async function recordPlay(
  em: EntityManager,
  generationId: string,
  actor: Actor | null,
  source: string,
  secondsPlayed?: number,
  now: Date = new Date(),
): Promise<void> {
  if (!isGenerationId(generationId)) throw notFound();
  if (!(PLAY_SOURCES as readonly string[]).includes(source)) throw new Error(`Unknown play source: ${source}`);
  const seconds = secondsPlayed === undefined || !Number.isFinite(secondsPlayed) ? null : Math.min(86_400, Math.max(0, secondsPlayed));
  await em.transactional(async (tx) => {
    const target = await lockGenerationForCounters(tx, generationId);
    const user = actor ? await upsertUser(tx, actor, now) : null;
    await run(
      tx,
      `insert into plays (generation_id, user_id, source, played_at, seconds_played) values (?, ?, ?, ?, ?)`,
      [generationId, user?.id ?? null, source, now, seconds],
    );
    await run(tx, `update generations set plays_count = plays_count + 1 where id = ?`, [generationId]);
    await bumpTotals(tx, target.platform, target.guildId, now, { plays: 1 });
  });
}

/** Counts a download; returns the new count. */
export async function recordDownload(em: EntityManager, generationId: string): Promise<number> {
  if (!isGenerationId(generationId)) throw notFound();
  const rows = await exec(
    em,
    `update generations set downloads_count = downloads_count + 1 where id = ? returning downloads_count`,
    [generationId],
  );
  if (!rows[0]) throw notFound();
  return num(rows[0].downloads_count);
}

/** What lists show (recent, search, the public API's pages): finished and not deleted. */
export const LISTED = `g.status = 'completed' and g.deleted_at is null`;

/** Newest completed tracks of a server. */
export async function recent(em: EntityManager, platform: Platform, guildId: string, limit = 10): Promise<GenerationRow[]> {
  const rows = await exec(
    em,
    `${SELECT_GENERATION} where g.platform = ? and g.guild_id = ? and ${LISTED}
     order by g.completed_at desc limit ?`,
    [platform, guildId, clampLimit(limit)],
  );
  return rows.map(toGenerationRow);
}

/** A server's tracks still being made, oldest first (served by generations_active_idx). */
export async function inProgress(em: EntityManager, platform: Platform, guildId: string, limit = 10): Promise<GenerationRow[]> {
  const rows = await exec(
    em,
    `${SELECT_GENERATION} where g.platform = ? and g.guild_id = ? and g.status in ('queued', 'rendering', 'encoding', 'delivering')
     order by g.created_at asc limit ?`,
    [platform, guildId, clampLimit(limit)],
  );
  return rows.map(toGenerationRow);
}

/** Completed tracks of a server whose prompt matches `query` (Postgres full text, web-search syntax). */
export async function searchGenerations(
  em: EntityManager,
  platform: Platform,
  guildId: string,
  query: string,
  limit = 10,
): Promise<GenerationRow[]> {
  const q = String(query ?? '').normalize('NFKC').slice(0, 200).trim();
  if (!q) return [];
  const rows = await exec(
    em,
    `${SELECT_GENERATION}, websearch_to_tsquery('simple', ?) as q
     where g.platform = ? and g.guild_id = ? and ${LISTED} and to_tsvector('simple', g.prompt) @@ q
     order by ts_rank(to_tsvector('simple', g.prompt), q) desc, g.completed_at desc limit ?`,
    [q, platform, guildId, clampLimit(limit)],
  );
  return rows.map(toGenerationRow);
}

export function clampLimit(limit: unknown, max = 50): number {
  const n = typeof limit === 'number' && Number.isFinite(limit) ? Math.floor(limit) : 10;
  return Math.min(max, Math.max(1, n));
}
