/**
 * Turns notes into the graph's per-block rows: for every block a note sounds in, a straight-line
 * envelope segment, the phase at the block start, a linear frequency ramp and brightness.
 * All continuity (phase, envelope) is tracked here in double precision, so the graph sees only
 * short, well-conditioned numbers.
 */
import type { Note } from './compose.ts';
import { PATCHES, type DsfLayer, type FmLayer, type Layer, type NoiseLayer } from './patches.ts';
import { BLOCK, DSF_PARAMS, FM_PARAMS, NOISE_COLORS, NOISE_PARAMS, SAMPLE_RATE, SLOW, SLOW_DELAY, toneIndex, toneOmega } from './synth-graph.ts';
import { midiToHz } from './theory.ts';

const TWO_PI = 2 * Math.PI;
/**
 * Depth at which a fading note stops (with a 6 ms ramp to zero). At -40 dB from its own level a
 * tail sits under everything else in the mix and under the room send it already fed; between
 * -40 and -60 dB, release tails and piano decays were 14% of all rows.
 */
const TAIL_DB = 40;
const NYQUIST = SAMPLE_RATE / 2;

/** Growable row-major table: one row per (note layer, block), columns in `names` order. */
export class RowTable {
  readonly names: readonly string[];
  readonly stride: number;
  block = new Int32Array(1024);
  data: Float64Array;
  length = 0;
  constructor(names: readonly string[]) {
    this.names = names;
    this.stride = names.length;
    this.data = new Float64Array(1024 * this.stride);
  }
  col(name: string): number {
    return this.names.indexOf(name);
  }
  /** Appends a row for `block` and returns the offset of its first value in `data`: callers
   * write the values in place (no array per row: ~70k rows a track). */
  add(block: number): number {
    if (this.length === this.block.length) {
      const grownBlock = new Int32Array(this.length * 2);
      grownBlock.set(this.block);
      this.block = grownBlock;
      const grown = new Float64Array(this.length * 2 * this.stride);
      grown.set(this.data);
      this.data = grown;
    }
    this.block[this.length] = block;
    return this.length++ * this.stride;
  }
}

export interface Rows {
  dsf: RowTable;
  /** DSF rows at 1/SLOW of the sample rate, one per SLOW blocks (block index in those units). */
  slow: RowTable;
  /** FM rows at 1/SLOW of the sample rate. */
  slowFm: RowTable;
  fm: RowTable;
  noise: RowTable;
}

const GAIN_COLS = ['gl', 'gr', 'gs'] as const;

export function notesToRows(notes: Note[], space: number): Rows {
  const rows: Rows = {
    dsf: new RowTable([...DSF_PARAMS, 'tone', ...GAIN_COLS]),
    slow: new RowTable([...DSF_PARAMS, 'tone', ...GAIN_COLS]),
    fm: new RowTable([...FM_PARAMS, ...GAIN_COLS]),
    slowFm: new RowTable([...FM_PARAMS, ...GAIN_COLS]),
    noise: new RowTable([...NOISE_PARAMS, ...NOISE_COLORS, ...GAIN_COLS]),
  };
  for (const note of notes) {
    for (const layer of PATCHES[note.inst] as Layer[]) {
      if (layer.kind === 'dsf' && layer.detune && note.unison !== false) {
        const spread = layer.spread ?? 0.5;
        for (const side of [-1, 1]) addLayer(rows, note, layer, space, side * layer.detune, side * spread, 0.7071);
      } else {
        addLayer(rows, note, layer, space, 0, 0, 1);
      }
    }
  }
  return rows;
}

function addLayer(rows: Rows, note: Note, layer: Layer, space: number, cents: number, panOffset: number, gainScale: number): void {
  // Slow rows: each covers SLOW blocks with BLOCK samples at SAMPLE_RATE / SLOW, and starts
  // early by the graph's upsampler delay so it sounds on time.
  const slow = layer.kind !== 'noise' && layer.slow === true;
  const down = slow ? SLOW : 1;
  const span = BLOCK * down;
  const rate = SAMPLE_RATE / down;
  const nyquist = NYQUIST / down;
  const start = Math.round((note.t + (layer.delay ?? 0)) * SAMPLE_RATE) - (slow ? SLOW_DELAY : 0);
  const { attack, decay, sustain } = layer.env;
  const gateS = note.len;
  const levelAtGate = envLevel(gateS, attack, decay, sustain);
  let releaseS = layer.env.release;
  const endLimit = note.mustEndBy ?? Infinity;
  // Never run past the end of the track: tighten the gate, then the release.
  let gate = gateS;
  if (note.t + gate + releaseS > endLimit) {
    gate = Math.max(0.005, Math.min(gate, endLimit - note.t - Math.min(releaseS, 0.25)));
    releaseS = Math.max(0.005, Math.min(releaseS, endLimit - note.t - gate));
  }
  const gateLevel = gate === gateS ? levelAtGate : envLevel(gate, attack, decay, sustain);
  // A note is over once it has fallen TAIL_DB below its level: a decayed percussive note whatever
  // its gate says, a released one before its release reaches -60 dB. Fewer rows (-14% a track).
  const decayedS = sustain === 0 ? attack + (TAIL_DB / 20) * Math.LN10 * decay : Infinity;
  const totalS = Math.min(gate + (releaseS * TAIL_DB) / 60, decayedS);
  const totalSamples = Math.max(1, Math.round(totalS * SAMPLE_RATE));
  const end = start + totalSamples;
  const amp = note.vel * layer.gain * gainScale;
  const env = (s: number): number => {
    if (s <= 0) return 0;
    if (s >= totalSamples) return 0;
    const t = s / SAMPLE_RATE;
    // a short linear tail takes every note exactly to zero at its end
    const tail = Math.min(1, (totalS - t) / 0.006);
    if (t < gate) return envLevel(t, attack, decay, sustain) * tail;
    return gateLevel * Math.exp((-6.9 * (t - gate)) / releaseS) * tail;
  };

  const pan = Math.max(-1, Math.min(1, note.pan + panOffset));
  const theta = ((pan + 1) * Math.PI) / 4;
  const gl = Math.cos(theta) * Math.SQRT2;
  const gr = Math.sin(theta) * Math.SQRT2;
  const gs = layer.send * space;

  const baseHz = midiToHz(note.midi + (layer.transpose ?? 0) + cents / 100);
  const sweep = layer.sweep ?? 0;
  const bend = note.bend ?? 0;
  const sweepTime = layer.sweepTime ?? 0.05;
  const steady = !sweep && !bend && !layer.vibrato;
  const steadyHz = Math.min(baseHz, nyquist * 0.9);
  const freqAt = (s: number): number => {
    if (steady) return steadyHz;
    const t = Math.max(0, s) / SAMPLE_RATE;
    let semis = 0;
    if (sweep) semis += sweep * Math.exp(-t / sweepTime);
    if (bend) semis += bend * Math.exp(-t / 0.06);
    const v = layer.vibrato;
    if (v && t > v.delay) semis += v.depth * Math.min(1, (t - v.delay) / 0.3) * Math.sin(TWO_PI * v.rate * t);
    return Math.min(baseHz * 2 ** (semis / 12), nyquist * 0.9);
  };

  const firstBlock = Math.floor(start / span);
  const lastBlock = Math.ceil(end / span);
  let phase = 0;
  let modPhase = 0;
  const ratio = layer.kind === 'fm' ? layer.ratio : 0;
  const noiseCols = layer.kind === 'noise' ? colorWeights(layer) : undefined;

  let lastHz = NaN;
  let tone = 0;
  let toneHz = 0;
  let prevV1 = 0;
  for (let b = firstBlock; b < lastBlock; b++) {
    const s0 = b * span - start; // note-relative sample at the block start (negative in the onset block)
    const s1 = s0 + span;
    const onset = s0 < 0;
    const o = onset ? -s0 / down : 0; // in row samples
    const v1 = env(s1) * amp;
    const v0 = b === firstBlock ? env(s0) * amp : prevV1; // the previous block's end
    prevV1 = v1;
    // The segment is normalized to peak 1 (the graph clips it to [0, 1]); `scale` goes to the gains.
    let scale: number;
    let e0: number;
    let es: number;
    if (onset) {
      scale = v1;
      es = amp / Math.max(1, attack * rate) / Math.max(v1, 1e-12);
      e0 = -o * es;
    } else {
      scale = Math.max(v0, v1);
      e0 = v0 / Math.max(scale, 1e-12);
      es = (v1 - v0) / BLOCK / Math.max(scale, 1e-12);
    }
    // Frequency is held for the block (glides, sweeps and vibrato step every 5.8 ms) and the
    // phase carries over exactly, so pitch changes are smooth and click-free.
    let f = layer.kind === 'noise' ? 0 : freqAt(onset ? 0 : s0 + span / 2);
    // DSF rows play a frequency of the graph's tone table (a 2-cent grid); the phase carried
    // on below is the one of that exact frequency, so the waveform stays continuous.
    if (layer.kind === 'dsf') {
      if (f !== lastHz) (lastHz = f), (tone = toneIndex(f * down)), (toneHz = (toneOmega(tone) * rate) / TWO_PI);
      f = toneHz;
    }
    const w = (TWO_PI * f) / rate;
    const p0 = onset ? -w * o : phase;
    phase = (p0 + w * BLOCK) % TWO_PI;
    const pm0 = onset ? -w * ratio * o : modPhase;
    modPhase = (pm0 + w * BLOCK * ratio) % TWO_PI;
    if (scale <= 1e-7 || b < 0) continue; // silent block (or before the track, slow rows): no row
    if (layer.kind === 'noise') {
      const t = rows.noise;
      const r = t.add(b);
      const d = t.data;
      d[r] = e0, d[r + 1] = es;
      for (let c = 0; c < noiseCols!.length; c++) d[r + 2 + c] = noiseCols![c]!;
      const gi = r + 2 + noiseCols!.length;
      d[gi] = gl * scale, d[gi + 1] = gr * scale, d[gi + 2] = gs * scale;
    } else if (layer.kind === 'dsf') {
      const a = Math.max(0.02, brightness(layer, s0 + span / 2, f, nyquist));
      // sin / (1 + a^2 - 2a cos) = [sin / (c1 - cos)] / 2a; the 1/2a and the equal-power
      // normalization sqrt(1 - a^2) are row constants, folded into the gains.
      const g = (scale * Math.sqrt(1 - a * a)) / (2 * a);
      const table = slow ? rows.slow : rows.dsf;
      const r = table.add(b);
      const d = table.data;
      d[r] = Math.sin(p0), d[r + 1] = Math.cos(p0), d[r + 2] = (1 + a * a) / (2 * a), d[r + 3] = e0, d[r + 4] = es;
      d[r + 5] = tone, d[r + 6] = gl * g, d[r + 7] = gr * g, d[r + 8] = gs * g;
    } else {
      // Keep the FM sidebands ((index + 1) * modulator) under Nyquist: no aliasing on high notes.
      const maxIdx = Math.max(0, (0.9 * nyquist - f) / Math.max(1e-9, ratio * f) - 1);
      const idx = Math.min(fmIndex(layer, s0 + span / 2), maxIdx);
      const table = slow ? rows.slowFm : rows.fm;
      const r = table.add(b);
      const d = table.data;
      d[r] = p0, d[r + 1] = w, d[r + 2] = pm0, d[r + 3] = ratio, d[r + 4] = idx, d[r + 5] = e0, d[r + 6] = es;
      d[r + 7] = gl * scale, d[r + 8] = gr * scale, d[r + 9] = gs * scale;
    }
  }
}

function envLevel(t: number, attack: number, decay: number, sustain: number): number {
  if (t < attack) return t / attack;
  return sustain + (1 - sustain) * Math.exp(-(t - attack) / decay);
}

/** DSF ratio at this point of the note, limited so the partial at Nyquist stays below -60 dB. */
function brightness(layer: DsfLayer, s: number, hz: number, nyquist: number): number {
  const [a0, a1, time] = layer.bright;
  const a = a1 + (a0 - a1) * Math.exp(-Math.max(0, s) / SAMPLE_RATE / time);
  const limit = Math.exp((Math.log(1e-3) * hz) / nyquist);
  return Math.max(0, Math.min(a, limit, 0.97));
}

function fmIndex(layer: FmLayer, s: number): number {
  const [i0, i1, time] = layer.index;
  return i1 + (i0 - i1) * Math.exp(-Math.max(0, s) / SAMPLE_RATE / time);
}

function colorWeights(layer: NoiseLayer): number[] {
  return NOISE_COLORS.map((c) => layer.colors[c] ?? 0);
}
