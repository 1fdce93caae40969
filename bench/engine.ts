/**
 * Embedded engine speed: real-time factor for a 30 s stereo track on one ORT thread, composition
 * plus render plus mastering, median over several runs of several genres; where the time goes;
 * peak RSS and heap.
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
