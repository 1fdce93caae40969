/**
 * What ditty measured in a finished track (worker/analysis computes it after the track is
 * delivered), and the rules that compare it with what the prompt asked: the mismatch notice on the
 * track page and the reasons given next to similar tracks. No DSP here: bots, web and the API read
 * these types without loading the analyser.
 */
import { PITCH_CLASSES, pitchClassOf, usualKeyName, type KeyName, type Mode, type MusicParams } from './music.ts';

/** Bumped when the analyser changes what it measures; the backfill re-analyses older rows on request. */
export const ANALYSIS_VERSION = 1;
/** The embedding's length: Postgres's cube type holds at most 100 dimensions. */
export const EMBEDDING_DIMS = 64;
/** Where each group sits in the embedding and its weight (worker/analysis/embedding.ts says why). */
export const EMBEDDING_GROUPS = {
  chroma: { start: 0, length: 12, weight: 1.0 },
  timbre: { start: 12, length: 36, weight: 1.0 },
  rhythm: { start: 48, length: 12, weight: 0.8 },
  spectrum: { start: 60, length: 4, weight: 0.6 },
} as const;

/** Euclidean distance over one group of two embeddings (the "similar sound" reason uses timbre). */
export function groupDistance(a: readonly number[], b: readonly number[], group: keyof typeof EMBEDDING_GROUPS): number {
  const { start, length } = EMBEDDING_GROUPS[group];
  let s = 0;
  for (let i = start; i < start + length; i++) s += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(s);
}

export interface TrackAnalysis {
  version: number;
  /** Beats per minute the analyser hears; null when it finds no steady pulse (ambient pads). */
  tempoBpm: number | null;
  /** 0..1: how clearly the pulse stands out of the onset envelope's autocorrelation. */
  tempoConfidence: number;
  /** 0 (C) .. 11 (B); null for silence. */
  keyPitchClass: number | null;
  mode: Mode | null;
  /** 0..1: correlation of the chroma with the chosen key's profile. */
  keyConfidence: number;
  /** Integrated loudness, ITU-R BS.1770-4 (EBU R128 gating); null for silence. */
  loudnessLufs: number | null;
  /** 4x-oversampled peak, dBTP; null for silence. */
  truePeakDbtp: number | null;
  /** Mean spectral centroid (below 11 kHz), Hz: brightness. */
  centroidHz: number;
  /** 0..1 from onset density, spectral flux and brightness (a descriptor, not a physical unit). */
  energy: number;
  /** Note and drum onsets per second. */
  onsetsPerS: number;
  /** EMBEDDING_DIMS numbers: chroma, timbre and rhythm groups, each scaled so that Euclidean
   * distance weighs them as worker/analysis/embedding.ts documents. */
  embedding: number[];
  /** Wall time of the analysis itself, ms. */
  analysedMs: number;
}

/** Tempo within this fraction of the asked tempo counts as a match. */
export const TEMPO_TOLERANCE = 0.04;

export type TempoMatch = 'exact' | 'half' | 'double' | 'off' | 'no-beat';
export type KeyMatch = 'exact' | 'relative' | 'off' | 'unknown';

/**
 * Tempo: within 4% of the asked tempo; half or double of it within 4% is also a match ("half
 * time" / "double time"): listeners tap either level of a groove (a lo-fi beat at 77 bpm with
 * hats on every eighth is heard at 154 by beat trackers too), so it is not a regression.
 */
export function tempoMatch(askedBpm: number, measuredBpm: number | null): TempoMatch {
  if (measuredBpm === null || !(askedBpm > 0)) return 'no-beat';
  const near = (target: number) => Math.abs(measuredBpm - target) <= TEMPO_TOLERANCE * target;
  if (near(askedBpm)) return 'exact';
  if (near(askedBpm / 2)) return 'half';
  if (near(askedBpm * 2)) return 'double';
  return 'off';
}

/**
 * Key: the same tonic and mode is a match; the relative key (same notes, other tonic: C major
 * and A minor) is a match "as its relative", since a piece's notes cannot tell them apart without
 * hearing the cadences. The parallel key (C major, C minor), the dominant and everything else is
 * a mismatch: those are other notes.
 */
export function keyMatch(askedKey: KeyName, askedMode: Mode, measuredPc: number | null, measuredMode: Mode | null): KeyMatch {
  if (measuredPc === null || measuredMode === null) return 'unknown';
  const asked = pitchClassOf(askedKey);
  if (asked === measuredPc && askedMode === measuredMode) return 'exact';
  if (askedMode !== measuredMode) {
    const relative = askedMode === 'major' ? (asked + 9) % 12 : (asked + 3) % 12;
    if (relative === measuredPc) return 'relative';
  }
  return 'off';
}

export function keyLabel(pc: number, mode: Mode): string {
  return `${usualKeyName(pc, mode)} ${mode}`;
}

export interface Mismatch {
  tempo: { asked: number; measured: number | null; match: TempoMatch } | null;
  key: { asked: string; measured: string | null; match: KeyMatch } | null;
  /** One plain sentence for the track page; null when everything matches. */
  sentence: string | null;
}

/** Compares what was asked with what was measured; `sentence` names only what is off. */
export function mismatch(params: Pick<MusicParams, 'bpm' | 'key' | 'mode'>, a: Pick<TrackAnalysis, 'tempoBpm' | 'keyPitchClass' | 'mode'>): Mismatch {
  const t = tempoMatch(params.bpm, a.tempoBpm);
  const k = keyMatch(params.key, params.mode, a.keyPitchClass, a.mode);
  const measuredKey = a.keyPitchClass !== null && a.mode !== null ? keyLabel(a.keyPitchClass, a.mode) : null;
  const parts: string[] = [];
  if (t === 'off') parts.push(`asked ${params.bpm} bpm, measured ${a.tempoBpm!.toFixed(1)} bpm`);
  if (k === 'off') parts.push(`asked ${params.key} ${params.mode}, measured ${measuredKey}`);
  return {
    tempo: { asked: params.bpm, measured: a.tempoBpm, match: t },
    key: { asked: `${params.key} ${params.mode}`, measured: measuredKey, match: k },
    sentence: parts.length ? `Measured differently from the request: ${parts.join('; ')}.` : null,
  };
}

/** A short line for the track page: "Measured 121.9 bpm (double time), A minor (relative key), -14.1 LUFS". */
export function measuredLine(params: Pick<MusicParams, 'bpm' | 'key' | 'mode'>, a: TrackAnalysis): string {
  const m = mismatch(params, a);
  const tempo = a.tempoBpm === null ? 'no steady beat'
    : `${a.tempoBpm.toFixed(1)} bpm${m.tempo?.match === 'half' ? ' (half time)' : m.tempo?.match === 'double' ? ' (double time)' : ''}`;
  const key = m.key?.measured ? `${m.key.measured}${m.key.match === 'relative' ? ' (relative key)' : ''}` : 'no key';
  const loud = a.loudnessLufs === null ? 'silent' : `${a.loudnessLufs.toFixed(1)} LUFS, true peak ${a.truePeakDbtp!.toFixed(1)} dBTP`;
  return `Measured: ${tempo}, ${key}, ${loud}`;
}

export type SimilarReason = 'same key' | 'relative key' | 'close tempo' | 'similar sound';

/** Tempo ratio under which two tracks are "close tempo" (half/double folded in). */
const CLOSE_TEMPO = 0.04;
/** Timbre-group distance under which two tracks "sound similar" (embedding.ts scales groups to ~1). */
export const SIMILAR_SOUND_DISTANCE = 0.5;

/** Why a neighbour came up, in words, from the two analyses and their timbre distance. */
export function similarReasons(
  a: Pick<TrackAnalysis, 'tempoBpm' | 'keyPitchClass' | 'mode'>,
  b: Pick<TrackAnalysis, 'tempoBpm' | 'keyPitchClass' | 'mode'>,
  timbreDistance: number,
): SimilarReason[] {
  const out: SimilarReason[] = [];
  if (a.keyPitchClass !== null && a.keyPitchClass === b.keyPitchClass && a.mode === b.mode) out.push('same key');
  else if (a.keyPitchClass !== null && b.keyPitchClass !== null && a.mode && b.mode && a.mode !== b.mode
    && keyMatch(usualKeyName(a.keyPitchClass, a.mode), a.mode, b.keyPitchClass, b.mode) === 'relative') out.push('relative key');
  if (a.tempoBpm !== null && b.tempoBpm !== null) {
    const ratio = a.tempoBpm / b.tempoBpm;
    if ([1, 2, 0.5].some((r) => Math.abs(ratio / r - 1) <= CLOSE_TEMPO)) out.push('close tempo');
  }
  if (timbreDistance <= SIMILAR_SOUND_DISTANCE) out.push('similar sound');
  return out;
}

/** Sharps as the analysis checkers print them (tests compare with PITCH_CLASSES). */
export const pitchClassName = (pc: number): string => PITCH_CLASSES[((pc % 12) + 12) % 12]!;
