/**
 * A generation as the public API shows it (GenerationSchema), built from the core's row and
 * view: the understood parameters in core's own words (describeParams, describeNotes), counts,
 * queue place, engine facts and links. Which tracks a key may see is decided here too.
 */
import { API_GUILD_ID, type ApiKeyRow } from '../../../core/api-keys.ts';
import type { Actor } from '../../../core/chat.ts';
import { lastPlayedAt } from '../../../core/db/catalog.ts';
import { batchTakeIds, getGeneration, isFavorite, type EntityManager, type GenerationRow } from '../../../core/db/index.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import { describeNotes, describeParams } from '../../../core/prompt/parse.ts';
import { placeInLine } from '../../../core/service.ts';
import { toTrackView } from '../../../core/track-view.ts';
import { isAudioFormat, isGenerationId } from '../../../core/validate.ts';
import type { z } from 'zod';
import type { GenerationSchema } from './schemas.ts';

export type ApiGeneration = z.output<typeof GenerationSchema>;

export const API_PREFIX = '/api/v1';

/**
 * The API's tracks are every key's (one shared "server", like a chat channel); an admin key also
 * reads the other platforms' tracks. Anything else does not exist for the key.
 */
export function canSee(key: ApiKeyRow, row: Pick<GenerationRow, 'platform' | 'guildId' | 'deletedAt'>): boolean {
  if (row.deletedAt) return false;
  return key.admin || (row.platform === 'api' && row.guildId === API_GUILD_ID);
}

/** The row a key may see, or a 404 in the same words whether it is missing or not the key's. */
export async function visibleGeneration(em: EntityManager, key: ApiKeyRow, id: string): Promise<GenerationRow> {
  const row = isGenerationId(id) ? await getGeneration(em, id) : null;
  if (!row || !canSee(key, row)) throw new UserError(UserErrorCode.NotFound, 'No such track.');
  return row;
}

const SERVABLE = new Set(['delivering', 'completed']);

/** `viewer`: who reads it (the key's user), for `favorited` and `creator.you`. */
export async function toApiGeneration(em: EntityManager, row: GenerationRow, viewer: Actor, publicUrl: string): Promise<ApiGeneration> {
  const view = toTrackView(row, publicUrl);
  const self = `${publicUrl}${API_PREFIX}/generations/${row.id}`;
  const stored = row.storagePath !== null && SERVABLE.has(row.status);
  const [position, lastPlayed, favorited, takeIds] = await Promise.all([
    row.status === 'queued' ? placeInLine(em, row).catch(() => null) : Promise.resolve(null),
    lastPlayedAt(em, row.id),
    row.favoritesCount > 0 ? isFavorite(em, viewer, row.id) : Promise.resolve(false),
    row.batchId ? batchTakeIds(em, row.batchId) : Promise.resolve([]),
  ]);
  const p = row.params;
  const mine = row.platform === viewer.platform && row.guildId === viewer.guildId && row.creator.platformUserId === viewer.platformUserId;
  return {
    id: row.id,
    status: row.status,
    progress: row.progress,
    queue_position: position,
    waiting_for_slot: row.status === 'queued' && row.admittedAt === null,
    prompt: row.prompt,
    understood: {
      text: describeParams(p),
      notes: describeNotes(p),
      params: { genre: p.genre, bpm: p.bpm, key: p.key, mode: p.mode, mood: p.mood, instruments: p.instruments, excluded: p.excluded, structure: p.structure, seed: p.seed },
    },
    duration_s: view.durationS,
    requested_duration_s: row.requestedDurationS,
    seed: p.seed,
    format: row.format,
    requested_format: isAudioFormat(row.requestedFormat) ? row.requestedFormat : null,
    engine: row.engine,
    engine_version: row.engineVersion,
    device: row.device,
    precision: row.precision,
    realtime_factor: row.realtimeFactor,
    render_ms: row.renderMs,
    size_bytes: row.sizeBytes,
    plays: row.playsCount,
    downloads: row.downloadsCount,
    favorites: row.favoritesCount,
    favorited,
    last_played_at: lastPlayed?.toISOString() ?? null,
    creator: { name: row.creator.displayName, you: mine },
    created_at: row.createdAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    expired: view.expired === true,
    extended_from: row.parentId,
    batch: row.batchId && row.takeIndex !== null && row.batchTakes !== null
      ? { id: row.batchId, take: row.takeIndex, of: row.batchTakes, generation_ids: takeIds }
      : null,
    links: {
      self,
      events: `${self}/events`,
      audio: stored ? `${self}/audio` : null,
      download: stored ? `${self}/download` : null,
      player: view.playerUrl,
    },
  };
}
