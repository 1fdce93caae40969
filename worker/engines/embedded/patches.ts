/**
 * Instrument timbres: each instrument is one or more layers rendered by one of the graph's three
 * row kinds. Times are seconds; `bright` is the DSF partial ratio a (0 = sine, 0.95 = saw-like).
 */
import type { NoiseColor } from './synth-graph.ts';

export interface Envelope {
  attack: number;
  /** Time constant of the fall from peak towards sustain. */
  decay: number;
  sustain: number;
  /** Time to fall 60 dB after the gate closes. */
  release: number;
}

interface LayerBase {
  env: Envelope;
  gain: number;
  /** Send to the room/echo bus, 0..1. */
  send: number;
  /** Layer start offset, seconds (clap bursts). */
  delay?: number;
  /** Fixed pitch offset in semitones from the note. */
  transpose?: number;
  /** Pitch starts this many semitones away and settles with time constant `sweepTime`. */
  sweep?: number;
  sweepTime?: number;
  vibrato?: { depth: number; rate: number; delay: number };
  /** Tonal layers only: rendered at half the sample rate, one row per two blocks (see SLOW in
   * synth-graph.ts), for dark or low voices with nothing audible above ~9 kHz. */
  slow?: boolean;
}

export interface DsfLayer extends LayerBase {
  kind: 'dsf';
  /** Brightness at the attack and once settled, and how fast it settles (a filter envelope). */
  bright: [start: number, end: number, time: number];
  /** Unison pair detuned by +-cents and spread across the stereo field. */
  detune?: number;
  spread?: number;
}

export interface FmLayer extends LayerBase {
  kind: 'fm';
  ratio: number;
  /** Modulation index at the attack and once settled, and how fast it settles. */
  index: [start: number, end: number, time: number];
}

export interface NoiseLayer extends LayerBase {
  kind: 'noise';
  colors: Partial<Record<NoiseColor, number>>;
}

export type Layer = DsfLayer | FmLayer | NoiseLayer;
export type Patch = Layer[];

const env = (attack: number, decay: number, sustain: number, release: number): Envelope => ({ attack, decay, sustain, release });
const perc = (decay: number, release = decay * 2) => env(0.0015, decay, 0, release);

const SYNTH_PATCHES = {
  // --- drums ---------------------------------------------------------------------------
  kick: [
    { kind: 'fm', ratio: 1, index: [0, 0, 1], env: env(0.001, 0.22, 0, 0.3), gain: 1.0, send: 0, sweep: 26, sweepTime: 0.028 },
    { kind: 'noise', colors: { mid: 1 }, env: perc(0.006, 0.01), gain: 0.25, send: 0 },
  ],
  kick808: [
    { kind: 'fm', ratio: 1, index: [0.4, 0, 0.05], env: env(0.001, 0.5, 0, 0.6), gain: 1.0, send: 0, sweep: 18, sweepTime: 0.035 },
  ],
  snare: [
    { kind: 'fm', ratio: 1.6, index: [1.2, 0, 0.03], env: perc(0.06), gain: 0.45, send: 0.15, sweep: 5, sweepTime: 0.02 },
    { kind: 'noise', colors: { mid: 0.8, white: 0.3 }, env: perc(0.12), gain: 0.55, send: 0.3 },
  ],
  clap: [
    { kind: 'noise', colors: { mid: 1 }, env: perc(0.006, 0.01), gain: 0.4, send: 0.1 },
    { kind: 'noise', colors: { mid: 1 }, env: perc(0.006, 0.01), gain: 0.4, send: 0.1, delay: 0.011 },
    { kind: 'noise', colors: { mid: 1, white: 0.3 }, env: perc(0.09), gain: 0.55, send: 0.35, delay: 0.022 },
  ],
  rim: [{ kind: 'fm', ratio: 2.4, index: [2, 0, 0.01], env: perc(0.03), gain: 0.35, send: 0.25 }],
  hat: [{ kind: 'noise', colors: { bright: 1 }, env: perc(0.035), gain: 0.32, send: 0.05 }],
  openhat: [{ kind: 'noise', colors: { bright: 1, white: 0.2 }, env: perc(0.22), gain: 0.26, send: 0.1 }],
  shaker: [{ kind: 'noise', colors: { bright: 0.7, mid: 0.3 }, env: env(0.012, 0.04, 0, 0.06), gain: 0.22, send: 0.1 }],
  ride: [
    { kind: 'fm', ratio: 2.76, index: [2.5, 0.8, 0.2], env: perc(0.5), gain: 0.08, send: 0.2 },
    { kind: 'noise', colors: { bright: 1 }, env: perc(0.3), gain: 0.16, send: 0.15 },
  ],
  crash: [{ kind: 'noise', colors: { bright: 0.8, white: 0.4 }, env: env(0.002, 0.6, 0, 1.8), gain: 0.3, send: 0.4 }],
  tom: [
    { kind: 'fm', ratio: 1, index: [0.3, 0, 0.05], env: perc(0.25), gain: 0.6, send: 0.25, sweep: 7, sweepTime: 0.05 },
    { kind: 'noise', colors: { mid: 1 }, env: perc(0.02), gain: 0.12, send: 0.1 },
  ],
  taiko: [
    { kind: 'fm', ratio: 1, index: [0.5, 0, 0.04], env: perc(0.35), gain: 0.9, send: 0.5, sweep: 9, sweepTime: 0.04 },
    { kind: 'noise', colors: { dark: 1 }, env: perc(0.06), gain: 0.35, send: 0.4 },
  ],
  riser: [{ kind: 'noise', colors: { white: 0.6, bright: 0.4 }, env: env(1, 10, 1, 0.15), gain: 0.14, send: 0.5 }],
  hiss: [{ kind: 'noise', colors: { dark: 0.6, bright: 0.15 }, env: env(0.5, 10, 1, 0.5), gain: 0.035, send: 0 }],

  // --- bass ----------------------------------------------------------------------------
  sub: [{ kind: 'dsf', slow: true, bright: [0.25, 0.1, 0.1], env: env(0.005, 1, 0.85, 0.08), gain: 0.75, send: 0 }],
  bass808: [
    { kind: 'dsf', slow: true, bright: [0.35, 0.12, 0.15], env: env(0.002, 1.2, 0.6, 0.15), gain: 0.9, send: 0, sweep: 0, sweepTime: 0.06 },
  ],
  pluckBass: [{ kind: 'dsf', bright: [0.85, 0.35, 0.09], env: env(0.003, 0.3, 0.5, 0.07), gain: 0.6, send: 0.02 }],
  reese: [{ kind: 'dsf', slow: true, bright: [0.8, 0.75, 1], env: env(0.01, 1, 0.9, 0.1), gain: 0.42, send: 0.05, detune: 14, spread: 0.35 }],
  upright: [{ kind: 'dsf', bright: [0.7, 0.3, 0.07], env: env(0.004, 0.35, 0.25, 0.12), gain: 0.8, send: 0.08 }],
  rockBass: [{ kind: 'dsf', bright: [0.88, 0.55, 0.12], env: env(0.003, 0.5, 0.6, 0.06), gain: 0.55, send: 0.03 }],
  acid: [{ kind: 'dsf', bright: [0.93, 0.45, 0.06], env: env(0.002, 0.15, 0.35, 0.05), gain: 0.4, send: 0.15 }],

  // --- keys, pads, strings --------------------------------------------------------------
  piano: [
    { kind: 'dsf', bright: [0.78, 0.35, 0.35], env: env(0.002, 0.9, 0.0, 0.35), gain: 0.5, send: 0.25 },
    { kind: 'fm', ratio: 1, index: [1.2, 0.1, 0.08], env: env(0.001, 0.04, 0, 0.05), gain: 0.14, send: 0.1 },
  ],
  epiano: [
    { kind: 'fm', slow: true, ratio: 1, index: [1.6, 0.35, 0.4], env: env(0.003, 1.4, 0.0, 0.4), gain: 0.5, send: 0.3 },
    { kind: 'fm', ratio: 14, index: [1.0, 0, 0.03], env: perc(0.05), gain: 0.05, send: 0.1 },
  ],
  organ: [{ kind: 'dsf', slow: true, bright: [0.6, 0.55, 1], env: env(0.005, 1, 1, 0.06), gain: 0.28, send: 0.2, detune: 4, spread: 0.4 }],
  pad: [{ kind: 'dsf', slow: true, bright: [0.5, 0.72, 1.8], env: env(0.7, 2, 0.85, 0.9), gain: 0.2, send: 0.55, detune: 9, spread: 0.8 }],
  strings: [
    { kind: 'dsf', slow: true, bright: [0.55, 0.8, 0.6], env: env(0.35, 2, 0.9, 0.9), gain: 0.2, send: 0.5, detune: 7, spread: 0.7, vibrato: { depth: 0.12, rate: 5.2, delay: 0.3 } },
  ],
  staccato: [{ kind: 'dsf', bright: [0.85, 0.55, 0.08], env: env(0.006, 0.12, 0.3, 0.1), gain: 0.26, send: 0.35, detune: 6, spread: 0.6 }],
  brass: [
    { kind: 'dsf', bright: [0.55, 0.88, 0.25], env: env(0.09, 1.5, 0.85, 0.4), gain: 0.26, send: 0.45, detune: 5, spread: 0.4, vibrato: { depth: 0.08, rate: 4.8, delay: 0.4 } },
  ],
  guitar: [{ kind: 'dsf', bright: [0.95, 0.88, 0.4], env: env(0.003, 0.8, 0.55, 0.08), gain: 0.22, send: 0.12, detune: 10, spread: 0.9 }],
  stab: [{ kind: 'dsf', bright: [0.9, 0.3, 0.05], env: env(0.002, 0.12, 0.1, 0.1), gain: 0.3, send: 0.7, detune: 8, spread: 0.5 }],

  // --- leads ---------------------------------------------------------------------------
  lead: [
    { kind: 'dsf', bright: [0.9, 0.75, 0.2], env: env(0.01, 0.6, 0.7, 0.15), gain: 0.22, send: 0.4, detune: 8, spread: 0.3, vibrato: { depth: 0.15, rate: 5.5, delay: 0.25 } },
  ],
  pluck: [{ kind: 'dsf', bright: [0.9, 0.3, 0.1], env: env(0.002, 0.25, 0.0, 0.2), gain: 0.3, send: 0.45, detune: 6, spread: 0.4 }],
  bell: [
    { kind: 'fm', slow: true, ratio: 3.5, index: [2.2, 0.4, 0.5], env: env(0.002, 1.2, 0, 1.2), gain: 0.26, send: 0.55 },
  ],
  flute: [
    { kind: 'dsf', slow: true, bright: [0.3, 0.2, 0.3], env: env(0.06, 1, 0.8, 0.2), gain: 0.3, send: 0.45, vibrato: { depth: 0.18, rate: 5, delay: 0.2 } },
  ],
  sax: [
    { kind: 'dsf', bright: [0.82, 0.6, 0.15], env: env(0.03, 0.8, 0.7, 0.1), gain: 0.26, send: 0.3, vibrato: { depth: 0.2, rate: 5.3, delay: 0.2 } },
  ],
  leadGuitar: [
    { kind: 'dsf', bright: [0.95, 0.85, 0.5], env: env(0.004, 1, 0.7, 0.12), gain: 0.2, send: 0.35, detune: 5, spread: 0.2, vibrato: { depth: 0.25, rate: 5.8, delay: 0.25 } },
  ],
} satisfies Record<string, Patch>;

/**
 * Voices that the sampled (SoundFont) instruments will play. Until a voice has samples it borrows
 * the nearest synth patch, so styles can already name the instrument they mean.
 */
const SAMPLED_VOICES = {
  brightPiano: 'piano', clav: 'epiano', harpsichord: 'piano', churchOrgan: 'organ', accordion: 'organ', harmonica: 'flute',
  nylonGuitar: 'guitar', steelGuitar: 'guitar', cleanGuitar: 'guitar', mutedGuitar: 'guitar', distGuitar: 'leadGuitar', banjo: 'guitar', sitar: 'guitar',
  fingerBass: 'rockBass', pickBass: 'rockBass', slapBass: 'pluckBass', fretlessBass: 'upright', synthBass: 'acid',
  violin: 'strings', cello: 'strings', pizzicato: 'staccato', harp: 'pluck', choir: 'pad', warmPad: 'pad',
  trumpet: 'brass', trombone: 'brass', clarinet: 'flute', panFlute: 'flute', tinWhistle: 'flute', bagpipe: 'organ',
  vibes: 'bell', marimba: 'bell', xylophone: 'bell', glockenspiel: 'bell', celesta: 'bell', musicBox: 'bell', kalimba: 'bell', steelDrums: 'bell',
  squareLead: 'lead', sawLead: 'lead',
  pedalhat: 'hat', conga: 'tom', bongo: 'tom', cowbell: 'rim', clave: 'rim', woodblock: 'rim', tambourine: 'shaker', timbale: 'tom', guiro: 'shaker', triangle: 'hat',
} as const satisfies Record<string, keyof typeof SYNTH_PATCHES>;

export const PATCHES: Record<keyof typeof SYNTH_PATCHES | keyof typeof SAMPLED_VOICES, Patch> = {
  ...SYNTH_PATCHES,
  ...(Object.fromEntries(Object.entries(SAMPLED_VOICES).map(([name, synth]) => [name, SYNTH_PATCHES[synth]])) as Record<keyof typeof SAMPLED_VOICES, Patch>),
};

export type InstrumentName = keyof typeof PATCHES;

/** Drum kits a style plays (General MIDI percussion programs once sampled; 'chip' is synthesized). */
export const DRUM_KITS = ['standard', 'room', 'power', 'electronic', 'tr808', 'jazz', 'brush', 'orchestral', 'chip'] as const;
export type DrumKit = (typeof DRUM_KITS)[number];
