/**
 * The analyser's front end: a mono mix decimated to 22.05 kHz (and 11.025 kHz for chroma) and
 * short-time magnitude spectra. Descriptors of music need nothing above 11 kHz, and halving the
 * rate twice is what keeps the whole analysis of a 30 s track in tens of milliseconds
 * (bench/analysis.ts).
 *
 * The FFT is PFFFT compiled to WebAssembly with SIMD (@echogarden/pffft-wasm): the 1290 spectra
 * of 1024 points of a 30 s track take 1 ms there against 5.4 ms in fft.js (and the 161 of 4096
 * points 0.6 against 3.2 ms), which the goal of issue 16 (analysis under 10% of render plus
 * encode) needs. Its float32 spectra agree with fft.js's double ones to float32 precision. The
 * engine's sampler keeps fft.js (that code is not the analyser's).
 */
import PFFFT from '@echogarden/pffft-wasm/simd';

const pffft = await PFFFT();

interface RealFft {
  size: number;
  setup: number;
  /** Byte addresses in the module's memory, 16-byte aligned as PFFFT wants. */
  input: number;
  output: number;
  work: number;
}

/** One setup and buffer set per size, kept for the life of the thread (two sizes, a few KB). */
const ffts = new Map<number, RealFft>();

function realFft(size: number): RealFft {
  let fft = ffts.get(size);
  if (!fft) {
    const setup = pffft._pffft_new_setup(size, 0);
    if (!setup) throw new Error(`PFFFT cannot transform ${size} points`);
    fft = {
      size, setup,
      input: pffft._pffft_aligned_malloc(size * 4),
      output: pffft._pffft_aligned_malloc(size * 4),
      work: pffft._pffft_aligned_malloc(size * 4),
    };
    ffts.set(size, fft);
  }
  return fft;
}

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

/** Halves the sample rate of `x` (low-pass, then every other sample), into `out` when given. */
export function decimate2(x: Float32Array, out: Float32Array = new Float32Array(Math.floor(x.length / 2))): Float32Array {
  const mid = (HALFBAND.length - 1) / 2;
  if (out.length !== Math.floor(x.length / 2)) throw new RangeError('decimate2: out must hold half the input');
  // Outputs whose taps all fall inside x take the unrolled loop without bounds tests (the generic
  // loop cost 20 ms on 30 s of audio, this one 2.5).
  const first = Math.min(out.length, (mid + 1) >> 1);
  const last = Math.max(first, Math.min(out.length, Math.floor((x.length - 1 - mid) / 2) + 1));
  for (let o = 0; o < first; o++) out[o] = decimatedAt(x, o);
  halfBand(x, 0, out, first, last);
  for (let o = last; o < out.length; o++) out[o] = decimatedAt(x, o);
  return out;
}

/**
 * out[o] for o in [from, to), each from x around 2o - shift; the caller guarantees every tap
 * (11 either side) lies inside x. The taps are locals, the loop unrolled.
 */
function halfBand(x: Float32Array, shift: number, out: Float32Array, from: number, to: number): void {
  const mid = (HALFBAND.length - 1) / 2;
  const h = (k: number) => HALFBAND[mid + k]!;
  const h0 = h(0), h1 = h(1), h3 = h(3), h5 = h(5), h7 = h(7), h9 = h(9), h11 = h(11);
  for (let o = from; o < to; o++) {
    const c = 2 * o - shift;
    out[o] = h0 * x[c]! + h1 * (x[c - 1]! + x[c + 1]!) + h3 * (x[c - 3]! + x[c + 3]!) + h5 * (x[c - 5]! + x[c + 5]!)
      + h7 * (x[c - 7]! + x[c + 7]!) + h9 * (x[c - 9]! + x[c + 9]!) + h11 * (x[c - 11]! + x[c + 11]!);
  }
}

/** Mono samples per block of mixDecimate2 (even), and the block with the filter's reach either side. */
const MIX_BLOCK = 4096;
const MIX_MARGIN = (HALFBAND.length - 1) / 2;
const mixScratch = new Float32Array(MIX_BLOCK + 2 * MIX_MARGIN);

/**
 * The channel mean of interleaved PCM at half its rate, into `out` (floor(frames / 2) long). The
 * mix is made a block at a time in a small scratch that stays in cache, not as a full-rate
 * array: that array (5 MB for 30 s) was written once per track and, right after the worker
 * spawned ffmpeg, cost a page fault per 4 KB (bench/analysis.ts).
 */
export function mixDecimate2(pcm: Float32Array, channels: number, out: Float32Array): Float32Array {
  if (channels === 1) return decimate2(pcm, out);
  const frames = Math.floor(pcm.length / channels);
  if (out.length !== Math.floor(frames / 2)) throw new RangeError('mixDecimate2: out must hold half the frames');
  const x = mixScratch;
  for (let start = 0; start < frames; start += MIX_BLOCK) {
    // x[j] is the mix of frame start - MIX_MARGIN + j, zero outside the signal.
    const lo = start - MIX_MARGIN;
    const from = Math.max(0, -lo);
    const to = Math.min(x.length, frames - lo);
    x.fill(0, 0, from);
    x.fill(0, Math.max(from, to));
    if (channels === 2) {
      for (let j = from, i = 2 * (lo + from); j < to; j++, i += 2) x[j] = (pcm[i]! + pcm[i + 1]!) / 2;
    } else {
      for (let j = from; j < to; j++) {
        let s = 0;
        for (let c = 0; c < channels; c++) s += pcm[(lo + j) * channels + c]!;
        x[j] = s / channels;
      }
    }
    halfBand(x, lo, out, start / 2, Math.min(out.length, (start + MIX_BLOCK) / 2));
  }
  return out;
}

/** One output of decimate2 near the edges, where taps past either end read zero. */
function decimatedAt(x: Float32Array, o: number): number {
  const mid = (HALFBAND.length - 1) / 2;
  const c = 2 * o;
  let y = HALFBAND[mid]! * x[c]!;
  // Only odd offsets from the centre are non-zero in a half-band filter.
  for (let k = 1; k <= mid; k += 2) {
    const a = c - k >= 0 ? x[c - k]! : 0;
    const b = c + k < x.length ? x[c + k]! : 0;
    y += HALFBAND[mid + k]! * (a + b);
  }
  return y;
}

/** The channel mean of interleaved PCM (into `out` when given; mono comes back as it is). */
export function downmix(pcm: Float32Array, channels: number, out?: Float32Array): Float32Array {
  if (channels === 1) return pcm;
  const frames = Math.floor(pcm.length / channels);
  out ??= new Float32Array(frames);
  if (out.length !== frames) throw new RangeError('downmix: out must hold one sample per frame');
  if (channels === 2) {
    for (let i = 0; i < frames; i++) out[i] = (pcm[2 * i]! + pcm[2 * i + 1]!) / 2;
    return out;
  }
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

/** The number of frames stft gives for `length` samples (its `mag` holds frames × (size / 2 + 1)). */
export function stftFrames(length: number, size: number, hop: number): number {
  return Math.max(1, Math.floor((length - size) / hop) + 1);
}

/**
 * Hann-windowed magnitude spectra (into `out` when given); a signal shorter than one window
 * gives one zero-padded frame.
 */
export function stft(x: Float32Array, sampleRate: number, size: number, hop: number, out?: Float32Array): Spectrogram {
  const fft = realFft(size);
  const window = new Float32Array(size);
  for (let i = 0; i < size; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  const frames = stftFrames(x.length, size, hop);
  const bins = size / 2 + 1;
  const mag = out ?? new Float32Array(frames * bins);
  if (mag.length !== frames * bins) throw new RangeError('stft: out must hold frames × bins');
  // The memory only grows while allocating (above), so this view stays valid for the loop.
  const heap = pffft.HEAPF32;
  const input = fft.input >> 2;
  const output = fft.output >> 2;
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    // Every frame lies inside x except the one of a signal shorter than a window.
    if (start + size <= x.length) for (let i = 0; i < size; i++) heap[input + i] = x[start + i]! * window[i]!;
    else for (let i = 0; i < size; i++) heap[input + i] = (x[start + i] ?? 0) * window[i]!;
    pffft._pffft_transform_ordered(fft.setup, fft.input, fft.output, fft.work, 0);
    const row = f * bins;
    // Ordered real output: DC and Nyquist (both real) first, then re, im of bins 1 .. size/2 - 1.
    mag[row] = Math.abs(heap[output]!);
    mag[row + bins - 1] = Math.abs(heap[output + 1]!);
    for (let b = 1; b < bins - 1; b++) {
      const re = heap[output + 2 * b]!;
      const im = heap[output + 2 * b + 1]!;
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
