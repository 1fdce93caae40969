/**
 * The 64-number descriptor that "More like this" searches with (Postgres cube, Euclidean).
 * Groups, each scaled so that a typical difference between two unrelated tracks is about 1 in
 * that group, then weighted; the weights say what "like this" means:
 *
 *  - chroma (12, weight 1.0): the pitch-class profile, mean-removed and unit length. Same key and
 *    harmony lands close; the relative key is close too (same notes).
 *  - timbre (24 + 12, weight 1.0): the mean log-mel spectrum shape relative to its loudest band
 *    (floored 70 dB down) and how much each pair of bands moves over time: instruments, mix,
 *    brightness.
 *  - rhythm (9 + 3, weight 0.8): the onset autocorrelation at beat fractions and multiples
 *    (straight, swung, triplet, half-time feel), log tempo, onset density, pulse clarity.
 *  - spectrum (4, weight 0.6): centroid and its spread, energy, bass share.
 *
 * Layout is fixed (tests and the stored rows depend on it); changing it bumps ANALYSIS_VERSION.
 */
import { EMBEDDING_DIMS, EMBEDDING_GROUPS as GROUPS } from '../../core/analysis.ts';

export interface EmbeddingInput {
  chroma: Float64Array;
  /** Mean log-mel level per band, dB (24 bands). */
  melMeanDb: Float64Array;
  /** Standard deviation over time of each band's level, dB (24 bands). */
  melStdDb: Float64Array;
  pattern: number[];
  tempoBpm: number | null;
  tempoConfidence: number;
  onsetsPerS: number;
  centroidHz: number;
  centroidStdHz: number;
  energy: number;
  bassShare: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function embed(x: EmbeddingInput): number[] {
  const out: number[] = [];
  // chroma: deviation from a flat profile, unit length (silence stays at zero)
  const c = Array.from(x.chroma, (v) => v - 1 / 12);
  const norm = Math.hypot(...c);
  out.push(...c.map((v) => (norm > 0 ? v / norm : 0) * GROUPS.chroma.weight / Math.SQRT2));
  // timbre: spectral shape relative to its own mean level; 20 dB of difference in a band ~ 1/6
  const topDb = Math.max(...x.melMeanDb);
  const w = GROUPS.timbre.weight;
  out.push(...Array.from(x.melMeanDb, (v) => clamp((v - topDb) / 70, -1, 0) * w / 2));
  for (let i = 0; i < 24; i += 2) out.push(clamp((x.melStdDb[i]! + x.melStdDb[i + 1]!) / 2 / 20, 0, 1) * w / 2);
  // rhythm
  const r = GROUPS.rhythm.weight;
  out.push(...x.pattern.map((v) => clamp(v, -1, 1) * r / 2));
  out.push(x.tempoBpm === null ? 0 : clamp(Math.log2(x.tempoBpm / 110), -1.5, 1.5) * r / 2);
  out.push(clamp(x.onsetsPerS / 16, 0, 1) * r);
  out.push(clamp(x.tempoConfidence, 0, 1) * r / 2);
  // spectrum
  const s = GROUPS.spectrum.weight;
  out.push(clamp(x.centroidHz / 4000, 0, 2) * s, clamp(x.centroidStdHz / 2000, 0, 2) * s, clamp(x.energy, 0, 1) * s, clamp(x.bassShare, 0, 1) * s);
  if (out.length !== EMBEDDING_DIMS) throw new Error(`embedding has ${out.length} dimensions, expected ${EMBEDDING_DIMS}`);
  return out.map((v) => (Number.isFinite(v) ? Math.round(v * 1e5) / 1e5 : 0));
}
