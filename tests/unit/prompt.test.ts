import { describe, expect, it } from 'vitest';
import { GENRES, ONLY_ASKED, isKeyName, pitchClassOf, usualKeyName } from '../../core/music.ts';
import { GENRE_INFO } from '../../core/prompt/genres.ts';
import { INSTRUMENT_NAMES, MAX_BPM, MIN_BPM, describeNotes, describeParams, keyLabel, parsePrompt } from '../../core/prompt/parse.ts';
import { INSTRUMENT_ROLES } from '../../worker/engines/embedded/compose.ts';
import { Key } from '../../worker/engines/embedded/theory.ts';

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
    ['Bb major', 'Bb', 'major'],
    ['B♭ major', 'Bb', 'major'],
    ['A min', 'A', 'minor'],
    ['e flat minor', 'Eb', 'minor'],
    ['C sharp major', 'C#', 'major'],
    ['key of D', 'D', undefined],
    ['sad song in Am', 'A', 'minor'],
    ['Ebm trap', 'Eb', 'minor'],
    ['G MAJOR', 'G', 'major'],
    ['in Db maj', 'Db', 'major'],
    ['A# minor', 'A#', 'minor'],
    ['lofi in a minor', 'A', 'minor'],
    ['in F#', 'F#', undefined],
    // German: lower case for minor by habit, B is B flat, H is B, -is sharp, -es/-s flat.
    ['d-Moll', 'D', 'minor'],
    ['Es-Dur', 'Eb', 'major'],
    ['fis-Moll', 'F#', 'minor'],
    ['B-Dur', 'Bb', 'major'],
    ['h-Moll', 'B', 'minor'],
    ['As-Dur Walzer', 'Ab', 'major'],
    ['cis moll', 'C#', 'minor'],
    // French, Spanish, Portuguese solfège.
    ['ré mineur', 'D', 'minor'],
    ['sol majeur', 'G', 'major'],
    ['si bémol majeur', 'Bb', 'major'],
    ['fa dièse mineur', 'F#', 'minor'],
    ['re menor', 'D', 'minor'],
    ['la mayor', 'A', 'major'],
    ['mi bemol mayor', 'Eb', 'major'],
    ['fa sostenido menor', 'F#', 'minor'],
    ['samba em do maior', 'C', 'major'],
    // an accidental without a mode is still a key (these played the seed's key before)
    ['jazz en si bémol', 'Bb', undefined],
    ['la bémol', 'Ab', undefined],
    ['bossa en fa sostenido', 'F#', undefined],
  ] as const)('GIVEN "%s" THEN key %s %s', (text, key, mode) => {
    const p = parsePrompt(text, 9);
    expect(p.key).toBe(key);
    expect(p.explicit).toContain('key');
    if (mode) {
      expect(p.mode).toBe(mode);
      expect(p.explicit).toContain('mode');
    }
  });

  it('GIVEN English words that only look like keys THEN no key is read from them', () => {
    for (const text of ['I am happy', 'a dream', 'be cool', 'dm me a beat', 'Am I dreaming', 'Am I dreaming?', 'a song', 'write me a song in a minute',
      'dancing in a club', 'a major banger', 'a minor detail about my cat', 'as slow as possible', 'Am so tired']) {
      const p = parsePrompt(text, 1);
      expect(p.explicit, text).not.toContain('key');
      expect(p.explicit, text).not.toContain('mode');
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

describe('keys keep their spelling', () => {
  it('GIVEN a flat key THEN it is stored and shown as written, with the engine pitch class of its enharmonic', () => {
    const p = parsePrompt('jazz trio in Bb major, 110 bpm', 1);
    expect(p.key).toBe('Bb');
    expect(describeParams(p)).toContain('Bb major');
    expect(describeParams(p)).not.toContain('A#');
    expect(pitchClassOf('Bb')).toBe(10);
    expect(pitchClassOf('A#')).toBe(10);
    expect(pitchClassOf('Cb')).toBe(11);
    expect(new Key('Bb', 'major').tonic).toBe(10);
  });

  it('GIVEN a row stored before spelling was kept (sharps, no notes) THEN it is still valid and shown in the usual spelling', () => {
    const old = { ...parsePrompt('jazz 120 bpm', 1), key: 'A#' as const, mode: 'major' as const, notes: undefined };
    expect(isKeyName(old.key)).toBe(true);
    expect(keyLabel(old)).toBe('Bb major');
    expect(describeParams(old)).toContain('Bb major');
    expect(new Key(old.key, old.mode).tonic).toBe(10);
  });

  it('GIVEN no key in the prompt THEN the seed picks one, spelled as usual for the mode', () => {
    for (let seed = 0; seed < 60; seed++) {
      const p = parsePrompt('house', seed);
      expect(isKeyName(p.key)).toBe(true);
      expect(usualKeyName(pitchClassOf(p.key), p.mode)).toBe(p.key);
    }
  });
});

describe('issue 11 parsing cases', () => {
  it('GIVEN "d-Moll" THEN D minor, not D major', () => {
    expect(parsePrompt('Klaviermusik in d-Moll', 1)).toMatchObject({ key: 'D', mode: 'minor' });
  });
  it('GIVEN "Am I dreaming" THEN no key and no mode are read', () => {
    const p = parsePrompt('Am I dreaming', 1);
    expect(p.explicit).not.toContain('key');
    expect(p.explicit).not.toContain('mode');
  });
  it('GIVEN "heavy metal" THEN metal, not rock', () => {
    expect(parsePrompt('heavy metal', 1).genre).toBe('metal');
    expect(parsePrompt('heavy metal in E minor', 1)).toMatchObject({ genre: 'metal', key: 'E', mode: 'minor' });
  });
  it.each([
    ['dnb 174', 'dnb', 174],
    ['tempo 174', 'pop', 174],
    ['house 122', 'house', 122],
    ['lofi hip hop 85', 'lofi', 85],
    ['liquid dnb 170, rainy night', 'dnb', 170],
  ] as const)('GIVEN "%s" THEN the bare number is the tempo', (text, genre, bpm) => {
    const p = parsePrompt(text, 1);
    expect(p).toMatchObject({ genre, bpm });
    expect(p.explicit).toContain('bpm');
  });
  it.each([
    ['dnb 174 with 2 pads'], // two numbers: which one is the tempo?
    ['punk like blink 182'], // the number follows a name, not a style
    ['top 40 pop'], // before the style
    ['house 3'], // not a tempo we play
    ['house 7000'],
  ])('GIVEN "%s" THEN no number is read as the tempo', (text) => {
    expect(parsePrompt(text, 1).explicit).not.toContain('bpm');
  });
  it('GIVEN Bb THEN it is shown as Bb, not A#', () => {
    expect(describeParams(parsePrompt('Bb major jazz 120 bpm', 1))).toContain('Bb major');
    expect(describeParams(parsePrompt('Eb major jazz 120 bpm', 1))).toContain('Eb major');
  });
});

describe('style words in other languages and emoji', () => {
  it.each([
    ['子守唄', 'lullaby'], ['やさしい子守唄をください', 'lullaby'], ['ロック', 'rock'], ['激しいロック', 'rock'], ['ジャズ', 'jazz'], ['ピアノ', 'piano'],
    ['ボサノバ', 'bossa'], ['サンバ', 'samba'], ['フォーク', 'folk'],
    ['canción de cuna', 'lullaby'], ['cancion de cuna para dormir', 'lullaby'], ['canção de ninar', 'lullaby'], ['berceuse', 'lullaby'],
    ['Wiegenlied', 'lullaby'], ['musique classique', 'piano'], ['música clásica', 'piano'], ['klassische Musik', 'piano'], ['Volksmusik', 'folk'],
    ['música folclórica', 'folk'], ['bossa nova', 'bossa'], ['samba de roda', 'samba'], ['rock en español', 'rock'], ['jazz manouche', 'jazz'],
    ['sea shanty', 'shanty'], ['8-bit', 'chiptune'], ['k-pop', 'kpop'],
    ['🎹', 'piano'], ['🎸', 'rock'], ['🎷', 'jazz'], ['🤘', 'metal'], ['🌊', 'ambient'], ['🎸🔥', 'rock'], ['🎷 at night', 'jazz'],
  ] as const)('GIVEN "%s" THEN %s, understood', (text, genre) => {
    const p = parsePrompt(text, 1);
    expect(p.genre).toBe(genre);
    expect(p.explicit).toContain('genre');
    expect(p.notes?.defaultStyle).toBe(false);
    expect(p.notes?.approximated.filter((a) => a.kind === 'style')).toEqual([]);
  });

  it('GIVEN instrument words in other languages THEN the instrument is asked for', () => {
    expect(parsePrompt('Klavier und Geige', 1).instruments).toEqual(expect.arrayContaining(['piano', 'violin']));
    expect(parsePrompt('rock con guitarra y batería', 1).instruments).toEqual(expect.arrayContaining(['guitar', 'drums']));
  });
});

describe('moods move tempo and mode within the style', () => {
  const base = (text: string) => parsePrompt(text, 7);
  it.each([
    ['happy', 'major', 1],
    ['energetic', undefined, 1],
    ['sad', 'minor', -1],
    ['dark', 'minor', -1],
    ['dreamy', undefined, -1],
    ['romantic', 'major', -1],
    ['calm', undefined, -1],
  ] as const)('GIVEN a %s prompt THEN mode %s and a tempo moved that way, within the style', (mood, mode, direction) => {
    for (const style of ['house', 'lofi', 'pop', 'jazz']) {
      const plain = base(style);
      const moody = base(`${mood} ${style}`);
      if (mode) expect(moody.mode).toBe(mode);
      expect(Math.sign(moody.bpm - plain.bpm), `${mood} ${style}: ${plain.bpm} → ${moody.bpm}`).toBe(direction);
      const info = GENRE_INFO[plain.genre];
      expect(moody.bpm).toBeGreaterThanOrEqual(Math.floor(info.bpm * 0.85));
      expect(moody.bpm).toBeLessThanOrEqual(Math.ceil(info.bpm * 1.15));
    }
  });
  it('GIVEN a mood and an explicit tempo or mode THEN the prompt wins', () => {
    expect(parsePrompt('sad house at 128 bpm in C major', 1)).toMatchObject({ bpm: 128, mode: 'major', mood: 'sad' });
  });
  it('GIVEN mood words in other languages THEN the mood is read', () => {
    expect(parsePrompt('canción triste', 1).mood).toBe('sad');
    expect(parsePrompt('fröhliche Polka', 1).mood).toBe('happy');
  });
});

describe('nothing silent: nearest style, nearest instrument, ignored words, default style', () => {
  it.each([
    ['grunge', 'rock', 'rock'],
    ['ska', 'reggae', 'reggae / dancehall'],
    ['emo', 'punk', 'punk'],
    ['zouk', 'reggaeton', 'reggaeton'],
    ['polka', 'folk', 'folk'],
    ['opera', 'cinematic', 'cinematic orchestral'],
    ['vaporwave', 'synthwave', 'synthwave'],
    ['bluegrass', 'country', 'country'],
    ['acid jazz', 'jazz', 'jazz'],
    ['electronica', 'house', 'house'],
    ['requiem', 'cinematic', 'cinematic orchestral'],
    ['gamelan', 'ambient', 'ambient'],
    ['zydeco', 'folk', 'folk'],
  ] as const)('GIVEN "%s" THEN it is played as %s and the notice says so', (word, genre, label) => {
    const p = parsePrompt(`${word} song at 120 bpm`, 1);
    expect(p.genre).toBe(genre);
    expect(p.notes?.approximated).toContainEqual({ asked: word, used: label, kind: 'style' });
    expect(describeNotes(p)).toBe(`Played as ${label}: I don't know ${word} yet.`);
  });

  it.each([
    ['theremin', 'synth'],
    ['koto', 'harp'],
    ['ukulele', 'nylon guitar'],
    ['tuba', 'trombone'],
    ['tabla', 'drums'],
  ] as const)('GIVEN an instrument we cannot play (%s) THEN the nearest (%s) is played and the notice says so', (word, used) => {
    const p = parsePrompt(`ambient with ${word}`, 1);
    expect(p.instruments).toContain(used);
    expect(p.notes?.approximated).toContainEqual({ asked: word, used, kind: 'instrument' });
    expect(describeNotes(p)).toContain(`Played ${used} instead of ${word}`);
  });

  it('GIVEN instruments the engine plays (banjo, marimba, upright bass…) THEN they are asked for as named, with no notice', () => {
    for (const word of ['banjo', 'marimba', 'upright bass', 'accordion', 'steel drums', 'harpsichord', 'sitar', 'harmonica', 'clarinet', 'cello', 'kalimba']) {
      const p = parsePrompt(`folk with ${word}`, 1);
      expect(p.instruments, word).toEqual([word]);
      expect(describeNotes(p), word).toBeNull();
    }
    // the longer name is read, not its parts
    expect(parsePrompt('house with steel drums and an upright bass', 1).instruments).toEqual(['steel drums', 'upright bass']);
    expect(parsePrompt('lofi with electric piano', 1).instruments).toEqual(['electric piano']);
  });

  it('GIVEN "vibes" as slang THEN no vibraphone; listed with other instruments THEN the vibraphone', () => {
    for (const text of ['chill vibes', 'good vibes only lofi', 'summer vibes house']) expect(parsePrompt(text, 1).instruments, text).toEqual([]);
    expect(parsePrompt('jazz trio with piano and vibes', 1).instruments).toEqual(['piano', 'vibraphone']);
    expect(parsePrompt('jazz with vibes', 1).instruments).toEqual(['vibraphone']);
  });

  it('GIVEN "X only", "only X" or "solo X" after a style THEN X and nothing else, and the reply says so', () => {
    for (const [text, inst] of [['lofi piano only', 'piano'], ['jazz with only piano', 'piano'], ['drums only techno', 'drums'], ['rock, solo guitar', 'guitar']] as const) {
      const p = parsePrompt(text, 1);
      expect(p.instruments, text).toEqual([inst]);
      expect(p.excluded, text).toContain(ONLY_ASKED);
      expect(describeParams(p), text).toMatch(new RegExp(` · ${inst} · nothing else$`));
    }
    // "only" and "solo" elsewhere in the sentence say nothing about the band
    for (const text of ['the only thing i want is jazz with sax', 'pop with a guitar solo', 'jazz sax solo']) expect(parsePrompt(text, 1).excluded, text).toEqual([]);
  });

  it('GIVEN any instrument name the parser can hand over THEN the composition knows it', () => {
    for (const name of INSTRUMENT_NAMES) expect(name === 'drums' || name in INSTRUMENT_ROLES, name).toBe(true);
  });

  it('GIVEN words we cannot honour at all THEN they are listed as ignored', () => {
    const p = parsePrompt('jazz with kazoo and vocals', 1);
    expect(p.notes?.ignored).toEqual(['kazoo', 'vocals']);
    expect(describeNotes(p)).toBe("Ignored: 'kazoo', 'vocals'.");
  });

  it('GIVEN no recognisable style THEN the default is played and the notice says so', () => {
    for (const text of ['a song about my cat', 'something nice', '']) {
      const p = parsePrompt(text, 1);
      expect(p.genre).toBe('pop');
      expect(p.notes?.defaultStyle).toBe(true);
      expect(describeNotes(p)).toBe("I didn't recognise a style, so I played pop.");
    }
  });

  it('GIVEN an out-of-range tempo THEN the notice says what was played', () => {
    expect(describeNotes(parsePrompt('gabber 500 bpm', 1))).toContain('Played at 240 bpm: 500 bpm is outside 40-240 bpm.');
  });

  it('GIVEN a prompt honoured as asked THEN there is no notice, and the notes list what was understood', () => {
    const p = parsePrompt('happy jazz in Bb major at 110 bpm with piano, no drums', 1);
    expect(describeNotes(p)).toBeNull();
    expect(p.notes?.understood).toEqual(['jazz', '110 bpm', 'Bb major', 'happy', 'piano', 'no drums']);
  });

  it('GIVEN one prompt with several notes THEN one notice says them all, in order', () => {
    expect(describeNotes(parsePrompt('ska with theremin and kazoo', 1))).toBe(
      "Played as reggae / dancehall: I don't know ska yet. Played synth instead of theremin: I can't play theremin yet. Ignored: 'kazoo'.",
    );
  });

  it('GIVEN a row stored before notes existed THEN there is no notice', () => {
    expect(describeNotes({ ...parsePrompt('ska', 1), notes: undefined })).toBeNull();
  });

  it('GIVEN the 40 prompts outside the old style list THEN none silently falls back to pop', () => {
    const prompts = ['sea shanty', '8-bit adventure', 'bossa nova', '子守唄', 'ロック', '🎹', '🎸', '🎷', '🤘', '🌊', 'berceuse', 'Wiegenlied',
      'canción de cuna', 'reggaeton', 'funk', 'country', 'synthwave', 'k-pop', 'metal', 'grunge', 'ska', 'polka', 'opera', 'zouk', 'emo'];
    for (const text of prompts) {
      const p = parsePrompt(text, 1);
      expect(p.genre === 'pop' && describeNotes(p) === null, text).toBe(false);
      expect(p.notes?.defaultStyle, text).toBe(false);
    }
  });
});
