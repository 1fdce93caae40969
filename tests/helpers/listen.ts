/**
 * A long-lived `python3 tests/helpers/listen.py` process answering one request at a time: the
 * numpy listening checks (chroma key, left/right correlation, quiet stretches, high-frequency
 * balance, similarity between renders, 4-bar self-similarity) without paying numpy's start-up per
 * file. Independent of the engine: it reads only the WAV files it is given.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./listen.py', import.meta.url));
/** A 2-minute file takes about 1.5 s here; this bound only catches a hung interpreter. */
const REQUEST_TIMEOUT_MS = 120_000;

export interface KeyReading {
  key: string;
  mode: 'major' | 'minor';
  /** Correlation with the best Krumhansl-Kessler profile. */
  r: number;
  /** The runner-up key, e.g. "D# major". */
  second: string;
}

export interface Quiet {
  /** Stretches where every 1 s window reads below -50 dBFS (after 0.5 s, before the last 4 s). */
  count: number;
  seconds: number;
  firstAtS: number | null;
  /** Quietest 1 s window in that range. */
  minDbfs: number | null;
}

export interface Gaps {
  /** 50 ms windows below -50 dBFS inside a second that is loud overall (above -35 dBFS). */
  count: number;
  /** Start of the first few, seconds. */
  at: number[];
  minDbfs: number | null;
}

export interface Form {
  blocks: number;
  /** Blocks that sound unlike every earlier block (see BLOCK_SAME_* in listen.py). */
  distinct: number;
  /** Longest run of consecutive blocks each the same as the one before. */
  longestRun: number;
  /** Runs of three or more identical blocks in a row. */
  runsOf3: number;
  adjacent: number[];
}

export interface Analysis {
  rate: number;
  durationS: number;
  lrCorrelation?: number;
  /** Side (L-R)/2 energy relative to mid, dB. */
  sideDb?: number;
  key: KeyReading;
  quiet: Quiet;
  gaps: Gaps;
  /** Energy above 16 kHz relative to 4-16 kHz, dB. */
  hfDb: number;
  peakDbfs: number;
  form?: Form | null;
}

export interface Similarity {
  /** Mean per-frame correlation of chroma (~0.19 s frames), time-aligned; unrelated harmony reads ~0. */
  chroma: number;
  /** Correlation of the spectral-flux onset envelopes (11.6 ms frames), time-aligned. */
  onset: number;
  /** Mean of the two. */
  similarity: number;
  /** Cosine of band-energy cepstra (mean and spread over time): instrumentation and mix, whatever the tempo and key; 1.00 = the same band. */
  timbre: number;
}

type Reply = { ok: true; result: unknown } | { ok: false; error: string };

export class Listener {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: AsyncIterator<string>;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(python = process.env.PYTHON ?? 'python3') {
    this.child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => process.stderr.write(`listen.py: ${d}`));
    this.replies = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** Requests are answered in order; callers may overlap, they are queued. */
  private request<T>(req: object): Promise<T> {
    const next = this.busy.then(async () => {
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`listen.py gave no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
      });
      try {
        const line = await Promise.race([this.replies.next(), timeout]);
        if (line.done) throw new Error('listen.py exited');
        const reply = JSON.parse(line.value) as Reply;
        if (!reply.ok) throw new Error(`listen.py: ${reply.error}`);
        return reply.result as T;
      } finally {
        clearTimeout(timer);
      }
    });
    this.busy = next.catch(() => {});
    return next;
  }

  /**
   * Measures one WAV. With `features`, saves chroma and onset features there for `similarity`;
   * with `bpm` and `blocks`, reads the form in 4-bar (16-beat) blocks; with `tonic` (pitch class of
   * the asked key), the saved chroma is relative to it, so renders in different keys compare as music.
   */
  analyze(wav: string, opts: { features?: string; bpm?: number; blocks?: boolean; tonic?: number } = {}): Promise<Analysis> {
    return this.request<Analysis>({ op: 'analyze', wav, ...opts });
  }

  /** Time-aligned similarity of pairs of saved feature files (1 = the same music at the same time);
   * a third element compares only that many seconds from the start. */
  similarity(pairs: Array<[string, string] | [string, string, number]>): Promise<Similarity[]> {
    return this.request<Similarity[]>({ op: 'similarity', pairs });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Pitch class 0..11 of a spelled note name ("Bb", "F#", "A#", "Cb"), written here rather than
 * taken from core so the check does not share the code it checks. */
export function pitchClassOf(name: string): number {
  const m = /^([A-Ga-g])([#b♯♭]*)$/.exec(name.trim());
  if (!m) throw new RangeError(`not a note name: ${name}`);
  const base = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 }[m[1]!.toLowerCase() as 'c']!;
  let acc = 0;
  for (const ch of m[2]!) acc += ch === '#' || ch === '♯' ? 1 : -1;
  return (((base + acc) % 12) + 12) % 12;
}

/**
 * Tempo from aubio's beat tracker (`aubio beat`): the mean interval between consecutive beats
 * within 8% of the median interval. aubio's own summary (`aubio tempo`, last line) averages in
 * the beats it skips, so a plain 77 bpm kick metronome reads 71.7 there and 77.1 here; and the
 * mean of the in-band intervals cancels the 11.6 ms hop quantization a median alone keeps (124
 * bpm read 125.8 as a median, 124.1 this way).
 */
export async function aubioBeatTempo(path: string): Promise<{ bpm: number | null; beats: number }> {
  const { stdout } = await run('aubio', ['beat', '-B', '2048', '-H', '512', '-i', path], { timeout: 60_000 });
  const beats = stdout.split('\n').map((l) => Number(l.trim())).filter((t) => Number.isFinite(t) && t > 0);
  const d = beats.slice(1).map((t, i) => t - beats[i]!);
  if (d.length < 4) return { bpm: null, beats: beats.length };
  const med = [...d].sort((a, b) => a - b)[Math.floor(d.length / 2)]!;
  const band = d.filter((x) => Math.abs(x - med) <= 0.08 * med);
  return { bpm: 60 / (band.reduce((s, x) => s + x, 0) / band.length), beats: beats.length };
}
