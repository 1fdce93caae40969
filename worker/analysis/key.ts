/**
 * Chroma (pitch-class energy) from spectral peaks, and the key whose profile it correlates with
 * best. Peaks only: a bin beside a peak is the window's leakage, not a note, and counting it
 * smears a bass note over its neighbours' semitones.
 */
import type { Mode } from '../../core/music.ts';
import type { Spectrogram } from './spectrum.ts';

const LOW_HZ = 50;
const HIGH_HZ = 2000;

/** Mean chroma over the track, each frame normalised first so loud bars do not outvote quiet ones. */
export function chroma(spec: Spectrogram): Float64Array {
  const { mag, frames, bins, size, sampleRate } = spec;
  const binHz = sampleRate / size;
  const lo = Math.max(2, Math.floor(LOW_HZ / binHz));
  const hi = Math.min(bins - 2, Math.ceil(HIGH_HZ / binHz));
  const total = new Float64Array(12);
  const frame = new Float64Array(12);
  for (let f = 0; f < frames; f++) {
    frame.fill(0);
    const row = f * bins;
    let max = 0;
    for (let b = lo; b <= hi; b++) if (mag[row + b]! > max) max = mag[row + b]!;
    if (max <= 0) continue;
    const floor = max * 0.01; // peaks 40 dB under the frame's loudest are noise
    for (let b = lo; b <= hi; b++) {
      const m = mag[row + b]!;
      if (m < floor || m < mag[row + b - 1]! || m <= mag[row + b + 1]!) continue;
      // Parabolic interpolation of the peak's true frequency from its neighbours (log magnitudes).
      const l = Math.log(mag[row + b - 1]! + 1e-12);
      const c = Math.log(m + 1e-12);
      const r = Math.log(mag[row + b + 1]! + 1e-12);
      const denom = l - 2 * c + r;
      const offset = denom < 0 ? (0.5 * (l - r)) / denom : 0;
      const hz = (b + offset) * binHz;
      const midi = 69 + 12 * Math.log2(hz / 440);
      const pc = ((Math.round(midi) % 12) + 12) % 12;
      frame[pc] = frame[pc]! + Math.sqrt(m);
    }
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += frame[i]!;
    if (sum > 0) for (let i = 0; i < 12; i++) total[i] = total[i]! + frame[i]! / sum;
  }
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += total[i]!;
  if (sum > 0) for (let i = 0; i < 12; i++) total[i] = total[i]! / sum;
  return total;
}

/**
 * Krumhansl-Kessler probe-tone profiles. Against Temperley's Kostka-Payne profiles on the engine's
 * 39 styles x 2 seeds (30 s): KK read 63 of 78 keys exactly (13 more wrong), Temperley 52 exactly
 * and 13 as the relative key, so KK.
 */
const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

function correlation(a: ArrayLike<number>, b: ArrayLike<number>, shift: number): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < 12; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= 12;
  mb /= 12;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < 12; i++) {
    const x = a[(i + shift) % 12]! - ma;
    const y = b[i]! - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

export interface Key {
  pitchClass: number | null;
  mode: Mode | null;
  confidence: number;
}

export function estimateKey(c: Float64Array): Key {
  if (!c.some((v) => v > 0)) return { pitchClass: null, mode: null, confidence: 0 };
  let best: Key = { pitchClass: null, mode: null, confidence: -1 };
  for (let pc = 0; pc < 12; pc++) {
    for (const [mode, profile] of [['major', MAJOR], ['minor', MINOR]] as const) {
      const r = correlation(c, profile, pc);
      if (r > best.confidence) best = { pitchClass: pc, mode, confidence: r };
    }
  }
  return { ...best, confidence: Math.max(0, best.confidence) };
}
