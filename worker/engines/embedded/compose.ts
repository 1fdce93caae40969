/**
 * Composition: from parsed parameters and a seed to a list of timed notes.
 * Everything here is deterministic in (params, duration); the PRNG is forked per part so that one
 * part's choices never reshuffle another's.
 */
import type { MusicParams } from '../../../core/music.ts';
import type { InstrumentName } from './patches.ts';
import { FAST_BPM, PRESETS, type DrumPattern, type Preset } from './presets.ts';
import { Prng } from './rng.ts';
import { Key, voice } from './theory.ts';

export interface Note {
  inst: InstrumentName;
  /** Start, seconds. */
  t: number;
  /** Gate length, seconds (release comes after). */
  len: number;
  midi: number;
  vel: number;
  /** -1 left .. 1 right. */
  pan: number;
  /** Glide: the note starts this many semitones away (808 slides). */
  bend?: number;
  /** false: play the patch's unison pair as one voice (inner voices of a pad chord). */
  unison?: boolean;
  /** Latest time the note's release may last until (the track end). */
  mustEndBy?: number;
}

export type SectionName = 'intro' | 'main' | 'build' | 'drop' | 'variation' | 'break' | 'outro';
export interface Section {
  name: SectionName;
  startBar: number;
  bars: number;
}

export interface Composition {
  notes: Note[];
  sections: Section[];
  bpm: number;
  /** Delay of the tempo-synced echo, seconds. */
  echoS: number;
  space: number;
  /** Time of the final hit, seconds. */
  endS: number;
}

interface Ctx {
  p: MusicParams;
  preset: Preset;
  key: Key;
  beatS: number;
  endBeat: number;
  notes: Note[];
  rng: Prng;
  /** Chord root degree for each bar. */
  chordAt: (bar: number) => number;
  chordPcs: (bar: number) => number[];
  mood: { dark: boolean; epic: boolean; chill: boolean };
  layers: Layers;
}

interface Layers {
  drums: boolean;
  bass: boolean;
  chords: boolean;
  pad: InstrumentName | null;
  melody: boolean;
  strings: boolean;
  hiss: boolean;
  bassInst: InstrumentName;
  bassStyle: Preset['bass']['style'];
  chordInst: InstrumentName;
  melodyInst: InstrumentName;
}

const TAIL_S = 1.4;

export function compose(p: MusicParams, durationS: number): Composition {
  const preset = PRESETS[p.genre];
  const rng = new Prng(p.seed, 1);
  const key = new Key(p.key, p.mode);
  const beatS = 60 / p.bpm;
  // The final hit lands on a half-bar boundary and leaves room for its decay before the end.
  const tail = Math.min(3, Math.max(TAIL_S, durationS * 0.08));
  let endBeat = Math.floor((durationS - tail) / beatS);
  if (endBeat >= 8) endBeat -= endBeat % 2;
  endBeat = Math.max(1, endBeat);

  const mood = {
    dark: p.mood === 'dark' || p.mood === 'sad',
    epic: p.mood === 'epic',
    chill: p.mood === 'chill' || p.mood === 'calm',
  };
  const layers = chooseLayers(p, preset, mood);
  const progs = preset.progressions[p.mode];
  const progA = rng.pick(progs);
  const progB = progs.length > 1 ? rng.pick(progs.filter((x) => x !== progA)) : progA;
  const sections = planSections(endBeat / 4, p.structure, preset);
  const sectionAt = (bar: number) => sections.find((s) => bar >= s.startBar && bar < s.startBar + s.bars) ?? sections.at(-1)!;
  const chordAt = (bar: number) => {
    const s = sectionAt(bar);
    const prog = s.name === 'variation' || s.name === 'break' ? progB : progA;
    const step = Math.floor((bar - s.startBar) / preset.barsPerChord);
    return prog[step % prog.length]!;
  };
  const chordPcs = (bar: number) => {
    const root = chordAt(bar);
    const pcs = key.chordPcs(root, preset.chordSize);
    if (preset.dominantV && p.mode === 'minor' && root === 4) pcs[1] = (pcs[1]! + 1) % 12;
    if (preset.tonicAdd9 && root === 0 && pcs.length === 4) pcs[3] = key.degree(8, 0) % 12;
    return pcs;
  };
  const ctx: Ctx = { p, preset, key, beatS, endBeat, notes: [], rng, chordAt, chordPcs, mood, layers };

  for (const s of sections) {
    const r = rng.fork(s.startBar);
    if (layers.drums && preset.drums) drums(ctx, s, r.fork(1), sections);
    if (layers.bass) bass(ctx, s, r.fork(2));
    if (layers.chords) chords(ctx, s, r.fork(3));
    if (layers.pad) pad(ctx, s, layers.pad);
    if (layers.strings && layers.pad !== 'strings' && layers.chordInst !== 'strings') pad(ctx, s, 'strings');
    if (layers.melody) melody(ctx, s, rng.fork(4), sections);
  }
  if (layers.hiss) emit(ctx, 'hiss', 0, endBeat + 2, 60, 1, 0);
  finalHit(ctx);

  const endS = endBeat * beatS;
  for (const n of ctx.notes) n.mustEndBy = durationS - 0.03;
  // Echoes on the 8th-note grid reinforce the pulse (a dotted-8th echo makes beat trackers hear 4/3 the tempo).
  const echoBeats = beatS * 0.5 > 0.35 ? 0.25 : 0.5;
  return { notes: ctx.notes, sections, bpm: p.bpm, echoS: echoBeats * beatS, space: preset.space * (mood.chill ? 1.2 : 1), endS };
}

function chooseLayers(p: MusicParams, preset: Preset, mood: Ctx['mood']): Layers {
  const has = (w: string) => p.instruments.includes(w);
  const no = (w: string) => p.excluded.includes(w);
  const l: Layers = {
    drums: preset.drums !== null && !no('drums'),
    bass: preset.bass.style !== 'none' && !no('bass'),
    chords: !no('chords'),
    pad: preset.pad,
    melody: preset.melody.style !== 'none' && !no('melody'),
    strings: has('strings') || (mood.epic && p.genre !== 'piano'),
    hiss: p.genre === 'lofi',
    bassInst: preset.bass.inst,
    bassStyle: preset.bass.style,
    chordInst: preset.chords.inst,
    melodyInst: preset.melody.inst,
  };
  if (has('drums') && !preset.drums) l.drums = false; // genres without a kit keep their nature; drums need a groove
  if (has('808')) (l.bassInst = 'bass808'), (l.bassStyle = l.bassStyle === 'none' ? '808' : l.bassStyle), (l.bass = true);
  if (has('bass') && !l.bass) (l.bass = true), (l.bassStyle = 'pedal');
  if (has('piano') && p.genre !== 'piano') l.chordInst = 'piano';
  if (has('electric piano')) l.chordInst = 'epiano';
  if (has('organ')) l.chordInst = 'organ';
  if (has('guitar')) p.genre === 'rock' ? (l.melodyInst = 'leadGuitar') : (l.chordInst = 'guitar');
  if (has('pads')) l.pad = 'pad';
  if (has('synth')) l.melodyInst = 'lead';
  if (has('bells')) l.melodyInst = 'bell';
  if (has('flute')) l.melodyInst = 'flute';
  if (has('sax')) l.melodyInst = 'sax';
  if (has('brass')) l.melodyInst = 'brass';
  if (has('melody') && !l.melody) (l.melody = true), (l.melodyInst = 'lead');
  if (no('piano') && l.chordInst === 'piano') l.chordInst = 'epiano';
  if (no('piano') && l.melodyInst === 'piano') l.melodyInst = 'flute';
  if (no('strings') && l.pad === 'strings') l.pad = 'pad';
  if (no('pads') && l.pad === 'pad') l.pad = null;
  if (no('synth') && l.melodyInst === 'lead') l.melodyInst = 'bell';
  if (no('guitar') && l.chordInst === 'guitar') l.chordInst = 'organ';
  if (no('808') && l.bassInst === 'bass808') (l.bassInst = 'sub'), (l.bassStyle = 'pedal');
  return l;
}

/** Splits the available bars into sections, honouring structure words from the prompt. */
export function planSections(totalBars: number, structure: string[], preset: Preset): Section[] {
  const bars = Math.ceil(totalBars);
  const want = new Set(structure);
  const names: SectionName[] = [];
  if (bars >= 6 || want.has('intro')) names.push('intro');
  names.push('main');
  if (want.has('build') || (want.has('drop') && bars >= 10)) names.push('build');
  names.push(want.has('drop') ? 'drop' : 'variation');
  if (want.has('breakdown') || want.has('bridge')) names.push('break');
  if (bars >= 20) names.push('main');
  if (bars >= 10 || want.has('outro')) names.push('outro');
  if (bars < 3) return [{ name: names.includes('drop') ? 'drop' : 'main', startBar: 0, bars: Math.max(1, bars) }];

  const unit = bars >= 24 ? 4 : bars >= 8 ? 2 : 1;
  const fixed: Partial<Record<SectionName, number>> = {
    intro: bars >= 40 ? 8 : bars >= 16 ? 4 : unit,
    build: unit * (bars >= 16 ? 2 : 1),
    outro: bars >= 40 ? 4 : unit,
    break: unit * 2,
  };
  const fixedSum = names.reduce((a, n) => a + (fixed[n] ?? 0), 0);
  const flexible = names.filter((n) => fixed[n] === undefined);
  let left = bars - fixedSum;
  if (left < flexible.length) {
    // Too short for the full plan: drop the fixed sections from the outside in.
    return planSections(totalBars, [...structure.filter((s) => s !== 'outro' && s !== 'intro' && s !== 'build')], preset).map((s) => s);
  }
  const sizes = flexible.map((_, i) => {
    const share = Math.max(1, Math.round(left / (flexible.length - i) / unit) * unit);
    const size = i === flexible.length - 1 ? left : Math.min(share, left - (flexible.length - i - 1));
    left -= size;
    return size;
  });
  let start = 0;
  let fi = 0;
  return names.map((name) => {
    const size = fixed[name] ?? sizes[fi++]!;
    const s = { name, startBar: start, bars: size };
    start += size;
    return s;
  });
}

// --- helpers -------------------------------------------------------------------------------

/** Places a note given in beats, applying swing and a played feel; clips at the final hit. */
/** Returns the placed note, or undefined when it falls after the final hit. */
function emit(ctx: Ctx, inst: InstrumentName, beat: number, lenBeats: number, midi: number, vel: number, pan: number, bend?: number, r?: Prng): Note | undefined {
  if (beat >= ctx.endBeat - 1e-9 || vel <= 0) return undefined;
  const { preset, beatS } = ctx;
  const grid = preset.swingGrid === 8 ? 0.5 : 0.25;
  const pos = beat / grid;
  let b = beat;
  if (preset.swing > 0 && Math.abs(pos - Math.round(pos)) < 1e-6 && Math.round(pos) % 2 === 1) b += preset.swing * grid;
  const len = Math.min(lenBeats, ctx.endBeat - beat);
  const jitter = r ? (r.float() - 0.5) * 2 * preset.humanize : 0;
  const note: Note = { inst, t: Math.max(0, b * beatS + jitter), len: Math.max(0.02, len * beatS), midi, vel, pan, bend };
  ctx.notes.push(note);
  return note;
}

const STEP_VEL: Record<string, number> = { x: 1, o: 0.72, '-': 0.35 };

function drums(ctx: Ctx, s: Section, r: Prng, sections: Section[]): void {
  const fast = ctx.p.bpm >= FAST_BPM;
  const d = fast && ctx.preset.fastDrums ? { ...ctx.preset.drums!, ...ctx.preset.fastDrums } : ctx.preset.drums!;
  const last = sections.at(-1) === s;
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const b0 = bar * 4;
    const inBar = bar - s.startBar;
    const fillBar = inBar === s.bars - 1 && !last && s.bars >= 2;
    let pat: DrumPattern;
    // The outro keeps the groove (thinner), so the pulse holds right up to the final hit.
    if (s.name === 'intro' || s.name === 'break') pat = d.intro;
    else if (s.name === 'outro') pat = d.main;
    else if (s.name === 'build') pat = { kick: d.main.kick, hat: d.main.hat };
    else if (s.name === 'variation' || s.name === 'drop') pat = inBar % 4 === 3 ? d.main : d.variation;
    else pat = inBar % 8 === 7 ? d.variation : d.main;
    if (s.name === 'drop') pat = { ...d.variation, ...d.main, openhat: d.variation.openhat ?? d.main.openhat };
    // The track opens on the beat: the first bar(s) keep only hits on quarter notes, so a listener
    // (and a beat tracker) locks onto the pulse before the off-beats and syncopation come in.
    if (s.startBar === 0 && (s.name === 'intro' || inBar === 0)) pat = onTheBeat(s.name === 'intro' ? d.main : pat);
    const energy = s.name === 'intro' || s.name === 'outro' ? 0.75 : s.name === 'drop' ? 1.05 : 0.92;
    for (const lane of Object.keys(pat) as Array<keyof DrumPattern>) {
      const steps = pat[lane];
      if (!steps) continue;
      for (let i = 0; i < 16; i++) {
        const v = STEP_VEL[steps[i]!];
        if (!v) continue;
        if (fillBar && i >= 8 && lane !== 'hat' && lane !== 'ride' && lane !== 'kick') continue;
        const beat = b0 + i / 4;
        const vel = v * energy * (0.9 + 0.1 * r.float());
        if (lane === 'hat' && ctx.preset.hatRolls && i % 4 === 2 && r.chance(0.18)) {
          // trap hat roll: a quick burst of 32nds or 16th triplets, as loud as an off-beat hat
          // even where the groove only ghosts the 16ths
          const n = r.chance(0.5) ? 4 : 3;
          const rollVel = Math.max(vel, STEP_VEL.o! * energy);
          for (let k = 0; k < n; k++) emit(ctx, 'hat', beat + (k * 0.5) / n, 0.05, 60, rollVel * (0.6 + 0.1 * k), 0.25, undefined, r);
          i += 1;
          continue;
        }
        emitDrum(ctx, lane, beat, vel, r);
      }
    }
    if (s.name === 'build') buildRoll(ctx, s, bar, r);
    if (fillBar) fill(ctx, bar, r);
    if (inBar === 0 && (s.name === 'main' || s.name === 'variation' || s.name === 'drop') && s.startBar > 0 && ctx.p.genre !== 'jazz') {
      emitDrum(ctx, ctx.p.genre === 'cinematic' ? 'taiko' : 'crash', b0, 0.9, r);
    }
  }
}

function onTheBeat(p: DrumPattern): DrumPattern {
  const out: DrumPattern = {};
  for (const lane of Object.keys(p) as Array<keyof DrumPattern>) {
    const steps = p[lane];
    if (steps && lane !== 'openhat') out[lane] = [...steps].map((c, i) => (i % 4 === 0 ? c : '.')).join('');
  }
  if (!out.ride) out.hat = 'x...o...x...o...';
  return out;
}

const DRUM_PITCH: Partial<Record<string, number>> = { kick: 31, kick808: 29, snare: 55, rim: 72, tom: 45, taiko: 36, ride: 84 };
const DRUM_PAN: Partial<Record<string, number>> = { hat: 0.3, openhat: 0.3, shaker: -0.35, ride: -0.3, rim: 0.2, tom: -0.25, crash: -0.2 };

function emitDrum(ctx: Ctx, lane: string, beat: number, vel: number, r: Prng): void {
  const inst = (lane === 'kick' && ctx.p.genre === 'trap' ? 'kick808' : lane) as InstrumentName;
  const len = lane === 'openhat' ? 0.5 : lane === 'crash' ? 2 : 0.1;
  emit(ctx, inst, beat, len, DRUM_PITCH[lane] ?? 60, vel, DRUM_PAN[lane] ?? 0, undefined, r);
}

function fill(ctx: Ctx, bar: number, r: Prng): void {
  const b0 = bar * 4 + 2;
  const cinematic = ctx.p.genre === 'cinematic';
  const kind = r.int(3);
  // at fast tempos a sixteenth-note roll blurs the pulse (beat trackers drift to dotted
  // quarters after it); eighths carry the fill there
  const fast = ctx.p.bpm >= FAST_BPM;
  for (let i = 0; i < 8; i++) {
    if ((kind === 1 || fast) && i % 2 === 1 && (i < 6 || fast)) continue;
    const beat = b0 + i / 4;
    const vel = 0.55 + 0.06 * i;
    if (kind === 2 || cinematic) emit(ctx, cinematic ? 'taiko' : 'tom', beat, 0.2, (cinematic ? 40 : 50) - Math.floor(i / 2) * 3, vel, -0.4 + i * 0.1, undefined, r);
    else emitDrum(ctx, ctx.p.genre === 'house' || ctx.p.genre === 'techno' || ctx.p.genre === 'trap' ? 'clap' : 'snare', beat, vel, r);
  }
}

function buildRoll(ctx: Ctx, s: Section, bar: number, r: Prng): void {
  const inBar = bar - s.startBar;
  const per = inBar < s.bars / 2 ? 2 : 4;
  for (let i = 0; i < 4 * per; i++) {
    const vel = 0.35 + 0.6 * ((inBar * 4 * per + i) / (s.bars * 4 * per));
    emitDrum(ctx, ctx.p.genre === 'cinematic' ? 'taiko' : 'snare', bar * 4 + i / per, vel, r);
  }
  if (inBar === 0) emit(ctx, 'riser', bar * 4, s.bars * 4, 60, 0.9, 0);
}

function bass(ctx: Ctx, s: Section, r: Prng): void {
  const { key, layers } = ctx;
  const oct = ctx.preset.bass.octave;
  const inst = layers.bassInst;
  if (s.name === 'intro' && ctx.p.genre !== 'ambient' && ctx.p.genre !== 'cinematic' && s.bars > 1) return;
  if (s.name === 'build') return;
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const b0 = bar * 4;
    const root = key.degree(ctx.chordAt(bar), oct);
    const rootM = root < 12 * (oct + 1) + 4 ? root + 12 : root; // keep the bass in a singing range
    const nextRoot = key.degree(ctx.chordAt(bar + 1), oct);
    const fifth = rootM + 7;
    const pcs = ctx.chordPcs(bar);
    if (bar === 0 && layers.bassStyle !== 'pedal' && layers.bassStyle !== 'none') {
      // first bar: one long root, so the opening pulse comes from the drums alone
      emit(ctx, inst, b0, 3.8, rootM, 0.9, 0);
      continue;
    }
    switch (layers.bassStyle) {
      case 'root8':
        for (let i = 0; i < 8; i++) {
          const m = i === 6 && r.chance(0.4) ? fifth : i === 7 && r.chance(0.3) ? rootM + 12 : rootM;
          emit(ctx, inst, b0 + i / 2, 0.42, m, i % 2 ? 0.75 : 0.95, 0, undefined, r);
        }
        break;
      case 'lofi':
        emit(ctx, inst, b0, 1.4, rootM, 0.95, 0, undefined, r);
        if (r.chance(0.7)) emit(ctx, inst, b0 + 1.5, 0.45, r.chance(0.5) ? fifth : rootM + 12, 0.7, 0, undefined, r);
        emit(ctx, inst, b0 + 2.5, 1.2, r.chance(0.6) ? rootM : fifth, 0.85, 0, undefined, r);
        break;
      case '808': {
        // the 808 doubles the kick of the bar, so low end and drums hit together
        const d = ctx.preset.drums;
        const varied = (s.name === 'variation' || s.name === 'drop') && (bar - s.startBar) % 4 !== 3;
        const kick = (varied ? d?.variation.kick : d?.main.kick) ?? 'x.......x.......';
        const hits = [...kick].flatMap((c, i) => (c === '.' ? [] : [i]));
        hits.forEach((step, i) => {
          const end = hits[i + 1] ?? 16;
          const slide = i > 0 && r.chance(0.25) ? (r.chance(0.5) ? 12 : -5) : undefined;
          const m = i === hits.length - 1 && r.chance(0.35) ? rootM + (r.chance(0.5) ? 7 : 3) : rootM;
          emit(ctx, inst, b0 + step / 4, ((end - step) / 4) * 0.9, m, 1, 0, slide);
        });
        break;
      }
      case 'offbeat':
        for (let i = 0; i < 4; i++) emit(ctx, inst, b0 + i + 0.5, 0.35, i === 3 && r.chance(0.4) ? rootM + 12 : rootM, 0.95, 0, undefined, r);
        break;
      case 'rolling':
        for (let i = 0; i < 16; i++) {
          if (i % 4 === 0) continue;
          const acid = s.name === 'variation' || s.name === 'drop';
          const m = acid && r.chance(0.25) ? rootM + r.pick([12, 7, 3, 10]) : rootM;
          emit(ctx, inst, b0 + i / 4, 0.18, m, i % 4 === 2 ? 0.9 : 0.7, 0, undefined, r);
        }
        break;
      case 'walking': {
        const tones = [rootM, key.snap(rootM + (r.chance(0.5) ? 4 : 7), pcs), key.snap(rootM + (r.chance(0.5) ? 7 : 12), pcs)];
        // a diatonic step into the next root: chromatic approaches put the key's missing notes
        // (E natural in Bb) on every fourth beat and blurred the key
        const nextM = nextRoot + (nextRoot < 12 * (oct + 1) + 4 ? 12 : 0);
        const step = key.degree(ctx.chordAt(bar + 1) + (r.chance(0.5) ? 1 : -1), oct);
        const approach = step + 12 * Math.round((nextM - step) / 12);
        [...tones, approach].forEach((m, i) => emit(ctx, inst, b0 + i, 0.9, m, i === 0 ? 0.95 : 0.8, 0, undefined, r));
        break;
      }
      case 'reese':
        emit(ctx, inst, b0, 2.4, rootM, 0.9, 0);
        emit(ctx, inst, b0 + 2.5, 1.4, r.chance(0.3) ? rootM + 3 : rootM, 0.85, 0);
        emit(ctx, 'sub', b0, 3.9, rootM, 0.6, 0);
        break;
      case 'pedal':
        if ((bar - s.startBar) % ctx.preset.barsPerChord === 0) emit(ctx, inst, b0, 4 * ctx.preset.barsPerChord - 0.1, rootM, 0.85, 0);
        break;
      case 'none':
        break;
    }
  }
}

function chords(ctx: Ctx, s: Section, r: Prng): void {
  const { preset, layers } = ctx;
  const inst = layers.chordInst;
  let prev: number[] | undefined;
  const center = preset.chords.center - (ctx.mood.dark ? 2 : 0);
  const pans = (i: number, n: number) => (n > 1 ? -0.35 + (0.7 * i) / (n - 1) : 0);
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const b0 = bar * 4;
    const pcs = ctx.chordPcs(bar);
    let v = voice(pcs, center, prev);
    prev = v;
    const thin = s.name === 'intro' || s.name === 'outro' || s.name === 'break' || bar === 0;
    // sustained chords: only the top voice gets the unison pair (see pad())
    const sustained = preset.chords.style === 'sustain';
    const play = (beat: number, len: number, vel: number, notes = v) =>
      notes.forEach((m, i) => {
        const note = emit(ctx, inst, beat, len, m, vel * (0.92 + 0.08 * r.float()), pans(i, notes.length), undefined, r);
        if (note && sustained && i < notes.length - 1) note.unison = false;
      });
    switch (preset.chords.style) {
      case 'pop':
        if (thin) play(b0, 3.8, 0.7);
        else for (const [st, len] of [[0, 1.4], [1.5, 1], [2.5, 0.4], [3, 0.9]] as const) play(b0 + st, len, st === 0 ? 0.85 : 0.65);
        break;
      case 'lofi': {
        const rich = key9(ctx, bar, v);
        play(b0, 1.6, 0.8, rich);
        if (!thin) play(b0 + 1.75, 0.5, 0.55, rich);
        if (!thin && r.chance(0.6)) play(b0 + 3, 0.9, 0.6, rich);
        break;
      }
      case 'sustain':
        if ((bar - s.startBar) % preset.barsPerChord === 0) play(b0, 4 * preset.barsPerChord - 0.05, thin ? 0.65 : 0.8);
        break;
      case 'offbeat':
        if (thin) play(b0, 3.8, 0.6);
        else for (const st of [0.5, 1.5, 2.5, 3.5]) play(b0 + st, 0.3, st === 0.5 ? 0.85 : 0.7);
        break;
      case 'dub':
        for (const st of [0.75, 2.5, 3.25]) if (!thin || st === 0.75) play(b0 + st, 0.2, 0.75);
        break;
      case 'power': {
        const root = ctx.key.degree(ctx.chordAt(bar), 3);
        const power = [root, root + 7, root + 12].map((m) => (m > 64 ? m - 12 : m));
        // A bright guitar's fifth harmonic is the root's major third: in a minor key the tonic
        // chord carries its minor third, or a listener hears the parallel major.
        if (ctx.key.mode === 'minor' && ctx.chordAt(bar) === 0) power.push(power[2]! + 3);
        if (thin) play(b0, 3.8, 0.8, power);
        else for (let i = 0; i < 8; i++) play(b0 + i / 2, 0.45, i % 2 ? 0.7 : 0.9, power);
        break;
      }
      case 'charleston':
        v = rootless(ctx, bar, prev);
        play(b0, 0.7, 0.75, v);
        if (!thin) play(b0 + 1.5, 0.4, 0.65, v);
        if (!thin && r.chance(0.5)) play(b0 + 3.5, 0.4, 0.55, v);
        break;
      case 'arp':
      case 'pianoLH': {
        const root = ctx.key.degree(ctx.chordAt(bar), 2);
        const low = root < 40 ? root + 12 : root;
        const shape = [low, low + 7, v[0]! + 12 > low + 12 ? v[0]! : v[0]! + 12, v[1]! + 12, v[2]! + 12, v[1]! + 12, v[0]! + 12, low + 7];
        shape.forEach((m, i) => emit(ctx, inst, b0 + i / 2, i === 0 ? 3.5 : 1.2, m, i === 0 ? 0.75 : 0.5 + 0.1 * r.float(), -0.2, undefined, r));
        break;
      }
      case 'ostinato': {
        if (thin) {
          play(b0, 3.9, 0.5, v);
          break;
        }
        const root = ctx.key.degree(ctx.chordAt(bar), 3);
        const cell = [root, root + 12, v[1]!, root + 12];
        for (let i = 0; i < 8; i++) emit(ctx, inst, b0 + i / 2, 0.3, cell[i % 4]!, i % 2 ? 0.6 : 0.85, i % 2 ? 0.3 : -0.3, undefined, r);
        break;
      }
    }
  }
}

/** Lo-fi colour: the chord's ninth added on top when it is in the scale. */
function key9(ctx: Ctx, bar: number, v: number[]): number[] {
  const root = ctx.key.degree(ctx.chordAt(bar) + 8, 4);
  const top = v[v.length - 1]!;
  const ninth = root + 12 * Math.ceil((top - root) / 12);
  return ninth - top <= 5 ? [...v, ninth] : v;
}

/**
 * Jazz rootless voicing: third, fifth, seventh and ninth, near the previous one. The tonic chord
 * keeps its root instead (a 6 chord in major, a minor seventh in minor): rootless I in Bb is
 * D F A C, which a listener hears as F major.
 */
function rootless(ctx: Ctx, bar: number, prev?: number[]): number[] {
  const d = ctx.chordAt(bar);
  const degrees = d !== 0 ? [2, 4, 6, 8] : ctx.key.mode === 'major' ? [2, 4, 5, 7] : [2, 4, 7, 8];
  const pcs = degrees.map((x) => ctx.key.degree(d + x, 0) % 12);
  // V in minor takes the leading tone (C# in D minor), as chordPcs does: C E G Bb is F's dominant
  if (ctx.preset.dominantV && ctx.key.mode === 'minor' && d === 4) pcs[0] = (pcs[0]! + 1) % 12;
  return voice(pcs, ctx.preset.chords.center, prev);
}

function pad(ctx: Ctx, s: Section, inst: InstrumentName): void {
  if (s.name === 'intro' && ctx.p.genre === 'techno') return;
  let prev: number[] | undefined;
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar += 2) {
    const v = voice(ctx.chordPcs(bar).slice(0, 3), 60 + (inst === 'strings' ? -3 : 2), prev);
    prev = v;
    const len = Math.min(8, (s.startBar + s.bars - bar) * 4) - 0.05;
    // Two bars per pad chord unless the harmony moves every bar.
    const moves = ctx.chordAt(bar + 1) !== ctx.chordAt(bar);
    const l1 = moves ? Math.min(len, 3.95) : len;
    // Only the top voice gets the detuned unison pair: it carries the width, and the inner
    // voices as single rows cost a third less to render with no audible loss.
    const padNote = (beat: number, len: number, m: number, i: number, n: number) => {
      const note = emit(ctx, inst, beat, len, m, 0.7, -0.5 + i * 0.5);
      if (note && i < n - 1) note.unison = false;
    };
    v.forEach((m, i) => padNote(bar * 4, l1, m, i, v.length));
    if (moves && len > 4) {
      const v2 = voice(ctx.chordPcs(bar + 1).slice(0, 3), 62, v);
      v2.forEach((m, i) => padNote(bar * 4 + 4, len - 4, m, i, v2.length));
      prev = v2;
    }
  }
}

// --- melody --------------------------------------------------------------------------------

interface Motif {
  /** [16th step, length in steps] within one bar. */
  rhythm: Array<[number, number]>;
  /** Scale-step moves between successive notes. */
  contour: number[];
}

const RHYTHMS: Record<string, Array<Array<[number, number]>>> = {
  hook: [[[0, 2], [2, 2], [4, 3], [8, 2], [10, 2], [12, 4]], [[0, 3], [3, 3], [6, 2], [10, 2], [12, 2]], [[2, 2], [4, 2], [6, 4], [12, 2], [14, 2]]],
  sparse: [[[0, 6], [8, 2], [10, 6]], [[2, 4], [6, 2], [12, 4]], [[0, 3], [3, 5], [12, 2]]],
  flowing: [[[0, 2], [2, 2], [4, 2], [6, 2], [8, 4], [12, 2], [14, 2]], [[0, 3], [3, 1], [4, 2], [6, 2], [8, 2], [10, 6]], [[0, 2], [2, 2], [4, 4], [8, 2], [10, 2], [12, 2], [14, 2]]],
  long: [[[0, 8], [8, 8]], [[0, 12], [12, 4]], [[0, 6], [6, 10]]],
  riff: [[[0, 2], [2, 2], [4, 2], [6, 2], [8, 2], [10, 2], [12, 2], [14, 2]], [[0, 3], [3, 3], [6, 2], [8, 3], [11, 3], [14, 2]]],
};

function makeMotif(r: Prng, style: string): Motif {
  const rhythm = r.pick(RHYTHMS[style] ?? RHYTHMS.hook!);
  const contour = rhythm.map(() => r.pick([-2, -1, -1, 0, 1, 1, 2, 3, -3]));
  return { rhythm, contour };
}

function melody(ctx: Ctx, s: Section, r: Prng, sections: Section[]): void {
  const { key, preset, layers } = ctx;
  const style = preset.melody.style === 'none' ? 'sparse' : preset.melody.style;
  if (s.name === 'intro' || s.name === 'build' || s.name === 'outro') {
    if (!(s.name === 'intro' && (ctx.p.genre === 'piano' || ctx.p.genre === 'ambient'))) return;
  }
  const inst = layers.melodyInst;
  const center = preset.melody.center - (ctx.mood.dark ? 3 : 0);
  const a = makeMotif(r, style);
  const b = makeMotif(r, style);
  const motif = s.name === 'variation' || s.name === 'break' ? b : a;
  const lastSection = sections.at(-2) === s || sections.at(-1) === s;
  let idx = key.scaleIndex(key.snap(center, ctx.chordPcs(s.startBar)));
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    if (bar === 0 && ctx.layers.drums && s.name !== 'intro') continue;
    const phraseBar = (bar - s.startBar) % 4;
    const pcs = ctx.chordPcs(bar);
    // Development: statement, varied repeat, sequence up a step, cadence.
    let rhythm = motif.rhythm;
    let contour = motif.contour;
    if (phraseBar === 1) contour = contour.map((c, i) => (i >= contour.length - 2 ? -c : c));
    if (phraseBar === 2) idx += 1;
    if (phraseBar === 3) rhythm = [...rhythm.filter(([st]) => st < 8), [8, 8]];
    if ((bar - s.startBar) % 8 >= 4 && phraseBar !== 3 && r.chance(0.5)) rhythm = rhythm.filter((_, i) => i % 3 !== 2);
    rhythm.forEach(([st, len], i) => {
      idx += contour[i % contour.length]!;
      let m = key.degree(idx, 0) + 12;
      // strong beats land on chord tones; the phrase's last note resolves to the tonic
      const strong = st % 4 === 0;
      const cadence = phraseBar === 3 && st === 8;
      if (cadence) m = key.snap(m, bar === s.startBar + s.bars - 1 && lastSection ? [key.tonic] : [pcs[0]!, pcs[2] ?? pcs[0]!]);
      else if (strong) m = key.snap(m, pcs);
      while (m > center + 9) m -= 12;
      while (m < center - 9) m += 12;
      idx = key.scaleIndex(m);
      const vel = (strong ? 0.85 : 0.7) * (0.9 + 0.1 * r.float());
      emit(ctx, inst, bar * 4 + st / 4, (len / 4) * 0.92, m, vel, 0.1, undefined, r);
    });
  }
}

function finalHit(ctx: Ctx): void {
  const { key, layers, endBeat } = ctx;
  const t = endBeat * ctx.beatS;
  const tonic = key.degree(0, 3);
  const triad = voice(key.chordPcs(0, 3), 62);
  const hit = (inst: InstrumentName, midi: number, vel: number, pan: number, len: number) =>
    ctx.notes.push({ inst, t, len, midi, vel, pan });
  const chordInst = layers.chordInst === 'stab' || layers.chordInst === 'staccato' ? 'pad' : layers.chordInst;
  triad.forEach((m, i) => hit(chordInst, m, 0.75, -0.3 + 0.3 * i, 0.6));
  if (layers.pad) triad.forEach((m, i) => hit(layers.pad!, m, 0.6, -0.5 + 0.5 * i, 0.4));
  if (layers.bass) hit(layers.bassInst === 'acid' || layers.bassInst === 'reese' ? 'sub' : layers.bassInst, tonic - 12, 0.85, 0, 0.5);
  if (layers.melody) hit(layers.melodyInst, key.degree(0, 5), 0.6, 0.1, 0.5);
  if (layers.drums && ctx.preset.drums) {
    hit(ctx.p.genre === 'trap' ? 'kick808' : ctx.p.genre === 'cinematic' ? 'taiko' : 'kick', 31, 0.9, 0, 0.1);
    if (ctx.p.genre !== 'cinematic') hit('crash', 60, 0.7, -0.2, 0.5);
  }
}
