/**
 * Integrated loudness (ITU-R BS.1770-4 with EBU R128's gating) and true peak, from interleaved
 * float PCM at any sample rate. Written here rather than spawning ffmpeg's ebur128 (a second
 * decode and a process per track); tests check both against known signals and ffmpeg. The
 * engine's master (worker/engines/embedded/master.ts) has a K-weighting of its own; this one is
 * kept apart on purpose: the analysis measures what the master produced, so it shares no code with it.
 */

interface Biquad { b0: number; b1: number; b2: number; a1: number; a2: number }

/** The two K-weighting stages (pre-filter shelf, RLB high-pass), derived for `sampleRate` from
 * the analogue prototypes so that 48 kHz reproduces the coefficients printed in BS.1770. */
function kWeighting(sampleRate: number): [Biquad, Biquad] {
  let K = Math.tan((Math.PI * 1681.974450955533) / sampleRate);
  const Q1 = 0.7071752369554196;
  const Vh = 10 ** (3.999843853973347 / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q1 + K * K;
  const shelf = {
    b0: (Vh + (Vb * K) / Q1 + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q1 + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q1 + K * K) / a0,
  };
  K = Math.tan((Math.PI * 38.13547087602444) / sampleRate);
  const Q2 = 0.5003270373238773;
  a0 = 1 + K / Q2 + K * K;
  const highpass = { b0: 1, b1: -2, b2: 1, a1: (2 * (K * K - 1)) / a0, a2: (1 - K / Q2 + K * K) / a0 };
  return [shelf, highpass];
}

/**
 * Integrated loudness in LUFS, or null when every block is below the absolute gate (silence).
 * K-weighted squares are summed per 100 ms step, so each 400 ms block (75% overlap) is four steps.
 */
export function integratedLoudness(pcm: Float32Array, channels: number, sampleRate: number): number | null {
  const frames = Math.floor(pcm.length / channels);
  const step = Math.round(sampleRate / 10);
  const steps = Math.floor(frames / step);
  if (steps < 4) return null;
  // From 32 kHz up, every other sample is K-weighted, with the filters designed for half the
  // rate: half the work (8 -> 4 ms for 30 s of stereo). Dropping samples folds the top half of
  // the band onto the bottom half with its power, where K-weighting is nearly the same (+4 dB);
  // the half-rate filters' shelf bends a little earlier, so the engine's 24 test renders read
  // 0.03-0.07 LU louder than at the full rate (ffmpeg's ebur128 reads both within its 0.1 LU).
  const hop = sampleRate >= 32_000 && step % 2 === 0 ? 2 : 1;
  const [s, h] = kWeighting(sampleRate / hop);
  const n = step / hop;
  const stride = hop * channels;
  const power = new Float64Array(steps); // BS.1770 channel weights are 1 for L, R (and mono)
  for (let c = 0; c < channels; c++) {
    let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
    let i = c;
    for (let k = 0; k < steps; k++) {
      let sum = 0;
      for (let j = 0; j < n; j++, i += stride) {
        const x = pcm[i]!;
        const y = s.b0 * x + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
        const z = y - 2 * y1 + y2 - h.a1 * z1 - h.a2 * z2;
        x2 = x1; x1 = x; y2 = y1; y1 = y; z2 = z1; z1 = z;
        sum += z * z;
      }
      power[k] = power[k]! + sum;
    }
  }
  const blocks: number[] = [];
  for (let k = 0; k + 4 <= steps; k++) blocks.push((power[k]! + power[k + 1]! + power[k + 2]! + power[k + 3]!) / (4 * n));
  const lufs = (p: number) => -0.691 + 10 * Math.log10(p);
  const above = blocks.filter((p) => p > 0 && lufs(p) > -70);
  if (!above.length) return null;
  const relative = lufs(mean(above)) - 10;
  return lufs(mean(above.filter((p) => lufs(p) > relative)));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Interpolation kernels for the three in-between points of 4x oversampling: Lanczos (a = 8),
 * 16 taps each, as good as BS.1770's 48-tap example filter for finding the peak. */
const TAPS = 8;
const KERNELS: Float64Array[] = [0.25, 0.5, 0.75].map((f) => {
  const k = new Float64Array(2 * TAPS);
  for (let j = 0; j < 2 * TAPS; j++) {
    const t = f - (j - TAPS + 1); // distance from sample i + (j - TAPS + 1) to i + f
    k[j] = sinc(t) * sinc(t / TAPS);
  }
  return k;
});
/**
 * The kernels folded on their symmetry: the 0.75 kernel is the 0.25 one reversed and the 0.5 one
 * is symmetric, so with s = x[j] + x[15 - j] and d = x[j] - x[15 - j] the three points are
 * sums over eight pairs: y(0.25) = sum(EVEN s + ODD d), y(0.75) = sum(EVEN s - ODD d),
 * y(0.5) = sum(MID s). Half the multiplications of three 16-tap sums.
 */
const EVEN = new Float64Array(TAPS);
const ODD = new Float64Array(TAPS);
const MID = new Float64Array(TAPS);
for (let j = 0; j < TAPS; j++) {
  const [k1, k2] = KERNELS as [Float64Array, Float64Array];
  EVEN[j] = (k1[j]! + k1[2 * TAPS - 1 - j]!) / 2;
  ODD[j] = (k1[j]! - k1[2 * TAPS - 1 - j]!) / 2;
  MID[j] = k2[j]!;
}

function sinc(t: number): number {
  if (t === 0) return 1;
  const x = Math.PI * t;
  return Math.sin(x) / x;
}

const INFINITY_BITS = 0x7f800000;
const bitScratch = new Float32Array(1);
const bitView = new Int32Array(bitScratch.buffer);
const bitsToFloat = (b: number): number => {
  bitView[0] = b;
  return bitScratch[0]!;
};
/** The bit pattern of the largest float32 not above `x` (x >= 0). */
const floatBits = (x: number): number => {
  bitScratch[0] = x;
  return bitScratch[0]! > x ? bitView[0]! - 1 : bitView[0]!;
};

/** Frames per block of the true peak's first pass. */
const BLOCK = 32;

/**
 * True peak in dBTP (null for digital silence). Interpolation runs only between samples where
 * an inter-sample peak could beat what is already found: a band-limited signal between two
 * samples rises at most a few dB above them, so pairs below half the sample peak (-6 dB) are
 * skipped. On mastered music that is most of the track, and the measure stays exact.
 *
 * A first pass takes the peak of every block of 32 frames (that is the sample peak too); the
 * pairs are then looked at only in blocks that reach the threshold, about one in seven.
 */
export function truePeak(pcm: Float32Array, channels: number, below = 0.5): number | null {
  const frames = Math.floor(pcm.length / channels);
  const blocks = Math.ceil(frames / BLOCK);
  // The first pass compares the samples' bit patterns with the sign bit cleared: for floats of
  // one sign, integer order is numeric order, and integer compares cost V8 less (5.5 -> 4 ms on
  // 30 s of stereo). Patterns above +Infinity's are NaNs, which never count (as before).
  const bits = new Int32Array(pcm.buffer, pcm.byteOffset, pcm.length);
  const blockPeak = new Int32Array(blocks);
  let peakBits = 0;
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(frames, (b + 1) * BLOCK) * channels;
    let m = 0;
    for (let i = b * BLOCK * channels; i < end; i++) {
      const a = bits[i]! & 0x7fffffff;
      if (a > m && a <= INFINITY_BITS) m = a;
    }
    blockPeak[b] = m;
    if (m > peakBits) peakBits = m;
  }
  // Samples past the last whole frame (a malformed length) still count for the sample peak.
  for (let i = frames * channels; i < pcm.length; i++) {
    const a = bits[i]! & 0x7fffffff;
    if (a > peakBits && a <= INFINITY_BITS) peakBits = a;
  }
  if (peakBits === 0) return null;
  const samplePeak = bitsToFloat(peakBits);
  const threshold = samplePeak * below;
  // The same threshold as a bit pattern (the float32 at or below it), for the block test.
  const thresholdBits = floatBits(threshold);
  let peak = samplePeak;
  for (let b = 0; b < blocks; b++) {
    // A pair (i, i + 1) belongs to the block of i; its second sample may be the next block's first.
    if (blockPeak[b]! < thresholdBits && (b + 1 >= blocks || blockPeak[b + 1]! < thresholdBits)) continue;
    const from = Math.max(TAPS - 1, b * BLOCK);
    const to = Math.min(frames - TAPS, (b + 1) * BLOCK);
    for (let c = 0; c < channels; c++) {
      for (let i = from; i < to; i++) {
        const a = Math.abs(pcm[i * channels + c]!);
        const n = Math.abs(pcm[(i + 1) * channels + c]!);
        if (a < threshold && n < threshold) continue;
        const base = (i - TAPS + 1) * channels + c;
        let y1 = 0, y2 = 0, y3 = 0;
        for (let j = 0; j < TAPS; j++) {
          const p = pcm[base + j * channels]!;
          const q = pcm[base + (2 * TAPS - 1 - j) * channels]!;
          const sum = p + q;
          const diff = p - q;
          const e = EVEN[j]! * sum;
          const o = ODD[j]! * diff;
          y1 += e + o;
          y3 += e - o;
          y2 += MID[j]! * sum;
        }
        const m = Math.max(Math.abs(y1), Math.abs(y2), Math.abs(y3));
        if (m > peak) peak = m;
      }
    }
  }
  return 20 * Math.log10(peak);
}
