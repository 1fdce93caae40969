/**
 * Rendered PCM → Ogg Opus, MP3 or WAV through one ffmpeg process per encode. PCM is streamed to
 * ffmpeg (through a Unix socket, or its stdin; no temporary WAV), and the format and bitrate are chosen to fit the size limit
 * of the platform that will receive the file.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RenderedAudio } from '../../core/engine.ts';
import { RenderErrorCode } from '../../core/errors.ts';
import { atomicFile, trackPath, type AtomicFile, type TrackExtension } from '../../core/storage.ts';
import { locateFfmpeg } from './ffmpeg.ts';
import { inputSocket, spawnRemote } from './spawner.ts';

export type AudioFormat = 'opus' | 'mp3' | 'wav';

interface FormatInfo {
  ext: TrackExtension;
  mime: string;
  muxer: string;
}

export const FORMATS: Readonly<Record<AudioFormat, FormatInfo>> = {
  opus: { ext: 'ogg', mime: 'audio/ogg', muxer: 'ogg' },
  mp3: { ext: 'mp3', mime: 'audio/mpeg', muxer: 'mp3' },
  wav: { ext: 'wav', mime: 'audio/wav', muxer: 'wav' },
};

/** Opus is transparent for music well below 192 kbps; under 48 kbps stereo music audibly smears. */
export const OPUS_KBPS = { min: 48, max: 192 } as const;
/** MPEG-1 Layer III CBR rates from the lowest we would still call music quality. */
export const MP3_KBPS = [96, 112, 128, 160, 192, 224, 256, 320] as const;

/** Discord's default upload limit for servers without boosts. */
export const DISCORD_DEFAULT_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * Share of the size limit we aim for, plus a fixed allowance: container pages, ID3/Xing headers
 * and libopus's VBR swing stay under this, so the first encode almost always fits.
 */
const SIZE_MARGIN = 0.92;
const FIXED_OVERHEAD_BYTES = 16 * 1024;

export type Encoding = { format: AudioFormat; bitrateKbps: number } | { format: null };

export interface ChooseEncodingInput {
  durationS: number;
  sizeLimitBytes: number;
  /** The user's format preference; tried first, then Opus. @defaultValue 'opus' */
  preferred?: AudioFormat;
  /** Only WAV's size depends on these. @defaultValue 48000 */
  sampleRate?: number;
  /** @defaultValue 2 */
  channels?: number;
  /** Caps the bitrate below what the limit allows (re-encodes after an overshoot). */
  maxKbps?: number;
}

function wavKbps(sampleRate: number, channels: number): number {
  return (sampleRate * channels * 16) / 1000;
}

/** Largest bitrate of `format` whose file fits `budgetBytes`, or null when even the lowest does not. */
function fittingKbps(format: AudioFormat, durationS: number, budgetBytes: number, sampleRate: number, channels: number, maxKbps = Infinity): number | null {
  const affordable = (budgetBytes * 8) / durationS / 1000;
  switch (format) {
    case 'opus': {
      const k = Math.floor(Math.min(affordable, OPUS_KBPS.max, maxKbps) / 8) * 8;
      return k >= OPUS_KBPS.min ? k : null;
    }
    case 'mp3': {
      const fits = MP3_KBPS.filter((k) => k <= affordable && k <= maxKbps);
      return fits.length ? fits[fits.length - 1]! : null;
    }
    case 'wav': {
      const k = wavKbps(sampleRate, channels);
      return k <= affordable && k <= maxKbps ? k : null;
    }
  }
}

/**
 * Best format and bitrate whose file fits `sizeLimitBytes` with a safety margin: the preferred
 * format first, then Opus (the best quality per byte); `{ format: null }` means post a link.
 */
export function chooseEncoding(input: ChooseEncodingInput): Encoding {
  const { durationS, sizeLimitBytes, preferred = 'opus', sampleRate = 48_000, channels = 2, maxKbps } = input;
  if (!(durationS > 0) || !Number.isFinite(durationS)) throw new RangeError(`durationS must be a positive number, got ${durationS}`);
  if (!(sizeLimitBytes > 0)) throw new RangeError(`sizeLimitBytes must be positive, got ${sizeLimitBytes}`);
  const budget = sizeLimitBytes * SIZE_MARGIN - FIXED_OVERHEAD_BYTES;
  if (budget <= 0) return { format: null };
  const order: AudioFormat[] = preferred === 'opus' ? ['opus'] : [preferred, 'opus'];
  for (const format of order) {
    const cap = format === preferred ? maxKbps : undefined;
    const k = fittingKbps(format, durationS, budget, sampleRate, channels, cap);
    if (k !== null) return { format, bitrateKbps: k };
  }
  return { format: null };
}

export class EncodeError extends Error {
  readonly code = RenderErrorCode.EncodeFailed;
  readonly exitCode: number | null;
  /** Last lines ffmpeg wrote to stderr: the actual reason. */
  readonly stderrTail: string;
  constructor(message: string, exitCode: number | null, stderrTail: string) {
    super(stderrTail ? `${message}: ${stderrTail}` : message);
    this.name = 'EncodeError';
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

export interface EncodeOptions {
  format: AudioFormat;
  /** Ignored for WAV. */
  bitrateKbps: number;
  /** Final path; written atomically (sibling temp file, then rename). */
  outPath: string;
  /** Aborting kills ffmpeg and removes the partial file. */
  signal?: AbortSignal;
  /** ffmpeg binary; @defaultValue what `locateFfmpeg()` finds from process.env */
  ffmpeg?: string;
  /** How ffmpeg is started (spawner.ts); @defaultValue 'helper' */
  launcher?: Launcher;
}

/**
 * 'helper': ffmpeg is started by a small helper process and reads the PCM from a Unix socket, so
 * the worker never forks itself (spawner.ts says why). 'direct': spawned here, PCM on its stdin.
 */
export type Launcher = 'helper' | 'direct';

export interface EncodeResult {
  format: AudioFormat;
  bitrateKbps: number;
  path: string;
  sizeBytes: number;
  sha256: string;
  /** Wall time from spawning ffmpeg to the file being in place. */
  encodeMs: number;
  mime: string;
  ext: TrackExtension;
  /** Sample rate of the encoded stream (48 kHz for Opus whatever the input). */
  sampleRate: number;
  channels: number;
}

/** Sample rates MP3 carries at full bitrate (MPEG-1); others are resampled to 48 kHz. */
const MP3_NATIVE_RATES = new Set([32_000, 44_100, 48_000]);

/** ffmpeg arguments for one encode; exported so the benchmark measures exactly what ships. */
export function ffmpegArgs(
  audio: Pick<RenderedAudio, 'sampleRate' | 'channels'>, format: AudioFormat, bitrateKbps: number, out: string, from = 'pipe:0',
): string[] {
  const input = ['-f', 'f32le', '-ar', String(audio.sampleRate), '-ac', String(audio.channels), '-i', from];
  let codec: string[];
  switch (format) {
    case 'opus':
      codec = [
        '-c:a', 'libopus', '-b:a', `${bitrateKbps}k`,
        // Without this, Debian's ffmpeg 5.1 picks 24 kHz for 32 kHz input and cuts all above 12 kHz.
        '-ar', '48000',
        // Complexity 6 instead of 10 cuts encode time by about a quarter (bench/transcode.ts);
        // 60 ms packets carry three CELT frames each, saving per-packet work and Ogg overhead.
        '-compression_level', '6', '-frame_duration', '60',
        // Constrained VBR keeps the size close to the target so the first encode fits the limit.
        '-vbr', 'constrained',
      ];
      break;
    case 'mp3':
      codec = ['-c:a', 'libmp3lame', '-b:a', `${bitrateKbps}k`, ...(MP3_NATIVE_RATES.has(audio.sampleRate) ? [] : ['-ar', '48000'])];
      break;
    case 'wav':
      codec = ['-c:a', 'pcm_s16le'];
      break;
  }
  // -nostdin only stops ffmpeg's keyboard handling; pipe:0 still reads stdin as input.
  // +bitexact: the Ogg muxer otherwise draws a random stream serial number per file, so the same
  // prompt and seed gave a different .ogg each time (issue 11: the same seed is byte-identical).
  return ['-nostdin', '-hide_banner', '-loglevel', 'error', ...input, ...codec, '-map_metadata', '-1', '-fflags', '+bitexact', '-f', FORMATS[format].muxer, '-y', out];
}

function outputSampleRate(format: AudioFormat, inputRate: number): number {
  if (format === 'opus') return 48_000;
  if (format === 'mp3') return MP3_NATIVE_RATES.has(inputRate) ? inputRate : 48_000;
  return inputRate;
}

function assertAudio(audio: RenderedAudio): void {
  const { sampleRate, channels, pcm } = audio;
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192_000) throw new RangeError(`bad sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 8) throw new RangeError(`bad channel count ${channels}`);
  if (!(pcm instanceof Float32Array) || pcm.length === 0 || pcm.length % channels !== 0) {
    throw new RangeError('pcm must be a non-empty interleaved Float32Array whose length is a multiple of channels');
  }
}

/** Float32Array bytes as ffmpeg's f32le expects them, without copying on little-endian hosts. */
function pcmBytes(pcm: Float32Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = Buffer.allocUnsafe(pcm.byteLength);
  for (let i = 0; i < pcm.length; i++) out.writeFloatLE(pcm[i]!, i * 4);
  return out;
}

const INPUT_CHUNK_BYTES = 1 << 20;
const STDERR_KEEP_BYTES = 4096;

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('encode aborted');
  e.name = 'AbortError';
  return e;
}

/** An ffmpeg process with its output file, started before or when its PCM is ready. */
interface Launched {
  /** Where the PCM goes, once ffmpeg reads; rejects when ffmpeg ends or fails first. */
  input(): Promise<Writable>;
  /** Resolves with the exit code; rejects when ffmpeg could not be run. */
  exited: Promise<number | null>;
  stderrTail(): string;
  kill(): void;
  file: AtomicFile;
}

type FfmpegArgs = (tmpPath: string, from: string) => string[];

async function launch(args: FfmpegArgs, outPath: string, ffmpeg: string, launcher: Launcher): Promise<Launched> {
  const file = await atomicFile(outPath);
  if (launcher === 'helper') {
    const socket = await inputSocket();
    const remote = spawnRemote(ffmpeg, args(file.tmpPath, socket.url));
    // A process that fails to start is reported by the encode that uses it (or by no one).
    remote.exited.catch(() => {});
    // Ended (or never ran) before it connected: nothing will read, so stop listening.
    void remote.exited.finally(socket.close).catch(() => {});
    const ended = remote.exited.then(() => {
      throw new Error('ffmpeg ended before it read its input');
    });
    ended.catch(() => {});
    return { input: () => Promise.race([socket.connected, ended]), exited: remote.exited, stderrTail: remote.stderrTail, kill: remote.kill, file };
  }
  const child = spawn(ffmpeg, args(file.tmpPath, 'pipe:0'), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_KEEP_BYTES);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  exited.catch(() => {});
  return { input: async () => child.stdin, exited, stderrTail: () => stderr, kill: () => child.kill('SIGKILL'), file };
}

/**
 * An encoder started ahead of its PCM (issue 11): ffmpeg loads ~200 shared libraries before it
 * reads a byte, about 100 ms on an idle 2-core machine and far more under load, so the pipeline
 * starts it when the render starts, for the format and bitrate the render will most likely need.
 * `encode` takes it when the arguments match and cancels it otherwise; whoever started it
 * cancels it when the render fails (cancel is a no-op once taken).
 */
export interface EarlyEncoder {
  /** Kills ffmpeg and removes its file unless an encode took it. */
  cancel(): Promise<void>;
}

interface EarlyEncoderState extends EarlyEncoder {
  key: string;
  /** The running process, once; null after cancel or when it was taken already. */
  take(): Promise<Launched> | null;
}

const encoderKey = (
  audio: Pick<RenderedAudio, 'sampleRate' | 'channels'>, format: AudioFormat, bitrateKbps: number, outPath: string, ffmpeg: string, launcher: Launcher,
) => JSON.stringify([audio.sampleRate, audio.channels, format, format === 'wav' ? 0 : bitrateKbps, outPath, ffmpeg, launcher]);

export async function startEncoder(
  audio: Pick<RenderedAudio, 'sampleRate' | 'channels'>,
  opts: Pick<EncodeOptions, 'format' | 'bitrateKbps' | 'outPath' | 'ffmpeg' | 'launcher'>,
): Promise<EarlyEncoder> {
  const launcher = opts.launcher ?? 'helper';
  const ffmpeg = opts.ffmpeg ?? (await locateFfmpeg()).ffmpeg;
  const bitrateKbps = opts.format === 'wav' ? wavKbps(audio.sampleRate, audio.channels) : opts.bitrateKbps;
  let launched: Promise<Launched> | null = launch((tmp, from) => ffmpegArgs(audio, opts.format, bitrateKbps, tmp, from), opts.outPath, ffmpeg, launcher);
  launched.catch(() => {});
  const state: EarlyEncoderState = {
    key: encoderKey(audio, opts.format, bitrateKbps, opts.outPath, ffmpeg, launcher),
    take() {
      const l = launched;
      launched = null;
      return l;
    },
    async cancel() {
      const l = state.take();
      if (!l) return;
      const running = await l.catch(() => null);
      if (!running) return;
      running.kill();
      await running.exited.catch(() => {});
      await running.file.discard();
    },
  };
  return state;
}

/**
 * Encodes `audio` to `outPath`. ffmpeg writes the file itself rather than a pipe because MP3's
 * Xing/LAME header and WAV's RIFF sizes are patched by seeking back at the end; the sha256 is then
 * read from the finished file (a few ms for a track). With `early` (startEncoder) for the same
 * arguments, its already running ffmpeg gets the PCM; any other early encoder is cancelled.
 */
export async function encode(audio: RenderedAudio, opts: EncodeOptions & { early?: EarlyEncoder }): Promise<EncodeResult> {
  assertAudio(audio);
  const { format, outPath, signal, launcher = 'helper' } = opts;
  const early = opts.early as EarlyEncoderState | undefined;
  const info = FORMATS[format];
  const bitrateKbps = format === 'wav' ? wavKbps(audio.sampleRate, audio.channels) : opts.bitrateKbps;
  if (format !== 'wav' && (!Number.isInteger(bitrateKbps) || bitrateKbps < 6 || bitrateKbps > 510)) {
    await early?.cancel();
    throw new RangeError(`bad bitrate ${bitrateKbps} kbps`);
  }
  if (signal?.aborted) {
    await early?.cancel();
    signal.throwIfAborted();
  }
  const ffmpeg = opts.ffmpeg ?? (await locateFfmpeg()).ffmpeg;
  // From here, the time is the encode's own: an early ffmpeg's start-up is not counted.
  const started = performance.now();
  const matching = early && early.key === encoderKey(audio, format, bitrateKbps, outPath, ffmpeg, launcher) ? early.take() : null;
  if (!matching) await early?.cancel();
  // Fails only with the file system's error (atomicFile); a spawn failure surfaces in `exited`.
  const running = await (matching ?? launch((tmp, from) => ffmpegArgs(audio, format, bitrateKbps, tmp, from), outPath, ffmpeg, launcher));
  const { exited, file, kill } = running;
  signal?.addEventListener('abort', kill, { once: true });
  try {
    if (signal?.aborted) kill();
    const bytes = pcmBytes(audio.pcm);
    // pipeline() honours backpressure; it rejects when ffmpeg closes its input early (or never
    // opens it), which the exit status then explains.
    const feed = running.input().then((input) => pipeline(
      Readable.from((function* chunks() {
        for (let off = 0; off < bytes.length; off += INPUT_CHUNK_BYTES) yield bytes.subarray(off, off + INPUT_CHUNK_BYTES);
      })()),
      input,
    )).catch(() => {});
    let code: number | null;
    try {
      code = await exited;
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw new EncodeError(`could not run ffmpeg (${(e as Error).message})`, null, '');
    }
    await feed;
    if (signal?.aborted) throw abortError(signal);
    if (code !== 0) {
      const tail = running.stderrTail().trim().split('\n').slice(-5).join('\n');
      throw new EncodeError(`ffmpeg exited with ${code ?? 'a signal'} encoding ${format}`, code, tail);
    }
    const [{ size }, sha256] = await Promise.all([stat(file.tmpPath), sha256File(file.tmpPath)]);
    await file.commit();
    return {
      format, bitrateKbps, path: outPath, sizeBytes: size, sha256, encodeMs: performance.now() - started, mime: info.mime, ext: info.ext,
      sampleRate: outputSampleRate(format, audio.sampleRate), channels: audio.channels,
    };
  } catch (e) {
    kill();
    await exited.catch(() => {});
    await file.discard();
    throw e;
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}

/** Where the file of each format goes: the generation's place under DATA_DIR, or any function. */
export type EncodeDestination = { dataDir: string; generationId: string } | { pathFor: (ext: TrackExtension) => string };

export type EncodeToFitOptions = EncodeDestination & {
  sizeLimitBytes: number;
  preferred?: AudioFormat;
  signal?: AbortSignal;
  /** Started by startEncoder for what `planEncoding` predicted; used by the first encode if it matches. */
  early?: EarlyEncoder;
  /** ffmpeg binary; @defaultValue what `locateFfmpeg()` finds from process.env */
  ffmpeg?: string;
  launcher?: Launcher;
};

export interface EncodeToFitResult extends EncodeResult {
  /** False: the file is over the limit (or no format fits), so post the link instead. */
  fitsInline: boolean;
  /** Encodes run, including re-encodes after an overshoot. */
  attempts: number;
  /** Sum over attempts. */
  totalEncodeMs: number;
}

/**
 * The first encode encodeToFit will run for audio of this shape and length (so that
 * startEncoder can start it early), or null when nothing fits inline (a link-only file).
 */
export function planEncoding(
  audio: Pick<RenderedAudio, 'sampleRate' | 'channels'> & { durationS: number },
  opts: EncodeDestination & { sizeLimitBytes: number; preferred?: AudioFormat },
): { format: AudioFormat; bitrateKbps: number; outPath: string } | null {
  const choice = chooseEncoding({ durationS: audio.durationS, sizeLimitBytes: opts.sizeLimitBytes, preferred: opts.preferred, sampleRate: audio.sampleRate, channels: audio.channels });
  if (choice.format === null) return null;
  const pathFor = 'pathFor' in opts ? opts.pathFor : (ext: TrackExtension) => trackPath(opts.dataDir, opts.generationId, ext);
  return { format: choice.format, bitrateKbps: choice.bitrateKbps, outPath: pathFor(FORMATS[choice.format].ext) };
}

/** What a link-only track is encoded as: no size limit applies, so the best of the format. */
const LINK_ONLY_KBPS: Record<AudioFormat, number> = { opus: OPUS_KBPS.max, mp3: 320, wav: 0 };
const MAX_ATTEMPTS = 4;

/**
 * Encodes at the best format and bitrate that fits `sizeLimitBytes`; when a VBR file still comes
 * out too large, re-encodes at a bitrate scaled down by the overshoot. Always leaves one file for
 * the link, even when nothing fits inline.
 */
export async function encodeToFit(audio: RenderedAudio, opts: EncodeToFitOptions): Promise<EncodeToFitResult> {
  assertAudio(audio);
  const { sizeLimitBytes, preferred = 'opus', signal, ffmpeg, launcher } = opts;
  const pathFor = 'pathFor' in opts ? opts.pathFor : (ext: TrackExtension) => trackPath(opts.dataDir, opts.generationId, ext);
  const durationS = audio.pcm.length / audio.channels / audio.sampleRate;
  const base = { durationS, sizeLimitBytes, preferred, sampleRate: audio.sampleRate, channels: audio.channels };
  let choice = chooseEncoding(base);
  let attempts = 0;
  let totalEncodeMs = 0;
  let last: EncodeResult | null = null;

  let early = opts.early;
  while (choice.format !== null && attempts < MAX_ATTEMPTS) {
    if (last && last.format !== choice.format) await rm(last.path, { force: true });
    last = await encode(audio, { format: choice.format, bitrateKbps: choice.bitrateKbps, outPath: pathFor(FORMATS[choice.format].ext), signal, ffmpeg, early, launcher });
    early = undefined;
    attempts++;
    totalEncodeMs += last.encodeMs;
    if (last.sizeBytes <= sizeLimitBytes) return { ...last, fitsInline: true, attempts, totalEncodeMs };
    // Overshoot: aim below the limit by the observed ratio, one step lower each further attempt.
    const scaled = Math.floor(last.bitrateKbps * (sizeLimitBytes / last.sizeBytes) * (SIZE_MARGIN - 0.04 * attempts));
    choice = chooseEncoding({ ...base, preferred: last.format, maxKbps: scaled });
    if (choice.format !== null && choice.format === last.format && choice.bitrateKbps >= last.bitrateKbps) break;
  }
  if (last) return { ...last, fitsInline: false, attempts, totalEncodeMs };
  await early?.cancel();

  const linkFormat = preferred;
  const linkFile = await encode(audio, { format: linkFormat, bitrateKbps: LINK_ONLY_KBPS[linkFormat], outPath: pathFor(FORMATS[linkFormat].ext), signal, ffmpeg, launcher });
  return { ...linkFile, fitsInline: false, attempts: 1, totalEncodeMs: linkFile.encodeMs };
}
