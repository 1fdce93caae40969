/** Genre facts the prompt parser and the chat need: names people type, tempo and mode defaults. */
import type { Genre, Mode } from '../music.ts';

export interface GenreInfo {
  label: string;
  bpm: number;
  /** The default tempo varies by up to this much with the seed, so tracks are not all alike. */
  bpmSpread: number;
  mode: Mode;
  /** Instruments shown to the user when the prompt names none. */
  instruments: string[];
  /** Phrases that name the genre, most specific first (matched on normalized text). */
  words: string[];
}

export const GENRE_INFO: Record<Genre, GenreInfo> = {
  lofi: {
    label: 'lo-fi hip hop', bpm: 80, bpmSpread: 5, mode: 'minor', instruments: ['electric piano', 'flute', 'bass', 'drums'],
    words: ['lo fi', 'lofi', 'chillhop', 'chill hop', 'study beats', 'boom bap', 'hip hop', 'hiphop', 'beats to study'],
  },
  trap: { label: 'trap', bpm: 140, bpmSpread: 4, mode: 'minor', instruments: ['808', 'bells', 'pads', 'drums'], words: ['trap', 'drill'] },
  house: {
    label: 'house', bpm: 124, bpmSpread: 3, mode: 'minor', instruments: ['organ', 'bass', 'pads', 'drums'],
    words: ['deep house', 'tech house', 'house'],
  },
  techno: { label: 'techno', bpm: 130, bpmSpread: 4, mode: 'minor', instruments: ['acid bass', 'synth', 'drums'], words: ['techno', 'rave', 'acid'] },
  ambient: {
    label: 'ambient', bpm: 70, bpmSpread: 6, mode: 'major', instruments: ['pads', 'strings', 'bells'],
    words: ['ambient', 'drone', 'soundscape', 'meditation', 'atmospheric'],
  },
  rock: {
    label: 'rock', bpm: 120, bpmSpread: 6, mode: 'major', instruments: ['guitar', 'bass', 'drums'],
    words: ['rock', 'punk', 'grunge', 'metal', 'indie rock'],
  },
  jazz: { label: 'jazz', bpm: 126, bpmSpread: 8, mode: 'major', instruments: ['piano', 'bass', 'sax', 'drums'], words: ['jazz', 'bebop', 'swing'] },
  piano: {
    label: 'solo piano', bpm: 76, bpmSpread: 6, mode: 'major', instruments: ['piano'],
    words: ['solo piano', 'piano solo', 'piano only', 'just piano', 'piano ballad', 'only piano'],
  },
  dnb: {
    label: 'drum and bass', bpm: 172, bpmSpread: 3, mode: 'minor', instruments: ['bass', 'pads', 'synth', 'drums'],
    words: ['drum and bass', 'drum n bass', 'drum & bass', 'drum&bass', 'drumnbass', 'dnb', 'd&b', 'jungle', 'liquid funk'],
  },
  cinematic: {
    label: 'cinematic orchestral', bpm: 96, bpmSpread: 6, mode: 'minor', instruments: ['strings', 'brass', 'drums'],
    words: ['cinematic', 'orchestral', 'orchestra', 'film score', 'soundtrack', 'trailer', 'symphonic'],
  },
  pop: { label: 'pop', bpm: 112, bpmSpread: 6, mode: 'major', instruments: ['piano', 'synth', 'bass', 'drums'], words: ['synthpop', 'pop'] },
};
