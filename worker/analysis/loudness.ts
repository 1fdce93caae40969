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
  const [s, h] = kWeighting(sampleRate);
  const power = new Float64Array(steps); // BS.1770 channel weights are 1 for L, R (and mono)
  for (let c = 0; c < channels; c++) {
    let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
    let i = 0;
    for (let k = 0; k < steps; k++) {
      let sum = 0;
      for (const end = i + step; i < end; i++) {
        const x = pcm[i * channels + c]!;
        const y = s.b0 * x + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
        const z = y - 2 * y1 + y2 - h.a1 * z1 - h.a2 * z2;
        x2 = x1; x1 = x; y2 = y1; y1 = y; z2 = z1; z1 = z;
        sum += z * z;
      }
      power[k] = power[k]! + sum;
    }
  }
  const blocks: number[] = [];
  for (let k = 0; k + 4 <= steps; k++) blocks.push((power[k]! + power[k + 1]! + power[k + 2]! + power[k + 3]!) / (4 * step));
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

function sinc(t: number): number {
  if (t === 0) return 1;
  const x = Math.PI * t;
  return Math.sin(x) / x;
}

/**
 * True peak in dBTP (null for digital silence). Interpolation runs only between samples where
 * an inter-sample peak could beat what is already found: a band-limited signal between two
 * samples rises at most a few dB above them, so pairs below half the sample peak (-6 dB) are
 * skipped. On mastered music that is most of the track, and the measure stays exact.
 */
export function truePeak(pcm: Float32Array, channels: number, below = 0.5): number | null {
  let samplePeak = 0;
  for (let i = 0; i < pcm.length; i++) {
    const a = Math.abs(pcm[i]!);
    if (a > samplePeak) samplePeak = a;
  }
  if (samplePeak === 0) return null;
  const frames = Math.floor(pcm.length / channels);
  const threshold = samplePeak * below;
  let peak = samplePeak;
  for (let c = 0; c < channels; c++) {
    for (let i = TAPS - 1; i < frames - TAPS; i++) {
      const a = Math.abs(pcm[i * channels + c]!);
      const b = Math.abs(pcm[(i + 1) * channels + c]!);
      if (a < threshold && b < threshold) continue;
      const base = (i - TAPS + 1) * channels + c;
      for (const kernel of KERNELS) {
        let y = 0;
        for (let j = 0; j < 2 * TAPS; j++) y += kernel[j]! * pcm[base + j * channels]!;
        const m = Math.abs(y);
        if (m > peak) peak = m;
      }
    }
  }
  return 20 * Math.log10(peak);
}
