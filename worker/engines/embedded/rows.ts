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
  block: Int32Array;
  data: Float64Array;
  length = 0;
  constructor(names: readonly string[], capacity = 1024) {
    this.names = names;
    this.stride = names.length;
    this.block = new Int32Array(Math.max(1, capacity));
    this.data = new Float64Array(this.block.length * this.stride);
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
  // Tables sized up front from each layer's block count (an upper bound: silent blocks add no
  // row). Growing them by doubling from 1024 rows took 1.3 of 3.8 ms a track (copies and GC).
  const capacity = { dsf: 0, slow: 0, fm: 0, slowFm: 0, noise: 0 };
  for (const note of notes) {
    for (const layer of PATCHES[note.inst] as Layer[]) {
      layerTiming(note, layer);
      const n = (timing.lastBlock - timing.firstBlock) * (isPair(note, layer) ? 2 : 1);
      if (layer.kind === 'noise') capacity.noise += n;
      else if (layer.kind === 'dsf') capacity[layer.slow ? 'slow' : 'dsf'] += n;
      // an FM layer's rows may go out as sines, in the DSF table of its rate
      else (capacity[layer.slow ? 'slowFm' : 'fm'] += n), (capacity[layer.slow ? 'slow' : 'dsf'] += n);
    }
  }
  const rows: Rows = {
    dsf: new RowTable([...DSF_PARAMS, 'tone', ...GAIN_COLS], capacity.dsf),
    slow: new RowTable([...DSF_PARAMS, 'tone', ...GAIN_COLS], capacity.slow),
    fm: new RowTable([...FM_PARAMS, ...GAIN_COLS], capacity.fm),
    slowFm: new RowTable([...FM_PARAMS, ...GAIN_COLS], capacity.slowFm),
    noise: new RowTable([...NOISE_PARAMS, ...NOISE_COLORS, ...GAIN_COLS], capacity.noise),
  };
  for (const note of notes) {
    for (const layer of PATCHES[note.inst] as Layer[]) {
      if (isPair(note, layer)) {
        const { spread = 0.5 } = layer;
        const detune = layer.detune * (note.unisonDetune ?? 1);
        addLayer(rows, note, layer, space, -detune, -spread, 0.7071);
        addLayer(rows, note, layer, space, detune, spread, 0.7071);
      } else {
        addLayer(rows, note, layer, space, 0, 0, 1);
      }
    }
  }
  return rows;
}

/** A detuned unison pair of DSF voices. */
function isPair(note: Note, layer: Layer): layer is DsfLayer & { detune: number } {
  return layer.kind === 'dsf' && !!layer.detune && note.unison !== false;
}

/** The last layerTiming result (one object reused: nothing allocated a layer). */
const timing = { start: 0, attack: 0, gate: 0, releaseS: 0, gateLevel: 0, totalS: 0, totalSamples: 0, firstBlock: 0, lastBlock: 0 };

/** When a note's layer sounds, in samples and in blocks of its row rate; writes `timing`. */
function layerTiming(note: Note, layer: Layer): void {
  // Slow rows: each covers SLOW blocks with BLOCK samples at SAMPLE_RATE / SLOW, and starts
  // early by the graph's upsampler delay so it sounds on time.
  const slow = layer.kind !== 'noise' && layer.slow === true;
  const span = slow ? BLOCK * SLOW : BLOCK;
  const start = Math.round((note.t + (layer.delay ?? 0)) * SAMPLE_RATE) - (slow ? SLOW_DELAY : 0);
  const { decay, sustain } = layer.env;
  const attack = note.attackS ?? layer.env.attack;
  const gateS = note.len;
  let releaseS = layer.env.release;
  const endLimit = note.mustEndBy ?? Infinity;
  // Never run past the end of the track: tighten the gate, then the release.
  let gate = gateS;
  if (note.t + gate + releaseS > endLimit) {
    gate = Math.max(0.005, Math.min(gate, endLimit - note.t - Math.min(releaseS, 0.25)));
    releaseS = Math.max(0.005, Math.min(releaseS, endLimit - note.t - gate));
  }
  // A note is over once it has fallen TAIL_DB below its level: a decayed percussive note whatever
  // its gate says, a released one before its release reaches -60 dB. Fewer rows (-14% a track).
  const decayedS = sustain === 0 ? attack + (TAIL_DB / 20) * Math.LN10 * decay : Infinity;
  const totalS = Math.min(gate + (releaseS * TAIL_DB) / 60, decayedS);
  const totalSamples = Math.max(1, Math.round(totalS * SAMPLE_RATE));
  timing.start = start;
  timing.attack = attack;
  timing.gate = gate;
  timing.releaseS = releaseS;
  timing.gateLevel = envLevel(gate, attack, decay, sustain);
  timing.totalS = totalS;
  timing.totalSamples = totalSamples;
  timing.firstBlock = Math.floor(start / span);
  timing.lastBlock = Math.ceil((start + totalSamples) / span);
}

/**
 * Blocks between exact sin/cos of a DSF row's start phase; in between, the previous pair is rotated
 * by the block's phase step (4 multiplies instead of Math.sin + Math.cos: -0.4 ms a track). The
 * rotation drifts by ~1e-16 a block, so this only bounds it far below float32.
 */
const ROTATE_BLOCKS = 64;
/** FM index below which a row is rendered as a sine: its sidebands are under -46 dB. */
const SINE_FM_INDEX = 0.01;
/** DSF brightness of such a sine: its second partial is at -54 dB. */
const SINE_A = 0.002;
const NO_SETTLE = [0, 0, 1] as const;

function addLayer(rows: Rows, note: Note, layer: Layer, space: number, cents: number, panOffset: number, gainScale: number): void {
  const slow = layer.kind !== 'noise' && layer.slow === true;
  const down = slow ? SLOW : 1;
  const span = BLOCK * down;
  const rate = SAMPLE_RATE / down;
  const nyquist = NYQUIST / down;
  const { decay, sustain } = layer.env;
  layerTiming(note, layer);
  const { start, attack, gate, releaseS, gateLevel, totalS, totalSamples, firstBlock, lastBlock } = timing;
  const amp = note.vel * (note.gain ?? 1) * layer.gain * gainScale;

  const pan = Math.max(-1, Math.min(1, note.pan + panOffset));
  const theta = ((pan + 1) * Math.PI) / 4;
  const gl = Math.cos(theta) * Math.SQRT2;
  const gr = Math.sin(theta) * Math.SQRT2;
  const gs = layer.send * space;

  const baseHz = midiToHz(note.midi + (layer.transpose ?? 0) + cents / 100);
  const sweep = layer.sweep ?? 0;
  const bend = note.bend ?? 0;
  const sweepTime = layer.sweepTime ?? 0.05;
  const vibrato = layer.vibrato;
  const steady = !sweep && !bend && !vibrato;
  const steadyHz = Math.min(baseHz, nyquist * 0.9);

  const dsf = layer.kind === 'dsf' ? layer : undefined;
  const fm = layer.kind === 'fm' ? layer : undefined;
  const noise = layer.kind === 'noise' ? layer : undefined;
  const table = noise ? rows.noise : dsf ? (slow ? rows.slow : rows.dsf) : slow ? rows.slowFm : rows.fm;
  const ratio = fm ? fm.ratio : 0;
  const noiseCols = noise ? colorWeights(noise) : undefined;

  // Exponential decays sampled once a block advance by a constant factor a block: after one
  // exact Math.exp, each next block multiplies (drift ~1e-16 a block). Math.exp was ~5 calls a row.
  const blockS = span / SAMPLE_RATE;
  let decayK = NaN; // envelope decay towards sustain
  let decayExp = 0;
  let decayAt = NaN; // note-relative sample decayExp belongs to
  let releaseK = NaN;
  let releaseExp = 0;
  let releaseAt = NaN;
  // brightness (DSF) or modulation index (FM) settling from start to end value
  const [x0, x1, xTime] = dsf ? dsf.bright : fm ? fm.index : NO_SETTLE;
  const xK = noise ? 1 : Math.exp(-blockS / xTime);
  let xExp = 0;
  let xAt = NaN;

  let phase = 0;
  let modPhase = 0;
  let lastHz = NaN;
  let lastSine = false;
  let tone = -1;
  let w = NaN;
  // per-frequency constants: the phase steps a block (reduced mod 2 pi once, so the per-block
  // update is an add and a compare instead of two float `%`: -0.08 ms a track), the Nyquist limits
  let stepW = NaN;
  let phaseStep = 0;
  let modStep = 0;
  let brightLimit = 0;
  let maxIdx = 0;
  // start phase sin / cos of the previous DSF row, and the rotation by one block's phase step
  let sp = 0;
  let cp = 1;
  let trigAt = -Infinity; // block of the last (sp, cp); they continue only from the block before
  let trigW = NaN;
  let trigCount = 0;
  let rotW = NaN;
  let rotC = 1;
  let rotS = 0;

  let prevV1 = 0;
  for (let b = firstBlock; b < lastBlock; b++) {
    const s0 = b * span - start; // note-relative sample at the block start (negative in the onset block)
    const s1 = s0 + span;
    const onset = s0 < 0;
    const o = onset ? -s0 / down : 0; // in row samples
    // envelope at the block end (envLevel, then the release), its decays stepped
    let v1 = 0;
    if (s1 > 0 && s1 < totalSamples) {
      const t = s1 / SAMPLE_RATE;
      // a short linear tail takes every note exactly to zero at its end
      const tail = Math.min(1, (totalS - t) / 0.006);
      if (t < gate) {
        if (t < attack) v1 = (t / attack) * tail;
        else {
          if (s1 - span === decayAt) decayExp *= decayK;
          else {
            decayExp = Math.exp(-(t - attack) / decay);
            decayK = Math.exp(-blockS / decay);
          }
          decayAt = s1;
          v1 = (sustain + (1 - sustain) * decayExp) * tail;
        }
      } else {
        if (s1 - span === releaseAt) releaseExp *= releaseK;
        else {
          releaseExp = Math.exp((-6.9 * (t - gate)) / releaseS);
          releaseK = Math.exp((-6.9 * blockS) / releaseS);
        }
        releaseAt = s1;
        v1 = gateLevel * releaseExp * tail;
      }
    }
    v1 *= amp;
    const v0 = prevV1; // the previous block's end (the first block starts at or before the onset: 0)
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
    if (noise) {
      if (scale <= 1e-7 || b < 0) continue; // silent block (or before the track, slow rows): no row
      const r = table.add(b);
      const d = table.data;
      d[r] = e0, d[r + 1] = es;
      for (let c = 0; c < noiseCols!.length; c++) d[r + 2 + c] = noiseCols![c]!;
      const gi = r + 2 + noiseCols!.length;
      d[gi] = gl * scale, d[gi + 1] = gr * scale, d[gi + 2] = gs * scale;
      continue;
    }
    // brightness / index decay at the block middle (clamped to the start value before the onset)
    const sm = s0 + span / 2;
    if (sm <= 0) (xExp = 1), (xAt = NaN);
    else {
      if (sm - span === xAt) xExp *= xK;
      else xExp = Math.exp(-sm / SAMPLE_RATE / xTime);
      xAt = sm;
    }
    const xNow = x1 + (x0 - x1) * xExp;
    // An FM row whose modulation has died away (kick, tom, taiko and 808 bodies, the end of a
    // snare's) is a sine: it goes out as a DSF row of the least brightness, which the graph
    // renders from its tone table without the FM rows' two Sin. The index only decays, so a
    // note switches once; the phase carries over (a step of at most the index, in radians).
    const asSine = fm !== undefined && xNow < SINE_FM_INDEX;
    // Frequency is held for the block (glides, sweeps and vibrato step every 5.8 ms) and the
    // phase carries over exactly, so pitch changes are smooth and click-free.
    const f = steady ? steadyHz : freqAt(onset ? 0 : s0 + span / 2, baseHz, sweep, sweepTime, bend, vibrato, nyquist);
    // DSF rows play a frequency of the graph's tone table (a 2-cent grid); the phase carried
    // on below is the one of that exact frequency, so the waveform stays continuous.
    if (f !== lastHz || asSine !== lastSine) {
      lastHz = f;
      lastSine = asSine;
      if (dsf || asSine) {
        const next = toneIndex(f * down);
        // vibrato moves the frequency every block but the 2-cent tone less often
        if (next !== tone) {
          tone = next;
          const toneHz = (toneOmega(tone) * rate) / TWO_PI;
          // the partial at Nyquist stays below -60 dB
          brightLimit = Math.min(Math.exp((Math.log(1e-3) * toneHz) / nyquist), 0.97);
          w = (TWO_PI * toneHz) / rate;
        }
      } else {
        // Keep the FM sidebands ((index + 1) * modulator) under Nyquist: no aliasing on high notes.
        maxIdx = Math.max(0, (0.9 * nyquist - f) / Math.max(1e-9, ratio * f) - 1);
        w = (TWO_PI * f) / rate;
      }
    }
    let p0: number;
    let pm0 = 0;
    if (onset) {
      p0 = -w * o;
      phase = (p0 + w * BLOCK) % TWO_PI;
      if (fm) {
        pm0 = -w * ratio * o;
        modPhase = (pm0 + w * BLOCK * ratio) % TWO_PI;
      }
    } else {
      if (w !== stepW) (stepW = w), (phaseStep = (w * BLOCK) % TWO_PI), (modStep = (w * BLOCK * ratio) % TWO_PI);
      p0 = phase;
      phase += phaseStep;
      if (phase >= TWO_PI) phase -= TWO_PI;
      if (fm) {
        pm0 = modPhase;
        modPhase += modStep;
        if (modPhase >= TWO_PI) modPhase -= TWO_PI;
      }
    }
    if (scale <= 1e-7 || b < 0) continue; // silent block (or before the track, slow rows): no row
    const out = asSine ? (slow ? rows.slow : rows.dsf) : table;
    const r = out.add(b);
    const d = out.data;
    if (dsf || asSine) {
      const a = dsf ? Math.max(0.02, Math.min(xNow, brightLimit)) : SINE_A;
      // sin / (1 + a^2 - 2a cos) = [sin / (c1 - cos)] / 2a; the 1/2a and the equal-power
      // normalization sqrt(1 - a^2) are row constants, folded into the gains.
      const g = (scale * Math.sqrt(1 - a * a)) / (2 * a);
      if (trigAt === b - 1 && trigW === w && !onset && ++trigCount < ROTATE_BLOCKS) {
        if (rotW !== w) (rotW = w), (rotC = Math.cos(phaseStep)), (rotS = Math.sin(phaseStep));
        const s = sp * rotC + cp * rotS;
        cp = cp * rotC - sp * rotS;
        sp = s;
      } else {
        sp = Math.sin(p0);
        cp = Math.cos(p0);
        trigCount = 0;
      }
      trigAt = b;
      trigW = w;
      d[r] = sp, d[r + 1] = cp, d[r + 2] = (1 + a * a) / (2 * a), d[r + 3] = e0, d[r + 4] = es;
      d[r + 5] = tone, d[r + 6] = gl * g, d[r + 7] = gr * g, d[r + 8] = gs * g;
    } else {
      const idx = Math.min(xNow, maxIdx);
      d[r] = p0, d[r + 1] = w, d[r + 2] = pm0, d[r + 3] = ratio, d[r + 4] = idx, d[r + 5] = e0, d[r + 6] = es;
      d[r + 7] = gl * scale, d[r + 8] = gr * scale, d[r + 9] = gs * scale;
    }
  }
}

function freqAt(s: number, baseHz: number, sweep: number, sweepTime: number, bend: number, v: Layer['vibrato'], nyquist: number): number {
  const t = Math.max(0, s) / SAMPLE_RATE;
  let semis = 0;
  if (sweep) semis += sweep * Math.exp(-t / sweepTime);
  if (bend) semis += bend * Math.exp(-t / 0.06);
  if (v && t > v.delay) semis += v.depth * Math.min(1, (t - v.delay) / 0.3) * Math.sin(TWO_PI * v.rate * t);
  return Math.min(baseHz * 2 ** (semis / 12), nyquist * 0.9);
}

function envLevel(t: number, attack: number, decay: number, sustain: number): number {
  if (t < attack) return t / attack;
  return sustain + (1 - sustain) * Math.exp(-(t - attack) / decay);
}

function colorWeights(layer: NoiseLayer): number[] {
  return NOISE_COLORS.map((c) => layer.colors[c] ?? 0);
}
