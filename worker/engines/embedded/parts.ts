/**
 * The parts of a section: drums, bass, comping, pad, melody, counter-melody and the final hit.
 * Each is a function of the piece's material, the section and a generator of its own.
 */
import { ONLY_ASKED, type MusicParams } from '../../../core/music.ts';
import type { Section, SectionName } from './form.ts';
import type { InstrumentName } from './patches.ts';
import { FAST_BPM, LANES, type BassStyle, type ChordStyle, type DrumPattern, type Lane, type MelodyStyle, type Style } from './presets.ts';
import type { Prng } from './rng.ts';
import { voice, type Chord, type Key } from './theory.ts';

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
  /** How far the unison pair is detuned, as a share of the patch's detune (1 unless set; see compose.ts SLOW_UNISON_DETUNE). */
  unisonDetune?: number;
  /** Seconds the note swells over, instead of its patch's attack (a riser's crescendo over its build). */
  attackS?: number;
  /** Latest time the note's release may last until (the track end). */
  mustEndBy?: number;
  /** Level in the mix (the style's balance), apart from the velocity a sampled voice plays at. */
  gain?: number;
}

export interface Motif {
  /** [16th step, length in steps] within one bar. */
  rhythm: Array<[number, number]>;
  /** Scale-step moves between successive notes. */
  contour: number[];
}

type Part = 'verse' | 'chorus' | 'bridge';
export type Role = 'bass' | 'chords' | 'pad' | 'melody' | 'counter';

/** What a mood does to the composition: how busy, how loud, how high, how wet. */
export interface Mood {
  density: number;
  vel: number;
  /** Semitones added to chord and melody registers (brightness). */
  register: number;
  space: number;
  /** -1 drops bright hand percussion, 1 adds a shaker. */
  perc: number;
  /** dB of high shelf on the sampled instruments (tone.ts): below 0 duller, above 0 brighter. */
  tone: number;
  /** Exponent on the sections' energy: above 1 quiet sections quieter (a wider loudness range), below 1 flatter. */
  contrast: number;
  pad?: InstrumentName;
}

export interface Material {
  progs: Record<'verse' | 'chorus' | 'bridge', Chord[]>;
  /** The home chord (the style's own tonic chord, a seventh where it plays sevenths): the first bar and the outro sit on it. */
  home: Chord;
  grooves: Record<'verse' | 'chorus' | 'bridge' | 'alt', DrumPattern>;
  motifs: Record<'verse' | 'chorus' | 'bridge', Motif>;
  bass: Record<'verse' | 'chorus', BassStyle>;
  comp: Record<'verse' | 'chorus', ChordStyle>;
  melodyStyle: MelodyStyle;
  fills: readonly DrumPattern[];
  formVariant: number;
  introDrumsOnly: boolean;
  /** Four-chord progressions at two bars a chord instead of one. */
  slowHarmony: Record<Part, boolean>;
  /** Swing of this piece (the style's, give or take a fifth). */
  swing: number;
  /** Where the parts stand on the stage (-1 left .. 1 right), from the seed. */
  stage: Stage;
  layers: {
    drums: boolean;
    bass: boolean;
    chords: boolean;
    pad: InstrumentName | null;
    melody: boolean;
    counter: InstrumentName | null;
    hiss: boolean;
    bassInst: InstrumentName;
    chordInst: InstrumentName;
    melodyInst: InstrumentName;
    kickInst: InstrumentName;
  };
}

/**
 * A band on a stage: the comping part to one side and the counter-melody to the other, the melody
 * near the centre, each chord spread across a width. The seed picks the side and the widths, so
 * two seeds of one prompt are also placed differently.
 */
export interface Stage {
  /** -1: comping on the left, as the instruments' own places (patches.ts) are set; 1: mirrored. */
  side: 1 | -1;
  chords: number;
  /** Half the span a chord's notes (and a pad's voices) are spread over, around their part's place. */
  chordWidth: number;
  padWidth: number;
  melody: number;
  counter: number;
}

export interface Ctx {
  p: MusicParams;
  style: Style;
  key: Key;
  beatS: number;
  endBeat: number;
  notes: Note[];
  material: Material;
  mood: Mood;
  sections: Section[];
  sectionAt: (bar: number) => Section;
}

/** Which material a section draws on. */
const PART: Record<SectionName, Part> = {
  intro: 'verse', verse: 'verse', chorus: 'chorus', drop: 'chorus', solo: 'chorus', build: 'chorus', bridge: 'bridge', break: 'bridge', outro: 'verse',
};
const ENERGY: Record<SectionName, number> = { intro: 0.72, verse: 0.86, chorus: 1, drop: 1.05, solo: 0.95, build: 0.85, bridge: 0.8, break: 0.65, outro: 0.72 };

const energy = (ctx: Ctx, s: Section) => ENERGY[s.name] ** ctx.mood.contrast * ctx.mood.vel * (s.n > 0 && (s.name === 'chorus' || s.name === 'drop') ? 1.04 : 1);

/** The chord of a bar: progressions of 2 chords take 2 bars each; long ones (blues) run on across sections. */
export function chordAt(ctx: Ctx, bar: number): Chord {
  const s = ctx.sectionAt(bar);
  const prog = ctx.material.progs[PART[s.name]];
  if (prog.length >= 8) {
    const first = ctx.sections.find((x) => x.name !== 'intro')?.startBar ?? 0;
    return prog[(((bar - first) % prog.length) + prog.length) % prog.length]!;
  }
  // The piece opens on home and its outro stays there: tonic heard first and last (a verse
  // progression run on into the outro left 14 of 78 renders read in another key, mostly the dominant).
  if (s.name === 'outro' || (s.name === 'intro' && bar === s.startBar)) return ctx.material.home;
  const per = prog.length <= 2 || ctx.material.slowHarmony[PART[s.name]] ? 2 : 1;
  return prog[Math.floor((bar - s.startBar) / per) % prog.length]!;
}

/**
 * Places a note given in beats, applying swing and a played feel. Returns it, or undefined after the
 * final hit. `lead`: the melody or counter-melody, which keeps its phrasing where the band's notes
 * between the beats give way to the pulse (betweenBeats).
 */
export function emit(ctx: Ctx, inst: InstrumentName, beat: number, lenBeats: number, midi: number, vel: number, pan: number, r?: Prng, bend?: number, lead = false): Note | undefined {
  if (beat >= ctx.endBeat - 1e-9 || vel <= 0) return undefined;
  const { style, beatS } = ctx;
  const grid = style.swingGrid === 8 ? 0.5 : 0.25;
  const pos = beat / grid;
  let b = beat;
  const swing = ctx.material.swing;
  if (swing > 0 && Math.abs(pos - Math.round(pos)) < 1e-6 && Math.round(pos) % 2 === 1) b += swing * grid;
  const len = Math.min(lenBeats, ctx.endBeat - beat);
  const jitter = r ? (r.float() - 0.5) * 2 * style.humanize : 0;
  if (!DRUM_VOICES.has(inst) && Math.abs(beat - Math.round(beat)) > 1e-6) vel *= betweenBeats(ctx, beat, lead);
  const note: Note = { inst, t: Math.max(0, b * beatS + jitter), len: Math.max(0.02, len * beatS), midi, vel: Math.min(1.2, vel), pan, bend };
  ctx.notes.push(note);
  return note;
}

const DRUM_VOICES = new Set<InstrumentName>([...LANES, 'kick808']);

/**
 * How loud a pitched note between the beats plays, for the pulse's sake. Below VERY_SLOW_BPM a beat
 * tracker takes loud eighths between the beats for the beat (reggae's organ bubble and one-drop
 * bass: aubio read 72 as 145 in 7 of 16 seeds), and it weighs periods near 120 bpm up, so the
 * slower the tempo, the fainter they must be: at 70 bpm, with them as written, 52 of 72 renders (36
 * styles, two seeds) read 140; with the band's at 0.2 below 80 bpm and 0.3 below 90, and the
 * melody's at 0.5 below 80, 12 did (10 with the melody's at 0.2 too: its shape was worth two). A
 * style that lives on its off-beats (offBeats) may play them softer still. From FASTEST_BPM up the
 * same tracker takes off-beats as loud as the beats for dotted quarters (107 at 160, near its ~120):
 * every part's play 0.6 there. Beatless styles have no pulse to keep and play as written.
 */
function betweenBeats(ctx: Ctx, beat: number, lead: boolean): number {
  const { style } = ctx;
  const bpm = ctx.p.bpm;
  const eighth = Math.abs((beat % 1) - 0.5) < 1e-6;
  const own = eighth && style.offBeats !== undefined && bpm < (style.offBeatsBelow ?? VERY_SLOW_BPM) ? style.offBeats : 1;
  if (!style.grooves || !ctx.material.layers.drums) return own;
  const pulse = bpm >= FASTEST_BPM ? 0.6 : lead ? (bpm < SLOWEST_BPM ? 0.5 : 1) : bpm < SLOWEST_BPM ? 0.2 : bpm < VERY_SLOW_BPM ? 0.3 : 1;
  return Math.min(own, pulse);
}
// --- drums ---------------------------------------------------------------------------------

const SLOW_BPM = 100;
const VERY_SLOW_BPM = 90;
const SLOWEST_BPM = 80;
/**
 * Off-beats a little softer from here up: at 160 bpm 13 of 72 renders read 107 or 80, 6 after;
 * at 140 funk, disco and reggaeton read 93 (5 of 72), 2 after. At the fast styles' own tempos
 * (trap, metal, punk, chiptune, dubstep, trance, garage, drill, k-pop; seeds 1-5) aubio tempo's
 * whole-file mean was right in 37 of 45, 41 after; metal's and punk's keys read as before.
 */
const FASTEST_BPM = 135;
const TIME_KEEPERS = new Set<Lane>(['hat', 'pedalhat', 'ride', 'shaker', 'cowbell']);
/**
 * From here up aubio's tempo prior (its peak near 117 bpm) weighs the dotted quarter above the beat
 * and the half beat within 1.3 : 1 of it (at 160: 107 by 1.06 : 1, 80 by 1 : 1.16), so any groove
 * whose strongest hits repeat every one and a half or two beats is heard at that period. The time
 * keepers' beats play 1.5 times louder and the drums between the beats 0.6 times softer again: the
 * 36 styles with a beat at 160, seeds 1-4, had a stretch at the wrong period (aubio tempo's
 * whole-file mean off by more than 2%, not counting the +2.1% of its own phase slip) in 23 of 144
 * renders, 11 after; aubio's beat intervals were right in 139, 143 after. With hats alone 1.5 times
 * louder, 22 and 141.
 */
const FAST_PULSE_BPM = 150;
const FAST_PULSE_BEAT = 1.5;
const FAST_PULSE_OFF_BEAT = 0.6;
const STEP_VEL: Record<string, number> = { x: 1, o: 0.72, '-': 0.35 };
const DRUM_PITCH: Partial<Record<Lane, number>> = { kick: 31, snare: 55, rim: 72, tom: 45, taiko: 36, ride: 84, conga: 52, bongo: 62, timbale: 60 };
const DRUM_PAN: Partial<Record<Lane, number>> = {
  hat: 0.4, pedalhat: 0.4, openhat: 0.4, shaker: -0.5, ride: -0.4, rim: 0.2, tom: -0.25, crash: -0.35, conga: -0.5, bongo: 0.45,
  cowbell: 0.4, clave: 0.35, tambourine: 0.55, guiro: -0.4, triangle: 0.55, timbale: -0.35, woodblock: 0.4,
};
const QUIET: Partial<Record<Lane, number>> = { shaker: 0.8, tambourine: 0.75, triangle: 0.6, guiro: 0.7, cowbell: 0.7, clave: 0.85, woodblock: 0.8 };

const step = (lane: string | undefined, bar: number, i: number) => (lane ? lane[((bar % (lane.length / 16)) * 16 + i) % lane.length] : undefined);

function grooveFor(ctx: Ctx, s: Section, inBar: number): DrumPattern {
  const g = ctx.material.grooves;
  const main = s.n > 0 && s.name === 'verse' ? g.alt : g[PART[s.name]];
  if (s.name === 'intro' || s.name === 'break') return ctx.style.intro ?? { kick: main.kick, hat: main.hat ?? main.ride ?? main.shaker };
  if (s.name === 'build') return { kick: main.kick, hat: main.hat, ride: main.ride, clave: main.clave };
  // every fourth bar of a phrase turns on the alternative groove
  if (inBar % 4 === 3 && s.name !== 'outro') return { ...main, ...pickLanes(g.alt, ['kick', 'snare', 'clap']) };
  return main;
}

const pickLanes = (p: DrumPattern, lanes: Lane[]): DrumPattern => Object.fromEntries(lanes.filter((l) => p[l]).map((l) => [l, p[l]]));

export function drumPart(ctx: Ctx, s: Section, r: Prng): void {
  const last = ctx.sections.at(-1) === s;
  const fast = ctx.p.bpm >= FAST_BPM;
  const e = energy(ctx, s);
  // Below ~100 bpm a beat tracker hears loud eighths as the beat (aubio read 80 as 150): the
  // hits between the beats are played softer there, so the quarter notes carry the pulse; an
  // off-beat open hat rings longest and is softened twice (techno at 90 read as 125).
  // From FAST_BPM up, busy sixteenths pull it onto dotted quarters or slower (160 read as 132).
  // Below VERY_SLOW_BPM the off-beats are ghosts: at 0.55 aubio still heard lo-fi at 77 and
  // reggae at 72 in double time (155, 145); at 0.2 both read 77.1 and 72.0, blues, gospel, soul too.
  // Below SLOWEST_BPM they are fainter still (house, trance, garage at 70 read 140 at 0.2; at 0.1
  // with the softer crash, aubio tempo's whole-file mean was right in 106 of 140 renders at 70
  // bpm, 35 styles x seeds 1-4; at 0.05, 110, and aubio's beat intervals 140 of 140).
  // From FASTEST_BPM up, off-beats as loud as the beats read as dotted quarters (see emit): 0.75.
  const offBeat = (ctx.p.bpm < SLOWEST_BPM ? 0.05 : ctx.p.bpm < VERY_SLOW_BPM ? 0.2 : ctx.p.bpm < SLOW_BPM ? 0.55 : ctx.p.bpm >= FASTEST_BPM ? 0.75 : 1) * (ctx.style.drumOffBeats ?? 1);
  const sixteenth = ctx.p.bpm >= FAST_BPM ? 0.4 : 1;
  const fill = ctx.material.fills.length ? ctx.material.fills[r.int(ctx.material.fills.length)]! : undefined;
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const b0 = bar * 4;
    const inBar = bar - s.startBar;
    const lateStart = drumsEnterAt(ctx, s);
    if (inBar < lateStart) continue;
    // a full fill ends sections of four bars or more; shorter ones get a pickup on the last beat
    const fillBar = fill && inBar === s.bars - 1 && !last && s.bars >= 2 && s.name !== 'build';
    let pat = grooveFor(ctx, s, inBar);
    // The track opens on the beat: the first bar keeps only hits on quarter notes, so a listener
    // (and a beat tracker) locks onto the pulse before the off-beats and syncopation come in.
    if (bar === 0 || (lateStart && inBar === lateStart) || (s.name === 'intro' && s.startBar === 0 && (ctx.p.bpm >= FAST_BPM || ctx.p.bpm < SLOW_BPM))) {
      pat = onTheBeat(s.name === 'intro' ? ctx.material.grooves.verse : pat);
    }
    let fillFrom = 16;
    if (fillBar) {
      fillFrom = Math.min(...LANES.map((l) => (fill[l] ? [...fill[l]].findIndex((c, i) => c !== '.' && (i >= 4 || l !== 'kick')) : 16)).filter((i) => i >= 0), 16);
      fillFrom = Math.max(s.bars >= 4 ? 4 : 12, Math.floor(fillFrom / 4) * 4);
    }
    for (const lane of LANES) {
      for (let i = 0; i < 16; i++) {
        const inFill = fillBar && i >= fillFrom;
        const c = inFill ? (fill[lane] ? fill[lane][i] : lane === 'hat' || lane === 'ride' ? step(pat[lane], bar, i) : undefined) : step(pat[lane], bar, i);
        let v = c ? STEP_VEL[c] : undefined;
        if (!c || !v) continue;
        // the beats themselves are the accents: with accented off-beats beat trackers waver at
        // every tempo (funk at 120 read as 111, pop at 160 as 132)
        v = i % 4 ? Math.min(v, STEP_VEL.o!) : TIME_KEEPERS.has(lane) ? 1 : v;
        const beat = b0 + i / 4;
        const vel = v * e * (QUIET[lane] ?? 1) * (0.9 + 0.1 * r.float()) * (inFill && fast && i % 2 === 1 ? 0 : 1) * (i % 4 ? offBeat * (lane === 'openhat' ? offBeat : 1) : 1) * (i % 2 ? sixteenth : 1);
        if (lane === 'hat' && ctx.style.hatRolls && i % 4 === 2 && r.chance(0.18)) {
          // trap hat roll: a quick burst of 32nds or 16th triplets, as loud as an off-beat hat
          const n = r.chance(0.5) ? 4 : 3;
          const rollVel = Math.max(vel, STEP_VEL.o! * e);
          for (let k = 0; k < n; k++) emit(ctx, 'hat', beat + (k * 0.5) / n, 0.05, 60, rollVel * (0.6 + 0.1 * k), 0.25, r);
          i += 1;
          continue;
        }
        drum(ctx, lane, beat, vel * fastPulse(ctx, lane, i, c), r);
      }
    }
    if (s.name === 'build') buildRoll(ctx, s, bar, r);
    if (inBar === 0 && s.startBar > 0 && ['verse', 'chorus', 'drop', 'solo'].includes(s.name) && ctx.style.kit !== 'jazz' && ctx.style.kit !== 'brush') {
      drum(ctx, ctx.style.kit === 'orchestral' ? 'taiko' : 'crash', b0, 0.9 * e, r);
    }
  }
}

/**
 * How much louder or softer a hit plays from FAST_PULSE_BPM up, for the beat's sake. Ghost strokes
 * keep their level: they are not what a tracker hears as a pulse, and softer still they left a
 * staccato funk groove at 160 bpm 50 ms below -50 dBFS before a downbeat. A style with a half-time backbeat plays its snare and clap at its
 * fastBackbeat level there: with hats and off-beats alone, drill and dubstep at 160 still read 80
 * in 3 of 8 renders (their snare every two beats was the loudest onset, the 808 kick mostly sub);
 * with the snare at 0.5 too, 24 of 24 at 150, 155 and 160, seeds 1-4 (at 0.35 without the louder
 * hats, also 24; a kick added on beat 3 changed nothing).
 */
function fastPulse(ctx: Ctx, lane: Lane, step16: number, stroke: string): number {
  if (ctx.p.bpm < FAST_PULSE_BPM) return 1;
  const offBeat = step16 % 4 !== 0 && stroke !== '-' ? FAST_PULSE_OFF_BEAT : 1;
  if (lane === 'snare' || lane === 'clap') return (ctx.style.fastBackbeat ?? 1) * offBeat;
  return TIME_KEEPERS.has(lane) && step16 % 4 === 0 ? FAST_PULSE_BEAT : offBeat;
}

/** The bar of the section (from its start) where the drums come in: a long intro opens without them, unless the seed has the drums lead it. */
function drumsEnterAt(ctx: Ctx, s: Section): number {
  return s.name === 'intro' && !ctx.material.introDrumsOnly && s.bars >= 4 ? s.bars / 2 : 0;
}

function onTheBeat(p: DrumPattern): DrumPattern {
  const out: DrumPattern = {};
  for (const lane of LANES) {
    const steps = p[lane];
    if (steps && lane !== 'openhat') out[lane] = [...steps.slice(0, 16)].map((c, i) => (i % 4 === 0 ? c : '.')).join('');
  }
  if (!out.ride && !out.kick) out.kick = 'x...............';
  if (!out.ride && !out.tom && !out.taiko) out.hat = 'x...o...x...o...';
  return out;
}

/**
 * A crash's level below SLOWEST_BPM. Its wash is seconds of noise, and aubio's onset function
 * subtracts a local mean: a long wash sinks the function between the hits, which weighs every
 * period alike, and its tempo prior then takes the double time (its peak is near 117 bpm). At 70
 * bpm, 35 styles x seeds 1-4, aubio tempo's whole-file mean was right in 100 of 140 renders with the
 * crash as it was, 106 at 0.5, 108 at 0.25, 109 with none; choked after half a beat, 103.
 */
const SLOW_CRASH = 0.5;

function drum(ctx: Ctx, lane: Lane, beat: number, vel: number, r: Prng): void {
  const inst: InstrumentName = lane === 'kick' ? ctx.material.layers.kickInst : lane;
  const len = lane === 'openhat' ? 0.5 : lane === 'crash' ? 2 : 0.1;
  const level = lane === 'crash' && ctx.p.bpm < SLOWEST_BPM ? SLOW_CRASH : 1;
  emit(ctx, inst, beat, len, DRUM_PITCH[lane] ?? 60, vel * level, DRUM_PAN[lane] ?? 0, r);
}

function buildRoll(ctx: Ctx, s: Section, bar: number, r: Prng): void {
  const inBar = bar - s.startBar;
  // (below VERY_SLOW_BPM a roll in eighths is heard as the beat itself: it stays on the quarters,
  // the riser carrying the build. At 70 bpm the eighths of its second half were a third of what
  // aubio weighs at a time, and read 140 in the electronic styles' builds. aubio tempo's whole-file
  // mean, 35 styles x seeds 1-4: at 70 bpm 110 -> 112 of 140, at 80 123 -> 131, at 85 138 -> 139)
  const per = ctx.p.bpm < VERY_SLOW_BPM ? 1 : inBar < s.bars / 2 ? 2 : 4;
  const lane: Lane = ctx.style.kit === 'orchestral' ? 'taiko' : 'snare';
  for (let i = 0; i < 4 * per; i++) {
    const vel = 0.35 + 0.6 * ((inBar * 4 * per + i) / (s.bars * 4 * per));
    drum(ctx, lane, bar * 4 + i / per, vel * ctx.mood.vel, r);
  }
  if (inBar === 0) {
    const riser = emit(ctx, 'riser', bar * 4, s.bars * 4, 60, ctx.p.bpm < SLOWEST_BPM ? 0.9 * SLOW_RISER : 0.9, 0);
    // it rises over the whole build into the drop (with its patch's 1 s attack it was a flat wash)
    if (riser) riser.attackS = riser.len;
  }
}

/**
 * The riser's level below SLOWEST_BPM, where a build of two bars is 7 s of noise. Like a crash's
 * wash, it sank aubio's onset function between the hits and read as double time: the electronic
 * styles with a build (house, techno, trance, garage, dubstep, drum and bass) at 70 bpm, seeds 1-4,
 * had aubio tempo's whole-file mean right in 12 of 24 renders with a flat riser, 17 with it
 * swelling over the build, 21 swelling at half level (17 at half level flat, 21 at a quarter flat).
 */
const SLOW_RISER = 0.5;

// --- bass ----------------------------------------------------------------------------------

const bassNote = (pc: number, oct: number) => {
  const m = pc + 12 * (oct + 1);
  // keep the bass in a singing range: the samples' lowest notes sound mostly their overtones, and
  // a walking bass in Bb with C2 and D2 read as F major (the octave and fifth partials)
  return m < 12 * (oct + 1) + 4 ? m + 12 : m;
};

export function bassPart(ctx: Ctx, s: Section, r: Prng): void {
  const { key, material: m, style } = ctx;
  const oct = style.bass.octave;
  const inst = m.layers.bassInst;
  const beatless = !style.grooves || !m.layers.drums;
  if (s.name === 'intro' && !beatless && s.bars > 1) return;
  if (s.name === 'build') return;
  const bs: BassStyle = s.name === 'chorus' || s.name === 'drop' || s.name === 'solo' ? m.bass.chorus : m.bass.verse;
  const e = energy(ctx, s);
  const pan = style.pan?.bass ?? 0;
  const play = (beat: number, len: number, midi: number, vel: number, bend?: number) => emit(ctx, inst, beat, len, midi, vel * e, pan, r, bend);
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const b0 = bar * 4;
    const c = chordAt(ctx, bar);
    const root = bassNote(c.root, oct);
    const next = bassNote(chordAt(ctx, bar + 1).root, oct);
    // On the home chord the fifth gives way to the octave: the root's own third partial already
    // sounds the fifth, and a bass alternating root and fifth there read as the dominant's key.
    const fifth = c.root === key.tonic ? root + 12 : root + 7;
    const third = root + ((c.pcs[1]! - c.root + 12) % 12);
    const riffThird = style.bass.minorThird === true && key.mode === 'minor' && c.root === key.tonic;
    if (bar === 0 && bs !== 'pedal') {
      // first bar: one long root, so the opening pulse comes from the drums alone
      play(b0, 3.8, root, 0.9);
      continue;
    }
    switch (bs) {
      case 'root8':
        for (let i = 0; i < 8; i++) play(b0 + i / 2, 0.42, riffThird && (i === 3 || i === 7) ? root + 3 : i === 6 && r.chance(0.4) ? fifth : i === 7 && r.chance(0.3) ? root + 12 : root, i % 2 ? 0.75 : 0.95);
        break;
      case 'octave':
        for (let i = 0; i < 8; i++) play(b0 + i / 2, 0.35, riffThird && (i === 3 || i === 7) ? root + 15 : i % 2 ? root + 12 : root, i % 2 ? 0.8 : 0.95);
        break;
      case 'lofi':
        play(b0, 1.4, root, 0.95);
        if (r.chance(0.7)) play(b0 + 1.5, 0.45, r.chance(0.5) ? fifth : root + 12, 0.7);
        play(b0 + 2.5, 1.2, r.chance(0.6) ? root : fifth, 0.85);
        break;
      case '808':
      case 'dembow': {
        // the 808 doubles the kick of the bar, so low end and drums hit together
        const kick = grooveFor(ctx, s, bar - s.startBar).kick ?? 'x.......x.......';
        const hits = [...kick.slice(0, 16)].flatMap((ch, i) => (ch === '.' || ch === '-' ? [] : [i]));
        hits.forEach((st, i) => {
          const end = hits[i + 1] ?? 16;
          const slide = bs === '808' && i > 0 && r.chance(0.25) ? (r.chance(0.5) ? 12 : -5) : undefined;
          const note = i === hits.length - 1 && r.chance(0.35) ? (r.chance(0.5) ? fifth : third) : root;
          play(b0 + st / 4, ((end - st) / 4) * 0.9, note, 1, slide);
        });
        break;
      }
      case 'offbeat':
      case 'offbeat16':
        for (let i = 0; i < 4; i++) play(b0 + i + 0.5, 0.35, i === 3 && r.chance(0.4) ? root + 12 : root, 0.95);
        // (a ghost sixteenth after each kick: between a dry kick and the off-beat nothing sounded,
        // 50 ms below -50 dBFS in 5 of 24 techno renders of 30 s)
        if (bs === 'offbeat16') for (let i = 0; i < 4; i++) play(b0 + i + 0.25, 0.2, root, 0.3);
        break;
      case 'rolling':
        for (let i = 0; i < 16; i++) {
          if (i % 4 === 0) continue;
          const acid = s.name === 'drop' || s.name === 'chorus';
          play(b0 + i / 4, 0.18, acid && r.chance(0.25) ? root + r.pick([12, 7, 3, 10]) : root, i % 4 === 2 ? 0.9 : 0.7);
        }
        break;
      case 'walking': {
        const tones = [root, key.snap(root + (r.chance(0.5) ? 4 : 7), c.pcs), key.snap(root + (r.chance(0.5) ? 7 : 12), c.pcs)];
        // a diatonic step into the next root: chromatic approaches blurred the key
        const approach = key.snap(next + (r.chance(0.5) ? 2 : -1));
        [...tones, approach].forEach((n, i) => play(b0 + i, 0.9, n, i === 0 ? 0.95 : 0.8));
        // a busier mood skips into a beat now and then (the swung eighth before it)
        if (ctx.mood.density > 1) for (const i of [1, 3]) if (r.chance(2 * (ctx.mood.density - 1))) play(b0 + i - 0.5, 0.4, key.snap(root + (i === 1 ? 2 : 5)), 0.6);
        break;
      }
      case 'reese':
        play(b0, 2.4, root, 0.9);
        play(b0 + 2.5, 1.4, r.chance(0.3) ? root + 3 : root, 0.85);
        emit(ctx, 'sub', b0, 3.9, root, 0.6 * e, 0);
        break;
      case 'pedal':
        if ((bar - s.startBar) % 2 === 0) play(b0, Math.min(8, (s.startBar + s.bars - bar) * 4) - 0.1, root, 0.85);
        break;
      case 'tumbao':
        // the anticipated bass of son: the "and" of 2, then beat 4 already on the next chord
        play(b0 + 1.5, 1.4, fifth > root + 6 ? fifth - 12 : fifth, 0.9);
        play(b0 + 3, 1.9, next, 0.95);
        break;
      case 'onedrop': {
        const cells: Array<Array<[number, number, number]>> = [
          [[0.5, 0.4, 0], [1, 0.9, 0], [2, 0.4, 7], [2.5, 0.4, 12], [3, 0.9, 3]],
          [[0, 1.4, 0], [1.5, 0.4, 0], [2.5, 0.4, 7], [3, 0.4, 10], [3.5, 0.4, 7]],
          [[1, 0.5, 0], [1.5, 0.9, 7], [3, 0.5, 5], [3.5, 0.4, 3]],
        ];
        // Legato: each note holds into the next, the last one over the barline (a cell starting on
        // the "and" of 1 or on 2 left the drums alone after the downbeat: 50 ms below -50 dBFS in 6
        // of 12 reggae renders of 30 s).
        const cell = cells[(bar + r.int(2)) % 3]!;
        cell.forEach(([beat, len, iv], i) => play(b0 + beat, Math.max(len, (cell[i + 1]?.[0] ?? 4.5) - beat - 0.05), key.snap(root + iv, iv === 0 ? [c.root] : undefined), beat % 1 ? 0.8 : 0.95));
        break;
      }
      case 'wobble': {
        // half-time wobble: one long note re-cut in 8ths or triplets, louder on the beat. Louder on
        // every other cut put the bright reese's accents on the off-beats, or every two thirds of a
        // beat, and aubio heard dubstep at 140 as 94 in a break of kick, hats and wobble alone
        const cut = r.chance(0.5) ? 0.5 : 1 / 3;
        const note = (bar - s.startBar) % 4 === 3 && r.chance(0.5) ? root + 12 : root;
        const perBeat = Math.round(1 / cut);
        for (let i = 0; i * cut < 4 - 1e-6; i++) play(b0 + i * cut, cut * 0.85, note, i % perBeat === 0 ? 0.95 : 0.65);
        break;
      }
      case 'twoFeel':
        play(b0, 1.8, root, 0.95);
        play(b0 + 2, 1.2, (bar - s.startBar) % 2 ? fifth - 12 : fifth, 0.75);
        if (r.chance(0.35 * ctx.mood.density ** 4)) play(b0 + 3.5, 0.45, key.snap(next - 2), 0.7);
        if (ctx.mood.density > 1 && r.chance(2 * (ctx.mood.density - 1))) play(b0 + 1.5, 0.45, key.snap(root + 4, c.pcs), 0.6);
        break;
      case 'slap': {
        const cells: Array<Array<[number, number]>> = [
          [[0, 0], [3, 0], [6, 12], [7, 10], [10, 0], [12, 12], [14, 7]],
          [[0, 0], [2, 0], [4, 12], [7, 0], [10, 12], [11, 10], [13, 7]],
          [[0, 0], [3, 12], [5, 0], [8, 0], [10, 12], [12, 7], [15, 12]],
        ];
        const cell = cells[r.int(3)]!;
        for (const [st, iv] of cell) play(b0 + st / 4, iv === 12 ? 0.15 : 0.3, key.snap(root + iv, [c.pcs[0]!, c.pcs[1]!, c.pcs[2]!, ...(c.pcs[3] !== undefined ? [c.pcs[3]] : [])]), iv === 12 ? 0.85 : st === 0 ? 1 : 0.7);
        break;
      }
      case 'bossa':
        // root on one, fifth below on three: the root rings longer and louder, so it is home
        play(b0, 1.9, root, 0.95);
        play(b0 + 1.5, 0.4, fifth - 12, 0.6);
        play(b0 + 2, 1.1, fifth - 12, 0.72);
        play(b0 + 3.5, 0.45, root, 0.8);
        break;
      case 'arp': {
        const tones = [root, fifth, root + 12, third + 12];
        for (let i = 0; i < 8; i++) play(b0 + i / 2, 0.4, tones[i % 4]!, i % 2 ? 0.75 : 0.9);
        break;
      }
      case 'boogie': {
        const t3 = third - root;
        const line = (bar - s.startBar) % 2 === 0 ? [0, t3, 7, 9] : [10, 9, 7, t3];
        // (held to the next beat: at 0.85 of a beat it let go before each one, and over short comping
        // blues@1 in F# major at 78 bpm fell below -50 dBFS for 50 ms at 25.3 s)
        line.forEach((iv, i) => play(b0 + i, 0.97, root + iv, i ? 0.8 : 0.95));
        break;
      }
      case 'none':
        break;
    }
  }
}

// --- comping -------------------------------------------------------------------------------

/** Chord instruments whose sound dies away within a bar or two (struck, plucked), and those gone within a beat. */
const STRUCK = new Set<InstrumentName>([
  'piano', 'brightPiano', 'epiano', 'clav', 'harpsichord', 'nylonGuitar', 'steelGuitar', 'cleanGuitar', 'guitar', 'sitar', 'harp',
  'bell', 'vibes', 'celesta', 'glockenspiel', 'musicBox',
]);
const STRUCK_SHORT = new Set<InstrumentName>(['pluck', 'stab', 'staccato', 'pizzicato', 'mutedGuitar', 'banjo', 'marimba', 'xylophone', 'kalimba', 'steelDrums']);

// (no cell repeats the dotted-eighth 3-3 of a tresillo kick: stabs on steps 3 and 6 over k-pop's
// x..x..x kick and its 808 made aubio hear 126 bpm as 84, two thirds)
const STABS: number[][] = [[0, 6, 10], [3, 8, 12], [0, 3, 10, 14], [2, 6, 11], [0, 7, 10]];
const FUNK: string[] = ['x.-x.-x.-.x-.x.-', '-.x.-xx.-.x.-x.x', 'x..x..x.-..x.x..'];

const STRUM: ReadonlyArray<readonly [number, boolean]> = [[0, true], [1, true], [1.5, false], [2.5, false], [3, true], [3.5, false]];
const STRUM_BUSY: ReadonlyArray<readonly [number, boolean]> = [[0, true], [0.5, false], [1, true], [1.5, false], [2.5, false], [3, true], [3.5, false]];
const STRUM_THIN: ReadonlyArray<readonly [number, boolean]> = [[0, true], [1.5, false], [2.5, false], [3, true], [3.5, false]];

export function chordPart(ctx: Ctx, s: Section, r: Prng): void {
  const { style, material: m } = ctx;
  const cs: ChordStyle = s.name === 'chorus' || s.name === 'drop' || s.name === 'solo' ? m.comp.chorus : m.comp.verse;
  // an intro led by the drums still has the chord held softly under it: hits alone left 50 ms
  // and longer of digital silence between them (41 of 95 renders of the examples grid)
  const drumsLead = s.name === 'intro' && m.introDrumsOnly && m.layers.drums && style.grooves && s.bars >= 2;
  // (on a pad: a plucked or stabbed chord instrument dies away between the hits)
  const inst = drumsLead ? (m.layers.pad ?? 'pad') : m.layers.chordInst;
  let prev: number[] | undefined;
  const center = style.chords.center + Math.round(ctx.mood.register / 2);
  const e = energy(ctx, s);
  // comping to one side, melody near the centre, pads across: a band on a stage, not a mono mix
  const { chords: pan0, chordWidth } = m.stage;
  const pans = (i: number, n: number) => pan0 + (n > 1 ? chordWidth * ((2 * i) / (n - 1) - 1) : 0);
  const thinDensity = ctx.mood.density < 0.8;
  const stab = STABS[r.int(STABS.length)]!;
  const funk = FUNK[r.int(FUNK.length)]!;
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const b0 = bar * 4;
    const c = chordAt(ctx, bar);
    let v = voice(c.pcs, center, prev);
    prev = v;
    v = withTonic(ctx, c, v);
    const thin = s.name === 'intro' || s.name === 'outro' || s.name === 'break' || bar === 0;
    const sustained = cs === 'sustain';
    const play = (beat: number, len: number, vel: number, notes = v, spread = 0) =>
      notes.forEach((n, i) => {
        // A strum is one stroke: its strings take the swing and the pulse's level (emit) of the beat
        // it is on, then follow each other. Placed one by one, every string after the first was
        // "between the beats": a down-strum at 70 bpm rang out one loud string and four at a fifth
        // of it, and the swung up-strums of folk and country had their first string late and the rest early.
        const note = emit(ctx, inst, beat, len, n, vel * e * (0.92 + 0.08 * r.float()), pans(i, notes.length), r);
        if (note) note.t += spread * i * ctx.beatS;
        if (note && sustained && i < notes.length - 1) note.unison = false;
      });
    const low = bassNote(c.root, 2) + 12;
    switch ((thin && !['arp', 'pianoLH', 'waltz', 'arp16'].includes(cs)) || drumsLead ? 'sustainThin' : cs) {
      case 'sustainThin': {
        // A struck or plucked chord dies away: held for two bars it left 50 ms and more below -50
        // dBFS between the intro's drum hits (8 of 78 renders, reggaeton's pluck down to digital
        // silence). It is struck again every half bar (every beat below 100 bpm), or every eighth
        // where it dies within a beat, the beats louder.
        // Every two beats only while that is at most a second: at 100 bpm a nylon guitar struck every
        // 1.2 s fell 25 dB and left 100 ms below -50 dBFS before each strum (samba's 4-bar intro).
        const every = STRUCK_SHORT.has(inst) ? 0.5 : STRUCK.has(inst) ? (2 * ctx.beatS > 1 ? 1 : 2) : 0;
        if (every) {
          for (let st = 0; st < 4; st += every) play(b0 + st, every * 0.95, (drumsLead ? 0.4 : 0.6) * (st === 0 ? 1 : st % 1 ? 0.65 : 0.8));
          break;
        }
        // held until the chord changes (a chord held two bars left the second one empty); a pad
        // opening the track below SLOWEST_BPM is soft for its first bar (see padFullFrom)
        const softFirstBar = drumsLead && padFullFrom(ctx, s) > 0;
        if (softFirstBar && bar < 2) play(b0, 3.95, 0.4 * (bar === 0 ? OPENING_PAD : 1));
        else if ((bar - s.startBar) % 2 === 0 || chordAt(ctx, bar - 1) !== c) play(b0, chordAt(ctx, bar + 1) === c && bar + 1 < s.startBar + s.bars ? 7.9 : 3.95, drumsLead ? 0.4 : 0.6);
        break;
      }
      case 'pop':
        for (const [st, len] of [[0, 1.4], [1.5, 1], [2.5, 0.4], [3, 0.9]] as const) if (!thinDensity || st % 2 === 0) play(b0 + st, len, st === 0 ? 0.85 : 0.65);
        break;
      case 'block':
        play(b0, 1.9, 0.8);
        play(b0 + 2, r.chance(0.5) ? 1.9 : 1.4, 0.7);
        if (!thinDensity && r.chance(0.4)) play(b0 + 3.5, 0.45, 0.55);
        break;
      case 'lofi': {
        play(b0, 1.6, 0.8);
        play(b0 + 1.75, 0.5, 0.55);
        if (r.chance(0.6 * ctx.mood.density)) play(b0 + 3, 0.9, 0.6);
        break;
      }
      case 'sustain':
        if ((bar - s.startBar) % 2 === 0 || chordAt(ctx, bar - 1) !== c) play(b0, chordAt(ctx, bar + 1) === c ? 7.9 : 3.95, 0.8);
        break;
      case 'offbeat':
        for (const st of [0.5, 1.5, 2.5, 3.5]) play(b0 + st, 0.3, st === 0.5 ? 0.85 : 0.7);
        break;
      case 'skank':
        for (const st of inst === 'organ' ? [0.5, 1.5, 2.5, 3.5] : [1, 3]) play(b0 + st, 0.18, 0.85);
        if (inst !== 'organ' && r.chance(0.3)) play(b0 + 3.5, 0.15, 0.5);
        break;
      case 'dub':
        for (const st of [0.75, 2.5, 3.25]) play(b0 + st, 0.2, 0.75);
        break;
      case 'stabs':
        for (const st of stab) play(b0 + st / 4, 0.22, st === stab[0] ? 0.9 : 0.75);
        break;
      case 'funk':
        [...funk].forEach((ch, i) => ch !== '.' && play(b0 + i / 4, 0.1, ch === 'x' ? 0.8 : 0.4, v.slice(-3)));
        break;
      case 'power': {
        const root = c.root + 48 > 57 ? c.root + 36 : c.root + 48;
        const power = [root, root + 7, root + 12];
        // A bright guitar's fifth harmonic is the root's major third: in a minor key the tonic
        // chord carries its minor third, or a listener hears the parallel major.
        if (ctx.key.mode === 'minor' && c.root === ctx.key.tonic) power.push(root + 15);
        const chug = s.name === 'verse' && r.chance(0.5) ? 4 : 2;
        for (let i = 0; i < 4 * chug; i++) play(b0 + i / chug, 0.9 / chug, i % chug ? 0.7 : 0.9, power);
        break;
      }
      case 'strum': {
        // down on the beats, up on the off-beats (D . D U . U D U), low strings first on the way down
        // (a busier mood fills in the up-strum after one; a sparser one leaves out the down-strum on
        // two and the low string, to the bass)
        const thinStrum = ctx.mood.density < 0.8;
        const shape = thinStrum ? [...v, v[0]! + 12] : [low, ...v, v[0]! + 12];
        const strums = ctx.mood.density > 1.05 ? STRUM_BUSY : thinStrum ? STRUM_THIN : STRUM;
        for (const [st, down] of strums) {
          const notes = down ? shape : [...shape].reverse().slice(0, 4);
          play(b0 + st, 0.45, down ? 0.75 : 0.5, notes, 0.012 / ctx.beatS);
        }
        break;
      }
      case 'charleston': {
        v = rootless(ctx, c, prev);
        play(b0, 0.7, 0.75, v);
        play(b0 + 1.5, 0.4, 0.65, v);
        if (r.chance(Math.min(1, 0.5 * ctx.mood.density ** 4))) play(b0 + 3.5, 0.4, 0.55, v);
        if (ctx.mood.density > 1 && r.chance(2 * (ctx.mood.density - 1))) play(b0 + 2.5, 0.3, 0.5, v);
        break;
      }
      case 'montuno': {
        // octaves on top, the chord's inner notes between, syncopated eighths across the bar
        const top = v.at(-1)!;
        const cell = [[top - 12, top], v.slice(0, 2), [top - 12, top], v.slice(1), [top - 12, top], v.slice(0, 2)];
        [0, 1, 1.5, 2.5, 3, 3.5].forEach((st, i) => play(b0 + st, 0.3, i % 2 ? 0.6 : 0.8, cell[i]!));
        break;
      }
      case 'bossa':
        emit(ctx, inst, b0, 1.4, low, 0.75 * e, pan0, r);
        emit(ctx, inst, b0 + 2, 1.4, low + 7 > low + 6 ? low + 7 - 12 : low + 7, 0.7 * e, pan0, r);
        for (const st of (bar % 2 ? [0.5, 1.5, 2.5] : [0, 0.75, 1.5, 2.5, 3.25])) play(b0 + st, 0.4, 0.65);
        break;
      case 'arp':
      case 'pianoLH': {
        const root = bassNote(c.root, 2);
        const lo = root < 40 ? root + 12 : root;
        const shape = [lo, lo + 7, v[0]! + 12 > lo + 12 ? v[0]! : v[0]! + 12, v[1]! + 12, v[2]! + 12, v[1]! + 12, v[0]! + 12, lo + 7];
        shape.forEach((n, i) => emit(ctx, inst, b0 + i / 2, i === 0 ? 3.5 : 1.2, n, (i === 0 ? 0.75 : 0.5 + 0.1 * r.float()) * e, pan0 - 0.2, r));
        break;
      }
      case 'waltz': {
        // a bass note on the beat and the chord rising above it: the pulse in every beat
        const root = bassNote(c.root, 2) + 12;
        emit(ctx, inst, b0, 1.9, root, 0.7 * e, pan0 - 0.15, r);
        [1, 2, 3].forEach((b, i) => emit(ctx, inst, b0 + b, 0.9, v[i % v.length]! + (i === 2 ? 12 : 0), 0.5 * e, pan0 + 0.1 * i, r));
        break;
      }
      case 'arp16': {
        const tones = [...v, v[0]! + 12, v[1]! + 12];
        const order = [0, 1, 2, 3, 4, 3, 2, 1];
        for (let i = 0; i < 16; i++) emit(ctx, inst, b0 + i / 4, 0.2, tones[order[i % 8]! % tones.length]!, (i % 4 === 0 ? 0.75 : 0.55) * e, pan0 + (i % 2 ? 0.25 : -0.25), r);
        break;
      }
      case 'ostinato': {
        const root = c.root + 48 > 57 ? c.root + 36 : c.root + 48;
        const cell = [root, root + 12, v[1]!, root + 12];
        for (let i = 0; i < 8; i++) emit(ctx, inst, b0 + i / 2, 0.3, cell[i % 4]!, (i % 2 ? 0.6 : 0.85) * e, i % 2 ? 0.3 : -0.3, r);
        break;
      }
    }
  }
}

/**
 * The tonic chord as players voice the home chord: root doubled an octave up (or down when the top
 * is taken), the fifth left out (the most expendable chord tone; the root's overtones carry it),
 * and a seventh, major or minor, played as the ninth (Iadd9 for Imaj7 and I7, im(add9) for im7).
 * Sampled guitars, pianos and basses sound a note's fifth as loud as the note in their third
 * partial: a close Eb-G-Bb(-D) is heard by a chroma key estimator as Bb major or G minor (39
 * styles in Eb: 18 read on the dominant), and a listener's sense of home rests on the root. With
 * the major seventh the upper notes are the mediant's minor triad (G-Bb-D over Eb, read as G
 * minor); as a sixth (C-E-A, the I6 tried before) they are the relative minor's triad, and disco,
 * lo-fi and indie in C major read as A minor (12 of 16 renders; the grid's key of Eb hid it). A
 * minor seventh over a minor root is the relative major's fifth (C-Eb-Bb: Eb major's I and V),
 * and over a major root (funk's I7) the subdominant's key (C major funk read as F). The ninth
 * belongs to no such triad: with it 9 of those 12 and 7 of 8 funk renders in four major keys read
 * home, and lo-fi and boom bap in C minor too (the 6/9 of jazz players keeps the sixth's problem).
 */
function withTonic(ctx: Ctx, c: Chord, v: number[]): number[] {
  if (c.root !== ctx.key.tonic) return v;
  const pc = (n: number) => ((n % 12) + 12) % 12;
  const fifth = (c.root + 7) % 12;
  const ninth = (c.root + 2) % 12;
  const sevenths = [(c.root + 10) % 12, (c.root + 11) % 12];
  const low = v.find((n) => pc(n) === c.root);
  const hasNinth = v.some((n) => pc(n) === ninth);
  const out = (v.length >= 3 ? v.filter((n) => pc(n) !== fifth) : [...v])
    .filter((n) => !(hasNinth && sevenths.includes(pc(n))))
    .map((n) => (sevenths.includes(pc(n)) ? n + pc(ninth - n) : n));
  if (low === undefined) return out;
  const add = out.includes(low + 12) ? low - 12 : low + 12;
  return out.includes(add) ? out : [...out, add].sort((a, b) => a - b);
}

/**
 * Jazz rootless voicing: third, fifth, seventh and ninth, near the previous one. The tonic chord
 * keeps its root instead: rootless I in Bb is D F A C, which a listener hears as F major.
 */
function rootless(ctx: Ctx, c: Chord, prev?: number[]): number[] {
  if (c.root === ctx.key.tonic || c.pcs.length < 4) return voice(c.pcs, ctx.style.chords.center, prev);
  const ninth = ctx.key.snap(c.root + 62, undefined) % 12;
  return voice([c.pcs[1]!, c.pcs[2]!, c.pcs[3]!, ninth], ctx.style.chords.center, prev);
}

export function padPart(ctx: Ctx, s: Section, inst: InstrumentName): void {
  // pads come in with the chorus in busy styles, and stay out of the first verse
  if (s.name === 'verse' && s.n === 0 && ctx.style.grooves && ctx.mood.density >= 1) return;
  let prev: number[] | undefined;
  const e = Math.min(1, energy(ctx, s));
  const pan = ctx.style.pan?.pad ?? 0;
  const width = ctx.material.stage.padWidth;
  const from = padFullFrom(ctx, s);
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar += 2) {
    const c = chordAt(ctx, bar);
    const v = withTonic(ctx, c, voice(c.pcs.slice(0, 3), 60 + ctx.mood.register + (inst === 'strings' ? -3 : 2), prev));
    prev = v;
    const len = Math.min(8, (s.startBar + s.bars - bar) * 4) - 0.05;
    const c2 = chordAt(ctx, bar + 1);
    const moves = c2 !== c;
    const l1 = moves ? Math.min(len, 3.95) : len;
    // Only the top voice gets the detuned unison pair: it carries the width.
    const padNote = (beat: number, l: number, m: number, i: number, n: number, vel = 0.7) => {
      const note = emit(ctx, inst, beat, l, m, vel * e, pan + (n > 1 ? width * ((2 * i) / (n - 1) - 1) : 0));
      if (note && i < n - 1) note.unison = false;
    };
    if (bar * 4 >= from) v.forEach((m, i) => padNote(bar * 4, l1, m, i, v.length));
    else {
      v.forEach((m, i) => padNote(bar * 4, Math.min(l1, from - bar * 4), m, i, v.length, 0.7 * OPENING_PAD));
      if (!moves && len > 4) v.forEach((m, i) => padNote(from, len - 4, m, i, v.length));
    }
    if (moves && len > 4) {
      const v2 = withTonic(ctx, c2, voice(c2.pcs.slice(0, 3), 62 + ctx.mood.register, v));
      v2.forEach((m, i) => padNote(bar * 4 + 4, len - 4, m, i, v2.length));
      prev = v2;
    }
  }
}

const OPENING_PAD = 0.35;

/**
 * The beat from which the pad plays full. Below SLOWEST_BPM, when the drums play from the first
 * bar, the pad is soft (OPENING_PAD) until the second: a pad swelling under the opening beats is a
 * slow rise of spectral flux, which lifts the floor of a beat tracker's onset function until its
 * prior decides. aubio weighs periods near 120 bpm up, and it heard the first 2.7 s at 70 bpm as
 * 140 (its first step at 48 kHz). The 36 styles with a beat at 70 bpm, seeds 1-2, on the .ogg:
 * `aubio tempo -i` within 2% 36 -> 46 of 72 (with a 2048 window 48 -> 51), aubio's beat intervals
 * 68 -> 71. Left out of the first bar altogether: 47, but the intros of kpop, synthwave and techno
 * then fell below -50 dBFS between the hits.
 */
function padFullFrom(ctx: Ctx, s: Section): number {
  const opensOnTheBeat = s.startBar === 0 && ctx.material.layers.drums && ctx.style.grooves !== null && drumsEnterAt(ctx, s) === 0;
  return ctx.p.bpm < SLOWEST_BPM && opensOnTheBeat ? 4 : 0;
}

// --- melody --------------------------------------------------------------------------------

export function melodyPart(ctx: Ctx, s: Section, r: Prng): void {
  const { key, style, material: m } = ctx;
  const calm = !style.grooves;
  if (s.name === 'build' || s.name === 'outro' || (s.name === 'intro' && !calm)) return;
  if (s.name === 'break' && r.chance(0.5)) return;
  const inst = m.layers.melodyInst;
  // The melody moves around the tonic nearest the style's register (around D5 in every key, a
  // melody in Eb hovered on Bb-D and was heard in Bb). The mood's brightness shifts it after the
  // snap: snapped together, happy (+2) and sad (-3) landed on the same tonic and sounded alike.
  const reg = style.melody.center + (s.name === 'chorus' && s.n >= 2 ? 2 : 0);
  const center = reg + ((((key.tonic - reg) % 12) + 18) % 12) - 6 + ctx.mood.register;
  const part = PART[s.name];
  // solos improvise: a new motif each time; sections repeated later vary their motif
  let motif = s.name === 'solo' ? soloMotif(ctx, r) : m.motifs[part];
  if (s.n > 0 && s.name !== 'solo') motif = varyMotif(motif, r);
  const arp = m.melodyStyle === 'arp';
  const lastSection = ctx.sections.at(-2) === s || ctx.sections.at(-1) === s;
  const e = energy(ctx, s);
  const pan = m.stage.melody;
  let idx = key.scaleIndex(key.snap(center, chordAt(ctx, s.startBar).pcs));
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    if (bar === 0 && m.layers.drums && style.grooves) continue;
    const inBar = bar - s.startBar;
    const phraseBar = inBar % 4;
    const answer = inBar % 8 >= 4;
    const c = chordAt(ctx, bar);
    // Development: statement, varied repeat, sequence up a step, cadence; the second phrase answers.
    let rhythm = motif.rhythm;
    let contour = motif.contour;
    if (phraseBar === 1) contour = contour.map((x, i) => (i >= contour.length - 2 ? -x : x));
    if (phraseBar === 2) idx += answer ? -1 : 1;
    if (phraseBar === 3) rhythm = [...rhythm.filter(([st]) => st < 8), [8, answer ? 8 : 6]];
    if (answer && phraseBar !== 3) rhythm = rhythm.filter((_, i) => i % 3 !== 2 || r.chance(0.3));
    if (arp) {
      const tones = voice(c.pcs, center, undefined);
      for (let i = 0; i < 16; i++) emit(ctx, inst, bar * 4 + i / 4, 0.2, tones[(answer ? 3 - (i % 4) : i % 4) % tones.length]! + (i >= 8 ? 12 : 0), (i % 4 === 0 ? 0.8 : 0.6) * e, pan, r);
      continue;
    }
    rhythm.forEach(([st, len], i) => {
      idx += contour[i % contour.length]!;
      let n = key.degree(idx, 0) + 12;
      // strong beats land on chord tones; the phrase's last note resolves
      const strong = st % 4 === 0;
      const cadence = phraseBar === 3 && st === 8;
      // (home where the chord holds the tonic; else its root or third: a phrase resting on the
      // fifth points away from home)
      const home = c.pcs.includes(key.tonic) ? [key.tonic] : [c.pcs[0]!];
      if (cadence) n = key.snap(n, (bar === s.startBar + s.bars - 1 && lastSection) || answer ? home : [...home, c.pcs[1]!]);
      else if (strong) n = key.snap(n, c.pcs.length >= 3 ? c.pcs.filter((pc) => pc !== (c.root + 7) % 12) : c.pcs);
      while (n > center + 9) n -= 12;
      while (n < center - 9) n += 12;
      idx = key.scaleIndex(n);
      const vel = (strong ? 0.85 : 0.7) * (0.9 + 0.1 * r.float()) * e;
      emit(ctx, inst, bar * 4 + st / 4, (len / 4) * 0.92, n, vel, pan, r, undefined, true);
    });
  }
}

function soloMotif(ctx: Ctx, r: Prng): Motif {
  const steps: Array<[number, number]> = [];
  const dense = ctx.mood.density >= 1 ? 2 : 3;
  for (let st = r.chance(0.5) ? 0 : 2; st < 16; st += r.chance(0.6) ? 2 : dense * 2) steps.push([st, 2]);
  return { rhythm: steps, contour: steps.map(() => r.pick([-1, -1, 1, 1, 2, -2, 3])) };
}

/** The same motif heard again, changed: a displaced note, a new ending, or an inverted turn. */
function varyMotif(mo: Motif, r: Prng): Motif {
  const contour = [...mo.contour];
  const rhythm = mo.rhythm.map(([a, b]) => [a, b] as [number, number]);
  const k = r.int(3);
  if (k === 0 && contour.length > 2) contour[contour.length - 1] = -contour[contour.length - 1]! + r.pick([-1, 1]);
  else if (k === 1) for (let i = 0; i < contour.length; i += 2) contour[i] = -contour[i]!;
  else if (rhythm.length > 1) {
    const i = 1 + r.int(rhythm.length - 1);
    const [st] = rhythm[i]!;
    const prev = rhythm[i - 1]![0];
    if (st - prev >= 2) rhythm[i]![0] = st - 1;
  }
  return { rhythm, contour };
}

/** Long notes above the melody on the chord's third and fifth, answering it in later sections. */
export function counterPart(ctx: Ctx, s: Section, r: Prng): void {
  const inst = ctx.material.layers.counter!;
  const busy = ctx.mood.density >= 1.05;
  const heard = (s.name === 'chorus' || s.name === 'drop') && (s.n > 0 || busy) || s.name === 'bridge' || (s.name === 'verse' && s.n > 1);
  if (!heard) return;
  const e = energy(ctx, s) * 0.8;
  const pan = ctx.material.stage.counter;
  const center = ctx.style.melody.center + ctx.mood.register + (r.chance(0.5) ? 5 : -7);
  let prev = center;
  for (let bar = s.startBar; bar < s.startBar + s.bars; bar++) {
    const c = chordAt(ctx, bar);
    const halves = r.chance(0.5) ? [0, 2] : [0];
    for (const h of halves) {
      const want = c.pcs[(1 + r.int(2)) % c.pcs.length]!;
      let n = want + 12 * Math.round((prev - want) / 12);
      if (Math.abs(n - center) > 7) n += n > center ? -12 : 12;
      prev = n;
      emit(ctx, inst, bar * 4 + h + 0.5 * (bar % 2), (halves.length === 2 ? 1.9 : 3.8) - 0.5 * (bar % 2), n, 0.6 * e, pan, r, undefined, true);
    }
  }
}

export function finalHit(ctx: Ctx): void {
  const { key, material: m, endBeat } = ctx;
  const l = m.layers;
  const t = endBeat * ctx.beatS;
  const tonic = key.degree(0, 3);
  const triad = voice([key.tonic, (key.tonic + (key.mode === 'major' ? 4 : 3)) % 12, (key.tonic + 7) % 12], 62);
  const hit = (inst: InstrumentName, midi: number, vel: number, pan: number, len: number) => ctx.notes.push({ inst, t, len, midi, vel, pan });
  const chordInst = l.chordInst === 'stab' || l.chordInst === 'staccato' || l.chordInst === 'pizzicato' ? 'pad' : l.chordInst;
  if (l.chords) triad.forEach((n, i) => hit(chordInst, n, 0.75, -0.3 + 0.3 * i, 0.6));
  if (l.pad) triad.forEach((n, i) => hit(l.pad!, n, 0.6, -0.5 + 0.5 * i, 0.4));
  if (l.bass) hit(l.bassInst === 'acid' || l.bassInst === 'reese' || l.bassInst === 'synthBass' ? 'sub' : l.bassInst, tonic - 12, 0.85, 0, 0.5);
  if (l.melody) hit(l.melodyInst, key.degree(0, 5), 0.6, 0.1, 0.5);
  if (l.drums && ctx.style.grooves) {
    const orchestral = ctx.style.kit === 'orchestral';
    hit(orchestral ? 'taiko' : l.kickInst, 31, 0.9, 0, 0.1);
    if (!orchestral) hit('crash', 60, 0.7, -0.2, 0.5);
  }
  // nothing in the final hit may be silent for want of a part: the chord carries it (but "drums
  // only" ends on its own kick and crash)
  if (!l.chords && !l.pad && !ctx.p.excluded.includes(ONLY_ASKED)) triad.forEach((n, i) => hit('pad', n, 0.5, -0.3 + 0.3 * i, 0.4));
}
