/**
 * The analyser's front end: a mono mix decimated to 22.05 kHz (and 11.025 kHz for chroma) and
 * short-time magnitude spectra through fft.js. Descriptors of music need nothing above 11 kHz,
 * and halving the rate twice is what keeps the whole analysis of a 30 s track in tens of
 * milliseconds (bench/analysis.ts).
 */
import FFT from 'fft.js';

/** Half-band low-pass (windowed sinc, 23 taps; every other tap is zero) for halving the rate. */
const HALFBAND = (() => {
  const n = 23;
  const mid = (n - 1) / 2;
  const h = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 0.5 : Math.sin((Math.PI * t) / 2) / (Math.PI * t);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (n - 1)); // Blackman
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < n; i++) h[i] = h[i]! / sum;
  return h;
})();

/** Halves the sample rate of `x` (low-pass, then every other sample). */
export function decimate2(x: Float32Array): Float32Array {
  const n = HALFBAND.length;
  const mid = (n - 1) / 2;
  const out = new Float32Array(Math.floor(x.length / 2));
  for (let o = 0; o < out.length; o++) {
    const c = 2 * o;
    let y = HALFBAND[mid]! * x[c]!;
    // Only odd offsets from the centre are non-zero in a half-band filter.
    for (let k = 1; k <= mid; k += 2) {
      const a = c - k >= 0 ? x[c - k]! : 0;
      const b = c + k < x.length ? x[c + k]! : 0;
      y += HALFBAND[mid + k]! * (a + b);
    }
    out[o] = y;
  }
  return out;
}

/**
 * The channel mean of interleaved PCM at half its rate, in one pass (the mono mix at the full rate
 * is never needed, and building it cost as much as the decimation).
 */
export function mixDecimate2(pcm: Float32Array, channels: number): Float32Array {
  if (channels === 1) return decimate2(pcm);
  const n = HALFBAND.length;
  const mid = (n - 1) / 2;
  const frames = Math.floor(pcm.length / channels);
  const out = new Float32Array(Math.floor(frames / 2));
  const scale = 1 / channels;
  const at = (i: number) => {
    if (i < 0 || i >= frames) return 0;
    let s = 0;
    for (let c = 0; c < channels; c++) s += pcm[i * channels + c]!;
    return s * scale;
  };
  for (let o = 0; o < out.length; o++) {
    const c = 2 * o;
    let y = HALFBAND[mid]! * at(c);
    for (let k = 1; k <= mid; k += 2) y += HALFBAND[mid + k]! * (at(c - k) + at(c + k));
    out[o] = y;
  }
  return out;
}

/** The channel mean of interleaved PCM. */
export function downmix(pcm: Float32Array, channels: number): Float32Array {
  if (channels === 1) return pcm;
  const frames = Math.floor(pcm.length / channels);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += pcm[i * channels + c]!;
    out[i] = s / channels;
  }
  return out;
}

export interface Spectrogram {
  /** frames × bins magnitudes (bins = size / 2 + 1), row-major. */
  mag: Float32Array;
  frames: number;
  bins: number;
  size: number;
  hop: number;
  sampleRate: number;
}

/** Hann-windowed magnitude spectra; a signal shorter than one window gives one zero-padded frame. */
export function stft(x: Float32Array, sampleRate: number, size: number, hop: number): Spectrogram {
  const fft = new FFT(size);
  const window = new Float64Array(size);
  for (let i = 0; i < size; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  const frames = Math.max(1, Math.floor((x.length - size) / hop) + 1);
  const bins = size / 2 + 1;
  const mag = new Float32Array(frames * bins);
  const input = new Array<number>(size).fill(0);
  const out = fft.createComplexArray() as number[];
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    for (let i = 0; i < size; i++) input[i] = (x[start + i] ?? 0) * window[i]!;
    fft.realTransform(out, input);
    const row = f * bins;
    for (let b = 0; b < bins; b++) {
      const re = out[2 * b]!;
      const im = out[2 * b + 1]!;
      mag[row + b] = Math.sqrt(re * re + im * im);
    }
  }
  return { mag, frames, bins, size, hop, sampleRate };
}

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/** Triangular mel filters from `lowHz` to `highHz`, as (start bin, weights) per band. */
export function melBands(bins: number, size: number, sampleRate: number, count: number, lowHz: number, highHz: number) {
  const lo = hzToMel(lowHz);
  const hi = hzToMel(highHz);
  const edges = Array.from({ length: count + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (count + 1)));
  const binHz = sampleRate / size;
  return Array.from({ length: count }, (_, m) => {
    const [a, c, b] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const start = Math.max(1, Math.floor(a / binHz));
    const end = Math.min(bins - 1, Math.ceil(b / binHz));
    const weights: number[] = [];
    for (let k = start; k <= end; k++) {
      const hz = k * binHz;
      weights.push(Math.max(0, hz <= c ? (hz - a) / (c - a) : (b - hz) / (b - c)));
    }
    // A band narrower than one bin still gets that bin, so low bands are never empty.
    if (!weights.some((w) => w > 0)) weights[Math.min(weights.length - 1, Math.max(0, Math.round(c / binHz) - start))] = 1;
    return { start, weights: Float64Array.from(weights) };
  });
}
