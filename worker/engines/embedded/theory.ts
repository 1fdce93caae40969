/**
 * Scales, chords and voicings in MIDI note numbers. Spelling and chord and scale tables come from
 * tonal.js; what is left here is placing pitch classes on the keyboard.
 */
import { Chord as TChord, Interval, RomanNumeral, Scale } from '@tonaljs/tonal';
import { pitchClassOf, type KeyName, type Mode } from '../../../core/music.ts';

const semis = (intervals: string[]) => intervals.map((i) => Interval.semitones(i) ?? 0);

/** Semitone steps of a tonal.js scale name ('dorian', 'minor pentatonic'), cached. */
const scaleCache = new Map<string, number[]>();
function scaleSteps(name: string): number[] {
  let s = scaleCache.get(name);
  if (!s) {
    const got = Scale.get(`C ${name}`);
    if (got.empty) throw new Error(`unknown scale ${name}`);
    s = semis(got.intervals);
    scaleCache.set(name, s);
  }
  return s;
}

export class Key {
  readonly tonic: number;
  readonly mode: Mode;
  readonly steps: number[];

  /** `key` in any spelling ('Bb', 'A#'); `scale` (tonal.js name) defaults to major or natural minor. */
  constructor(key: KeyName, mode: Mode, scale?: string) {
    this.tonic = pitchClassOf(key);
    this.mode = mode;
    this.steps = scaleSteps(scale ?? (mode === 'major' ? 'major' : 'aeolian'));
  }

  /** MIDI note of scale degree `deg` (0-based, may be negative or beyond the octave) near `octave`. */
  degree(deg: number, octave = 4): number {
    const n = this.steps.length;
    const o = Math.floor(deg / n);
    const d = ((deg % n) + n) % n;
    return 12 * (octave + 1 + o) + this.tonic + this.steps[d]!;
  }

  /** Is MIDI note in the scale? */
  inScale(midi: number): boolean {
    return this.steps.includes((((midi - this.tonic) % 12) + 12) % 12);
  }

  /** The nearest scale note to `midi`, preferring pitch classes in `prefer` when given. */
  snap(midi: number, prefer?: number[]): number {
    for (let d = 0; d < 12; d++) {
      for (const m of [midi - d, midi + d]) {
        if (prefer ? prefer.includes(((m % 12) + 12) % 12) : this.inScale(m)) return m;
      }
    }
    return midi;
  }

  /** Index of `midi` among scale notes (inverse of degree), for stepwise motion. */
  scaleIndex(midi: number): number {
    const m = this.snap(midi);
    const rel = m - this.tonic - 12;
    const o = Math.floor(rel / 12);
    return o * this.steps.length + this.steps.indexOf(((rel % 12) + 12) % 12);
  }
}

export interface Chord {
  /** Pitch class of the root. */
  root: number;
  /** Pitch classes, root first, at most four (a ninth replaces the fifth). */
  pcs: number[];
  /** The numeral it came from ('V7'), for idioms that care about function. */
  numeral: string;
}

const LOWER_TYPES: Record<string, string> = { '': 'm', '7': 'm7', '9': 'm9', '6': 'm6', add9: 'madd9', 'ø7': 'm7b5', '°': 'dim', '°7': 'dim7', maj7: 'mMaj7' };
const UPPER_TYPES: Record<string, string> = { '°': 'dim', '°7': 'dim7', 'ø7': 'm7b5' };

/** One roman numeral ('bVImaj7', 'iiø7', 'V7') in a key whose tonic is pitch class `tonic`. */
export function chordOf(tonic: number, numeral: string): Chord {
  const rn = RomanNumeral.get(numeral);
  if (rn.empty) throw new Error(`bad roman numeral ${numeral}`);
  const type = rn.major ? (UPPER_TYPES[rn.chordType] ?? rn.chordType) : (LOWER_TYPES[rn.chordType] ?? rn.chordType);
  const root = ((Interval.semitones(rn.interval) ?? 0) + tonic) % 12;
  const got = TChord.getChord(type, 'C');
  if (got.empty) throw new Error(`unknown chord type ${type} in ${numeral}`);
  let pcs = semis(got.intervals).map((s) => (s + root) % 12);
  if (pcs.length > 4) pcs = [pcs[0]!, pcs[1]!, ...pcs.slice(3, 5)];
  return { root, pcs, numeral };
}

const progCache = new Map<string, Chord[]>();
/** A progression written as space-separated roman numerals, cached per key. */
export function progression(tonic: number, numerals: string): Chord[] {
  const k = `${tonic}:${numerals}`;
  let p = progCache.get(k);
  if (!p) {
    p = numerals.trim().split(/\s+/).map((n) => chordOf(tonic, n));
    progCache.set(k, p);
  }
  return p;
}

/**
 * A close voicing of the chord's pitch classes placed around `center`, keeping voices near the
 * previous voicing so chord changes move smoothly (voice leading).
 */
export function voice(pcs: number[], center: number, previous?: number[]): number[] {
  const notes = pcs.map((pc) => {
    const target = previous ? previous.reduce((a, b) => a + b, 0) / previous.length : center;
    let m = pc + 12 * Math.round((target - pc) / 12);
    if (m - target > 6) m -= 12;
    if (target - m > 6) m += 12;
    return m;
  });
  return notes.sort((a, b) => a - b);
}

export const midiToHz = (m: number) => 440 * 2 ** ((m - 69) / 12);
