import { describe, expect, it } from 'vitest';
import { GENRES } from '../../core/music.ts';
import { MAX_BPM, MIN_BPM, describeParams, parsePrompt } from '../../core/prompt/parse.ts';

describe('parsePrompt', () => {
  it.each([
    ['lo-fi hip hop at 80bpm', 'lofi', 80],
    ['trap beat 140 bpm', 'trap', 140],
    ['deep house groove, 122 BPM', 'house', 122],
    ['Berlin techno tempo 133', 'techno', 133],
    ['ambient soundscape 60 beats per minute', 'ambient', 60],
    ['indie rock at 150 bpm', 'indie', 150],
    ['heavy metal at 150 bpm', 'metal', 150],
    ['boom bap hip hop, 92 bpm', 'boombap', 92],
    ['smoky jazz club 96bpm', 'jazz', 96],
    ['solo piano piece, 70 bpm', 'piano', 70],
    ['liquid drum & bass 174 bpm', 'dnb', 174],
    ['epic cinematic orchestral trailer at 90 bpm', 'cinematic', 90],
    ['a song about my cat, 100 bpm', 'pop', 100],
  ] as const)('GIVEN "%s" THEN genre %s at %i bpm, both explicit', (text, genre, bpm) => {
    const p = parsePrompt(text, 1);
    expect(p.genre).toBe(genre);
    expect(p.bpm).toBe(bpm);
    expect(p.explicit).toContain('bpm');
    expect(p.explicit.includes('genre')).toBe(genre !== 'pop');
  });

  it.each([
    ['in F# minor', 'F#', 'minor'],
    ['F♯ minor', 'F#', 'minor'],
    ['Bb major', 'A#', 'major'],
    ['B♭ major', 'A#', 'major'],
    ['A min', 'A', 'minor'],
    ['e flat minor', 'D#', 'minor'],
    ['C sharp major', 'C#', 'major'],
    ['key of D', 'D', undefined],
    ['sad song in Am', 'A', 'minor'],
    ['Ebm trap', 'D#', 'minor'],
    ['G MAJOR', 'G', 'major'],
    ['in Db maj', 'C#', 'major'],
  ] as const)('GIVEN "%s" THEN key %s %s', (text, key, mode) => {
    const p = parsePrompt(text, 9);
    expect(p.key).toBe(key);
    expect(p.explicit).toContain('key');
    if (mode) {
      expect(p.mode).toBe(mode);
      expect(p.explicit).toContain('mode');
    }
  });

  it('GIVEN words that only look like keys THEN no key is read from them', () => {
    for (const text of ['I am happy', 'a dream', 'be cool', 'dm me a beat']) {
      expect(parsePrompt(text, 1).explicit).not.toContain('key');
    }
  });

  it('GIVEN tempo words THEN the tempo moves from the genre default, and explicit numbers win', () => {
    const base = parsePrompt('house', 1).bpm;
    expect(parsePrompt('slow house', 1).bpm).toBeLessThan(base);
    expect(parsePrompt('fast house', 1).bpm).toBeGreaterThan(base);
    expect(parsePrompt('upbeat ambient', 1).bpm).toBeGreaterThan(parsePrompt('ambient', 1).bpm);
    expect(parsePrompt('slow house at 128 bpm', 1).bpm).toBe(128);
  });

  it(`GIVEN an out-of-range tempo THEN it is clamped to ${MIN_BPM}..${MAX_BPM}`, () => {
    expect(parsePrompt('gabber 500 bpm', 1).bpm).toBe(MAX_BPM);
    expect(parsePrompt('drone at 5 bpm', 1).bpm).toBe(MIN_BPM);
    expect(parsePrompt('99999999999999999999 bpm', 1).bpm).toBe(MAX_BPM);
  });

  it('GIVEN moods THEN the mood is kept and shapes the mode unless a mode is named', () => {
    expect(parsePrompt('dark techno', 1)).toMatchObject({ mood: 'dark', mode: 'minor' });
    expect(parsePrompt('happy lofi', 1)).toMatchObject({ mood: 'happy', mode: 'major' });
    expect(parsePrompt('chill beats', 1).mood).toBe('chill');
    expect(parsePrompt('epic orchestral', 1).mood).toBe('epic');
    expect(parsePrompt('sad piano in C major', 1)).toMatchObject({ mood: 'sad', mode: 'major' });
  });

  it('GIVEN instruments and exclusions THEN both are listed, and a negated instrument is not asked for', () => {
    const p = parsePrompt('lofi with piano, strings and an 808, no drums', 1);
    expect(p.instruments).toEqual(expect.arrayContaining(['piano', 'strings', '808']));
    expect(p.instruments).not.toContain('drums');
    expect(p.excluded).toEqual(['drums']);
    expect(parsePrompt('rock without bass or drums, with guitar', 1).excluded.sort()).toEqual(['bass', 'drums']);
    expect(parsePrompt('drumless jazz', 1).excluded).toContain('drums');
    expect(parsePrompt('synth pads and bells', 1).instruments).toEqual(['synth', 'pads', 'bells']);
  });

  it('GIVEN "drum and bass" THEN it is the genre, not a request for drums and bass', () => {
    const p = parsePrompt('drum and bass', 1);
    expect(p.genre).toBe('dnb');
    expect(p.instruments).toEqual([]);
  });

  it('GIVEN structure words THEN they are kept in prompt order', () => {
    expect(parsePrompt('techno with an intro, a long build up and a huge drop, then an outro', 1).structure).toEqual([
      'intro', 'build', 'drop', 'outro',
    ]);
  });

  it('GIVEN hostile or odd text THEN it still returns valid parameters', () => {
    const odd = ['', '   ', '\u0000\u0007 bpm', '🎹🎹🎹', 'x'.repeat(50_000), 'ＤＥＥＰ　ＨＯＵＳＥ　１２０ ＢＰＭ', 'house\n\n\t128\tbpm', 'in   F#    minor', 'ab'.repeat(1000)];
    for (const text of odd) {
      const p = parsePrompt(text, 123);
      expect(GENRES).toContain(p.genre);
      expect(p.bpm).toBeGreaterThanOrEqual(MIN_BPM);
      expect(p.bpm).toBeLessThanOrEqual(MAX_BPM);
      expect(Number.isInteger(p.bpm)).toBe(true);
    }
    expect(parsePrompt('ＤＥＥＰ　ＨＯＵＳＥ　１２０ ＢＰＭ', 1)).toMatchObject({ genre: 'house', bpm: 120 });
    expect(parsePrompt('house\n\n\t128\tbpm', 1).bpm).toBe(128);
    expect(parsePrompt('in   F#    minor', 1)).toMatchObject({ key: 'F#', mode: 'minor' });
  });

  it('GIVEN the same text and seed THEN the same parameters; defaults vary with the seed', () => {
    expect(parsePrompt('house', 5)).toEqual(parsePrompt('house', 5));
    const keys = new Set(Array.from({ length: 40 }, (_, s) => parsePrompt('house', s).key));
    expect(keys.size).toBeGreaterThan(5);
    expect(parsePrompt('house', 2 ** 32 + 5).seed).toBe(5);
    expect(parsePrompt('house', -1).seed).toBeGreaterThanOrEqual(0);
  });
});

describe('describeParams', () => {
  it('GIVEN parsed parameters THEN one short line names genre, tempo, key and instruments', () => {
    const line = describeParams(parsePrompt('lo-fi hip hop in A minor at 80 bpm with piano', 1));
    expect(line).toBe('lo-fi hip hop · 80 bpm · A minor · piano, electric piano, flute, bass, drums');
    expect(describeParams(parsePrompt('dark trap in Bb minor at 140 bpm, no drums, with a drop', 1))).toBe(
      'dark trap · 140 bpm · Bb minor · 808, bells, pads · no drums · drop',
    );
    expect(describeParams(parsePrompt('Eb major jazz 120 bpm', 1))).toContain('Eb major');
  });
});
