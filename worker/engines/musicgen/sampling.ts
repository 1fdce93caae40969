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
 * Samples one id from the `topK` largest logits after dividing by `temperature`; ties at the
 * cut keep the lower id. `topK` ≤ 1 is greedy (lowest id among equal maxima).
 */
export function sampleTopK(logits: ArrayLike<number>, topK: number, temperature: number, random: () => number): number {
  const n = logits.length;
  const k = Math.max(1, Math.min(Math.floor(topK), n));
  if (k === 1) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  // A min-heap of the k best so far: O(n log k), which keeps top-250 of 2048 well under a millisecond.
  const hv = new Float64Array(k);
  const hi = new Int32Array(k);
  const worse = (a: number, b: number) => hv[a]! < hv[b]! || (hv[a] === hv[b] && hi[a]! > hi[b]!);
  const siftDown = (from: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < k && worse(l, m)) m = l;
      if (r < k && worse(r, m)) m = r;
      if (m === i) return;
      const tv = hv[i]!, ti = hi[i]!;
      hv[i] = hv[m]!; hi[i] = hi[m]!;
      hv[m] = tv; hi[m] = ti;
      i = m;
    }
  };
  for (let i = 0; i < k; i++) { hv[i] = logits[i]!; hi[i] = i; }
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let i = k; i < n; i++) {
    // Later ids lose ties, so only a strictly larger logit displaces the weakest kept one.
    if (logits[i]! > hv[0]!) { hv[0] = logits[i]!; hi[0] = i; siftDown(0); }
  }
  // Sampling walks the heap's own layout, which is a pure function of the logits: deterministic
  // without sorting (the sort cost as much as the selection).
  let max = -Infinity;
  for (let j = 0; j < k; j++) if (hv[j]! > max) max = hv[j]!;
  const t = temperature > 0 ? temperature : 1;
  let total = 0;
  for (let j = 0; j < k; j++) {
    hv[j] = Math.exp((hv[j]! - max) / t);
    total += hv[j]!;
  }
  let r = random() * total;
  for (let j = 0; j < k; j++) {
    r -= hv[j]!;
    if (r < 0) return hi[j]!;
  }
  return hi[k - 1]!;
}
