/**
 * The ONNX graph that turns compact per-block note parameters into a stereo chunk.
 *
 * Why this shape: a chunk is C blocks of BLOCK samples. Every sounding note contributes one
 * "row" per block it covers, holding only a handful of numbers (phase, frequency slope, a
 * straight-line envelope segment, brightness, FM depth, pan). Tonal rows come flat, one
 * [R, columns] tensor for the chunk's R rows, so the per-sample ops run on real rows only; a
 * Gather lays them out [C, K, BLOCK] (K the most rows any block of the chunk needs) for one batched
 * MatMul that pans and sums every row into left, right and the effect send at once. Noise rows
 * come packed [C, K, columns] directly. Nothing per-sample is computed in JS: the graph also
 * reduces its output to the master's block statistics.
 *
 * Tonal rows are band-limited by construction: the waveform is the closed-form sum
 * sum_k a^(k-1) sin(k phi) = sin(phi) / (1 - 2a cos(phi) + a^2), with `a` chosen per row so the
 * partial at Nyquist is below -60 dB (the TS side clamps it); sin and cos of phi come from a
 * table of block-long sinusoids on a 2-cent frequency grid, rotated by the row's start phase.
 * `a` sweeping down over a note is a low-pass filter envelope for free; phi may be
 * frequency-modulated for bells and e-pianos.
 * Noise rows read a pre-filtered noise bank (drums).
 */
import { MASTER_BLOCK } from './master.ts';
import { GraphBuilder } from './onnx-builder.ts';
import { Prng } from './rng.ts';

export const SAMPLE_RATE = 44_100;
export const BLOCK = 256;
/** Send history kept between chunks for the delay/reverb taps, at half rate (must exceed the
 * longest tap: the second echo at half a beat of 0.35 s, or a quarter beat at 40 bpm, 2 x 8 269
 * samples). Every chunk copies it twice (Concat in the graph, the carry in JS). */
export const SEND_HISTORY = 16_640;
/** Fast send samples the decimator keeps from one chunk to the next. */
export const DECIMATOR_HISTORY = 6;
export const NOISE_COLORS = ['white', 'bright', 'mid', 'dark'] as const;
export type NoiseColor = (typeof NOISE_COLORS)[number];

/** Per-row inputs of the band-limited (DSF) voices: phase, frequency slope, brightness, envelope. */
// Row inputs are pre-scaled on the TS side so the graph does the fewest ops per sample: each
// row's envelope segment is normalized to peak 1 (its level, pan and the DSF normalization all
// fold into the per-row gains of the mixing MatMul), and frequency is constant within a block.
/** Per-row inputs of the band-limited (DSF) voices: sine and cosine of the start phase,
 * brightness, envelope; the frequency is a row index into the tone table (DSF_COLUMNS). */
export const DSF_PARAMS = ['sp0', 'cp0', 'c1', 'e0', 'es'] as const;
/** A DSF row's inputs: DSF_PARAMS, then its tone-table index (exact in float32). */
export const DSF_COLUMNS = [...DSF_PARAMS, 'tone'] as const;
/** Tone table: sin and cos of w t over one block for frequencies on a 2-cent grid from TONE_LOW_HZ
 * up to 0.9 Nyquist. 2 cents is under half the smallest pitch difference a listener hears. */
export const TONE_LOW_HZ = 16;
export const TONE_STEPS_PER_OCTAVE = 600;
export const TONES = Math.ceil(Math.log2((0.9 * SAMPLE_RATE) / 2 / TONE_LOW_HZ) * TONE_STEPS_PER_OCTAVE) + 1;
export function toneIndex(hz: number): number {
  const i = Math.round(Math.log2(Math.max(hz, TONE_LOW_HZ) / TONE_LOW_HZ) * TONE_STEPS_PER_OCTAVE);
  return Math.min(TONES - 1, i);
}
/** Radians per sample of a tone-table entry. */
export function toneOmega(index: number): number {
  return (2 * Math.PI * TONE_LOW_HZ * 2 ** (index / TONE_STEPS_PER_OCTAVE)) / SAMPLE_RATE;
}
/**
 * Slow rows: pads, strings, organ, basses and flute have nothing audible above ~9 kHz, so they are
 * rendered at SAMPLE_RATE / SLOW, a row covering SLOW blocks with the same BLOCK samples (half the
 * row-samples, half the rows), and their bus is upsampled once per chunk by a 4-point half-band
 * interpolator. The tone table serves them as is: a tone one octave up per slow sample.
 */
export const SLOW = 2;
/** The interpolator's delay in output samples: slow rows start this much early (rows.ts). */
export const SLOW_DELAY = 4;
/** Slow samples the interpolator keeps from one chunk to the next. */
export const SLOW_HISTORY = 3;
/** Per-row inputs of the FM voices (bells, e-pianos, drum bodies while their modulation lasts:
 * rows.ts sends a row whose index has died away as a DSF sine). */
export const FM_PARAMS = ['p0', 'w', 'pm0', 'mr', 'mi', 'e0', 'es'] as const;
export const NOISE_PARAMS = ['e0', 'es'] as const;
/** A noise row's inputs: its envelope, then its colour weights. */
export const NOISE_COLUMNS = [...NOISE_PARAMS, ...NOISE_COLORS] as const;
/** Early-reflection delays of the room send, in output samples (fixed: they shape the room, not the tempo). */
// Delays stay under ~140 ms and are mutually prime-ish, so reflections fuse into a room sound
// instead of audible (and beat-tracker-visible) discrete echoes.
// Eight taps: each costs two copies of the (half-rate) chunk, a slice and its place in the stack.
export const ROOM_TAPS = [419, 797, 1259, 1777, 2503, 3301, 4231, 5261] as const;
/** Tempo-synced echo taps (their delays are inputs). */
export const ECHO_TAPS = 2;
export const NOISE_BANK_BLOCKS = 1024;

/** The synth voices' row kinds: fast DSF, fast FM, noise, slow DSF, slow FM (rows.ts). */
export const ROW_KINDS = ['d', 'f', 'n', 's', 'g'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

/**
 * The graph for chunks whose synth rows are of `kinds` only: the sampled bus, the room and the
 * master's statistics always, and the parts of the synth voices that `kinds` name. A chunk runs
 * the smallest graph that covers its rows: with every kind in one graph, a chunk paid the launch
 * overhead of ~140 kernels, most of them on empty row tensors (the styles played only from samples
 * have no synth rows at all; pop has fast DSF rows only). All graphs carry the same state (send,
 * slow and decimator histories), so a render may switch chunk by chunk, and each one's output is
 * the full graph's with the zeros not added.
 * The tone tables and the noise bank are inputs (graphTables() builds them once), shared by every
 * graph: as constants each graph would hold its own 12.6 MB copy; ORT reads an input in place.
 */
export function buildSynthGraph(kinds: readonly RowKind[] = ROW_KINDS): Uint8Array {
  const has = new Set(kinds);
  const g = new GraphBuilder();
  /** The synth voices' buses: fast rows [C, 3, BLOCK] and slow rows [CS, 3, BLOCK] (left, right, send). */
  const synthBuses = (): { fast?: string; slow?: string } => {
    if (has.size === 0) return {};
    // Tonal rows are computed flat, [R, 1] columns for the chunk's R rows in block order, so the
    // per-sample ops (two transcendental, about eight plain) run on real rows only; one Gather
    // then lays them out [C, K, BLOCK] for the mixing MatMul (padding slots repeat row 0 with zero
    // gain). Packed directly, busy blocks padded every block of the chunk to their K: 20-40% more.
    // One [R, columns] input per row kind, split here (each graph input costs more in the binding
    // than a Split of a few thousand numbers).
    const flatRows = (prefix: string, names: readonly string[]) => {
      const columns = g.ops('Split', [g.input(`${prefix}_rows`, 'float', [`R_${prefix}`, names.length])], names.length, { axis: 1 });
      return Object.fromEntries(names.map((p, i) => [p, columns[i]!])) as Record<string, string>;
    };
    const tFlat = g.constFloat(Array.from({ length: BLOCK }, (_, i) => i), [1, BLOCK]);
    const mixFlat = (prefix: string, sig: string, c = 'C') => {
      const laidOut = g.op('Gather', [sig, g.input(`${prefix}_idx`, 'int32', [c, `K_${prefix}`])], { axis: 0 }); // [C, K, BLOCK]
      return g.op('MatMul', [g.input(`${prefix}_gain`, 'float', [c, 3, `K_${prefix}`]), laidOut]); // [C, 3, BLOCK]
    };
    const zero = g.constFloat([0], []);
    const one = g.constFloat([1], []);
    /** A straight segment, clipped to 0 before an onset and to the (normalized) peak after an attack. */
    const envelopeAt = (t: string, e0: string, es: string) => g.op('Clip', [g.op('Add', [g.op('Mul', [t, es]), e0]), zero, one]);
    const envelope = (e0: string, es: string) => envelopeAt(g.constFloat(Array.from({ length: BLOCK }, (_, i) => i), [1, 1, BLOCK]), e0, es);

    // --- band-limited rows: sum_k a^(k-1) sin(k phi) = sin(phi) / (1 + a^2 - 2a cos(phi)) ------
    // divided through by 2a, the denominator is c1 - cos(phi) with c1 = (1 + a^2) / 2a.
    // sin and cos of phi = p0 + w t come by angle addition from the tone table (one Gather of a
    // contiguous line per row) and the row's sin p0, cos p0: a Sin and a Cos per row and sample
    // cost about seven plain ops each, ~45 of the graph's ~160 kernel ms.
    const tone = (name: string) => g.input(name, 'float', [TONES, BLOCK]);
    const [sinTable, cosTable] = has.has('d') || has.has('s') ? [tone('tone_sin'), tone('tone_cos')] : [];
    const dsfRows = (prefix: string) => {
      const d = flatRows(prefix, DSF_COLUMNS);
      const tone = g.op('Reshape', [g.op('Cast', [d.tone!], { to: 6 /* INT32 */ }), g.constInt64([-1], [1])]);
      const sinWt = g.op('Gather', [sinTable!, tone], { axis: 0 }); // [R, BLOCK]
      const cosWt = g.op('Gather', [cosTable!, tone], { axis: 0 });
      const sinPhi = g.op('Add', [g.op('Mul', [d.sp0!, cosWt]), g.op('Mul', [d.cp0!, sinWt])]);
      const den = g.op('Add', [g.op('Sub', [d.c1!, g.op('Mul', [d.cp0!, cosWt])]), g.op('Mul', [d.sp0!, sinWt])]);
      return g.op('Mul', [g.op('Div', [sinPhi, den]), envelopeAt(tFlat, d.e0!, d.es!)]);
    };
    const dMix = has.has('d') ? mixFlat('d', dsfRows('d')) : undefined;
    // Slow rows: [CS, 3, BLOCK] at half rate -> one line per bus [3, M], M = CS * BLOCK.
    const sMix = has.has('s') ? mixFlat('s', dsfRows('s'), 'CS') : undefined;

    // --- FM rows: sin(carrier + depth * sin(modulator)) -------------------------------------
    const fmRows = (prefix: string) => {
      const f = flatRows(prefix, FM_PARAMS);
      const fu = g.op('Mul', [tFlat, f.w!]);
      const modulator = g.op('Sin', [g.op('Add', [g.op('Mul', [fu, f.mr!]), f.pm0!])]);
      const fPhi = g.op('Add', [g.op('Add', [fu, f.p0!]), g.op('Mul', [modulator, f.mi!])]);
      return g.op('Mul', [g.op('Sin', [fPhi]), envelopeAt(tFlat, f.e0!, f.es!)]);
    };
    const fMix = has.has('f') ? mixFlat('f', fmRows('f')) : undefined;
    const gMix = has.has('g') ? mixFlat('g', fmRows('g'), 'CS') : undefined;

    // --- noise rows: a mix of pre-filtered colours, one bank block per chunk block -----------
    const noise = (): string => {
      const bank = g.input('noise_bank', 'float', [NOISE_BANK_BLOCKS, NOISE_COLORS.length, BLOCK]);
      const bankStart = g.input('n_bank_start', 'int64', [1]);
      const noiseRows = g.input('n_rows', 'float', ['C', 'KN', NOISE_COLUMNS.length]);
      const [nE0, nEs, nColor] = g.ops('Split', [noiseRows, g.constInt64([1, 1, NOISE_COLORS.length], [3])], 3, { axis: 2 });
      const c = g.op('Slice', [g.op('Shape', [noiseRows]), g.constInt64([0], [1]), g.constInt64([1], [1])]);
      const chunkNoise = g.op('Slice', [bank, bankStart, g.op('Add', [bankStart, c]), g.constInt64([0], [1])]); // [C, colours, BLOCK]
      const colored = g.op('MatMul', [nColor!, chunkNoise]);
      const nSig = g.op('Mul', [colored, envelope(nE0!, nEs!)]);
      return g.op('MatMul', [g.input('n_gain', 'float', ['C', 3, 'KN']), nSig]);
    };
    const nMix = has.has('n') ? noise() : undefined;

    // summed in the full graph's order (d, f, n; s, g), so every graph adds the same numbers alike
    const sum = (parts: Array<string | undefined>) => parts.filter((x) => x !== undefined).reduce<string | undefined>((acc, x) => (acc ? g.op('Add', [acc, x]) : x), undefined);
    return { fast: sum([dMix, fMix, nMix]), slow: sum([sMix, gMix]) };
  };

  // --- buses -----------------------------------------------------------------------------
  // Fast rows mix to [C, 3, BLOCK] (left, right, send), slow rows to [CS, 3, BLOCK] at half rate
  // (the caller keeps C even, so CS * BLOCK = M = N / 2). The effects run at half rate too, on the
  // slow bus: the fast send is decimated into it, the wet signal joins the slow left and right,
  // and one upsampler brings both to the output rate. Half the tap copies, two upsampled lines
  // instead of three, no wet + dry Add at full rate. The reverb loses what is above ~10 kHz, as
  // a room's air does; its 6-sample extra latency is nothing next to the shortest reflection.
  const axis0 = g.constInt64([0], [1]);
  const axis1 = g.constInt64([1], [1]);
  // [C, 3, BLOCK] -> one line per bus: each [C, 1, BLOCK] slice of it is already a contiguous
  // [C * BLOCK] line, so one Split lays out all three (no interleaving Transpose).
  const busLines = (x: string) => g.ops('Split', [x], 3, { axis: 1 }).map((y) => g.op('Reshape', [y, g.constInt64([1, -1], [2])]));
  // The sampled voices (sampler.ts, rendered in JS before the graph runs) join the fast bus here:
  // their left, right and send lines, [N] each, go through the room and the master's statistics
  // with everything else.
  const sampled = (name: string) => g.op('Reshape', [g.input(name, 'float', ['N']), g.constInt64([1, -1], [2])]);
  const sampledLines = ['x_l', 'x_r', 'x_send'].map(sampled);
  const synth = synthBuses();
  const [fastL, fastR, fastSend] = synth.fast ? busLines(synth.fast).map((line, i) => g.op('Add', [line, sampledLines[i]!])) : sampledLines;
  const [slowL, slowR, slowSend] = synth.slow ? busLines(synth.slow) : [];
  // Decimation by 2 with the 7-point half-band [-1, 0, 9, 16, 9, 0, -1] / 32, continued across
  // chunks by the last DECIMATOR_HISTORY samples.
  const decIn = g.op('Concat', [g.input('dec_hist', 'float', [1, DECIMATOR_HISTORY]), fastSend!], { axis: 1 }); // [1, N + 6]
  const n = g.op('Slice', [g.op('Shape', [fastSend!]), axis1, g.constInt64([2], [1])]);
  g.op('Slice', [decIn, n, g.op('Add', [n, g.constInt64([DECIMATOR_HISTORY], [1])]), axis1], {}, 'dec_hist_out');
  g.output('dec_hist_out', 'float', [1, DECIMATOR_HISTORY]);
  const halfBand = g.constFloat([-1, 0, 9, 16, 9, 0, -1].map((v) => v / 32), [1, 1, 7]);
  const decimated = g.op('Conv', [g.op('Reshape', [decIn, g.constInt64([1, 1, -1], [3])]), halfBand], { strides: [2] }); // [1, 1, M]
  const decimatedLine = g.op('Reshape', [decimated, g.constInt64([1, -1], [2])]);
  const send = g.op('Reshape', [slowSend ? g.op('Add', [decimatedLine, slowSend]) : decimatedLine, g.constInt64([-1], [1])], {}, 'send');

  // Effects: every tap is a contiguous Slice of [history | this chunk's send] (a memcpy, far
  // cheaper than an index Gather), all taps stacked and spread over each side by a MatMul.
  const hist = g.input('hist', 'float', [SEND_HISTORY]);
  // 2-D [1, H + M] so each Slice is already a [1, M] row (an Unsqueeze per tap cost ~10 ms a track).
  const full = g.op('Reshape', [g.op('Concat', [hist, send], { axis: 0 }), g.constInt64([1, -1], [2])]);
  const m = g.op('Shape', [send]);
  const tap = (start: string) => g.op('Slice', [full, start, g.op('Add', [start, m]), axis1]);
  const starts = ROOM_TAPS.map((delay) => g.constInt64([SEND_HISTORY - Math.round(delay / SLOW)], [1]));
  const echo = g.input('echo_start', 'int64', [ECHO_TAPS]);
  for (let i = 0; i < ECHO_TAPS; i++) starts.push(g.op('Slice', [echo, g.constInt64([i], [1]), g.constInt64([i + 1], [1]), axis0]));
  const taps = g.op('Concat', starts.map(tap), { axis: 0 }); // [T, M]
  // one MatMul reads the stacked taps once for both sides (two [1, T] MatMuls read them twice)
  const [wetL, wetR] = g.ops('Split', [g.op('MatMul', [g.input('tap_gain', 'float', [2, ROOM_TAPS.length + ECHO_TAPS]), taps])], 2, { axis: 0 });
  const [histL, histR] = g.ops('Split', [g.input('s_hist', 'float', [2, SLOW_HISTORY])], 2, { axis: 0 });

  // Upsampling by 2: even outputs are the slow samples, odd ones the 4-point half-band midpoint
  // (-x0 + 9 x1 + 9 x2 - x3) / 16, delayed by two slow samples (SLOW_DELAY output samples); one
  // Conv with the two phases as output channels (a stride-2 ConvTranspose, which needs no
  // interleaving Transpose, measured 4x slower in ORT).
  const phases = g.constFloat([0, 1, 0, 0, -1 / 16, 9 / 16, 9 / 16, -1 / 16], [2, 1, 4]);
  const sides = ([['l', fastL!, slowL, wetL!, histL!], ['r', fastR!, slowR, wetR!, histR!]] as const).map(([side, fast, slow, wet, sideHist]) => {
    // the sampled voices' stereo tail (reverb.ts) joins the slow bus: [M] at half rate
    const tail = g.op('Reshape', [g.input(`rev_${side}`, 'float', ['M']), g.constInt64([1, -1], [2])]);
    const slowFull = g.op('Concat', [sideHist, g.op('Add', [slow ? g.op('Add', [slow, wet]) : wet, tail])], { axis: 1 }); // [1, M + 3]
    const conv = g.op('Conv', [g.op('Reshape', [slowFull, g.constInt64([1, 1, -1], [3])]), phases]); // [1, 2, M]
    const upsampled = g.op('Reshape', [g.op('Transpose', [conv], { perm: [0, 2, 1] }), g.constInt64([-1], [1])]); // [N]
    // Each side is its own output, [N], so the caller can have it written straight into its mix.
    const out = g.op('Add', [g.op('Reshape', [fast, g.constInt64([-1], [1])]), upsampled], {}, `out_${side}`);
    g.output(`out_${side}`, 'float', ['N']);
    // The master's block statistics (master.ts), reduced here at MLAS speed instead of a JS scan.
    const blocks = g.op('Reshape', [out, g.constInt64([-1, MASTER_BLOCK], [2])]);
    g.op('ReduceMax', [blocks], { axes: [1], keepdims: 0 }, `max_${side}`);
    g.op('ReduceMin', [blocks], { axes: [1], keepdims: 0 }, `min_${side}`);
    g.op('ReduceSum', [blocks, axis1], { keepdims: 0 }, `sum_${side}`);
    for (const stat of ['max', 'min', 'sum']) g.output(`${stat}_${side}`, 'float', ['NB']);
    return g.op('Slice', [slowFull, m, g.op('Add', [m, g.constInt64([SLOW_HISTORY], [1])]), axis1]);
  });
  g.op('Concat', sides, { axis: 0 }, 's_hist_out');
  g.output('s_hist_out', 'float', [2, SLOW_HISTORY]);
  g.output('send', 'float', ['M']);
  return g.toBytes('ditty_synth');
}

/** The graphs' shared tables (buildSynthGraph): build once, pass to every run that needs them. */
export function graphTables(): { toneSin: Float32Array; toneCos: Float32Array; noiseBank: Float32Array } {
  const [toneSin, toneCos] = toneTables();
  return { toneSin, toneCos, noiseBank: noiseBank() };
}

function toneTables(): [Float32Array, Float32Array] {
  const sin = new Float32Array(TONES * BLOCK);
  const cos = new Float32Array(TONES * BLOCK);
  // A rotation per step in double precision (error ~1e-14 after a block) instead of 3 million
  // Math.sin/cos calls: graph build time is paid by every worker start.
  for (let i = 0; i < TONES; i++) {
    const w = toneOmega(i);
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let sn = 0;
    let cn = 1;
    for (let t = 0; t < BLOCK; t++) {
      sin[i * BLOCK + t] = sn;
      cos[i * BLOCK + t] = cn;
      const next = sn * cw + cn * sw;
      cn = cn * cw - sn * sw;
      sn = next;
    }
  }
  return [sin, cos];
}

/** Fixed-seed noise in a few colours, filtered once here so drums need no filters at render time. */
function noiseBank(): Float32Array {
  const rng = new Prng(0x5eed);
  const len = NOISE_BANK_BLOCKS * BLOCK;
  const out = new Float32Array(NOISE_COLORS.length * len);
  const white = new Float64Array(len);
  for (let i = 0; i < len; i++) white[i] = rng.float() * 2 - 1;
  NOISE_COLORS.forEach((color, c) => {
    const x = Float64Array.from(white);
    // Each colour is decorrelated from the others by a different rotation of the white source.
    x.copyWithin(0, c * 7919), x.set(white.subarray(0, c * 7919), len - c * 7919);
    if (color === 'bright') highpass(x, 7000, 2), highpass(x, 5000, 1);
    if (color === 'mid') highpass(x, 900, 2), lowpass(x, 7000, 2);
    if (color === 'dark') lowpass(x, 1200, 2);
    let rms = 0;
    for (let i = 0; i < len; i++) rms += x[i]! * x[i]!;
    rms = Math.sqrt(rms / len);
    for (let b = 0; b < NOISE_BANK_BLOCKS; b++) {
      for (let i = 0; i < BLOCK; i++) out[(b * NOISE_COLORS.length + c) * BLOCK + i] = (x[b * BLOCK + i]! / rms) * 0.5;
    }
  });
  return out;
}

function onePole(x: Float64Array, cutoff: number, passes: number, high: boolean): void {
  const a = Math.exp((-2 * Math.PI * cutoff) / SAMPLE_RATE);
  for (let p = 0; p < passes; p++) {
    let y = 0;
    let prev = 0;
    for (let rep = 0; rep < 2; rep++) {
      for (let i = 0; i < x.length; i++) {
        const xi = x[i]!;
        y = high ? a * (y + xi - prev) : (1 - a) * xi + a * y;
        prev = xi;
        if (rep === 1) x[i] = y;
      }
    }
  }
}
const highpass = (x: Float64Array, f: number, n: number) => onePole(x, f, n, true);
const lowpass = (x: Float64Array, f: number, n: number) => onePole(x, f, n, false);
