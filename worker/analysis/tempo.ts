/**
 * Tempo and onsets from an onset-strength envelope (log-mel spectral flux). The tempo is the
 * period whose multiples (1-4 beats) the envelope's autocorrelation agrees on best, refined to a
 * hundredth of a bpm over eight beats; a mild log-normal preference for 70-160 bpm settles the
 * half/double choice only when both levels score alike.
 */

export interface Onsets {
  /** Onset strength per frame, mean-removed and half-wave rectified. */
  envelope: Float64Array;
  /** Frames per second of `envelope`. */
  rate: number;
}

const RISE_FLOOR = 0.1;

/** Spectral flux over log-compressed band energies (frames × bands, row-major). */
export function onsetEnvelope(logBands: Float32Array, frames: number, bands: number, rate: number): Onsets {
  const raw = new Float64Array(frames);
  for (let f = 1; f < frames; f++) {
    let flux = 0;
    for (let b = 0; b < bands; b++) {
      const d = logBands[f * bands + b]! - logBands[(f - 1) * bands + b]!;
      // Rises under ~1 dB are a steady sound's frame-to-frame wobble, not an onset.
      if (d > RISE_FLOOR) flux += d;
    }
    raw[f] = flux;
  }
  // Remove a 1 s moving mean, so slow swells (pads, risers) do not read as pulses.
  const half = Math.round(rate / 2);
  const envelope = new Float64Array(frames);
  let sum = 0;
  let lo = 0;
  let hi = -1;
  for (let f = 0; f < frames; f++) {
    while (hi < Math.min(frames - 1, f + half)) sum += raw[++hi]!;
    while (lo < f - half) sum -= raw[lo++]!;
    envelope[f] = Math.max(0, raw[f]! - sum / (hi - lo + 1));
  }
  return { envelope, rate };
}

/** Normalised autocorrelation for lags 0..maxLag. */
function autocorrelation(x: Float64Array, maxLag: number): Float64Array {
  const acf = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = lag; i < x.length; i++) s += x[i]! * x[i - lag]!;
    acf[lag] = s / (x.length - lag);
  }
  const zero = acf[0]! || 1;
  for (let lag = 0; lag <= maxLag; lag++) acf[lag] = acf[lag]! / zero;
  return acf;
}

const at = (acf: Float64Array, lag: number): number => {
  const i = Math.floor(lag);
  if (i + 1 >= acf.length) return 0;
  const f = lag - i;
  return acf[i]! * (1 - f) + acf[i + 1]! * f;
};

/** Sum of the autocorrelation at 1..beats periods of `bpm`, each period a small peak search. */
function comb(acf: Float64Array, rate: number, bpm: number, beats: number): number {
  const period = (60 / bpm) * rate;
  let s = 0;
  // Whole beats, plus half weight on the off-beats between them: a groove's eighths agree with
  // its beat, while a period of 1.5 beats (dotted figures) finds nothing half-way.
  for (let m = 1; m <= beats; m++) s += at(acf, m * period) + 0.5 * at(acf, (m - 0.5) * period);
  return s / (1.5 * beats);
}

/**
 * Flux below this (summed over the bands, log1p(100 x level) units) is not an onset: a steady
 * tone's envelope is rounding noise, which relative thresholds alone would count as beats.
 */
export const ONSET_FLOOR = 0.2;

export const MIN_BPM = 50;
export const MAX_BPM = 220;

export interface Tempo {
  bpm: number | null;
  confidence: number;
  /** The autocorrelation at fractions and multiples of the beat (rhythm "shape", tempo-free). */
  pattern: number[];
}

/** Beat-relative lags the embedding keeps: sixteenths, triplets, eighths, dotted, beat, bar. */
export const PATTERN_LAGS = [0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1, 1.5, 2, 4];

export function estimateTempo(onsets: Onsets): Tempo {
  const { envelope, rate } = onsets;
  const maxLag = Math.min(envelope.length - 1, Math.ceil(((60 / MIN_BPM) * 8 + 1) * rate));
  const empty = { bpm: null, confidence: 0, pattern: PATTERN_LAGS.map(() => 0) };
  if (maxLag < rate * 2) return empty;
  const acf = autocorrelation(envelope, maxLag);
  if (!(acf[0]! > 0) || !envelope.some((v) => v > ONSET_FLOOR)) return empty;
  // A log-normal preference centred on 110 bpm, gentle enough that only near-ties are decided by it.
  const prior = (bpm: number) => Math.exp(-0.5 * (Math.log2(bpm / 115) / 0.8) ** 2);
  let best = 0;
  let bestScore = -Infinity;
  for (let bpm = MIN_BPM; bpm <= MAX_BPM; bpm += 0.25) {
    const score = comb(acf, rate, bpm, 4) * (0.5 + 0.5 * prior(bpm));
    if (score > bestScore) {
      bestScore = score;
      best = bpm;
    }
  }
  // Refine over eight beats: a lag error grows eightfold there, so the peak is eight times sharper.
  let refined = best;
  let refinedScore = -Infinity;
  for (let bpm = best * 0.985; bpm <= best * 1.015; bpm += 0.01) {
    const score = comb(acf, rate, bpm, 8);
    if (score > refinedScore) {
      refinedScore = score;
      refined = bpm;
    }
  }
  // Confidence: how far the beat comb stands above the autocorrelation's typical level.
  let typical = 0;
  let count = 0;
  for (let lag = Math.round(rate * 0.25); lag <= maxLag; lag++, count++) typical += acf[lag]!;
  typical /= Math.max(1, count);
  const confidence = Math.max(0, Math.min(1, (bestScore - typical) / 0.5));
  const period = (60 / refined) * rate;
  const pattern = PATTERN_LAGS.map((m) => at(acf, m * period));
  if (confidence < 0.05) return { bpm: null, confidence, pattern };
  return { bpm: Math.round(refined * 100) / 100, confidence, pattern };
}

/** Onset count per second: envelope peaks above a local threshold, at least 50 ms apart. */
export function onsetDensity(onsets: Onsets): number {
  const { envelope, rate } = onsets;
  if (envelope.length < 3) return 0;
  let mean = 0;
  for (const v of envelope) mean += v;
  mean /= envelope.length;
  let variance = 0;
  for (const v of envelope) variance += (v - mean) ** 2;
  const threshold = Math.max(ONSET_FLOOR, mean + 0.5 * Math.sqrt(variance / envelope.length));
  const gap = Math.max(1, Math.round(0.05 * rate));
  let count = 0;
  let last = -gap;
  for (let f = 1; f < envelope.length - 1; f++) {
    const v = envelope[f]!;
    if (v > threshold && v >= envelope[f - 1]! && v > envelope[f + 1]! && f - last >= gap) {
      count++;
      last = f;
    }
  }
  return count / (envelope.length / rate);
}
