/**
 * Where encoded tracks live on disk, and the public tokens that name them in links.
 * Files sit under DATA_DIR in sharded directories keyed by generation id; links never carry the
 * id or a path, only the generation's random public token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export const TRACK_EXTENSIONS = ['ogg', 'mp3', 'wav'] as const;
export type TrackExtension = (typeof TRACK_EXTENSIONS)[number];

/**
 * 32 random bytes (256 bits) as 43 base64url characters, the format core/db/repo.ts stores in
 * generations.public_token. The last character carries 4 bits, so only 16 letters are canonical.
 */
const PUBLIC_TOKEN_BYTES = 32;
export const PUBLIC_TOKEN_LENGTH = 43;
const PUBLIC_TOKEN_RE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const GENERATION_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A fresh unguessable token for a generation's links (player page, audio, download). */
export function newPublicToken(): string {
  return randomBytes(PUBLIC_TOKEN_BYTES).toString('base64url');
}

/** Cheap shape check, done before any database lookup. */
export function isPublicToken(value: unknown): value is string {
  return typeof value === 'string' && PUBLIC_TOKEN_RE.test(value);
}

function assertGenerationId(generationId: string): void {
  // The id becomes a path segment: only a canonical uuid may get that far.
  if (!GENERATION_ID_RE.test(generationId)) throw new Error(`not a generation id: ${JSON.stringify(generationId.slice(0, 60))}`);
}

function trackDir(dataDir: string, generationId: string): string {
  assertGenerationId(generationId);
  const id = generationId.toLowerCase();
  // Two levels of 256 shards keep directories small at millions of tracks.
  return path.resolve(dataDir, 'tracks', id.slice(0, 2), id.slice(2, 4));
}

/** Absolute path of a generation's encoded file, e.g. `<data>/tracks/3f/a2/3fa2….ogg`. */
export function trackPath(dataDir: string, generationId: string, ext: TrackExtension): string {
  if (!TRACK_EXTENSIONS.includes(ext)) throw new Error(`unsupported track extension: ${String(ext)}`);
  return path.join(trackDir(dataDir, generationId), `${generationId.toLowerCase()}.${ext}`);
}

export interface AtomicFile {
  /** Write here; readers never see it under the final name until commit(). */
  tmpPath: string;
  finalPath: string;
  /** Renames the temporary file into place (atomic on one filesystem). */
  commit(): Promise<void>;
  /** Removes the temporary file; safe to call after a failure or twice. */
  discard(): Promise<void>;
}

/**
 * Prepares an atomic write of `finalPath`: the temporary file is a sibling so that rename()
 * never crosses filesystems, and a crash leaves only a `.tmp` file, never a truncated track.
 */
export async function atomicFile(finalPath: string): Promise<AtomicFile> {
  await mkdir(path.dirname(finalPath), { recursive: true });
  const tmpPath = `${finalPath}.${randomUUID()}.tmp`;
  return {
    tmpPath,
    finalPath,
    commit: () => rename(tmpPath, finalPath),
    discard: () => rm(tmpPath, { force: true }),
  };
}

/** Removes every stored file of a generation (any format); returns how many were removed. */
export async function removeTrack(dataDir: string, generationId: string): Promise<number> {
  const dir = trackDir(dataDir, generationId);
  const prefix = `${generationId.toLowerCase()}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  const mine = names.filter((n) => n.startsWith(prefix));
  await Promise.all(mine.map((n) => rm(path.join(dir, n), { force: true })));
  return mine.length;
}
