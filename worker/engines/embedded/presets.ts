/**
 * What a style is, as data: grooves, progressions, bass and melody idioms, instruments, kit and
 * mix. The styles themselves live in ./styles/ (one file per family); compose.ts turns a style and
 * a seed into notes. Tempo and mode defaults live with the prompt parser (core/prompt/genres.ts).
 */
import type { DrumKit, InstrumentName } from './patches.ts';

/** Drum and percussion lanes; each plays the instrument of the same name. */
export const LANES = [
  'kick', 'snare', 'clap', 'rim', 'hat', 'pedalhat', 'openhat', 'ride', 'crash', 'tom', 'taiko', 'shaker', 'tambourine',
  'conga', 'bongo', 'cowbell', 'clave', 'woodblock', 'timbale', 'guiro', 'triangle',
] as const;
export type Lane = (typeof LANES)[number];

/** Lanes of 16 steps (one bar) or 32 (two bars): 'x' accent, 'o' normal, '-' ghost, '.' rest. */
export type DrumPattern = Partial<Record<Lane, string>>;

export type BassStyle =
  | 'root8' | 'lofi' | '808' | 'offbeat' | 'offbeat16' | 'rolling' | 'walking' | 'reese' | 'pedal' | 'none'
  | 'tumbao' | 'onedrop' | 'wobble' | 'octave' | 'twoFeel' | 'slap' | 'bossa' | 'arp' | 'boogie' | 'dembow';
export type ChordStyle =
  | 'pop' | 'lofi' | 'sustain' | 'offbeat' | 'dub' | 'power' | 'charleston' | 'arp' | 'pianoLH' | 'ostinato'
  | 'strum' | 'montuno' | 'skank' | 'bossa' | 'funk' | 'arp16' | 'stabs' | 'waltz' | 'block';
export type MelodyStyle = 'hook' | 'sparse' | 'flowing' | 'long' | 'riff' | 'jig' | 'chant' | 'arp' | 'blues' | 'none';

/** How the sections of a long track follow each other. */
export type FormKind = 'song' | 'club' | 'calm' | 'jam';

/** One or more candidates: the seed picks. */
type OneOf<T> = T | readonly T[];

export interface Style {
  kit: DrumKit;
  /** Delay of off-beat 8ths or 16ths, as a fraction of the grid step. */
  swing: number;
  swingGrid: 8 | 16;
  /** Timing jitter in seconds (played feel). */
  humanize: number;
  /**
   * Roman numerals relative to the tonic (tonal.js spelling: 'I V vi IV', 'i bVII bVI V7',
   * 'ii7 V7 Imaj7'); lower case is minor. A progression of 2 chords takes 2 bars each, of 4 one
   * bar, of 8 or 12 one bar. The seed picks different ones for verse, chorus and bridge.
   * Each mode needs two or more that open on the tonic and stay in the key (compose.ts `home`):
   * verse and chorus come from those, and a style with one (or none: metal and drill in major
   * opened on vi, country in minor played 'vi IV I V') had its chorus on an away progression, heard
   * in the relative key (the grid in other keys than Eb: reggaeton, garage, metal, drill in major).
   */
  progressions: { major: readonly string[]; minor: readonly string[] };
  /** Melody scale (tonal.js names), when not the plain major or natural minor. */
  scale?: { major?: string; minor?: string };
  /** At least three grooves; the seed picks and varies them per section. Null: beatless. */
  grooves: readonly DrumPattern[] | null;
  /** Fills for the last bar (or half bar) before a new section; at least two. */
  fills: readonly DrumPattern[];
  /** The sparse groove of intros and breakdowns (default: the main groove's kick and hats). */
  intro?: DrumPattern;
  /** Grooves at FAST_BPM and above, where off-beat accents pull a listener onto dotted quarters. */
  fastGrooves?: readonly DrumPattern[];
  /** Trap-style hat rolls. */
  hatRolls?: boolean;
  /** Kick instrument (the 808 body for trap-like styles). */
  kickInst?: InstrumentName;
  /**
   * minorThird: in a minor key the eighth-note bass lines (root8, octave) play the minor third on
   * the 'and' of 2 and 4 of the home chord, as a riff does (a bass on roots alone sounds its major
   * third in its fifth partial).
   */
  bass: { style: OneOf<BassStyle>; inst: OneOf<InstrumentName>; octave: number; minorThird?: boolean };
  chords: { style: OneOf<ChordStyle>; inst: OneOf<InstrumentName>; center: number };
  pad?: OneOf<InstrumentName | null>;
  /**
   * The pad in a minor key, where a style's own pad (or none) leaves the mode unheard: a band on
   * distorted power chords sounds its roots' major thirds in their fifth partials and no minor
   * third, and a chroma key reads the parallel or relative major (rock, punk and metal in minor).
   */
  minorPad?: OneOf<InstrumentName>;
  melody: { style: OneOf<MelodyStyle>; inst: OneOf<InstrumentName>; center: number };
  /** A second voice answering the melody in choruses and later sections. */
  counter?: OneOf<InstrumentName>;
  form: FormKind;
  /** Room + echo send for the whole mix, 0..1. */
  space: number;
  /** Stereo position of each part, -1..1 (defaults in compose.ts). */
  pan?: Partial<Record<'bass' | 'chords' | 'melody' | 'counter' | 'pad', number>>;
  /** Lo-fi vinyl hiss. */
  hiss?: boolean;
  /** The balance, dB: 'bass' is the bass part (MIX_BASS_DB unless given), other keys an instrument. */
  mix?: Partial<Record<'bass' | InstrumentName, number>>;
  /** Velocity of pitched notes on the eighth off-beats below `offBeatsBelow` (emit), for styles built on them. */
  offBeats?: number;
  /** The tempo below which offBeats applies, bpm (default 85). */
  offBeatsBelow?: number;
  /**
   * Velocity of drum hits between the beats at every tempo, on top of the slow-tempo softening
   * (drumPart), for styles whose syncopation (clave, dembow) a beat tracker takes for the pulse.
   */
  drumOffBeats?: number;
  /**
   * The snare's and clap's level from FAST_PULSE_BPM up (parts.ts fastPulse), for a half-time
   * backbeat (a snare every two beats or more, nothing as strong between) that a beat tracker
   * takes for the beat when played fast.
   */
  fastBackbeat?: number;
}

/**
 * The bass part's level, dB. The sampled basses were set level with the synth basses they replaced,
 * which left the bass with 40-50% of a band style's energy and 70-85% of a style with an 808 or a
 * sub drone (on a phone or laptop speaker, which plays nothing below ~120 Hz, the loudness went to
 * what the listener cannot hear) and the mix near mono, kick and bass in the centre carrying it all.
 */
export const MIX_BASS_DB = -2;

/** From this tempo up, grooves favour the quarter-note pulse (fills in eighths, fastGrooves). */
export const FAST_BPM = 128;

export const FOUR = 'x...x...x...x...';

/** Shared defaults, spread first into each style. */
export const BASE = { swing: 0, swingGrid: 16, humanize: 0.005, space: 0.45 } as const;

export const pick = <T>(v: OneOf<T>): readonly T[] => (Array.isArray(v) ? (v as readonly T[]) : [v as T]);
