/**
 * One track's analysis from its PCM: loudness and true peak at the full rate, everything else from
 * a mono mix at 22.05 kHz (tempo, onsets, brightness, timbre) and 11.025 kHz (chroma, key).
 *
 * Why our own DSP on fft.js rather than a MIR library: essentia.js (the maintained one with tempo
 * and key) is AGPL-3.0, which this project cannot ship; Meyda (MIT) has chroma and MFCC but no
 * tempo or key, and pulls a CLI's dependencies into production. What is measured here is checked
 * against independent tools in the tests (ffmpeg's ebur128, aubio's beat tracker, the prompt's key).
 */
import { ANALYSIS_VERSION, type TrackAnalysis } from '../../core/analysis.ts';
import { embed } from './embedding.ts';
import { chroma, estimateKey } from './key.ts';
import { integratedLoudness, truePeak } from './loudness.ts';
import { decimate2, downmix, melBands, mixDecimate2, stft, stftFrames } from './spectrum.ts';
import { estimateTempo, onsetDensity, onsetEnvelope } from './tempo.ts';

const MEL_BANDS = 24;

export interface PcmInput {
  pcm: Float32Array;
  channels: number;
  sampleRate: number;
}

/**
 * Work buffers kept from one analysis to the next (analyses run one at a time in their thread):
 * the ~14 MB of fresh arrays a 30 s track needs cost ~4000 page faults each time, which made an
 * analysis right after a render (bench/analysis.ts) twice as slow as the same one repeated.
 * Buffers for tracks longer than KEEP_SAMPLES are not kept.
 */
const kept = new Map<string, Float32Array>();
const KEEP_SAMPLES = 4 * 60 * 44_100;

function buffer(slot: string, length: number): Float32Array {
  const have = kept.get(slot);
  if (have && have.length >= length) return have.subarray(0, length);
  const fresh = new Float32Array(length);
  if (length <= KEEP_SAMPLES) kept.set(slot, fresh);
  return fresh;
}

export function analyse({ pcm, channels, sampleRate }: PcmInput): TrackAnalysis {
  const started = performance.now();
  if (!(channels >= 1) || !(sampleRate >= 8000)) throw new Error(`cannot analyse ${channels} channels at ${sampleRate} Hz`);
  const loudnessLufs = integratedLoudness(pcm, channels, sampleRate);
  const truePeakDbtp = loudnessLufs === null ? null : truePeak(pcm, channels);

  const frames = Math.floor(pcm.length / channels);
  let x: Float32Array;
  let rate = sampleRate;
  if (rate > 24_000) {
    x = mixDecimate2(pcm, channels, buffer(`at ${rate / 2}`, Math.floor(frames / 2)));
    rate /= 2;
  } else {
    x = downmix(pcm, channels, channels > 1 ? buffer('mono', frames) : undefined);
  }
  while (rate > 24_000) {
    x = decimate2(x, buffer(`at ${rate / 2}`, Math.floor(x.length / 2)));
    rate /= 2;
  }
  // Timbre and onsets: 46 ms windows every 23 ms.
  const spec = stft(x, rate, 1024, 512, buffer('spectra', stftFrames(x.length, 1024, 512) * 513));
  const bands = melBands(spec.bins, spec.size, rate, MEL_BANDS, 40, Math.min(10_500, rate / 2 - 100));
  const logBands = new Float32Array(spec.frames * MEL_BANDS);
  const melDb = new Float64Array(spec.frames * MEL_BANDS);
  const binHz = rate / spec.size;
  let centroidSum = 0, centroidSq = 0, weightSum = 0, bass = 0, all = 0;
  const { mag, bins } = spec;
  // Bin frequencies and the bass bins (under 150 Hz) once, not per frame.
  const hz = Float64Array.from({ length: bins }, (_, b) => b * binHz);
  let lowEnd = 1;
  while (lowEnd < bins && hz[lowEnd]! < 150) lowEnd++;
  for (let f = 0; f < spec.frames; f++) {
    const row = f * bins;
    for (let m = 0; m < MEL_BANDS; m++) {
      const { start, weights } = bands[m]!;
      const from = row + start;
      let e = 0;
      for (let k = 0; k < weights.length; k++) e += weights[k]! * mag[from + k]!;
      logBands[f * MEL_BANDS + m] = Math.log1p(100 * e);
      melDb[f * MEL_BANDS + m] = 20 * Math.log10(e + 1e-6);
    }
    let num = 0, den = 0, low = 0;
    for (let b = 1; b < bins; b++) {
      const mg = mag[row + b]!;
      num += hz[b]! * mg;
      den += mg;
      if (b < lowEnd) low += mg * mg;
      all += mg * mg;
    }
    bass += low;
    if (den > 0) {
      const c = num / den;
      centroidSum += c * den;
      centroidSq += c * c * den;
      weightSum += den;
    }
  }
  const centroidHz = weightSum > 0 ? centroidSum / weightSum : 0;
  const centroidStdHz = weightSum > 0 ? Math.sqrt(Math.max(0, centroidSq / weightSum - centroidHz ** 2)) : 0;
  // Levels more than 70 dB under the track's loudest band are floored there: a near-silent band's
  // exact depth (-90 or -120 dB) is inaudible, and would otherwise dominate the timbre distance.
  let peakDb = -Infinity;
  for (const v of melDb) if (v > peakDb) peakDb = v;
  const floorDb = peakDb - 70;
  const melMeanDb = new Float64Array(MEL_BANDS);
  const melStdDb = new Float64Array(MEL_BANDS);
  for (let m = 0; m < MEL_BANDS; m++) {
    let s = 0, sq = 0;
    for (let f = 0; f < spec.frames; f++) {
      const v = Math.max(floorDb, melDb[f * MEL_BANDS + m]!);
      s += v;
      sq += v * v;
    }
    melMeanDb[m] = s / spec.frames;
    melStdDb[m] = Math.sqrt(Math.max(0, sq / spec.frames - (s / spec.frames) ** 2));
  }

  const onsets = onsetEnvelope(logBands, spec.frames, MEL_BANDS, rate / spec.hop);
  const onsetsPerS = onsetDensity(onsets);
  // A pulse needs beats: fewer than four onsets (a held tone that starts and stops) has no tempo.
  const measured = estimateTempo(onsets);
  const tempo = onsetsPerS * (spec.frames / onsets.rate) < 4 ? { ...measured, bpm: null, confidence: 0 } : measured;

  // Chroma: 0.37 s windows at 11 kHz resolve 2.7 Hz, a semitone down to ~50 Hz.
  let y = x;
  let chromaRate = rate;
  while (chromaRate > 12_000) {
    y = decimate2(y, buffer(`at ${chromaRate / 2}`, Math.floor(y.length / 2)));
    chromaRate /= 2;
  }
  const chromaSpec = stft(y, chromaRate, 4096, 2048, buffer('chroma spectra', stftFrames(y.length, 4096, 2048) * 2049));
  const profile = chroma(chromaSpec);
  const key = estimateKey(profile);

  // Energy: a 0..1 descriptor (busy, bright and loud reads high), not a physical quantity.
  const loud = loudnessLufs === null ? 0 : Math.min(1, Math.max(0, (loudnessLufs + 30) / 22));
  const energy = loudnessLufs === null ? 0
    : (Math.min(1, onsetsPerS / 8) + Math.min(1, centroidHz / 3500) + loud) / 3;
  const bassShare = all > 0 ? bass / all : 0;

  const embedding = embed({
    chroma: profile, melMeanDb, melStdDb, pattern: tempo.pattern, tempoBpm: tempo.bpm,
    tempoConfidence: tempo.confidence, onsetsPerS, centroidHz, centroidStdHz, energy, bassShare,
  });
  const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
  return {
    version: ANALYSIS_VERSION,
    tempoBpm: tempo.bpm,
    tempoConfidence: round(tempo.confidence, 3),
    keyPitchClass: key.pitchClass,
    mode: key.mode,
    keyConfidence: round(key.confidence, 3),
    loudnessLufs: loudnessLufs === null ? null : round(loudnessLufs),
    truePeakDbtp: truePeakDbtp === null ? null : round(truePeakDbtp),
    centroidHz: round(centroidHz, 1),
    energy: round(energy, 3),
    onsetsPerS: round(onsetsPerS),
    embedding,
    analysedMs: round(performance.now() - started, 1),
  };
}
