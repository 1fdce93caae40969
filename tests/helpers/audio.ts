/**
 * Independent measurements of rendered audio for tests: WAV writing, aubio's beat tracker,
 * ffmpeg's EBU R128 meter, a chroma key estimate (Krumhansl-Kessler profiles) and simple
 * spectral descriptors. Nothing here shares code with the engine it checks.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import FFT from 'fft.js';
import { PITCH_CLASSES, type Mode, type PitchClass } from '../../core/music.ts';

const run = promisify(execFile);

/** 16-bit PCM WAV (aubio and ffmpeg both read it). */
export function wavBytes(pcm: Float32Array, sampleRate: number, channels: number): Buffer {
  const n = pcm.length;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm[i]! * 32767))), 44 + 2 * i);
  return buf;
}

export async function writeWav(path: string, pcm: Float32Array, sampleRate: number, channels: number): Promise<void> {
  await writeFile(path, wavBytes(pcm, sampleRate, channels));
}

/**
 * aubio's whole-file tempo estimate, bpm. `window` 2048 by default: with aubio's own default of
 * 1024 the tracker skips beats on slow tempos and reads a 90 bpm metronome as 82 bpm. Pass 1024 to
 * read a file as `aubio tempo -i` does when typed with no options.
 */
export async function aubioTempo(path: string, window: 1024 | 2048 = 2048): Promise<number> {
  // bounded: the examples grid now reads the delivered .ogg, decoded by aubio's own libav
  const { stdout } = await run('aubio', ['tempo', '-B', String(window), '-H', '512', '-i', path], { timeout: 60_000 });
  const m = /([\d.]+)\s*bpm/.exec(stdout.trim().split('\n').at(-1) ?? '');
  if (!m) throw new Error(`aubio printed no tempo: ${stdout}`);
  return Number(m[1]);
}

/** Integrated loudness (LUFS), true peak (dBTP) and loudness range (LU) as ffmpeg's ebur128 filter measures them. */
export async function ebur128(path: string): Promise<{ lufs: number; truePeak: number; lra: number }> {
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  const { stderr } = await run(ffmpeg, ['-hide_banner', '-nostats', '-i', path, '-af', 'ebur128=peak=true', '-f', 'null', '-'], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const lufs = Number(/I:\s*(-?[\d.]+|-inf)\s*LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/True peak:\s*Peak:\s*(-?[\d.]+|-inf)/.exec(summary)?.[1]);
  const lra = Number(/LRA:\s*(-?[\d.]+)\s*LU\b/.exec(summary)?.[1]);
  return { lufs, truePeak, lra };
}

export function mono(pcm: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(pcm.length / channels);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += pcm[i * channels + c]!;
    out[i] = s / channels;
  }
  return out;
}

/** Magnitude spectra of Hann-windowed frames. */
export function* spectra(x: Float32Array, size = 4096, hop = 2048): Generator<Float64Array> {
  const fft = new FFT(size);
  const input = new Array<number>(size);
  const out = fft.createComplexArray() as number[];
  const win = Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
  for (let start = 0; start + size <= x.length; start += hop) {
    for (let i = 0; i < size; i++) input[i] = x[start + i]! * win[i]!;
    fft.realTransform(out, input);
    const mag = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) mag[k] = Math.hypot(out[2 * k]!, out[2 * k + 1]!);
    yield mag;
  }
}

const KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

/** Pitch-class profile from spectral peaks between 50 Hz and 2 kHz. */
export function chroma(x: Float32Array, sampleRate: number): number[] {
  const size = 8192;
  const c = new Array<number>(12).fill(0);
  for (const mag of spectra(x, size, size)) {
    for (let k = 2; k < mag.length - 1; k++) {
      const f = (k * sampleRate) / size;
      if (f < 50 || f > 2000) continue;
      if (mag[k]! <= mag[k - 1]! || mag[k]! < mag[k + 1]!) continue; // local peaks only
      const midi = 69 + 12 * Math.log2(f / 440);
      const pc = ((Math.round(midi) % 12) + 12) % 12;
      c[pc]! += Math.sqrt(mag[k]!);
    }
  }
  return c;
}

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** Krumhansl-Schmuckler key estimate. */
export function estimateKey(x: Float32Array, sampleRate: number): { key: PitchClass; mode: Mode; r: number } {
  const c = chroma(x, sampleRate);
  let best = { key: 'C' as PitchClass, mode: 'major' as Mode, r: -2 };
  for (let t = 0; t < 12; t++) {
    for (const [mode, prof] of [['major', KK_MAJOR], ['minor', KK_MINOR]] as const) {
      const rotated = prof.map((_, i) => prof[(i - t + 12) % 12]!);
      const r = correlation(c, rotated);
      if (r > best.r) best = { key: PITCH_CLASSES[t]!, mode, r };
    }
  }
  return best;
}

export interface Descriptors {
  /** Mean spectral centroid of non-silent frames, Hz. */
  centroidHz: number;
  /** Spectral-flux onsets per second. */
  onsetsPerS: number;
  /** Share of energy below 150 Hz. */
  lowShare: number;
  /** Short-term loudness spread: share of frames quieter than -30 dB under the loudest. */
  quietShare: number;
}

export function describe(x: Float32Array, sampleRate: number): Descriptors {
  const size = 2048;
  const hop = 512;
  let centroidSum = 0, centroidN = 0, low = 0, total = 0;
  const flux: number[] = [];
  const energies: number[] = [];
  let prev: Float64Array | undefined;
  const lowBin = Math.round((150 * size) / sampleRate);
  for (const mag of spectra(x, size, hop)) {
    let e = 0, fw = 0, fl = 0;
    for (let k = 1; k < mag.length; k++) {
      const p = mag[k]! * mag[k]!;
      e += p;
      fw += p * ((k * sampleRate) / size);
      if (k < lowBin) low += p;
      if (prev) fl += Math.max(0, Math.log1p(mag[k]!) - Math.log1p(prev[k]!));
    }
    total += e;
    energies.push(e);
    if (e > 1e-6) (centroidSum += fw / e), centroidN++;
    flux.push(fl);
    prev = mag;
  }
  // onsets: flux peaks above a moving median threshold
  let onsets = 0;
  for (let i = 1; i < flux.length - 1; i++) {
    const win = flux.slice(Math.max(0, i - 8), i + 9).sort((a, b) => a - b);
    const thr = win[Math.floor(win.length / 2)]! * 1.5 + 1e-3 * Math.max(...flux);
    if (flux[i]! > thr && flux[i]! >= flux[i - 1]! && flux[i]! > flux[i + 1]!) onsets++;
  }
  const maxE = Math.max(...energies);
  const quiet = energies.filter((e) => e < maxE * 1e-3).length / energies.length;
  return {
    centroidHz: centroidSum / Math.max(1, centroidN),
    onsetsPerS: onsets / (x.length / sampleRate),
    lowShare: low / Math.max(total, 1e-12),
    quietShare: quiet,
  };
}

/** aubio's pitch track of a file (YIN on 4096-sample windows, which hold two periods of E1):
 * the median MIDI pitch of its voiced frames. (Its default, yinfft on 2048, reads E2 a
 * quarter-tone sharp.) */
export async function aubioPitch(path: string): Promise<number> {
  const { stdout } = await run('aubio', ['pitch', '-m', 'yin', '-B', '4096', '-u', 'midi', '-s', '-50', '-i', path]);
  const midi = stdout.trim().split('\n').map((l) => Number(l.split(/\s+/)[1])).filter((m) => m > 0).sort((a, b) => a - b);
  if (!midi.length) throw new Error('aubio heard no pitch');
  return midi[Math.floor(midi.length / 2)]!;
}

/** Pearson correlation of the left and right channels of interleaved stereo. */
export function stereoCorrelation(pcm: Float32Array): number {
  let l2 = 0, r2 = 0, lr = 0, l = 0, r = 0;
  const n = pcm.length / 2;
  for (let i = 0; i < n; i++) {
    const a = pcm[2 * i]!;
    const b = pcm[2 * i + 1]!;
    (l += a), (r += b), (l2 += a * a), (r2 += b * b), (lr += a * b);
  }
  const cov = lr / n - (l / n) * (r / n);
  return cov / Math.sqrt((l2 / n - (l / n) ** 2) * (r2 / n - (r / n) ** 2));
}

/** Energy (dB) of a mono signal's spectrum between two frequencies, averaged over frames. */
export function bandDb(x: Float32Array, sampleRate: number, loHz: number, hiHz: number): number {
  const size = 4096;
  let e = 0, n = 0;
  for (const mag of spectra(x, size, size / 2)) {
    for (let k = Math.ceil((loHz * size) / sampleRate); k < Math.min(mag.length, (hiHz * size) / sampleRate); k++) (e += mag[k]! ** 2), n++;
  }
  return 10 * Math.log10(e / Math.max(1, n) + 1e-30);
}
