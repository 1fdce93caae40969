/** Piano, orchestra, lullaby and jazz: styles led by harmony and phrasing. */
import { BASE, type Style } from '../presets.ts';

export const piano: Style = {
  ...BASE, kit: 'standard', humanize: 0.012, space: 0.5,
  progressions: {
    major: ['I V vi iii IV I IV V', 'I IV V I', 'I vi IV V', 'I iii IV V', 'vi IV I V'],
    minor: ['i iv V i', 'i bVI iv V', 'i iv bVII bIII bVI iiø7 V i', 'i bVII bVI V'],
  },
  scale: { minor: 'harmonic minor' },
  grooves: null,
  fills: [],
  bass: { style: 'none', inst: 'sub', octave: 2 },
  chords: { style: ['pianoLH', 'arp', 'waltz'], inst: 'piano', center: 52 },
  melody: { style: ['flowing', 'hook', 'long'], inst: 'piano', center: 72 },
  form: 'calm',
};

export const lullaby: Style = {
  ...BASE, kit: 'standard', humanize: 0.015, space: 0.6,
  progressions: { major: ['I IV I V', 'I vi IV V', 'I V I IV', 'IV I V I'], minor: ['i iv i V', 'i bVI bIII bVII'] },
  scale: { major: 'major pentatonic' },
  grooves: null,
  fills: [],
  bass: { style: ['pedal', 'none'], inst: ['upright', 'sub'], octave: 2 },
  chords: { style: ['waltz', 'arp'], inst: ['harp', 'piano', 'nylonGuitar', 'celesta'], center: 57 },
  pad: [null, 'strings', 'warmPad'],
  melody: { style: ['long', 'hook'], inst: ['musicBox', 'celesta', 'glockenspiel', 'flute'], center: 76 },
  counter: ['flute', 'strings'],
  form: 'calm',
};

export const cinematic: Style = {
  ...BASE, kit: 'orchestral', space: 0.8,
  progressions: { major: ['I V vi IV', 'I iii IV iv', 'vi IV I V', 'I bVI bVII I'], minor: ['i bVI bIII bVII', 'i bVI iv V', 'i bVI bVII i', 'i iv bVI V'] },
  scale: { minor: 'harmonic minor' },
  grooves: [
    { taiko: 'x..x..x.x...o...', tom: '..........o.o...' },
    { taiko: 'x..x..x.x..xo.o.', snare: '....x.......x...' },
    { taiko: 'x.......x.x.....', tom: '....o..o....o.oo', crash: 'x...............' },
  ],
  fills: [{ taiko: '........x.x.xxxx' }, { tom: '........xoxoxoxo', taiko: '............x...' }],
  intro: { taiko: 'x.......x.......' },
  bass: { style: 'pedal', inst: ['cello', 'sub'], octave: 1 },
  chords: { style: ['ostinato', 'sustain'], inst: ['staccato', 'pizzicato', 'strings'], center: 57 },
  pad: ['strings', 'choir'],
  melody: { style: ['long', 'hook'], inst: ['brass', 'violin', 'choir', 'trombone'], center: 67 },
  counter: ['violin', 'flute', 'glockenspiel'],
  form: 'song',
  // (taiko and toms half the energy)
  mix: { taiko: -2 },
};

export const jazz: Style = {
  ...BASE, kit: 'jazz', swing: 0.33, swingGrid: 8, humanize: 0.01, space: 0.4,
  // Every turnaround resolves its ii-V onto I and every phrase but the ii-V-I opens on I: a
  // tonic heard only in passing (iii-vi-ii-V) made a chroma listener hear the key a fifth up.
  progressions: {
    major: ['ii7 V7 Imaj7 Imaj7', 'Imaj7 vi7 ii7 V7', 'Imaj7 IVmaj7 V7 Imaj7', 'Imaj7 VI7 ii7 V7', 'Imaj7 I7 IVmaj7 iv7'],
    minor: ['iiø7 V7 im7 im7', 'im7 iv7 V7 im7', 'im7 bVImaj7 iiø7 V7', 'im7 im7 iv7 V7'],
  },
  scale: { minor: 'dorian' },
  // swing ride, hat on 2 and 4, feathered kick; brushes for the quieter sections
  grooves: [
    { ride: 'x...x.o.x...x.o.', pedalhat: '....o.......o...', kick: '-...-...-...-...' },
    { ride: 'x...x.o.x...x.o.', pedalhat: '....o.......o...', kick: '-...-...-...-...', snare: '......-.......-.' },
    { snare: 'o...o.-.o...o.-.', pedalhat: '....o.......o...', kick: '-.......-.......' },
    { ride: 'x...x.o.x...x.o.', pedalhat: '....o.......o...', snare: '..-.......-...-.', kick: '-.....-.-.......' },
  ],
  fills: [{ snare: '........o.o.x.x.', kick: '...........x' }, { tom: '........o.o.o.o.', snare: '....-.......x...' }],
  intro: { ride: 'x...x.o.x...x.o.', pedalhat: '....o.......o...' },
  bass: { style: 'walking', inst: ['upright', 'fretlessBass'], octave: 2 },
  chords: { style: 'charleston', inst: ['piano', 'epiano', 'cleanGuitar'], center: 62 },
  melody: { style: 'flowing', inst: ['sax', 'trumpet', 'vibes', 'clarinet'], center: 70 },
  counter: ['trumpet', 'vibes'],
  form: 'jam',
};

export const CLASSICAL = { piano, lullaby, cinematic, jazz };
