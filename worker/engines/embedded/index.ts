/**
 * The embedded engine: composition in TypeScript, sound from an ONNX graph built in memory by
 * synth-graph.ts and run with onnxruntime-node, mastering in TypeScript. No download needed.
 */
import ort from 'onnxruntime-node';
import type { Engine, RenderedAudio, RenderInput, RenderOptions } from '../../../core/engine.ts';
import type { MusicParams } from '../../../core/music.ts';
import { continueComposition } from './extend.ts';
import { tilt } from './tone.ts';
import { compose, type Composition } from './compose.ts';
import { MASTER_BLOCK, master, type BlockExtremes, type MasterReport } from './master.ts';
import type { DrumKit } from './patches.ts';
import { notesToRows, type RowTable } from './rows.ts';
import { Prng } from './rng.ts';
import { TAIL_DOWN, stereoTail } from './reverb.ts';
import { renderSampled, sampledPatches } from './sampler.ts';
import { loadInstrumentBank, type InstrumentBank } from './soundfont.ts';
import {
  BLOCK, DECIMATOR_HISTORY, DSF_COLUMNS, ECHO_TAPS, FM_PARAMS, NOISE_BANK_BLOCKS, NOISE_COLORS, NOISE_COLUMNS, ROOM_TAPS, ROW_KINDS,
  SAMPLE_RATE, SEND_HISTORY, SLOW, SLOW_HISTORY, TONES, buildSynthGraph, graphTables, type RowKind,
} from './synth-graph.ts';

export const ENGINE_VERSION = '1.0.0';
/** Blocks per graph run (~0.74 s; also the progress granularity). Small chunks keep K (rows in
 * the busiest block) close to the local density, large ones pay the per-run cost (the slow bus's
 * upsampler, the send history, ~30 ops' dispatch) less often: 32 blocks was best with flat rows
 * alone, 128 since the slow rows (A/B 170 -> 155 ms a 30 s track; 64: 163, 256: 168). */
const CHUNK_BLOCKS = 128;
const LEAN_CHUNK_BLOCKS = 256;
const TARGET_LUFS = -14;
/**
 * The master's true-peak ceiling, below the delivered file's -1 dBTP by the most an encoder adds:
 * Opus's decoder overshoots the PCM's true peak on bright transients, measured with ffmpeg's
 * ebur128 on the encoded files (scratch run, 39 styles x 2 seeds x 20 s, Opus 128k/192k and
 * MP3 192k): up to +0.42 dB for Opus 128k, MP3 never above the PCM. At -1.4 the delivered .ogg read
 * above -1 dBTP in 3 of 184 tracks; -2.0 leaves 0.58 dB more than the worst overshoot seen.
 */
const CEILING_DBTP = -2.0;

export interface RenderStats {
  composeMs: number;
  inputsMs: number;
  /** Sampled voices rendered in JS (sampler.ts). */
  samplerMs: number;
  ortMs: number;
  /** The room's stereo tail of the sampled voices (reverb.ts), in JS before the graph runs. */
  tailMs: number;
  masterMs: number;
  notes: number;
  rows: number;
  /** Sampled voices (a note may sound several zones). */
  voices: number;
  master: MasterReport;
  composition: Composition;
}

type Session = ort.InferenceSession;
/**
 * The graphs a render chooses from, chunk by chunk: each covers some of the synth voices' row
 * kinds (buildSynthGraph), the first that covers a chunk's rows runs it. Every list ends with the
 * full graph; a list of it alone runs every chunk on it.
 */
export interface Sessions {
  graphs: ReadonlyArray<{ kinds: ReadonlySet<RowKind>; session: Session }>;
  tables: ReturnType<typeof graphTables>;
}
/**
 * The graphs built for every render, smallest first: none (the styles played from samples), fast
 * DSF (pop, house, indie, synthwave), slow DSF (ambient, cinematic's sub), both (techno, trance,
 * reggaeton, kpop), then the full one (FM drums, noise, slow FM).
 */
const GRAPH_KINDS: ReadonlyArray<readonly RowKind[]> = [[], ['d'], ['s'], ['d', 's'], ROW_KINDS];
/** Built graphs are the only shared state: building and loading one costs ~100 ms. */
const sessions = new Map<string, Promise<Session>>();
let tables: ReturnType<typeof graphTables> | undefined;

export async function sessionsFor(device: 'cpu' | 'cuda'): Promise<Sessions> {
  tables ??= graphTables();
  const graphs = await Promise.all(GRAPH_KINDS.map(async (kinds) => ({ kinds: new Set(kinds), session: await sessionFor(device, kinds) })));
  return { graphs, tables };
}

function sessionFor(device: 'cpu' | 'cuda', kinds: readonly RowKind[]): Promise<Session> {
  const id = `${device}:${kinds.join('')}`;
  let s = sessions.get(id);
  if (!s) {
    s = ort.InferenceSession.create(buildSynthGraph(kinds), {
      executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // With five graphs, each session's planned peak block stayed resident: 534 -> 508 MiB over
      // every style at the same speed side by side (305 vs 304x).
      enableMemPattern: false,
    });
    s.catch(() => sessions.delete(id));
    sessions.set(id, s);
  }
  return s;
}

/** The decoded SoundFont, loaded once a thread (like the graph) and shared by its engines. */
let instruments: Promise<InstrumentBank> | undefined;
export function instrumentBank(): Promise<InstrumentBank> {
  if (!instruments) {
    instruments = loadInstrumentBank(sampledPatches());
    instruments.catch(() => (instruments = undefined));
  }
  return instruments;
}

export class EmbeddedEngine implements Engine {
  readonly name = 'embedded';
  readonly version = ENGINE_VERSION;
  readonly precision = 'fp32' as const;
  readonly maxDurationS = 300;
  readonly sampleRate = SAMPLE_RATE;
  readonly device: 'cpu' | 'cuda';
  private session: Sessions | undefined;
  private bank: InstrumentBank | undefined;
  /** Mix buffers kept from one render to the next: a fresh 5 MB array costs ~2.5 ms of page
   * faults here on first touch. One render at a time takes them; a concurrent one allocates. */
  private spareMix: MixBuffers | undefined;

  /** false: every voice from the synth graph, as before the samples (the benchmark's baseline). */
  private readonly sampled: boolean;

  constructor(device: 'cpu' | 'cuda' = 'cpu', sampled = true) {
    this.device = device;
    this.sampled = sampled;
  }

  async load(): Promise<void> {
    [this.session, this.bank] = await Promise.all([this.session ?? sessionsFor(this.device), this.bank ?? (this.sampled ? instrumentBank() : undefined)]);
  }

  async render(input: RenderInput, options: RenderOptions = {}): Promise<RenderedAudio> {
    return (await this.renderDetailed(input.params, input.durationS, options, input.continueFromS)).audio;
  }

  /** Render plus where the time went (for the benchmark and the render script). */
  async renderDetailed(
    params: MusicParams, durationS: number, options: RenderOptions = {}, continueFrom: number | readonly number[] = [],
  ): Promise<{ audio: RenderedAudio; stats: RenderStats }> {
    if (!Number.isFinite(durationS) || durationS < 1 || durationS > this.maxDurationS) {
      throw new RangeError(`duration must be between 1 and ${this.maxDurationS} s, got ${durationS}`);
    }
    await this.load();
    const session = this.session!;
    const bank = this.bank ?? null;
    const { signal, onProgress } = options;
    throwIfAborted(signal);

    const t0 = performance.now();
    const continueFromS = typeof continueFrom === 'number' ? [continueFrom] : continueFrom;
    const composition = continueFromS.length > 0 && continueFromS.every((d) => d > 0 && d < durationS)
      ? continueComposition(params, continueFromS, durationS)
      : compose(params, durationS);
    const composeMs = performance.now() - t0;
    const frames = Math.round(durationS * SAMPLE_RATE);
    const mix = this.takeMix(frames);
    const { left, right, extremes, inputsMs, ortMs, samplerMs, tailMs, rows: nRows, voices } = await synthesize(session, bank, composition, composition.kit, params.seed, frames, options, mix)
      .finally(() => (this.spareMix = mix));

    const t = performance.now();
    const pcm = new Float32Array(frames * 2);
    const report = master(left, right, extremes, pcm, { sampleRate: SAMPLE_RATE, targetLufs: TARGET_LUFS, ceilingDbtp: CEILING_DBTP, fadeOutS: 0.3 });
    const masterMs = performance.now() - t;
    onProgress?.(1);
    return {
      audio: { sampleRate: SAMPLE_RATE, channels: 2, pcm },
      stats: { composeMs, inputsMs, samplerMs, ortMs, tailMs, masterMs, notes: composition.notes.length, rows: nRows, voices, master: report, composition },
    };
  }

  private takeMix(frames: number): MixBuffers {
    const spare = this.spareMix;
    this.spareMix = undefined;
    const padded = paddedFrames(frames);
    if (spare && spare.left.length >= padded) return spare;
    return { left: new Float32Array(padded), right: new Float32Array(padded), x: sampledBus(padded) };
  }

  async dispose(): Promise<void> {
    this.spareMix = undefined;
    // Sessions are shared per device across engines in this thread; they live as long as it does.
    this.session = undefined;
  }
}

/** A track's length rounded up to whole slow blocks: every chunk's slow bus is then exactly half
 * its length (what the graph renders past the end is dropped). */
function paddedFrames(frames: number): number {
  return Math.ceil(frames / (BLOCK * SLOW)) * BLOCK * SLOW;
}

/** Planar stereo buffers at least as long as a track rounded up to whole slow blocks. */
export interface MixBuffers {
  left: Float32Array;
  right: Float32Array;
  /** The sampled voices' bus, cleared before each use. */
  x: { left: Float32Array; right: Float32Array; send: Float32Array; revL: Float32Array; revR: Float32Array };
}

function sampledBus(n: number): MixBuffers['x'] {
  // the tail at half rate (reverb.ts)
  return { left: new Float32Array(n), right: new Float32Array(n), send: new Float32Array(n), revL: new Float32Array(n / 2), revR: new Float32Array(n / 2) };
}

/** Runs the graph chunk by chunk over a composition; returns the unmastered stereo mix (views of
 * `mix` when given). */
export async function synthesize(
  session: Sessions, bank: InstrumentBank | null, composition: Composition, kit: DrumKit, seed: number, frames: number, options: RenderOptions = {}, mix?: MixBuffers,
): Promise<{ left: Float32Array; right: Float32Array; extremes: BlockExtremes; inputsMs: number; samplerMs: number; ortMs: number; tailMs: number; rows: number; voices: number }> {
    const { signal, onProgress } = options;
    const padded = paddedFrames(frames);
    let t = performance.now();
    const x = mix && mix.x.left.length >= padded ? mix.x : sampledBus(padded);
    x.left.fill(0), x.right.fill(0), x.send.fill(0);
    const { synth, voices } = bank ? renderSampled(bank, composition.notes, kit, composition.space, x, frames, composition.tonic, composition.mirror) : { synth: composition.notes, voices: 0 };
    if (bank) tilt(x.left, x.right, frames, composition.toneDb, SAMPLE_RATE);
    const samplerMs = performance.now() - t;
    t = performance.now();
    // the wetter the style, the longer its room rings: 1.0 s at space 0.1, 2.4 s at 1
    const tailLen = Math.floor(frames / TAIL_DOWN) * 2;
    if (bank) stereoTail(x.send, frames, 0.85 + 1.55 * composition.space, seed, SAMPLE_RATE, x.revL, x.revR);
    x.revL.fill(0, bank ? tailLen : 0), x.revR.fill(0, bank ? tailLen : 0);
    const tailMs = performance.now() - t;
    t = performance.now();
    const rows = notesToRows(synth, composition.space);
    const nBlocks = padded / BLOCK;
    // The graph writes each chunk straight into these (preallocated outputs): no copy of the mix,
    // and no fresh output buffers to fault in every run. They run to the end of the last chunk.
    const mixL = mix && mix.left.length >= padded ? mix.left : new Float32Array(padded);
    const mixR = mix && mix.right.length >= padded ? mix.right : new Float32Array(padded);
    const stats = Array.from({ length: 6 }, () => new Float32Array(padded / MASTER_BLOCK));
    const nStats = Math.ceil(frames / MASTER_BLOCK);
    // a block that straddles the end keeps extremes and a sum over a few samples more: a bound all the same
    const [maxL, minL, sumL, maxR, minR, sumR] = stats.map((x) => x.subarray(0, nStats)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const extremes: BlockExtremes = { maxL, maxR, minL, minR, sumL, sumR };
    const packers = {
      d: new Packer(rows.dsf, nBlocks),
      f: new Packer(rows.fm, nBlocks),
      n: new Packer(rows.noise, nBlocks),
      s: new Packer(rows.slow, nBlocks / SLOW),
      g: new Packer(rows.slowFm, nBlocks / SLOW),
    };
    const fx = effectInputs(composition, seed);
    const hist = new Float32Array(SEND_HISTORY);
    let slowHist = new Float32Array(2 * SLOW_HISTORY);
    let decHist = new Float32Array(DECIMATOR_HISTORY);
    const noiseRng = new Prng(seed, 7);
    let inputsMs = performance.now() - t;
    let ortMs = 0;

    // The row kinds of blocks [b0, b0 + c), and the first graph that covers them.
    const kindsIn = (b0: number, c: number): RowKind[] => {
      const present: RowKind[] = [];
      for (const k of ['d', 'f', 'n'] as const) if (packers[k].rowsIn(b0, c) > 0) present.push(k);
      // CHUNK_BLOCKS and nBlocks are multiples of SLOW, so every chunk is whole slow blocks
      for (const k of ['s', 'g'] as const) if (packers[k].rowsIn(b0 / SLOW, c / SLOW) > 0) present.push(k);
      return present;
    };
    const graphFor = (kinds: RowKind[]) => session.graphs.find((x) => kinds.every((k) => x.kinds.has(k))) ?? session.graphs.at(-1)!;
    // A track without synth voices runs its graph in longer chunks: its cost is mostly per kernel
    // launch, not per sample.
    const chunkBlocks = graphFor(kindsIn(0, nBlocks)).kinds.size === 0 ? LEAN_CHUNK_BLOCKS : CHUNK_BLOCKS;
    for (let b0 = 0; b0 < nBlocks; b0 += chunkBlocks) {
      throwIfAborted(signal);
      t = performance.now();
      const c = Math.min(chunkBlocks, nBlocks - b0);
      // the noise bank's offset is drawn for every chunk, so a chunk's noise does not depend on
      // which graph ran the chunks before it
      const bankStart = noiseRng.int(NOISE_BANK_BLOCKS - CHUNK_BLOCKS);
      const graph = graphFor(kindsIn(b0, c));
      const uses = (k: RowKind) => graph.kinds.has(k);
      const { tables } = session;
      const voiceFeeds: Record<string, ort.Tensor> = {
        ...(uses('d') ? packers.d.flatFeeds('d', DSF_COLUMNS, b0, c, { c1: 2 }) : {}),
        ...(uses('f') ? packers.f.flatFeeds('f', FM_PARAMS, b0, c, {}) : {}),
        ...(uses('s') ? packers.s.flatFeeds('s', DSF_COLUMNS, b0 / SLOW, c / SLOW, { c1: 2 }) : {}),
        ...(uses('g') ? packers.g.flatFeeds('g', FM_PARAMS, b0 / SLOW, c / SLOW, {}) : {}),
        ...(uses('d') || uses('s') ? { tone_sin: new ort.Tensor('float32', tables.toneSin, [TONES, BLOCK]), tone_cos: new ort.Tensor('float32', tables.toneCos, [TONES, BLOCK]) } : {}),
        ...(uses('n') ? {
          ...packers.n.feeds('n', NOISE_COLUMNS, b0, c),
          n_bank_start: new ort.Tensor('int64', BigInt64Array.of(BigInt(bankStart)), [1]),
          noise_bank: new ort.Tensor('float32', tables.noiseBank, [NOISE_BANK_BLOCKS, NOISE_COLORS.length, BLOCK]),
        } : {}),
      };
      const feeds: Record<string, ort.Tensor> = {
        ...voiceFeeds,
        s_hist: new ort.Tensor('float32', slowHist, [2, SLOW_HISTORY]),
        dec_hist: new ort.Tensor('float32', decHist, [1, DECIMATOR_HISTORY]),
        hist: new ort.Tensor('float32', hist, [SEND_HISTORY]),
        x_l: new ort.Tensor('float32', x.left.subarray(b0 * BLOCK, (b0 + c) * BLOCK), [c * BLOCK]),
        x_r: new ort.Tensor('float32', x.right.subarray(b0 * BLOCK, (b0 + c) * BLOCK), [c * BLOCK]),
        x_send: new ort.Tensor('float32', x.send.subarray(b0 * BLOCK, (b0 + c) * BLOCK), [c * BLOCK]),
        rev_l: new ort.Tensor('float32', x.revL.subarray((b0 * BLOCK) / SLOW, ((b0 + c) * BLOCK) / SLOW), [(c * BLOCK) / SLOW]),
        rev_r: new ort.Tensor('float32', x.revR.subarray((b0 * BLOCK) / SLOW, ((b0 + c) * BLOCK) / SLOW), [(c * BLOCK) / SLOW]),
        echo_start: fx.echoStart,
        tap_gain: fx.tapGain,
      };
      const t1 = performance.now();
      inputsMs += t1 - t;
      const n = c * BLOCK;
      const start = b0 * BLOCK;
      const view = (x: Float32Array, at: number, len: number) => new ort.Tensor('float32', x.subarray(at, at + len), [len]);
      const nb = n / MASTER_BLOCK;
      const at = start / MASTER_BLOCK;
      const fetches: Record<string, ort.Tensor | null> = {
        out_l: view(mixL, start, n), out_r: view(mixR, start, n),
        max_l: view(stats[0]!, at, nb), min_l: view(stats[1]!, at, nb), sum_l: view(stats[2]!, at, nb),
        max_r: view(stats[3]!, at, nb), min_r: view(stats[4]!, at, nb), sum_r: view(stats[5]!, at, nb),
        send: null, s_hist_out: null, dec_hist_out: null,
      };
      const out = await graph.session.run(feeds, fetches);
      ortMs += performance.now() - t1;
      const send = out.send!.data as Float32Array;
      slowHist = (out.s_hist_out!.data as Float32Array).slice();
      decHist = (out.dec_hist_out!.data as Float32Array).slice();
      const m = send.length;
      if (m >= SEND_HISTORY) hist.set(send.subarray(m - SEND_HISTORY));
      else hist.copyWithin(0, m), hist.set(send, SEND_HISTORY - m);
      onProgress?.(Math.min(1, (b0 + c) / nBlocks) * 0.95);
    }
    return { left: mixL.subarray(0, frames), right: mixR.subarray(0, frames), extremes, inputsMs, samplerMs, ortMs, tailMs, voices, rows: rows.dsf.length + rows.slow.length + rows.fm.length + rows.slowFm.length + rows.noise.length };
}

export function createEmbeddedEngine(opts: { device?: 'cpu' | 'cuda'; sampled?: boolean } = {}): EmbeddedEngine {
  return new EmbeddedEngine(opts.device ?? 'cpu', opts.sampled ?? true);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('Render aborted', 'AbortError');
}

/** Room taps alternate sides and decay; the two echoes ping-pong at a dotted eighth (or an eighth). */
function effectInputs(c: Composition, seed: number): { echoStart: ort.Tensor; tapGain: ort.Tensor } {
  // the taps run at half rate (synth-graph.ts)
  const echo = Math.min(Math.round((c.echoS * SAMPLE_RATE) / SLOW), Math.floor(SEND_HISTORY / 2) - 1);
  const echoStart = new ort.Tensor('int64', BigInt64Array.of(BigInt(SEND_HISTORY - echo), BigInt(SEND_HISTORY - 2 * echo)), [ECHO_TAPS]);
  const T = ROOM_TAPS.length + ECHO_TAPS;
  const g = new Float32Array(2 * T);
  const rng = new Prng(seed, 9);
  ROOM_TAPS.forEach((_, k) => {
    const amp = 0.26 * 0.78 ** k * (0.8 + 0.4 * rng.float());
    const side = k % 2;
    g[side * T + k] = amp;
    // a little of each reflection on the other side: the room surrounds, yet the sides differ
    g[(1 - side) * T + k] = amp * 0.12;
  });
  g[0 * T + ROOM_TAPS.length] = 0.3;
  g[1 * T + ROOM_TAPS.length] = 0.08;
  g[0 * T + ROOM_TAPS.length + 1] = 0.04;
  g[1 * T + ROOM_TAPS.length + 1] = 0.16;
  return { echoStart, tapGain: new ort.Tensor('float32', g, [2, T]) };
}

/**
 * Packs a row table chunk by chunk into the graph's [C, K, 1] inputs, K being the busiest
 * block's row count in that chunk (rows are bucketed by block once, with a counting sort).
 */
class Packer {
  private readonly order: Int32Array;
  private readonly first: Int32Array;
  private readonly table: RowTable;
  // Scratch reused by every chunk of the render (views go to the graph): fresh arrays each chunk
  // were ~6 MB a track of short-lived buffers, and their garbage collections.
  private packedBuf = new Float32Array(0);
  private idxBuf = new Int32Array(0);
  private gainBuf = new Float32Array(0);

  private scratch(packed: number, idx: number, gain: number): [Float32Array, Int32Array, Float32Array] {
    if (this.packedBuf.length < packed) this.packedBuf = new Float32Array(packed * 2);
    if (this.idxBuf.length < idx) this.idxBuf = new Int32Array(idx * 2);
    if (this.gainBuf.length < gain) this.gainBuf = new Float32Array(gain * 2);
    return [this.packedBuf.subarray(0, packed), this.idxBuf.subarray(0, idx).fill(0), this.gainBuf.subarray(0, gain).fill(0)];
  }

  constructor(table: RowTable, nBlocks: number) {
    this.table = table;
    const counts = new Int32Array(nBlocks + 1);
    const n = table.length;
    const blocks = table.block;
    for (let i = 0; i < n; i++) if (blocks[i]! < nBlocks) counts[blocks[i]! + 1]!++;
    for (let i = 0; i < nBlocks; i++) counts[i + 1]! += counts[i]!;
    this.first = counts.slice();
    const fill = counts.slice();
    this.order = new Int32Array(counts[nBlocks]!);
    for (let i = 0; i < n; i++) {
      const b = blocks[i]!;
      if (b < nBlocks) this.order[fill[b]!++] = i;
    }
  }

  /** How many rows the blocks [b0, b0 + c) hold. */
  rowsIn(b0: number, c: number): number {
    return this.first[b0 + c]! - this.first[b0]!;
  }

  /**
   * The chunk's rows flat, one [R, columns] tensor in block order (one input instead of one per
   * parameter: each input tensor costs ~2.4 us of binding overhead a run), each slot's row index
   * ([C, K]; empty slots point at row 0) and the gains [C, 3, K]. A chunk without rows gets one
   * silent row.
   */
  flatFeeds(prefix: string, columns: readonly string[], b0: number, c: number, pad: Record<string, number>): Record<string, ort.Tensor> {
    let k = 1;
    for (let b = b0; b < b0 + c; b++) k = Math.max(k, this.first[b + 1]! - this.first[b]!);
    const j0 = this.first[b0]!;
    const r = Math.max(1, this.first[b0 + c]! - j0);
    const { data, stride } = this.table;
    const nCols = columns.length;
    const [packed, idx, gain] = this.scratch(r * nCols, c * k, c * 3 * k);
    // every row is written below; only the silent row of an empty chunk keeps these
    columns.forEach((p, i) => (packed[i] = pad[p] ?? 0));
    const colIdx = Int32Array.from(columns, (p) => this.table.col(p));
    const g0 = this.table.col('gl');
    for (let b = 0; b < c; b++) {
      for (let j = this.first[b0 + b]!, s = 0; j < this.first[b0 + b + 1]!; j++, s++) {
        const base = this.order[j]! * stride;
        const row = j - j0;
        for (let p = 0; p < nCols; p++) packed[row * nCols + p] = data[base + colIdx[p]!]!;
        idx[b * k + s] = row;
        for (let g = 0; g < 3; g++) gain[(b * 3 + g) * k + s] = data[base + g0 + g]!;
      }
    }
    return {
      [`${prefix}_rows`]: new ort.Tensor('float32', packed, [r, nCols]),
      [`${prefix}_idx`]: new ort.Tensor('int32', idx, [c, k]),
      [`${prefix}_gain`]: new ort.Tensor('float32', gain, [c, 3, k]),
    };
  }

  /** Rows packed [C, K, columns] (K the busiest block's count) and their gains [C, 3, K]. */
  feeds(prefix: string, columns: readonly string[], b0: number, c: number): Record<string, ort.Tensor> {
    let k = 1;
    for (let b = b0; b < b0 + c; b++) k = Math.max(k, this.first[b + 1]! - this.first[b]!);
    const { data, stride } = this.table;
    const nCols = columns.length;
    const [packed, , gain] = this.scratch(c * k * nCols, 0, c * 3 * k);
    packed.fill(0);
    const colIdx = Int32Array.from(columns, (p) => this.table.col(p));
    const g0 = this.table.col('gl');
    for (let b = 0; b < c; b++) {
      for (let j = this.first[b0 + b]!, s = 0; j < this.first[b0 + b + 1]!; j++, s++) {
        const base = this.order[j]! * stride;
        const slot = b * k + s;
        for (let p = 0; p < nCols; p++) packed[slot * nCols + p] = data[base + colIdx[p]!]!;
        for (let g = 0; g < 3; g++) gain[(b * 3 + g) * k + s] = data[base + g0 + g]!;
      }
    }
    return {
      [`${prefix}_rows`]: new ort.Tensor('float32', packed, [c, k, nCols]),
      [`${prefix}_gain`]: new ort.Tensor('float32', gain, [c, 3, k]),
    };
  }
}
