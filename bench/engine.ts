/**
 * Embedded engine speed: real-time factor for a 30 s stereo track on one ORT thread, composition
 * plus sampled voices plus render plus mastering, median over all styles; where the time goes;
 * peak RSS and heap.
 *
 * This 2-core VM's speed drifts by up to ~1.5x over minutes (noisy neighbours: CPU time rises
 * with wall time, no steal), so every change below was measured old against new in one process,
 * renders alternating, medians (and 25th percentiles) of 36-60 renders; the absolute numbers of
 * a run of this benchmark move with the machine.
 *
 * Round 1 (ms per 30 s track; first build 242 ms, 124x):
 * - Tonal rows computed flat on real rows, one Gather lays them out for the mixing MatMul: ORT
 *   148 -> 137. DSF oscillators by angle addition from a 2-cent tone table instead of a Sin and
 *   a Cos per sample: ORT 132 -> 106 (a 12.6 MB constant). Rows written in place, int32 indices:
 *   inputs 41 -> 31. K-weighting in transposed direct form II: master 57 -> 38.
 * - Pads, strings, organ, basses, flute, e-piano body and bells at half rate, their bus upsampled
 *   once per chunk (4-point half-band Conv): 186 -> 178. 128-block chunks: 170 -> 155.
 * - End of round 1: 165 ms, 182x (inputs 21, ORT 88, master 47) when measured.
 *
 * Round 2 (side by side with round 1's engine in one process: 125 -> 77 ms and 132 -> 82 ms, 1.6x):
 * - Master analysis reads both channels in one loop and K-weights every other sample (filters
 *   designed for half the rate; ebur128 reads the same loudness to its 0.1 LU): master 35 -> 18.
 * - Notes stop 40 dB below their level instead of 60 (releases) and 50 (decays): -14% rows.
 * - Effects at half rate on the slow bus (fast send decimated by a 7-point half-band): fewer tap
 *   copies, two upsampled lines instead of three.
 * - The graph reduces its output to per-64-sample maxima, minima and sums (ReduceMax/Min/Sum);
 *   DC removal is a baseline from the block means: no recurrence left in the output pass and no
 *   full-rate scan in the analysis: master 24 -> 10.5, ORT +2.
 * - Mix buffers kept between renders (a fresh 5 MB array costs ~2.5 ms of page faults on this
 *   VM): inputs 12 -> 7.5.
 * - notesToRows: exponential decays stepped by a factor a block, start-phase sin/cos rotated
 *   block to block, tables sized up front: 6.0 -> 2.2.
 * - FM rows whose index has decayed under 0.01 (kick, tom, taiko, 808 bodies) go out as DSF
 *   sines from the tone table, without the FM rows' two Sin: ORT -3.5.
 * - Neutral within noise, kept for fewer allocations: one [R, columns] input per row kind (20
 *   inputs a run instead of 44); left and right written by ORT straight into the mix buffers;
 *   packer scratch reused across chunks; bus lines split before the interleaving Transpose.
 * - The benchmark warms up on one render of every prompt (it warmed on one 10 s prompt, which left
 *   the first genre measured ~20% slow) and measures rounds over all prompts.
 * Tried and dropped: noise rows past their onset folded per block into one MatMul over a bank
 * with t-weighted colours (ORT +4: the bigger bank slice and extra MatMul cost more than the
 * per-row work saved); band-limited DSF notes moved to half rate (+-0); preallocated ORT outputs
 * alone (+-0); 512-sample blocks (-5%, but glides, sweeps and vibrato would step every 11.6 ms);
 * chunks of 96/192/256 blocks (128 best or equal); choking mono voices (only 1.2% fewer rows);
 * ORT optimization levels (+-0); FusedMatMul with transposed mixing (slower).
 * What is left: a silent track still costs ~28-32 ms of ORT. Graphs built without one stage each
 * put it at: effects (ten tap copies, their stack and MatMul) ~6 ms, decimator ~3.5, output
 * reductions ~1, the five mixing Gather+MatMuls 1-3; the rest is bus plumbing spread over ~140
 * kernels a run. The effects' taps at half rate already halved them; fewer taps or a 2-tap
 * decimator would trade the room's sound for a few ms.
 * Previously tried: reusing repeated notes' rows (the JS copies cost as much), a [C, 6, K]
 * mixing MatMul for envelopes (ORT +10), a tan half-angle DSF (ORT's Tan is slow), effects in a
 * separate per-track graph, a stride-2 ConvTranspose upsampler (4x slower).
 */
import { GENRES } from '../core/music.ts';
import { parsePrompt } from '../core/prompt/parse.ts';
import { createEmbeddedEngine, instrumentBank } from '../worker/engines/embedded/index.ts';
import { median, type Bench, type BenchRow } from './lib.ts';

const DURATION_S = 30;
const RUNS = 3;

/**
 * Round 3 (sampled instruments): every style, the engine as it ships (sampled voices from the
 * SoundFont plus the synth graph) against the same engine with every voice synthesized (the
 * round-2 engine's sound; its graph has the sampled bus's three inputs, ~free), renders
 * alternating in one process. CPU time is reported beside wall time: with seven other
 * engineers' test runs on two cores, wall time here ran 2-4x CPU time.
 * - First run (2026-12-04, load average 17-30 on 2 cores): CPU per track 166 ms sampled vs 179 ms
 *   all-synth (180x vs 167x by CPU time; wall 1440 ms, 21x vs 19x): real instruments cost no
 *   more than the synth rows they replace. Sampler median 36 ms of CPU over the 39 styles
 *   (cinematic 133: long string notes), ~5 ns per voice-sample on this loaded VM.
 * - The sampler: one-shot samples end 50 dB under their peak (cymbals carry seconds of near
 *   silence) and voices end 40 dB down as synth notes do: 190 -> 62 ms for rock; presets that
 *   layer one sample twice (electric guitars) play it once at the summed gain; the inner loop in
 *   a small function of its own: -10%.
 * - Stage, stereo tail and balance (2026-12-04 21:30, load 1.4-2.2): this benchmark run in turn in
 *   the session's base worktree (4a708a4) and at 8d0f909, three pairs: 381/361/332x (79-83 ms)
 *   vs 337/321/346x (89-93 ms), about 5-10% slower. The tail (reverb.ts) 3-6 ms a track; the
 *   sampler +3 ms (intros strike their chords again; a pad in reggaeton). Skipping the send write
 *   for dry voices behind a branch in the inner loop made the sampler 44 -> 50 ms: dropped.
 */
/**
 * Round 4 (2026-12-05, a 2-core VM shared with two other engineers' renders, load 4-10: stage
 * times side by side with the session's start, e4c9c2c, in one process, renders alternating):
 * - Graphs by row kind: a chunk runs the smallest of five graphs that covers its synth rows
 *   (none, fast DSF, slow DSF, both, all), and a track with none runs 256-block chunks (512 held 13 MiB more for no speed). 18 of the
 *   39 styles have no synth rows, pop fast DSF only, ambient slow only: ORT, minimum of 12 renders,
 *   rock 25 -> 13 ms, pop 50 -> 28, ambient 29 -> 18, techno 52 -> 31. The tone tables and the
 *   noise bank are shared inputs (ORT reads an input in place), so five graphs cost +37 MiB RSS.
 * - Voices end as the instrument would: six strings a guitar, and a key, drum or cymbal struck
 *   again takes over from its last strike (sustained sounds ring out). Voice time over all
 *   styles and two seeds: 635 -> 556 track-lengths after the guitar limit (country's steel guitar
 *   alone had held 15.7 track-lengths of voice, ~50 voices at once).
 * - A drum's pitch was recomputed (an 8192-point FFT) on most hits: cached by sample now (~6 ms).
 * - Dry voices skip the send write in a loop of their own (3.65 -> 2.84 ns a sample).
 * - Tried: ORT outputs written into kept buffers (no fewer full GCs: V8 runs about one ~5 ms
 *   mark-compact a render, driven by the 10 MB output each render hands back; not kept).
 */
export const bench: Bench = async () => {
  const engines = { sampled: createEmbeddedEngine(), synth: createEmbeddedEngine({ sampled: false }) };
  const t0 = performance.now();
  await engines.synth.load();
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const bank = await instrumentBank();
  const bankMs = performance.now() - t1;
  await engines.sampled.load();
  const prompts = GENRES.map((g) => parsePrompt(g, 11));
  // Warm-up: one render of every style with each engine (JIT, ORT's first-run allocations).
  for (const params of prompts) for (const e of Object.values(engines)) await e.renderDetailed(params, DURATION_S);

  type Kind = keyof typeof engines;
  const wall: Record<Kind, number[]> = { sampled: [], synth: [] };
  const cpu: Record<Kind, number[]> = { sampled: [], synth: [] };
  const perGenre = new Map<string, number[]>(prompts.map((p) => [p.genre, []]));
  const parts = { composeMs: [] as number[], samplerMs: [] as number[], inputsMs: [] as number[], ortMs: [] as number[], tailMs: [] as number[], masterMs: [] as number[] };
  let peakHeap = 0;
  // Rounds over all styles, so a slow minute on this shared machine hits every style alike.
  for (let i = 0; i < RUNS; i++) {
    for (const params of prompts) {
      for (const kind of (i % 2 ? ['synth', 'sampled'] : ['sampled', 'synth']) as Kind[]) {
        const c0 = process.cpuUsage();
        const started = performance.now();
        const { stats } = await engines[kind].renderDetailed(params, DURATION_S);
        const ms = performance.now() - started;
        const c = process.cpuUsage(c0);
        wall[kind].push(ms);
        cpu[kind].push((c.user + c.system) / 1000);
        if (kind === 'sampled') {
          perGenre.get(params.genre)!.push(ms);
          for (const k of Object.keys(parts) as Array<keyof typeof parts>) parts[k].push(stats[k]);
        }
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
    }
  }
  const rtf = (ms: number[]) => round((DURATION_S * 1000) / median(ms));
  const rows: BenchRow[] = [
    {
      group: 'engine', name: 'real-time factor, 30 s stereo, 1 thread, median over all styles', value: rtf(wall.sampled), unit: 'x',
      goal: '>= 300x (never < 150x)', met: rtf(wall.sampled) >= 300,
      note: `median ${median(wall.sampled).toFixed(0)} ms per track over ${wall.sampled.length} renders of ${prompts.length} styles; all-synth engine side by side: ${rtf(wall.synth)}x`,
    },
    {
      group: 'engine', name: 'same, from CPU time', value: rtf(cpu.sampled), unit: 'x',
      note: `all-synth: ${rtf(cpu.synth)}x; CPU ${median(cpu.sampled).toFixed(0)} vs ${median(cpu.synth).toFixed(0)} ms`,
    },
  ];
  const byGenre = [...perGenre].map(([genre, ms]) => ({ genre, x: (DURATION_S * 1000) / median(ms) })).sort((a, b) => a.x - b.x);
  rows.push({ group: 'engine', name: `slowest style (${byGenre[0]!.genre})`, value: round(byGenre[0]!.x), unit: 'x', goal: '>= 150x', met: byGenre[0]!.x >= 150 });
  rows.push({ group: 'engine', name: `fastest style (${byGenre.at(-1)!.genre})`, value: round(byGenre.at(-1)!.x), unit: 'x' });
  for (const [k, v] of Object.entries(parts)) {
    rows.push({ group: 'engine', name: `time in ${k.replace('Ms', '')} (median)`, value: round(median(v)), unit: 'ms' });
  }
  rows.push({ group: 'engine', name: 'graph build + session load', value: round(loadMs), unit: 'ms' });
  rows.push({ group: 'engine', name: 'instruments load (decoded cache)', value: round(bankMs), unit: 'ms', note: `${bank.source}; ${(bank.frames / 1e6).toFixed(1)} M frames, ${round(bank.pcm.byteLength / 2 ** 20)} MiB in memory` });
  rows.push({ group: 'engine', name: 'peak RSS', value: round(process.resourceUsage().maxRSS / 1024), unit: 'MiB', goal: '<= 600 MiB', met: process.resourceUsage().maxRSS / 1024 <= 600 });
  rows.push({ group: 'engine', name: 'peak JS heap', value: round(peakHeap / 2 ** 20), unit: 'MiB' });
  for (const e of Object.values(engines)) await e.dispose();
  return rows;
};

const round = (x: number) => Math.round(x * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name.padEnd(60)} ${String(r.value).padStart(8)} ${r.unit}${r.goal ? `  (goal ${r.goal})` : ''}${r.note ? `  ${r.note}` : ''}`);
}
