/** Scales, chords and voicings in a key, in MIDI note numbers. */
import { pitchClassOf, type KeyName, type Mode } from '../../../core/music.ts';

const SCALES: Record<Mode, number[]> = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
};

export class Key {
  readonly tonic: number;
  readonly mode: Mode;
  readonly steps: number[];

  constructor(key: KeyName, mode: Mode) {
    this.tonic = pitchClassOf(key);
    this.mode = mode;
    this.steps = SCALES[mode];
  }

  /** MIDI note of scale degree `deg` (0-based, may be negative or beyond 7) near `octave`. */
  degree(deg: number, octave = 4): number {
    const o = Math.floor(deg / 7);
    const d = ((deg % 7) + 7) % 7;
    return 12 * (octave + 1 + o) + this.tonic + this.steps[d]!;
  }

  /** Chord on degree `root` as scale degrees stacked in thirds (size 3 = triad, 4 = seventh). */
  chord(root: number, size = 3): number[] {
    return Array.from({ length: size }, (_, i) => root + 2 * i);
  }

  /** Pitch classes of the chord, for melody and bass decisions. */
  chordPcs(root: number, size = 3): number[] {
    return this.chord(root, size).map((d) => this.degree(d, 0) % 12);
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
    return o * 7 + this.steps.indexOf(((rel % 12) + 12) % 12);
  }
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
