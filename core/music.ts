/** What the prompt parser understood; stored as the generation's parameters and shown to users. */
import { Note } from '@tonaljs/tonal';

export const GENRES = [
  // the first eleven are stored in existing rows: keep their ids
  'lofi', 'trap', 'house', 'techno', 'ambient', 'rock', 'jazz', 'piano', 'dnb', 'cinematic', 'pop',
  'metal', 'punk', 'indie', 'funk', 'disco', 'soul', 'gospel', 'blues', 'bossa', 'samba', 'salsa', 'reggaeton', 'reggae',
  'afrobeat', 'country', 'folk', 'celtic', 'shanty', 'lullaby', 'chiptune', 'synthwave', 'trance', 'dubstep', 'garage',
  'drill', 'boombap', 'kpop', 'videogame',
] as const;
export type Genre = (typeof GENRES)[number];

export function isGenre(value: unknown): value is Genre {
  return typeof value === 'string' && (GENRES as readonly string[]).includes(value);
}

/** Sharps-only pitch classes: how keys were stored before they kept their spelling (and how audio checkers name them). */
export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;
export type PitchClass = (typeof PITCH_CLASSES)[number];
export type Mode = 'major' | 'minor';

/**
 * A key's tonic as spelled: 'Bb' stays 'Bb', 'A#' stays 'A#'. Rows stored before spelling was kept
 * hold the sharps of PITCH_CLASSES, which are key names too.
 */
export const KEY_NAMES = [
  'C', 'C#', 'Db', 'D', 'D#', 'Eb', 'E', 'F', 'F#', 'Gb', 'G', 'G#', 'Ab', 'A', 'A#', 'Bb', 'B', 'Cb',
] as const;
export type KeyName = (typeof KEY_NAMES)[number];

export function isKeyName(value: unknown): value is KeyName {
  return typeof value === 'string' && (KEY_NAMES as readonly string[]).includes(value);
}

/** 0 (C) .. 11 (B) for a key name, whatever its spelling: the engine's theory works on these. */
export function pitchClassOf(key: KeyName): number {
  const chroma = Note.chroma(key);
  if (chroma === undefined || !Number.isInteger(chroma)) throw new Error(`not a key name: ${String(key)}`);
  return chroma;
}

const USUAL_SPELLING: Record<Mode, readonly KeyName[]> = {
  major: ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'],
  minor: ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'G#', 'A', 'Bb', 'B'],
};

/** The spelling musicians usually write for a pitch class in a mode (Bb major, C# minor). */
export function usualKeyName(pitchClass: number, mode: Mode): KeyName {
  return USUAL_SPELLING[mode][((pitchClass % 12) + 12) % 12]!;
}

/** Something the parser could not honour as asked, and what it used instead. */
export interface Approximation {
  /** The words as they appeared in the (normalized) prompt: user text, escape when shown. */
  asked: string;
  used: string;
  kind: 'style' | 'instrument' | 'tempo';
}

/** What the parser made of the prompt, for the "what I understood" notice on every frontend. */
export interface PromptNotes {
  /** What came from the prompt and is honoured as asked ("jazz", "110 bpm", "Bb major", "piano"). */
  understood: string[];
  approximated: Approximation[];
  /** Words it recognised but cannot honour at all ("kazoo", "vocals"): user text. */
  ignored: string[];
  /** No style was recognised: the genre is the default. */
  defaultStyle: boolean;
}

/** In `MusicParams.excluded`: every part the prompt did not name ("piano only", "solo guitar"). */
export const ONLY_ASKED = 'others';

export interface MusicParams {
  bpm: number;
  key: KeyName;
  mode: Mode;
  genre: Genre;
  mood: string | null;
  /** Instruments the prompt asked for, in the parser's vocabulary ("piano", "808", "strings"). */
  instruments: string[];
  /** Instruments the prompt excluded ("no drums"). */
  excluded: string[];
  /** Structure words in prompt order ("intro", "build", "drop"). */
  structure: string[];
  /** uint32; the same prompt and seed render the same samples. */
  seed: number;
  /** Which of the above came from the prompt rather than the genre preset's defaults. */
  explicit: Array<'bpm' | 'key' | 'mode' | 'genre' | 'mood' | 'instruments' | 'structure'>;
  /** Absent on rows stored before the parser kept notes. */
  notes?: PromptNotes;
}
