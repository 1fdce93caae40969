/**
 * What makes each genre itself: grooves, harmony, parts and timbres. Tempo and mode defaults
 * live with the prompt parser (core/prompt/genres.ts).
 */
import type { Genre, Mode } from '../../../core/music.ts';
import type { InstrumentName } from './patches.ts';

/** 16-step drum lanes: 'x' accent, 'o' normal, '-' ghost, '.' rest. */
export interface DrumPattern {
  kick?: string;
  snare?: string;
  clap?: string;
  hat?: string;
  openhat?: string;
  ride?: string;
  rim?: string;
  shaker?: string;
  tom?: string;
  taiko?: string;
}

export type BassStyle = 'root8' | 'lofi' | '808' | 'offbeat' | 'rolling' | 'walking' | 'reese' | 'pedal' | 'none';
export type ChordStyle = 'pop' | 'lofi' | 'sustain' | 'offbeat' | 'dub' | 'power' | 'charleston' | 'arp' | 'pianoLH' | 'ostinato';
export type MelodyStyle = 'hook' | 'sparse' | 'flowing' | 'long' | 'riff' | 'none';

export interface Preset {
  /** Delay of off-beat 8ths or 16ths, as a fraction of the grid step. */
  swing: number;
  swingGrid: 8 | 16;
  /** Timing jitter in seconds (played feel). */
  humanize: number;
  barsPerChord: 1 | 2;
  chordSize: 3 | 4;
  /** Raise the third of the minor v chord (harmonic minor), as classical and jazz harmony does. */
  dominantV: boolean;
  /** Colour the tonic with an added ninth instead of a seventh: a held Cmaj7 holds an E minor
   * triad, and long pads over it read as E minor. */
  tonicAdd9?: boolean;
  progressions: Record<Mode, number[][]>;
  drums: { main: DrumPattern; variation: DrumPattern; intro: DrumPattern } | null;
  /** Main and variation grooves at FAST_BPM and above, where off-beat accents would pull a
   * listener (and a beat tracker) onto dotted quarters. */
  fastDrums?: { main: DrumPattern; variation: DrumPattern };
  /** Trap-style hat rolls. */
  hatRolls: boolean;
  bass: { style: BassStyle; inst: InstrumentName; octave: number };
  chords: { style: ChordStyle; inst: InstrumentName; center: number };
  pad: InstrumentName | null;
  melody: { style: MelodyStyle; inst: InstrumentName; center: number };
  /** Send amount (room + echo) for the whole mix. */
  space: number;
}

const base = {
  swing: 0, swingGrid: 16, humanize: 0.004, barsPerChord: 1, chordSize: 3, dominantV: false,
  hatRolls: false, pad: null, space: 0.5,
} as const;

const fourOnFloor = 'x...x...x...x...';
/** From this tempo up, grooves favour the quarter-note pulse (fills in eighths, fastDrums). */
export const FAST_BPM = 128;

const BASE_PRESETS = {
  pop: {
    ...base,
    progressions: { major: [[0, 4, 5, 3], [0, 5, 3, 4], [0, 3, 4, 3]], minor: [[0, 5, 3, 4], [0, 3, 5, 4], [0, 6, 5, 4]] },
    drums: {
      main: { kick: 'x.......x.-.....', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
      variation: { kick: 'x.......x.-.....', clap: '....x.......x...', hat: 'x-o-x-o-x-o-x-o-', openhat: '..............-.' },
      intro: { kick: 'x.......x.......', hat: 'o.o.o.o.o.o.o.o.' },
    },
    bass: { style: 'root8', inst: 'pluckBass', octave: 2 },
    chords: { style: 'pop', inst: 'piano', center: 62 },
    pad: 'pad',
    melody: { style: 'hook', inst: 'pluck', center: 74 },
  },
  lofi: {
    ...base, swing: 0.3, swingGrid: 16, humanize: 0.012, chordSize: 4, space: 0.55,
    progressions: { major: [[1, 4, 0, 5], [0, 5, 1, 4], [3, 4, 0, 0]], minor: [[0, 3, 0, 4], [0, 5, 3, 4], [3, 4, 0, 0]] },
    drums: {
      main: { kick: 'x......-x.......', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
      variation: { kick: 'x.......x..-..-.', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.', shaker: '..-...-...-...-.' },
      intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.........x.....' },
    },
    bass: { style: 'lofi', inst: 'upright', octave: 2 },
    chords: { style: 'lofi', inst: 'epiano', center: 60 },
    melody: { style: 'sparse', inst: 'flute', center: 72 },
  },
  trap: {
    ...base, hatRolls: true, space: 0.45,
    progressions: { major: [[0, 0, 5, 5], [0, 3, 5, 4]], minor: [[0, 0, 5, 5], [0, 5, 3, 4], [0, 3, 0, 5]] },
    // Half-time snare on 3, but the pulse stays on the quarters: hats accented on the beat over
    // ghosted 16ths (straight 8th hats made aubio hear 90 as 180) and a kick on 2 (with kicks only
    // on 1 and off the beat, the 808 and snare read as half notes: 160 heard as 80-120).
    drums: {
      main: { kick: 'x...x.....o.....', clap: '........x.......', hat: 'x---x---x---x---' },
      variation: { kick: 'x...x...x.o.....', clap: '........x.......', hat: 'x---x---x---x---', openhat: '..............-.' },
      intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.........x.....' },
    },
    bass: { style: '808', inst: 'bass808', octave: 1 },
    chords: { style: 'sustain', inst: 'pad', center: 60 },
    melody: { style: 'riff', inst: 'bell', center: 76 },
  },
  house: {
    ...base, swing: 0.12, chordSize: 4,
    progressions: { major: [[0, 5, 3, 4], [0, 3, 4, 0]], minor: [[0, 6, 5, 6], [0, 3, 6, 0], [0, 5, 3, 4]] },
    drums: {
      main: { kick: fourOnFloor, clap: '....x.......x...', hat: 'o.oo-.oo-.oo-.oo', openhat: '..x...x...x...x.' },
      variation: { kick: fourOnFloor, clap: '....x.......x...', openhat: '..x...x...x...x.', shaker: 'oooooooooooooooo' },
      intro: { kick: fourOnFloor, openhat: '..o...o...o...o.' },
    },
    bass: { style: 'offbeat', inst: 'pluckBass', octave: 2 },
    chords: { style: 'offbeat', inst: 'organ', center: 62 },
    pad: 'pad',
    melody: { style: 'sparse', inst: 'pluck', center: 74 },
  },
  techno: {
    ...base, space: 0.6,
    progressions: { major: [[0, 0, 0, 0], [0, 0, 3, 3]], minor: [[0, 0, 0, 0], [0, 0, 5, 5], [0, 0, 2, 2]] },
    drums: {
      main: { kick: fourOnFloor, hat: 'o-o-o-o-o-o-o-o-', openhat: '..o...o...o...o.', rim: '....-.......-..-' },
      variation: { kick: fourOnFloor, clap: '....x.......x...', hat: 'o-o-o-o-o-o-o-o-', openhat: '..o...o...o...o.' },
      intro: { kick: fourOnFloor, hat: '..o...o...o...o.' },
    },
    // Fast techno: hats accented on the beat with ghost off-beats, clap on 2 and 4, one open-hat
    // lift per bar. Off-beat open hats every beat made aubio read 140 as 128 and 160 as 137
    // (its prior favours ~108 bpm, and a strong eighth-note pulse makes a dotted quarter fit).
    fastDrums: {
      main: { kick: fourOnFloor, clap: '....o.......o...', hat: 'x---x---x---x---', openhat: '..............o.' },
      variation: { kick: fourOnFloor, clap: '....x.......x...', hat: 'x---x---x---x---', openhat: '..............o.' },
    },
    bass: { style: 'rolling', inst: 'acid', octave: 2 },
    chords: { style: 'dub', inst: 'stab', center: 60 },
    melody: { style: 'none', inst: 'lead', center: 72 },
  },
  ambient: {
    ...base, barsPerChord: 2, chordSize: 4, tonicAdd9: true, space: 0.9, humanize: 0.02,
    progressions: { major: [[0, 3], [0, 5, 3, 0], [0, 3, 0, 4]], minor: [[0, 5], [0, 3, 5, 0], [0, 5, 3, 4]] },
    drums: null,
    bass: { style: 'pedal', inst: 'sub', octave: 2 },
    chords: { style: 'sustain', inst: 'pad', center: 60 },
    pad: 'strings',
    melody: { style: 'long', inst: 'bell', center: 76 },
  },
  rock: {
    ...base, humanize: 0.006, dominantV: true, space: 0.35,
    progressions: { major: [[0, 4, 5, 3], [0, 3, 0, 4], [0, 3, 4, 4]], minor: [[0, 5, 6, 0], [0, 3, 5, 4], [0, 6, 5, 4]] },
    drums: {
      main: { kick: 'x.......x.x.....', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
      variation: { kick: 'x.....x.x.x.....', snare: '....x.......x...', ride: 'x.o.x.o.x.o.x.o.' },
      intro: { kick: 'x.......x.......', hat: 'x.o.x.o.x.o.x.o.' },
    },
    bass: { style: 'root8', inst: 'rockBass', octave: 2 },
    chords: { style: 'power', inst: 'guitar', center: 52 },
    melody: { style: 'hook', inst: 'leadGuitar', center: 71 },
  },
  jazz: {
    ...base, swing: 0.33, swingGrid: 8, humanize: 0.01, chordSize: 4, dominantV: true, space: 0.4,
    // Every turnaround resolves its ii-V onto I and every phrase but the ii-V-I opens on I: a
    // tonic heard only in passing (iii-vi-ii-V) made a chroma listener hear the key a fifth up.
    progressions: { major: [[1, 4, 0, 0], [0, 5, 1, 4], [0, 3, 4, 0]], minor: [[1, 4, 0, 0], [0, 3, 4, 0], [0, 5, 1, 4]] },
    drums: {
      main: { ride: 'x...x.o.x...x.o.', hat: '....o.......o...', kick: '-...-...-...-...' },
      variation: { ride: 'x...x.o.x...x.o.', hat: '....o.......o...', kick: '-...-...-...-...', snare: '......-.......-.' },
      intro: { ride: 'x...x.o.x...x.o.', hat: '....o.......o...' },
    },
    bass: { style: 'walking', inst: 'upright', octave: 2 },
    chords: { style: 'charleston', inst: 'piano', center: 62 },
    melody: { style: 'flowing', inst: 'sax', center: 70 },
  },
  piano: {
    ...base, humanize: 0.012, dominantV: true, space: 0.5,
    progressions: { major: [[0, 4, 5, 2, 3, 0, 3, 4], [0, 3, 4, 0], [0, 5, 3, 4]], minor: [[0, 3, 4, 0], [0, 5, 3, 4], [0, 3, 6, 2, 5, 3, 4, 0]] },
    drums: null,
    bass: { style: 'none', inst: 'sub', octave: 2 },
    chords: { style: 'pianoLH', inst: 'piano', center: 52 },
    melody: { style: 'flowing', inst: 'piano', center: 72 },
  },
  dnb: {
    ...base, barsPerChord: 2, space: 0.5,
    progressions: { major: [[0, 5, 3, 4]], minor: [[0, 5, 3, 4], [0, 0, 5, 6], [0, 3, 5, 4]] },
    drums: {
      main: { kick: 'x.........x.....', snare: '....x.......x...', hat: 'x.o.x.oox.o.x.o-' },
      variation: { kick: 'x.........x..o..', snare: '....x..-....x...', hat: 'xooox.oox.oox.oo', ride: 'x...x...x...x...' },
      intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.........x.....' },
    },
    bass: { style: 'reese', inst: 'reese', octave: 1 },
    chords: { style: 'sustain', inst: 'pad', center: 62 },
    melody: { style: 'sparse', inst: 'lead', center: 74 },
  },
  cinematic: {
    ...base, dominantV: true, space: 0.8,
    progressions: { major: [[0, 4, 5, 3], [0, 3, 5, 4]], minor: [[0, 5, 3, 4], [0, 3, 5, 4], [0, 5, 6, 4]] },
    drums: {
      main: { taiko: 'x..x..x.x...o...', tom: '..........o.o...' },
      variation: { taiko: 'x..x..x.x..xo.o.', snare: '....x.......x...' },
      intro: { taiko: 'x.......x.......' },
    },
    bass: { style: 'pedal', inst: 'sub', octave: 1 },
    chords: { style: 'ostinato', inst: 'staccato', center: 57 },
    pad: 'strings',
    melody: { style: 'long', inst: 'brass', center: 67 },
  },
} satisfies Partial<Record<Genre, Preset>>;

/** Styles that borrow the nearest existing preset until they have their own material. */
export const PRESETS: Record<Genre, Preset> = {
  ...BASE_PRESETS,
  metal: BASE_PRESETS.rock, punk: BASE_PRESETS.rock, indie: BASE_PRESETS.rock, funk: BASE_PRESETS.pop, disco: BASE_PRESETS.house,
  soul: BASE_PRESETS.lofi, gospel: BASE_PRESETS.piano, blues: BASE_PRESETS.jazz, bossa: BASE_PRESETS.jazz, samba: BASE_PRESETS.pop,
  salsa: BASE_PRESETS.pop, reggaeton: BASE_PRESETS.trap, reggae: BASE_PRESETS.lofi, afrobeat: BASE_PRESETS.pop, country: BASE_PRESETS.rock,
  folk: BASE_PRESETS.pop, celtic: BASE_PRESETS.pop, shanty: BASE_PRESETS.pop, lullaby: BASE_PRESETS.piano, chiptune: BASE_PRESETS.pop,
  synthwave: BASE_PRESETS.pop, trance: BASE_PRESETS.house, dubstep: BASE_PRESETS.trap, garage: BASE_PRESETS.house, drill: BASE_PRESETS.trap,
  boombap: BASE_PRESETS.lofi, kpop: BASE_PRESETS.pop, videogame: BASE_PRESETS.pop,
};
