/**
 * Embedded engine speed: real-time factor for a 30 s stereo track on one ORT thread, composition
 * plus render plus mastering, median over several runs of several genres; where the time goes;
 * peak RSS and heap.
 *
 * What each speed change bought (ms per 30 s track, mean over the six prompts below of the best
 * of 5 runs, old and new builds interleaved in one process on the shared 2-core machine):
 * - Start (bc27f58): 242 ms total, 124x; inputs 29, ORT 139, master 67. This benchmark's median
 *   then: 122x (inputs 34, ORT 147, master 60).
 * - Tonal rows computed flat on real rows, one Gather lays them out for the mixing MatMul (no
 *   per-sample work on padding slots): ORT 148 -> 137.
 * - DSF oscillators by angle addition from a 2-cent tone table (Gather + 4 Mul) instead of a Sin
 *   and a Cos per sample (each cost ~7 plain ops in ORT's profile): ORT 132 -> 106. Costs a
 *   12.6 MB constant in the graph.
 * - Rows written in place, envelope levels shared between neighbouring blocks, int32 indices:
 *   inputs 41 -> 31 (bit-identical samples).
 * - Mastering: K-weighting one channel at a time in transposed direct form II (analysis 37 -> 18),
 *   then DC blocker and fade folded into that pass and a true-peak search only in blocks near the
 *   top: master 57 -> 38 (reported true peak equal to the full scan on every prompt tried).
 * - End: 186 ms total, 162x; inputs 27, ORT 108, master 45 (master includes interleaving).
 * - Slow rows: pads, strings, organ, basses, flute, e-piano body and bells rendered at half rate,
 *   one row per two blocks, their bus upsampled once per chunk (4-point half-band, one Conv):
 *   total 186 -> 178 (inputs 27 -> 22, ORT 108 -> 104); ambient and house -12 to -19 ms, lofi
 *   and cinematic +-0: the upsampler costs ~8 ms a track (Conv, interleaving Transpose, Concat
 *   per chunk), a stride-2 ConvTranspose instead cost +40. Images above 16 kHz at -52 dB of the
 *   total on ambient (was -56). Sweeping drums (kick, 808, toms) stay at full rate: their pitch
 *   steps every block, and two blocks per step changed the kick audibly (-5 dB difference).
 * - Send history 65 536 -> 33 280 samples (still twice the longest echo at 40 bpm; copied twice
 *   a chunk): total 174 -> 171 (ORT -2, inputs -1), bit-identical samples.
 * - 128-block chunks instead of 32 (81 graph runs a track instead of 162): with the slow bus's
 *   upsampler per run, fewer runs now win over K padding: total 170 -> 155 (ORT 100 -> 88,
 *   inputs 22 -> 18); 64 blocks: 163, 256: 168.
 * - Master writes the interleaved output in its gain pass (the true-peak search reads it there):
 *   one pass fewer, master 51 -> 46, bit-identical. Tried and dropped: a fround instead of the
 *   float32 reload and the fade test hoisted in the analysis loop (+-0; analysis ~25-30 ms is the
 *   serial chain of DC blocker and two biquads, 2.6 M samples a track).
 * - End of this round: this benchmark's median 148x (203 ms: inputs 31, ORT 113, master 49) ->
 *   178x (168 ms: inputs 20, ORT 92, master 46). Also tried: more basses at half rate (upright,
 *   pluck and rock bass: +-0); ORT's denormals-as-zero (+-0).
 * Tried and dropped, measured the same way: rendering each repeated note once and mixing shifted
 * copies in TS (graph -10%, but the JS copies cost as much: most rows are long pads and 5 s piano
 * decays, not drums); folding body envelopes into a [C, 6, K] mixing MatMul (ORT +10); a tan
 * half-angle DSF (ORT's Tan is slow: ORT 139 -> 256); routing zero-index FM rows as sines (+-2);
 * effects in a separate per-track graph (no change); 8/16/64/128-block chunks (32 best or equal,
 * before the slow rows).
 * What is left: a silent 30 s track still costs ~42 ms of ORT (81 runs): ORT's profile puts
 * ~40% of it in the effect taps (ten Slices, their Concat, the [2, 10] MatMul), ~12% in the slow
 * bus's upsampler (Conv, interleaving Transpose), the rest in the noise bank Slice, three mixing
 * MatMuls and bus reshapes. Ideas not tried: taps on a half-rate send, joined to the slow bus
 * before its upsampler (half the tap copies, no dry+wet Add; reverb bandwidth ~10 kHz); quarter
 * rate for pads and subs. Mastering's analysis (~25 ms) is bound by its per-sample IIR chain.
 */
import { parsePrompt } from '../core/prompt/parse.ts';
import { createEmbeddedEngine } from '../worker/engines/embedded/index.ts';
import { median, type Bench, type BenchRow } from './lib.ts';

const PROMPTS = ['lofi hip hop', 'trap 140 bpm', 'deep house', 'ambient pads', 'drum and bass', 'cinematic orchestral'];
const DURATION_S = 30;
const RUNS = 3;

export const bench: Bench = async () => {
  const engine = createEmbeddedEngine();
  const t0 = performance.now();
  await engine.load();
  const loadMs = performance.now() - t0;
  // warm-up: JIT and ORT's first-run allocations are not what a worker sees after its first job
  await engine.renderDetailed(parsePrompt('pop', 1), 10);

  const totals: number[] = [];
  const parts = { composeMs: [] as number[], inputsMs: [] as number[], ortMs: [] as number[], masterMs: [] as number[] };
  const rows: BenchRow[] = [];
  let peakHeap = 0;
  for (const prompt of PROMPTS) {
    const params = parsePrompt(prompt, 11);
    const perPrompt: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const { stats } = await engine.renderDetailed(params, DURATION_S);
      const ms = performance.now() - started;
      perPrompt.push(ms);
      totals.push(ms);
      for (const k of Object.keys(parts) as Array<keyof typeof parts>) parts[k].push(stats[k]);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    rows.push({ group: 'engine', name: `RTF 30 s ${params.genre}`, value: round(DURATION_S * 1000 / median(perPrompt)), unit: 'x' });
  }
  const rtf = (DURATION_S * 1000) / median(totals);
  rows.unshift({
    group: 'engine', name: 'real-time factor, 30 s stereo, 1 thread (median)', value: round(rtf), unit: 'x',
    goal: '>= 300x', met: rtf >= 300, note: `median ${median(totals).toFixed(0)} ms per track over ${totals.length} renders`,
  });
  for (const [k, v] of Object.entries(parts)) {
    rows.push({ group: 'engine', name: `time in ${k.replace('Ms', '')} (median)`, value: round(median(v)), unit: 'ms' });
  }
  rows.push({ group: 'engine', name: 'graph build + session load', value: round(loadMs), unit: 'ms' });
  rows.push({ group: 'engine', name: 'peak RSS', value: round(process.resourceUsage().maxRSS / 1024), unit: 'MiB' });
  rows.push({ group: 'engine', name: 'peak JS heap', value: round(peakHeap / 2 ** 20), unit: 'MiB' });
  await engine.dispose();
  return rows;
};

const round = (x: number) => Math.round(x * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name.padEnd(52)} ${String(r.value).padStart(8)} ${r.unit}${r.goal ? `  (goal ${r.goal})` : ''}`);
}
