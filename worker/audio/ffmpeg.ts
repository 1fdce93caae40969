/**
 * Finds a working ffmpeg once per process. Order: FFMPEG_PATH (an explicit choice, so a bad one
 * is an error rather than a silent fallback), the optional `ffmpeg-static` package (its binary
 * download fails offline, so its exported path is checked, not trusted), then `ffmpeg` on PATH.
 */
import { execFile } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export type FfmpegSource = 'FFMPEG_PATH' | 'ffmpeg-static' | 'PATH';

export interface FfmpegLocation {
  ffmpeg: string;
  /** Same directory as ffmpeg when present there, else on PATH; null when nowhere (only tests need it). */
  ffprobe: string | null;
  source: FfmpegSource;
  /** First line of `ffmpeg -version`, for start-up logs. */
  version: string;
}

export class FfmpegNotFoundError extends Error {
  /** One line per place that was tried and why it was rejected. */
  readonly tried: string[];
  constructor(message: string, tried: string[]) {
    super(`${message}\n  tried:\n    ${tried.join('\n    ')}`);
    this.name = 'FfmpegNotFoundError';
    this.tried = tried;
  }
}

const INSTALL_HINT = 'set FFMPEG_PATH to an ffmpeg binary, or install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg)';

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `<bin> -version` and returns its first line, or the reason it failed. */
async function probeVersion(bin: string): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const { stdout } = await execFileP(bin, ['-hide_banner', '-version'], { timeout: 10_000 });
    const first = stdout.split('\n', 1)[0]?.trim() ?? '';
    if (!/version/i.test(first)) return { ok: false, reason: `unexpected -version output: ${first.slice(0, 120)}` };
    return { ok: true, version: first };
  } catch (e) {
    return { ok: false, reason: `does not run (${(e as Error).message.split('\n', 1)[0]})` };
  }
}

async function findOnPath(name: string, envPath: string | undefined): Promise<string | null> {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** ffprobe lives beside ffmpeg in every distribution we know; PATH is the fallback. */
async function findFfprobe(ffmpeg: string, envPath: string | undefined): Promise<string | null> {
  const sibling = path.join(path.dirname(ffmpeg), path.basename(ffmpeg).replace(/ffmpeg/i, 'ffprobe'));
  if (sibling !== ffmpeg && (await isExecutableFile(sibling))) return sibling;
  return findOnPath('ffprobe', envPath);
}

async function ffmpegStaticPath(): Promise<{ path: string | null; reason?: string }> {
  try {
    // Optional dependency: absent when its install failed, so it is imported lazily.
    const mod = (await import('ffmpeg-static' as string)) as { default?: unknown };
    const p = mod.default;
    return typeof p === 'string' && p ? { path: p } : { path: null, reason: 'exports no binary path for this platform' };
  } catch {
    return { path: null, reason: 'package not installed' };
  }
}

async function locate(env: NodeJS.ProcessEnv): Promise<FfmpegLocation> {
  const tried: string[] = [];
  const explicit = env.FFMPEG_PATH?.trim();
  if (explicit) {
    const abs = path.resolve(explicit);
    if (!(await isExecutableFile(abs))) {
      throw new FfmpegNotFoundError(`FFMPEG_PATH=${explicit} is not an executable file: fix FFMPEG_PATH or unset it to use ffmpeg from PATH (Debian/Ubuntu: apt-get install ffmpeg)`, [`FFMPEG_PATH=${explicit}: missing or not executable`]);
    }
    const v = await probeVersion(abs);
    if (!v.ok) throw new FfmpegNotFoundError(`FFMPEG_PATH=${explicit} ${v.reason}: fix FFMPEG_PATH or unset it`, [`FFMPEG_PATH=${explicit}: ${v.reason}`]);
    return { ffmpeg: abs, ffprobe: await findFfprobe(abs, env.PATH), source: 'FFMPEG_PATH', version: v.version };
  }
  tried.push('FFMPEG_PATH: not set');

  const fromStatic = await ffmpegStaticPath();
  if (fromStatic.path) {
    if (await isExecutableFile(fromStatic.path)) {
      const v = await probeVersion(fromStatic.path);
      if (v.ok) return { ffmpeg: fromStatic.path, ffprobe: await findFfprobe(fromStatic.path, env.PATH), source: 'ffmpeg-static', version: v.version };
      tried.push(`ffmpeg-static (${fromStatic.path}): ${v.reason}`);
    } else {
      tried.push(`ffmpeg-static (${fromStatic.path}): binary missing (its download fails offline)`);
    }
  } else {
    tried.push(`ffmpeg-static: ${fromStatic.reason}`);
  }

  const onPath = await findOnPath('ffmpeg', env.PATH);
  if (onPath) {
    const v = await probeVersion(onPath);
    if (v.ok) return { ffmpeg: onPath, ffprobe: await findFfprobe(onPath, env.PATH), source: 'PATH', version: v.version };
    tried.push(`PATH (${onPath}): ${v.reason}`);
  } else {
    tried.push('PATH: no ffmpeg');
  }
  throw new FfmpegNotFoundError(`ffmpeg not found: ${INSTALL_HINT}`, tried);
}

const cache = new Map<string, Promise<FfmpegLocation>>();

/**
 * Locates and verifies ffmpeg; the result (or failure) is cached per FFMPEG_PATH and PATH, so the
 * `-version` check runs once per process. Call at start-up so a missing ffmpeg fails loudly there.
 */
export function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): Promise<FfmpegLocation> {
  const key = `${env.FFMPEG_PATH ?? ''}\0${env.PATH ?? ''}`;
  let found = cache.get(key);
  if (!found) {
    found = locate(env);
    cache.set(key, found);
  }
  return found;
}

/** Forgets cached locations (tests that change the environment). */
export function resetFfmpegCache(): void {
  cache.clear();
}
