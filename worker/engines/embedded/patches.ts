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
  organ: [{ kind: 'dsf', slow: true, bright: [0.6, 0.55, 1], env: env(0.005, 1, 1, 0.06), gain: 0.28, send: 0.2, detune: 4, spread: 0.7 }],
  pad: [{ kind: 'dsf', slow: true, bright: [0.5, 0.72, 1.8], env: env(0.7, 2, 0.85, 0.9), gain: 0.2, send: 0.55, detune: 9, spread: 1 }],
  strings: [
    { kind: 'dsf', slow: true, bright: [0.55, 0.8, 0.6], env: env(0.35, 2, 0.9, 0.9), gain: 0.2, send: 0.5, detune: 7, spread: 0.7, vibrato: { depth: 0.12, rate: 5.2, delay: 0.3 } },
  ],
  staccato: [{ kind: 'dsf', bright: [0.85, 0.55, 0.08], env: env(0.006, 0.12, 0.3, 0.1), gain: 0.26, send: 0.35, detune: 6, spread: 0.85 }],
  brass: [
    { kind: 'dsf', bright: [0.55, 0.88, 0.25], env: env(0.09, 1.5, 0.85, 0.4), gain: 0.26, send: 0.45, detune: 5, spread: 0.65, vibrato: { depth: 0.08, rate: 4.8, delay: 0.4 } },
  ],
  guitar: [{ kind: 'dsf', bright: [0.95, 0.88, 0.4], env: env(0.003, 0.8, 0.55, 0.08), gain: 0.22, send: 0.12, detune: 10, spread: 0.9 }],
  stab: [{ kind: 'dsf', bright: [0.9, 0.3, 0.05], env: env(0.002, 0.12, 0.1, 0.1), gain: 0.3, send: 0.7, detune: 8, spread: 0.85 }],

  // --- leads ---------------------------------------------------------------------------
  lead: [
    { kind: 'dsf', bright: [0.9, 0.75, 0.2], env: env(0.01, 0.6, 0.7, 0.15), gain: 0.22, send: 0.4, detune: 8, spread: 0.55, vibrato: { depth: 0.15, rate: 5.5, delay: 0.25 } },
  ],
  pluck: [{ kind: 'dsf', bright: [0.9, 0.3, 0.1], env: env(0.002, 0.25, 0.0, 0.2), gain: 0.3, send: 0.45, detune: 6, spread: 0.8 }],
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
    { kind: 'dsf', bright: [0.95, 0.85, 0.5], env: env(0.004, 1, 0.7, 0.12), gain: 0.2, send: 0.35, detune: 5, spread: 0.4, vibrato: { depth: 0.25, rate: 5.8, delay: 0.25 } },
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

/** A voice played from the SoundFont: its General MIDI program (bank 0 unless given) and a gain
 * that sets it level with the synth voice it replaces (RMS of the same four notes, both ways,
 * measured once; hand drums quieter than the synth tom they borrowed). */
export interface SampledVoice {
  program: number;
  bank?: number;
  gain: number;
  /** Place on the stage (-1 left .. 1 right), added to the note's own pan. */
  pan?: number;
  /** Pan two octaves above middle C (minus it two below): a piano's or a section's width. */
  spread?: number;
}

/**
 * Instruments that sound from samples. Everything a real instrument is meant by; synths stay
 * synthesized (808, sub, reese, acid, pluck and pluck bass, pads, stabs, leads, bells, risers).
 */
export const SAMPLED: Partial<Record<InstrumentName, SampledVoice>> = {
  piano: { program: 0, gain: 1.77, pan: -0.1, spread: 0.45 },
  brightPiano: { program: 1, gain: 1.64, pan: -0.1, spread: 0.45 },
  epiano: { program: 4, gain: 0.73, pan: -0.2, spread: 0.3 },
  clav: { program: 7, gain: 1.53, pan: 0.3, spread: 0.1 },
  harpsichord: { program: 6, gain: 1.83, pan: -0.1, spread: 0.4 },
  organ: { program: 16, gain: 1.19, pan: -0.3, spread: 0.25 },
  churchOrgan: { program: 19, gain: 0.99, spread: 0.5 },
  accordion: { program: 21, gain: 1.36, pan: 0.2, spread: 0.2 },
  harmonica: { program: 22, gain: 1.18, pan: 0.3 },
  nylonGuitar: { program: 24, gain: 0.97, pan: -0.3, spread: 0.2 },
  steelGuitar: { program: 25, gain: 0.97, pan: -0.35, spread: 0.2 },
  guitar: { program: 27, gain: 0.35, pan: -0.45, spread: 0.15 },
  cleanGuitar: { program: 27, gain: 0.35, pan: -0.45, spread: 0.15 },
  mutedGuitar: { program: 28, gain: 1.71, pan: 0.45, spread: 0.1 },
  leadGuitar: { program: 29, gain: 0.3, pan: 0.35 },
  distGuitar: { program: 30, gain: 0.3, pan: -0.5, spread: 0.1 },
  banjo: { program: 105, gain: 0.94, pan: 0.4, spread: 0.1 },
  sitar: { program: 104, gain: 0.83, pan: 0.3, spread: 0.1 },
  upright: { program: 32, gain: 1.41 },
  fingerBass: { program: 33, gain: 1.25 },
  rockBass: { program: 34, gain: 1.42 },
  pickBass: { program: 34, gain: 1.42 },
  fretlessBass: { program: 35, gain: 0.77 },
  slapBass: { program: 36, gain: 2.1 },
  synthBass: { program: 38, gain: 0.57 },
  violin: { program: 40, gain: 0.51, pan: -0.4, spread: 0.2 },
  cello: { program: 42, gain: 0.55, pan: 0.4, spread: 0.2 },
  pizzicato: { program: 45, gain: 0.56, pan: -0.2, spread: 0.5 },
  harp: { program: 46, gain: 0.5, pan: 0.3, spread: 0.4 },
  strings: { program: 48, gain: 0.61, spread: 0.6 },
  staccato: { program: 48, gain: 0.5, spread: 0.6 },
  choir: { program: 52, gain: 0.41, spread: 0.5 },
  warmPad: { program: 89, gain: 0.43, spread: 0.5 },
  trumpet: { program: 56, gain: 0.89, pan: 0.3 },
  trombone: { program: 57, gain: 0.63, pan: -0.3 },
  brass: { program: 61, gain: 0.52, pan: 0.25, spread: 0.3 },
  sax: { program: 66, gain: 0.71, pan: 0.25 },
  clarinet: { program: 71, gain: 0.91, pan: -0.25 },
  flute: { program: 73, gain: 0.68, pan: 0.35 },
  panFlute: { program: 75, gain: 0.78, pan: 0.3 },
  tinWhistle: { program: 78, gain: 0.37, pan: 0.3 },
  bagpipe: { program: 109, gain: 0.56 },
  celesta: { program: 8, gain: 0.89, pan: 0.3, spread: 0.3 },
  glockenspiel: { program: 9, gain: 1.24, pan: 0.35, spread: 0.2 },
  musicBox: { program: 10, gain: 0.84, pan: 0.2, spread: 0.3 },
  vibes: { program: 11, gain: 0.99, pan: 0.3, spread: 0.3 },
  marimba: { program: 12, gain: 0.82, pan: -0.2, spread: 0.4 },
  xylophone: { program: 13, gain: 2.33, pan: 0.25, spread: 0.3 },
  kalimba: { program: 108, gain: 1.25, pan: 0.2, spread: 0.3 },
  steelDrums: { program: 114, gain: 0.9, pan: 0.25, spread: 0.3 },
  squareLead: { program: 80, gain: 0.22, pan: 0.2 },
  sawLead: { program: 81, gain: 0.35, pan: -0.2 },
  taiko: { program: 116, gain: 1.69, spread: 0.3 },
};

/** General MIDI percussion keys of the drum voices (toms and hand drums pick a key by pitch), their
 * gain, and per kit where that kit's sample is far from the standard kit's level: the TR-808's
 * kick and toms are 11-14 dB louder (RMS of four hits); at the standard gains, techno on the 808
 * kit needed 16 dB of limiting and still read -15.3 LUFS. Its clap (11 dB louder) and open hat
 * are turned down less than their level says, its closed hat not at all: the whole set picked so
 * aubio hears techno at 140 and 160 and trap at 90-160 within 1% (matched fully, trap at 160 read
 * 137; untouched, techno at 160 read 151). */
export const DRUM_KEYS: Partial<Record<InstrumentName, { keys: readonly number[]; gain: number; kits?: Partial<Record<DrumKit, number>> }>> = {
  kick: { keys: [36], gain: 2, kits: { tr808: 0.57 } },
  // (at 1.32 the 808 snare made aubio hear trap at 160 bpm as 137; drum and bass at 160 with an
  // acoustic snare read 153 at 1.0)
  snare: { keys: [38], gain: 1.32, kits: { tr808: 0.9 } },
  clap: { keys: [39], gain: 0.8, kits: { tr808: 0.5 } },
  rim: { keys: [37], gain: 0.77 },
  hat: { keys: [42], gain: 0.28 },
  pedalhat: { keys: [44], gain: 0.38 },
  openhat: { keys: [46], gain: 0.79, kits: { tr808: 0.3 } },
  crash: { keys: [49], gain: 0.61 },
  ride: { keys: [51], gain: 0.91 },
  tom: { keys: [41, 43, 45, 47, 48, 50], gain: 2.24, kits: { tr808: 0.47 } },
  shaker: { keys: [70], gain: 0.46 },
  tambourine: { keys: [54], gain: 0.28 },
  cowbell: { keys: [56], gain: 0.93 },
  bongo: { keys: [61, 60], gain: 1.6 },
  conga: { keys: [64, 63, 62], gain: 2 },
  timbale: { keys: [66, 65], gain: 1.87 },
  guiro: { keys: [74, 73], gain: 0.28 },
  clave: { keys: [75], gain: 0.72 },
  woodblock: { keys: [77, 76], gain: 0.78 },
  triangle: { keys: [80, 81], gain: 0.53 },
};

/** The General MIDI percussion program of each sampled kit ('chip' stays synthesized). */
export const KIT_PROGRAMS: Record<Exclude<DrumKit, 'chip'>, number> = {
  standard: 0, room: 8, power: 16, electronic: 24, tr808: 25, jazz: 32, brush: 40, orchestral: 48,
};
