/**
 * Classifier-free guidance, temperature and top-k sampling over one decoding step's logits,
 * with a seeded generator so a seed always yields the same codes.
 */

/** sfc32: small, fast, good statistics; state seeded from a uint32 through splitmix32. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/**
 * Guided logits = uncond + (cond − uncond) · scale, the ClassifierFreeGuidanceLogitsProcessor
 * of transformers applied to raw logits. Both rows have `vocab` entries.
 */
export function guide(cond: ArrayLike<number>, uncond: ArrayLike<number>, scale: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = uncond[i]! + (cond[i]! - uncond[i]!) * scale;
  return out;
}

/**
 * Samples one id from the `topK` largest logits after dividing by `temperature`; ties keep the
 * lower id first so results never depend on sort stability. `topK` ≤ 1 is greedy.
 */
export function sampleTopK(logits: ArrayLike<number>, topK: number, temperature: number, random: () => number): number {
  const n = logits.length;
  const k = Math.max(1, Math.min(Math.floor(topK), n));
  // Keep the k best ids by insertion: k is small (≤ 250) next to the 2048-wide vocabulary.
  const ids = new Int32Array(k).fill(-1);
  const vals = new Float64Array(k).fill(-Infinity);
  let filled = 0;
  for (let i = 0; i < n; i++) {
    const v = logits[i]!;
    if (filled === k && !(v > vals[k - 1]!)) continue;
    let j = filled < k ? filled++ : k - 1;
    while (j > 0 && v > vals[j - 1]!) {
      vals[j] = vals[j - 1]!;
      ids[j] = ids[j - 1]!;
      j--;
    }
    vals[j] = v;
    ids[j] = i;
  }
  if (k === 1 || filled === 1) return ids[0]!;
  const t = temperature > 0 ? temperature : 1;
  const max = vals[0]! / t;
  let total = 0;
  const weights = new Float64Array(filled);
  for (let j = 0; j < filled; j++) {
    weights[j] = Math.exp(vals[j]! / t - max);
    total += weights[j]!;
  }
  let r = random() * total;
  for (let j = 0; j < filled; j++) {
    r -= weights[j]!;
    if (r < 0) return ids[j]!;
  }
  return ids[filled - 1]!;
}
