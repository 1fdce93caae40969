/**
 * Track analyses: saving what the worker measured, reading it back, the backfill's work list,
 * and "More like this": the nearest tracks of one server by embedding, inside Postgres.
 *
 * Nearest-neighbour search uses the `cube` contrib extension (in `public`, see the migrations) in
 * two stages: the GiST index `track_analyses_coarse_idx` over a 9-dimension summary of each
 * embedding (`ditty_coarse`, an orthonormal projection) finds CANDIDATES of the server's tracks,
 * which are re-ranked by the full 64-dimension Euclidean distance (`public.cube(a) <-> public.cube(b)`).
 * A GiST index over all 64 dimensions did not prune (it read the whole index). Where the pgvector
 * extension is installed and someone created its index (`create index
 * track_analyses_embedding_vec_idx on track_analyses using hnsw ((embedding::vector(64))
 * vector_l2_ops) where embedding is not null`), the same function orders by pgvector's distance
 * instead (docs/similar.md); pgvector is not packaged for this machine's Postgres 15, so the cube
 * path is the tested one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ANALYSIS_VERSION, EMBEDDING_DIMS, groupDistance, similarReasons, type SimilarReason, type TrackAnalysis } from '../analysis.ts';
import type { Platform } from '../jobs.ts';
import { isGenerationId } from '../validate.ts';
import { SELECT_GENERATION, toGenerationRow, type GenerationRow } from './repo.ts';
import { exec, run, type Raw } from './sql.ts';

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function saveAnalysis(em: EntityManager, generationId: string, a: TrackAnalysis): Promise<void> {
  if (a.embedding.length !== EMBEDDING_DIMS || !a.embedding.every(Number.isFinite)) throw new Error('refusing to store a malformed embedding');
  await run(
    em,
    `insert into track_analyses (generation_id, version, tempo_bpm, tempo_confidence, key_pc, mode, key_confidence, loudness_lufs,
       true_peak_dbtp, centroid_hz, energy, onsets_per_s, embedding, analysed_ms, error, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, array[?]::float8[], ?, null, now())
     on conflict (generation_id) do update set version = excluded.version, tempo_bpm = excluded.tempo_bpm,
       tempo_confidence = excluded.tempo_confidence, key_pc = excluded.key_pc, mode = excluded.mode,
       key_confidence = excluded.key_confidence, loudness_lufs = excluded.loudness_lufs, true_peak_dbtp = excluded.true_peak_dbtp,
       centroid_hz = excluded.centroid_hz, energy = excluded.energy, onsets_per_s = excluded.onsets_per_s,
       embedding = excluded.embedding, analysed_ms = excluded.analysed_ms, error = null, created_at = now()`,
    [
      generationId, a.version, a.tempoBpm, a.tempoConfidence, a.keyPitchClass, a.mode, a.keyConfidence, a.loudnessLufs,
      a.truePeakDbtp, a.centroidHz, a.energy, a.onsetsPerS, a.embedding, a.analysedMs,
    ],
  );
}

/** Records that a track could not be analysed (kept short: it is our text, not the user's). */
export async function saveAnalysisError(em: EntityManager, generationId: string, error: string): Promise<void> {
  await run(
    em,
    `insert into track_analyses (generation_id, version, error, created_at) values (?, ?, ?, now())
     on conflict (generation_id) do update set version = excluded.version, error = excluded.error, embedding = null, created_at = now()`,
    [generationId, ANALYSIS_VERSION, error.slice(0, 500)],
  );
}

function toAnalysis(r: Raw): TrackAnalysis | null {
  if (!Array.isArray(r.embedding)) return null;
  return {
    version: Number(r.version),
    tempoBpm: numOrNull(r.tempo_bpm),
    tempoConfidence: Number(r.tempo_confidence ?? 0),
    keyPitchClass: numOrNull(r.key_pc),
    mode: r.mode === 'major' || r.mode === 'minor' ? r.mode : null,
    keyConfidence: Number(r.key_confidence ?? 0),
    loudnessLufs: numOrNull(r.loudness_lufs),
    truePeakDbtp: numOrNull(r.true_peak_dbtp),
    centroidHz: Number(r.centroid_hz ?? 0),
    energy: Number(r.energy ?? 0),
    onsetsPerS: Number(r.onsets_per_s ?? 0),
    embedding: (r.embedding as unknown[]).map(Number),
    analysedMs: Number(r.analysed_ms ?? 0),
  };
}

export type AnalysisState = { state: 'done'; analysis: TrackAnalysis } | { state: 'failed'; error: string } | { state: 'none' };

export async function getAnalysis(em: EntityManager, generationId: string): Promise<AnalysisState> {
  if (!isGenerationId(generationId)) return { state: 'none' };
  const rows = await exec(em, `select * from track_analyses where generation_id = ?`, [generationId]);
  const r = rows[0];
  if (!r) return { state: 'none' };
  const analysis = toAnalysis(r);
  return analysis ? { state: 'done', analysis } : { state: 'failed', error: String(r.error ?? 'analysis failed') };
}

export interface BackfillItem { id: string; storagePath: string; createdAt: Date }

/**
 * Finished tracks with stored audio and no analysis yet (or, with `redoBelowVersion`, one made
 * by an older analyser), oldest first after `after` (a keyset cursor, so a long backfill
 * restarts where it stopped instead of scanning from the start). Failed analyses are skipped
 * unless `retryFailed`.
 */
export async function listUnanalysed(
  em: EntityManager,
  opts: { limit: number; after?: { createdAt: Date; id: string }; retryFailed?: boolean; redoBelowVersion?: number },
): Promise<BackfillItem[]> {
  const rows = await exec(
    em,
    `select g.id, g.storage_path, g.created_at from generations g
     left join track_analyses a on a.generation_id = g.id
     where g.status = 'completed' and g.storage_path is not null and g.deleted_at is null
       and (a.generation_id is null
            or (a.embedding is null and ?::boolean)
            or (a.embedding is not null and a.version < ?::int))
       and (?::timestamptz is null or (g.created_at, g.id) > (?::timestamptz, ?::uuid))
     order by g.created_at, g.id limit ?`,
    [
      opts.retryFailed ?? false, opts.redoBelowVersion ?? 0,
      opts.after?.createdAt ?? null, opts.after?.createdAt ?? null, opts.after?.id ?? null, opts.limit,
    ],
  );
  return rows.map((r) => ({ id: String(r.id), storagePath: String(r.storage_path), createdAt: new Date(String(r.created_at)) }));
}

/** How many tracks `listUnanalysed` would return in all (for the progress bar). */
export async function countUnanalysed(em: EntityManager, opts: { retryFailed?: boolean; redoBelowVersion?: number } = {}): Promise<number> {
  const rows = await exec(
    em,
    `select count(*)::int as n from generations g left join track_analyses a on a.generation_id = g.id
     where g.status = 'completed' and g.storage_path is not null and g.deleted_at is null
       and (a.generation_id is null or (a.embedding is null and ?::boolean) or (a.embedding is not null and a.version < ?::int))`,
    [opts.retryFailed ?? false, opts.redoBelowVersion ?? 0],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface SimilarTrack {
  generation: GenerationRow;
  analysis: TrackAnalysis;
  /** Euclidean distance between the embeddings (0 = the same descriptor). */
  distance: number;
  reasons: SimilarReason[];
}

export type SimilarBackend = 'cube' | 'pgvector';

/** Candidates the summary index hands to the exact re-ranking (see migration 20261204182500). */
export const CANDIDATES = 200;

/** pgvector when its extension and our index on it exist, else cube (checked per call: one catalog read). */
export async function similarBackend(em: EntityManager): Promise<SimilarBackend> {
  const rows = await exec(
    em,
    `select exists (select 1 from pg_extension where extname = 'vector')
        and to_regclass('track_analyses_embedding_vec_idx') is not null as vec`,
  );
  return rows[0]?.vec === true ? 'pgvector' : 'cube';
}

function distanceSql(backend: SimilarBackend): string {
  return backend === 'pgvector'
    ? `(a.embedding::vector(${EMBEDDING_DIMS}) operator(public.<->) (array[?]::float8[])::vector(${EMBEDDING_DIMS}))`
    : `(public.cube(a.embedding) operator(public.<->) public.cube(array[?]::float8[]))`;
}

/**
 * The `limit` tracks nearest to `generationId` among the finished, stored, undeleted tracks of
 * the same server (never another server's), with the reasons in words. Null when the track is not
 * this server's or has no analysis yet.
 */
export async function similarTracks(
  em: EntityManager,
  scope: { platform: Platform; guildId: string },
  generationId: string,
  limit = 5,
  backend?: SimilarBackend,
): Promise<{ target: TrackAnalysis; tracks: SimilarTrack[] } | null> {
  if (!isGenerationId(generationId)) return null;
  const targetRows = await exec(
    em,
    `select a.* from track_analyses a join generations g on g.id = a.generation_id
     where a.generation_id = ? and g.platform = ? and g.guild_id = ? and g.deleted_at is null`,
    [generationId, scope.platform, scope.guildId],
  );
  const target = targetRows[0] ? toAnalysis(targetRows[0]) : null;
  if (!target) return null;
  const chosen = backend ?? (await similarBackend(em));
  const distance = distanceSql(chosen);
  const k = Math.min(Math.max(1, Math.floor(limit)), 25);
  // Stage 1: CANDIDATES by the summary through the GiST index, this server's visible tracks only;
  // stage 2: the nearest k of them by the full embedding.
  const rows = await exec(
    em,
    `select c.generation_id, ${distance.replaceAll('a.embedding', 'c.embedding')} as distance from (
       select a.generation_id, a.embedding from track_analyses a
       join generations g on g.id = a.generation_id
       where a.embedding is not null and a.generation_id <> ? and g.platform = ? and g.guild_id = ?
         and g.status = 'completed' and g.deleted_at is null and g.expired_at is null and g.storage_path is not null
       order by ${chosen === 'pgvector' ? distance : `public.ditty_coarse(a.embedding) operator(public.<->) public.ditty_coarse(array[?]::float8[])`}
       limit ${CANDIDATES}
     ) c order by 2 limit ?`,
    [target.embedding, generationId, scope.platform, scope.guildId, target.embedding, k],
  );
  if (!rows.length) return { target, tracks: [] };
  const ids = rows.map((r) => String(r.generation_id));
  const gens = await exec(em, `${SELECT_GENERATION} where g.id in (?)`, [ids]);
  const analyses = await exec(em, `select * from track_analyses where generation_id in (?)`, [ids]);
  const genById = new Map(gens.map((r) => [String(r.id), toGenerationRow(r)]));
  const anById = new Map(analyses.map((r) => [String(r.generation_id), toAnalysis(r)]));
  const tracks: SimilarTrack[] = [];
  for (const r of rows) {
    const id = String(r.generation_id);
    const generation = genById.get(id);
    const analysis = anById.get(id);
    if (!generation || !analysis) continue; // deleted between the two reads
    tracks.push({
      generation, analysis, distance: Number(r.distance),
      reasons: similarReasons(target, analysis, groupDistance(target.embedding, analysis.embedding, 'timbre')),
    });
  }
  return { target, tracks };
}
