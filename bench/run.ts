/**
 * `npm run bench [-- name...]`: runs every bench/<name>.ts (or the named ones), prints one
 * table and writes the rows as JSON to bench/results/latest.json.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './lib.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const names = (await readdir(dir))
  .filter((f) => f.endsWith('.ts') && !['lib.ts', 'run.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();

const rows: BenchRow[] = [];
const byBench: Record<string, BenchRow[]> = {};
const errors: Array<{ bench: string; error: string }> = [];
const isChild = process.env.DITTY_BENCH_CHILD === '1';
for (const name of names) {
  process.stderr.write(`bench ${name} ...\n`);
  try {
    // Each benchmark gets a fresh process: one that leaves threads, heap or caches behind must
    // not slow the next (the engine measured 25% slower after the chat benchmark in-process).
    byBench[name] = isChild || names.length === 1 ? await runHere(name) : await runInChild(name);
    rows.push(...byBench[name]);
  } catch (err) {
    errors.push({ bench: name, error: err instanceof Error ? err.message : String(err) });
    process.stderr.write(`bench ${name} failed: ${String(err)}\n`);
  }
}

async function runHere(name: string): Promise<BenchRow[]> {
  const mod = (await import(`./${name}.ts`)) as { bench?: Bench };
  return mod.bench ? mod.bench() : [];
}

async function runInChild(name: string): Promise<BenchRow[]> {
  const { spawn } = await import('node:child_process');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), name], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DITTY_BENCH_CHILD: '1' },
    });
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`exited with ${code}`);
  const { readFile } = await import('node:fs/promises');
  const report = JSON.parse(await readFile(fileURLToPath(new URL(`./results/${name}.json`, import.meta.url)), 'utf8')) as { rows: BenchRow[] };
  return report.rows;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
const table = rows.map((r) => ({
  group: r.group, name: r.name, value: `${fmt(r.value)} ${r.unit}`, goal: r.goal ?? '', met: r.met === undefined ? '' : r.met ? 'yes' : 'NO', note: r.note ?? '',
}));
const cols = ['group', 'name', 'value', 'goal', 'met', 'note'] as const;
const widths = cols.map((c) => Math.max(c.length, ...table.map((t) => t[c].length)));
const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(cols));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const t of table) console.log(line(cols.map((c) => t[c])));

const out = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(out, { recursive: true });
const report = { at: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, rows, errors };
await writeFile(`${out}latest.json`, JSON.stringify(report, null, 2));
// One file per benchmark too, so running a single one keeps the others' last results.
for (const [name, benchRows] of Object.entries(byBench)) {
  await writeFile(`${out}${name}.json`, JSON.stringify({ ...report, rows: benchRows, errors: [] }, null, 2));
}
console.log(`\nwrote ${out}latest.json and one file per benchmark`);
process.exit(errors.length ? 1 : 0);
