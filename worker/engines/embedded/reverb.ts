/**
 * The room's stereo tail: a feedback delay network fed by the sampled instruments' effect send,
 * after the graph's early reflections (synth-graph.ts), with decorrelated left and right outputs.
 *
 * Why here and not in the graph: a tail needs feedback shorter than a chunk (0.74 s), which the
 * graph's tap bus cannot express (a tap reads only [history | this chunk's send]). The sampled
 * voices' send is whole before the graph runs, so the network runs over the whole track at a
 * quarter of the output rate (a room's tail has little above 4 kHz: its damping filters take that
 * out anyway) and hands the graph its output at half rate, where the graph adds it to the slow bus
 * it upsamples anyway: no pass over the output in JS, and the master's statistics include it.
 * Synth voices keep the early reflections and the tempo echo (their send exists only inside the
 * graph: adding the tail after each graph run cost 8 ms a track, twice this).
 * Four lines, a Hadamard matrix, a one-pole damping filter in every loop.
 */
import { Prng } from './rng.ts';

/** The tail runs at the output rate over this. */
export const TAIL_DOWN = 4;
/** Loop delays at 44.1 kHz / TAIL_DOWN, before the seed's +-4%: mutually prime, 26-44 ms. */
const LINES = [293, 347, 419, 487] as const;
/** Level of the tail against the send (the early reflections' first tap is 0.26). */
const TAIL_GAIN = 0.45;
/** Damping: the loop's one-pole low-pass corner, Hz (a hall's air and walls take the highs first). */
const DAMP_HZ = 2600;

/**
 * The tail of `send` (full rate, `frames` long) at half the output rate, left and right, written
 * into `left` and `right` (at least frames / 2 long; the rest is left as is).
 * @param rt60 seconds for the tail to fall 60 dB
 */
export function stereoTail(send: Float32Array, frames: number, rt60: number, seed: number, sampleRate: number, left: Float32Array, right: Float32Array): void {
  const rate = sampleRate / TAIL_DOWN;
  const r = new Prng(seed, 11);
  const len = LINES.map((d) => Math.round(d * (0.96 + 0.08 * r.float())));
  const [n0, n1, n2, n3] = len as [number, number, number, number];
  const l0 = new Float32Array(n0), l1 = new Float32Array(n1), l2 = new Float32Array(n2), l3 = new Float32Array(n3);
  // each pass round a loop loses its share of 60 dB over rt60; the Hadamard matrix is scaled by 1/2 (orthonormal)
  const [g0, g1, g2, g3] = len.map((n) => 0.5 * 10 ** ((-3 * n) / rate / rt60)) as [number, number, number, number];
  const damp = Math.exp((-2 * Math.PI * DAMP_HZ) / rate);
  let i0 = 0, i1 = 0, i2 = 0, i3 = 0, f0 = 0, f1 = 0, f2 = 0, f3 = 0;
  // decimation: mean of 4, then [1 2 1] / 4 at the tail rate (-24 dB at 8 kHz, folded onto 3 kHz)
  let y1 = 0, y2 = 0;
  // interpolation to half rate: the midpoint of this and the previous output
  let pl = 0, pr = 0;
  const m = Math.floor(frames / TAIL_DOWN);
  const scale = TAIL_GAIN / 16;
  for (let j = 0; j < m; j++) {
    const i = j * TAIL_DOWN;
    const y0 = send[i]! + send[i + 1]! + send[i + 2]! + send[i + 3]!;
    const x = (y0 + 2 * y1 + y2) * scale;
    y2 = y1;
    y1 = y0;
    const d0 = l0[i0]!, d1 = l1[i1]!, d2 = l2[i2]!, d3 = l3[i3]!;
    f0 = d0 + damp * (f0 - d0);
    f1 = d1 + damp * (f1 - d1);
    f2 = d2 + damp * (f2 - d2);
    f3 = d3 + damp * (f3 - d3);
    const a = f0 + f1, b = f0 - f1, c = f2 + f3, d = f2 - f3;
    l0[i0] = x + g0 * (a + c);
    l1[i1] = g1 * (b + d) - x;
    l2[i2] = x + g2 * (a - c);
    l3[i3] = g3 * (b - d) - x;
    if (++i0 === n0) i0 = 0;
    if (++i1 === n1) i1 = 0;
    if (++i2 === n2) i2 = 0;
    if (++i3 === n3) i3 = 0;
    // orthogonal output weights: the two sides hear the same room, not the same signal
    const wl = d0 + 0.5 * d1 - 0.5 * d2 + d3;
    const wr = 0.5 * d0 - d1 + d2 + 0.5 * d3;
    left[2 * j] = 0.5 * (pl + wl);
    left[2 * j + 1] = wl;
    right[2 * j] = 0.5 * (pr + wr);
    right[2 * j + 1] = wr;
    pl = wl;
    pr = wr;
  }
}
