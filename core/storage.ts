/**
 * Where encoded tracks live on disk, and the public tokens that name them in links.
 * Files sit under DATA_DIR in sharded directories keyed by generation id; links never carry the
 * id or a path, only the generation's random public token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
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
  // Created here rather than by the writer (ffmpeg), so a directory that cannot be written fails
  // with its errno (EACCES, EROFS, ENOSPC) instead of a tool's stderr text.
  await (await open(tmpPath, 'wx')).close();
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

/** Bytes an unprivileged process may still write under `dir` (statfs of its filesystem). */
export async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

/**
 * Removes `.tmp` files that a crashed encode left under `<dataDir>/tracks`, when older than
 * `olderThanMs` (younger ones may belong to an encode running now in another worker sharing
 * the directory). Returns how many were removed.
 */
export async function sweepTempFiles(dataDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  const root = path.resolve(dataDir, 'tracks');
  let removed = 0;
  for (const shard of await listDirs(root)) {
    for (const sub of await listDirs(path.join(root, shard))) {
      const dir = path.join(root, shard, sub);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue; // removed meanwhile
      }
      for (const name of names) {
        if (!name.endsWith('.tmp')) continue;
        const file = path.join(dir, name);
        const age = await stat(file).then((s) => now - s.mtimeMs, () => -1);
        if (age < olderThanMs) continue;
        await rm(file, { force: true });
        removed++;
      }
    }
  }
  return removed;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
