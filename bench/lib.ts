/** Shared shape of benchmark results: bench/run.ts prints them as one table and writes JSON. */
export interface BenchRow {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** Human-readable goal, e.g. "< 300 ms". */
  goal?: string;
  met?: boolean;
  note?: string;
}

export type Bench = () => Promise<BenchRow[]>;

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export const median = (samples: number[]): number => percentile(samples, 50);
