/** Latin, Caribbean, African and folk-tradition styles. */
import { BASE, type Style } from '../presets.ts';

export const bossa: Style = {
  ...BASE, kit: 'brush', humanize: 0.01, space: 0.4,
  progressions: { major: ['Imaj7 II7 ii7 V7', 'Imaj7 vi7 ii7 V7', 'ii7 V7 Imaj7 Imaj7', 'Imaj7 bVII7 IVmaj7 iv7'], minor: ['im7 iv7 v7 im7', 'im7 bVImaj7 iiø7 V7', 'iv7 bVII7 bIIImaj7 V7'] },
  // rim on the bossa clave, kick on 1 and the "and" of 2 (surdo feel), 8ths on the hat
  grooves: [
    { kick: 'x..x....x..x....', rim: 'x..x..x...x..x..', hat: 'o.o.o.o.o.o.o.o.' },
    { kick: 'x..x....x..x....', rim: '..x..x...x..x...', shaker: 'o-o-o-o-o-o-o-o-' },
    { kick: 'x..x....x..x....', rim: 'x..x..x...x..x..', ride: 'x.o.x.o.x.o.x.o.', triangle: '..o...o...o...o.' },
  ],
  fills: [{ rim: '........x..x..x.' }, { tom: '..........o..o..', rim: '........x.......' }],
  bass: { style: 'bossa', inst: ['upright', 'fingerBass'], octave: 2 },
  chords: { style: 'bossa', inst: ['nylonGuitar', 'epiano'], center: 60 },
  melody: { style: ['flowing', 'sparse'], inst: ['flute', 'sax', 'vibes'], center: 72 },
  counter: ['strings', 'flute'],
  form: 'jam', pan: { chords: -0.25, melody: 0.2 },
};

export const samba: Style = {
  ...BASE, kit: 'standard', humanize: 0.006, space: 0.35,
  progressions: { major: ['I VI7 ii V7', 'I I7 IV iv', 'ii7 V7 I I', 'I vi ii V7'], minor: ['i iv V7 i', 'i bVII bVI V7'] },
  // surdo on 2 (the low drum on beat 2 of each 2/4 bar), tamborim and agogo (cowbell) lines
  grooves: [
    { kick: 'x......xx......x', tom: '....x.......x...', shaker: 'xoooxoooxoooxooo', cowbell: 'x..x..x...x.x...' },
    { kick: 'x......xx......x', tom: '....x.......x...', tambourine: 'x.xx.x.xx.xx.x.x', hat: 'o-o-o-o-o-o-o-o-' },
    { kick: 'x...x...x...x...', snare: '-.o-.o-.-.o-.o-.', shaker: 'xoooxoooxoooxooo', cowbell: 'x.x..x.x.x..x.x.' },
  ],
  fills: [{ snare: '........xoxoxoxx' }, { tom: '........x.x.x.x.', tambourine: '........xxxxxxxx' }],
  bass: { style: ['twoFeel', 'bossa'], inst: ['fingerBass', 'upright'], octave: 2 },
  chords: { style: ['bossa', 'strum'], inst: ['nylonGuitar', 'steelGuitar'], center: 62 },
  melody: { style: ['flowing', 'hook'], inst: ['trumpet', 'flute', 'sax'], center: 73 },
  counter: ['brass', 'trombone'],
  form: 'jam',
};

export const salsa: Style = {
  ...BASE, kit: 'standard', humanize: 0.005, space: 0.35,
  progressions: { major: ['I IV V IV', 'ii7 V7 I I', 'I V7 V7 I'], minor: ['i iv V7 i', 'i bVII bVI V7', 'iv V7 i i', 'i iv bVII bIII'] },
  // son clave 3-2 over one bar of 16ths, cascara on the timbale, tumbao on the congas, the
  // bongo bell on the beat, the kick on 1 and 3 (on the "a" of 1 and 3 it doubled the clave's
  // second stroke and pulled a listener onto dotted eighths)
  grooves: [
    { clave: 'x..x..x...x.x...', conga: '......o.x.....o.', cowbell: 'x...x...x...x...', kick: 'x.......x.......', guiro: 'x.ox.ox.x.ox.ox.' },
    // (the bongo bell on the beat here too: cascara, tumbao and montuno alone, all anticipations,
    // read 101 bpm as 129)
    { clave: 'x..x..x...x.x...', timbale: 'x.xx.xx.x.xx.x.x', conga: '--o.x.o.--o.x.o.', kick: 'x.......x.......', cowbell: 'x...x...x...x...' },
    { clave: '..x.x...x..x..x.', conga: '......o.x.....o.', cowbell: 'x.o.x.o.x.o.x.o.', bongo: 'x-o-x-o-x-o-x-o-', kick: 'x.......x.......' },
  ],
  fills: [{ timbale: '........x.x.xxxx', clave: 'x..x..x.' }, { timbale: '........xoxoxoxx', conga: '........oooo.x.x' }],
  intro: { clave: 'x..x..x...x.x...', conga: '......o.x.....o.' },
  bass: { style: 'tumbao', inst: ['fingerBass', 'upright'], octave: 2 },
  chords: { style: 'montuno', inst: ['piano', 'brightPiano'], center: 64 },
  melody: { style: ['hook', 'riff'], inst: ['trumpet', 'brass', 'flute'], center: 72 },
  counter: ['trombone', 'brass'],
  form: 'jam', pan: { chords: -0.2, melody: 0.25, counter: -0.35 },
  // Clave, cascara, tumbao and montuno all anticipate the beat: at full strength aubio heard 101
  // bpm as 135 (the clave's 3-3-2 as the beat) in 4 of 12 seeds, and 94 as 190 in 2 of 20. The
  // drums between the beats play 0.6 (4.4 dB down), the piano's and bass's eighths too.
  drumOffBeats: 0.6, offBeats: 0.6, offBeatsBelow: 120,
};

export const reggae: Style = {
  ...BASE, kit: 'room', swing: 0.2, humanize: 0.01, space: 0.55,
  progressions: { major: ['I IV', 'I V vi IV', 'I ii IV I', 'IV V I I'], minor: ['i iv', 'i bVII', 'i bVI bVII i', 'i iv v i'] },
  // one drop (kick and rim together on beat 3 only), rockers (kick on every beat), steppers
  grooves: [
    { kick: '........x.......', rim: '........x.......', hat: 'x.o.x.o.x.o.x.o.' },
    { kick: '....x.......x...', snare: '........x.......', hat: 'x.o.x.o.x.o.x.o.', openhat: '..............o.' },
    { kick: 'x...x...x...x...', snare: '........x.......', hat: 'o.x.o.x.o.x.o.x.' },
    { kick: '........x.......', rim: '....-...x...-...', hat: 'x-o-x-o-x-o-x-o-', shaker: '..o...o...o...o.' },
  ],
  fills: [{ snare: '........x..x..xx', tom: '...........x.x..' }, { tom: '........x.x...o.', snare: '............x...' }],
  intro: { hat: 'x.o.x.o.x.o.x.o.', rim: '........x.......' },
  bass: { style: 'onedrop', inst: ['fingerBass', 'sub'], octave: 2 },
  chords: { style: 'skank', inst: ['cleanGuitar', 'organ', 'piano'], center: 62 },
  melody: { style: ['sparse', 'hook'], inst: ['organ', 'harmonica', 'trumpet'], center: 72 },
  counter: ['organ', 'brass'],
  form: 'song', pan: { chords: 0.3, counter: -0.3 },
  // the organ bubble, the bass's and the horn's eighths between the beats 8 dB down: at full
  // strength aubio heard them as the beat (145 for 72) in 7 of 16 seeds
  offBeats: 0.4,
};

export const afrobeat: Style = {
  ...BASE, kit: 'room', humanize: 0.006, space: 0.35, swing: 0.08,
  // (minor pentatonic and home vamps on iv, not bVII: see funk)
  scale: { minor: 'minor pentatonic', major: 'mixolydian' },
  progressions: { major: ['I7 IV7', 'I bVII IV I', 'I IV I IV'], minor: ['i7 IV7', 'i7 iv7', 'im9 iv9', 'i7 i7 iv7 bVII7', 'im9 bVII7'] },
  // interlocking: shekere 16ths, the bell pattern, a kick that dances around the beat
  grooves: [
    { kick: 'x.....x...x.....', snare: '....x.......x..-', hat: 'x-x-x-x-x-x-x-x-', shaker: 'oxoooxoooxoooxoo', cowbell: 'x.x.xx.x.x.xx.x.' },
    { kick: 'x..x......x..x..', snare: '....x..-....x...', openhat: '..o...o...o...o.', conga: '..o.x.o...o.xo..', shaker: 'oooooooooooooooo' },
    { kick: 'x.....x.x.......', rim: '....x..x....x...', hat: 'x.x.x.x.x.x.x.x.', clave: 'x..x..x...x.x...', conga: 'o..o.xo.o..o.xo.' },
  ],
  fills: [{ tom: '........x.x.o.o.', conga: '........xxoo.x.x' }, { snare: '........-x-x-xx.' }],
  bass: { style: ['slap', 'tumbao', 'octave'], inst: ['fingerBass', 'pickBass'], octave: 2 },
  chords: { style: ['funk', 'skank', 'stabs'], inst: ['cleanGuitar', 'mutedGuitar', 'organ'], center: 64 },
  melody: { style: ['riff', 'hook'], inst: ['brass', 'sax', 'trumpet'], center: 70 },
  counter: ['organ', 'marimba'],
  form: 'jam',
};

export const celtic: Style = {
  ...BASE, kit: 'room', humanize: 0.008, space: 0.55,
  scale: { major: 'mixolydian', minor: 'dorian' },
  progressions: { major: ['I bVII I V', 'I IV I V', 'I V IV I', 'I bVII IV I'], minor: ['i bVII i bVII', 'i bVII bVI bVII', 'i bIII bVII i', 'i iv bVII i'] },
  // bodhran (the tom) in reel 16ths, stick clicks on the rim
  grooves: [
    { tom: 'x.o.x.o-x.o.x.o-', kick: 'x.......x.......', shaker: '..o...o...o...o.' },
    { tom: 'x-o-x-o-x-o-x-o-', kick: 'x.......x.......', rim: '....o.......o...' },
    { tom: 'x..ox..ox..ox..o', kick: 'x...x...x...x...', tambourine: '....o.......o...' },
  ],
  fills: [{ tom: '........xoxoxoxo' }, { tom: '........x.x.x.xx', rim: '............o.o.' }],
  bass: { style: ['twoFeel', 'pedal'], inst: ['upright', 'fingerBass'], octave: 2 },
  chords: { style: ['strum', 'arp'], inst: ['steelGuitar', 'harp', 'nylonGuitar'], center: 60 },
  pad: [null, 'bagpipe'],
  melody: { style: 'jig', inst: ['tinWhistle', 'violin', 'flute', 'accordion'], center: 76 },
  counter: ['violin', 'accordion', 'harp'],
  form: 'song', pan: { chords: -0.3, melody: 0.15, counter: 0.35 },
  // (the bodhran, on the tom lane, took 40% of the energy)
  mix: { tom: -4 },
};

export const shanty: Style = {
  ...BASE, kit: 'room', humanize: 0.01, space: 0.5,
  scale: { minor: 'dorian' },
  progressions: { major: ['I IV I V', 'I V I V I IV V I', 'I vi IV V'], minor: ['i iv i V', 'i bIII bVII i', 'i bVI bIII bVII', 'i iv bVII i'] },
  // the stomp (kick on every beat, a heavy low drum), a clap and a tambourine
  grooves: [
    { kick: 'x...x...x...x...', clap: '....x.......x...' },
    { kick: 'x.......x.......', tom: '....o.......o...', tambourine: '..o...o...o...o.' },
    { kick: 'x...x...x...x...', snare: '....o.......o...', shaker: 'o.o.o.o.o.o.o.o.' },
  ],
  fills: [{ tom: '........x.x.x.x.' }, { kick: 'x...x...x.x.x.x.', clap: '............x.x.' }],
  intro: { kick: 'x...x...x...x...' },
  bass: { style: ['twoFeel', 'root8'], inst: ['upright', 'fingerBass'], octave: 2 },
  chords: { style: ['waltz', 'strum', 'block'], inst: ['accordion', 'steelGuitar', 'banjo'], center: 60 },
  melody: { style: 'chant', inst: ['choir', 'violin', 'accordion', 'tinWhistle'], center: 67 },
  counter: ['violin', 'tinWhistle'],
  form: 'song', pan: { chords: -0.25, counter: 0.3 },
};

export const WORLD = { bossa, samba, salsa, reggae, afrobeat, celtic, shanty };
