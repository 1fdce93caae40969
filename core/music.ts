/** What the prompt parser understood; stored as the generation's parameters and shown to users. */
export const GENRES = [
  // the first eleven are stored in existing rows: keep their ids
  'lofi', 'trap', 'house', 'techno', 'ambient', 'rock', 'jazz', 'piano', 'dnb', 'cinematic', 'pop',
  'metal', 'punk', 'indie', 'funk', 'disco', 'soul', 'gospel', 'blues', 'bossa', 'samba', 'salsa', 'reggaeton', 'reggae',
  'afrobeat', 'country', 'folk', 'celtic', 'shanty', 'lullaby', 'chiptune', 'synthwave', 'trance', 'dubstep', 'garage',
  'drill', 'boombap', 'kpop', 'videogame',
] as const;
export type Genre = (typeof GENRES)[number];

export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;
export type PitchClass = (typeof PITCH_CLASSES)[number];
export type Mode = 'major' | 'minor';

export interface MusicParams {
  bpm: number;
  key: PitchClass;
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
}
