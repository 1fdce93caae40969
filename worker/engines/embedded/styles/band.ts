/** Band styles: pop, rock and their relatives, funk, soul, gospel, blues, country, folk. */
import { BASE, FOUR, type DrumPattern, type Style } from '../presets.ts';

const rockFills: DrumPattern[] = [
  { snare: '........x.x.xxxx', kick: 'x.......' },
  { tom: '........x.x.o.o.', snare: '............x.x.', kick: 'x.......' },
  { snare: '........x..x..x.', tom: '..........x..x..' },
];
const backbeat = '....x.......x...';

export const pop: Style = {
  ...BASE,
  kit: 'standard',
  progressions: { major: ['I V vi IV', 'I vi IV V', 'vi IV I V', 'I IV vi V', 'IV I V vi'], minor: ['i bVI bIII bVII', 'i bIII bVII iv', 'i bVII bVI bVII', 'i iv bVI bVII'] },
  grooves: [
    { kick: 'x.......x.-.....', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.......x.-.....', clap: backbeat, hat: 'x-o-x-o-x-o-x-o-', openhat: '..............-.' },
    { kick: 'x.....x...x.....', snare: backbeat, hat: 'o.o.o.o.o.o.o.o.', tambourine: '....o.......o...' },
    { kick: FOUR, clap: backbeat, hat: '..o...o...o...o.', shaker: 'o-o-o-o-o-o-o-o-' },
  ],
  fills: rockFills,
  intro: { kick: 'x.......x.......', hat: 'o.o.o.o.o.o.o.o.' },
  bass: { style: ['root8', 'octave', 'lofi'], inst: ['pluckBass', 'fingerBass', 'synthBass'], octave: 2 },
  chords: { style: ['pop', 'strum', 'sustain', 'block'], inst: ['piano', 'steelGuitar', 'brightPiano'], center: 62 },
  pad: [null, 'pad', 'strings'],
  melody: { style: ['hook', 'chant'], inst: ['pluck', 'lead', 'vibes', 'brightPiano'], center: 74 },
  counter: ['strings', 'glockenspiel'],
  form: 'song',
};

export const kpop: Style = {
  ...BASE, kit: 'electronic', space: 0.4,
  progressions: { major: ['IV V iii vi', 'I V vi iii IV I IV V', 'vi IV V I', 'I V vi IV'], minor: ['i bVII bVI V', 'iv v i i', 'i bIII bVII iv', 'bVI bVII i i'] },
  grooves: [
    { kick: FOUR, clap: backbeat, hat: 'x-o-x-o-x-o-x-o-' },
    { kick: 'x..x..x...x.....', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.', openhat: '......-.......-.' },
    { kick: 'x.....x.x.....x.', clap: '....x.......x..x', hat: 'x---x---x---x---' },
    { kick: FOUR, clap: backbeat, openhat: '..o...o...o...o.', shaker: 'oooooooooooooooo' },
  ],
  fills: [{ clap: '........x.x.xxxx', kick: 'x...x...' }, { snare: '........x..x..x.', tom: '..........x..x..' }],
  intro: { kick: FOUR, hat: '..o...o...o...o.' },
  bass: { style: ['octave', 'root8', '808'], inst: ['synthBass', 'bass808', 'slapBass'], octave: 2 },
  chords: { style: ['stabs', 'offbeat', 'pop'], inst: ['brightPiano', 'stab', 'pluck'], center: 64 },
  pad: ['pad', null],
  melody: { style: ['hook', 'riff'], inst: ['lead', 'sawLead', 'pluck'], center: 76 },
  counter: ['strings', 'bell'],
  form: 'song',
  // (the balance: the 808 took three quarters of the energy, a near-mono mix)
  mix: { bass: -5 },
};

export const rock: Style = {
  ...BASE, kit: 'room', humanize: 0.006, space: 0.35,
  progressions: { major: ['I V vi IV', 'I IV I V', 'I bVII IV I', 'vi IV I V', 'I IV V IV'], minor: ['i bVI bVII i', 'i bVII bVI V', 'i iv bVII i', 'i bIII bVII iv'] },
  grooves: [
    { kick: 'x.......x.x.....', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.....x.x.x.....', snare: backbeat, ride: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.x.....x.......', snare: backbeat, hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x......xx.......', snare: '....x.......x.-.', hat: 'x-o-x-o-x-o-x-o-', openhat: '..............o.' },
  ],
  fills: rockFills,
  intro: { kick: 'x.......x.......', hat: 'x.o.x.o.x.o.x.o.' },
  bass: { style: ['root8', 'octave'], inst: ['pickBass', 'fingerBass'], octave: 2 },
  chords: { style: ['power', 'strum'], inst: ['distGuitar', 'cleanGuitar'], center: 52 },
  // A keyboard under the band in minor, where the power chords carry no third: the examples
  // checker heard 17 of 24 renders in F, C, E, A, G and D minor (seeds 1-4) in the key with no
  // keyboard, 23 of 24 with a synth pad, 22 of 24 with an organ.
  minorPad: ['pad', 'organ'],
  melody: { style: ['hook', 'riff'], inst: ['leadGuitar', 'distGuitar'], center: 71 },
  counter: ['organ'],
  form: 'song',
};

export const metal: Style = {
  ...BASE, kit: 'power', humanize: 0.003, space: 0.3,
  scale: { minor: 'phrygian' },
  progressions: { major: ['I V vi IV', 'I IV V IV', 'I bVI bVII I', 'vi IV V vi'], minor: ['i bVI bVII i', 'i bII i bVII', 'i iv bVI V', 'i i bVI bVII', 'i bV iv bVI'] },
  // double kick under a backbeat, a gallop, and a blast beat for the heaviest sections
  grooves: [
    { kick: 'xoxoxoxoxoxoxoxo', snare: backbeat, crash: 'x.......x.......' },
    { kick: 'x.xxx.xxx.xxx.xx', snare: backbeat, hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x.x.x.x.x.x.x.x.', snare: '..x...x...x...x.', ride: 'x...x...x...x...' },
    { kick: 'x..x..x.x..x..x.', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
  ],
  fastGrooves: [
    { kick: 'x.x.x.x.x.x.x.x.', snare: backbeat, crash: 'x.......x.......' },
    { kick: 'x.xxx.xxx.xxx.xx', snare: backbeat, hat: 'x...x...x...x...' },
    { kick: 'x.x.x.x.x.x.x.x.', snare: backbeat, ride: 'x...x...x...x...' },
  ],
  fills: [{ tom: '........xoxoxoxo', kick: 'x.x.x.x.' }, { snare: '........xxxxxxxx', kick: 'x.x.x.x.' }, { snare: '........x.x.x.x.', tom: '.........x.x.x.x' }],
  intro: { kick: 'x.......x.......', crash: 'x...............', ride: 'x...x...x...x...' },
  bass: { style: ['root8', 'octave'], inst: ['pickBass', 'fingerBass'], octave: 1, minorThird: true },
  chords: { style: 'power', inst: 'distGuitar', center: 50 },
  // A string section under the band in minor (out of the first verse: padPart), ~5 dB under the
  // guitars. In F minor the power kit's kick (tuned to F its body sits below 50 Hz, and its ring
  // a fourth or tritone up is what is heard), its snare and crash (fixed rings on A, Bb and B: F's
  // major third, fourth and tritone) pulled toward F major: 4 of seeds 1-6 read it, and removing
  // kick and snare, or kick and cymbals, fixed all. Tuning the kick -1..9.5 semitones, an octave up
  // in F, tuning the snare to the tonic, third, fifth or seventh, gating kick, snare and crash at
  // 0.12-0.25 s, the power chords an octave lower or the tonic chord as a full minor triad: none
  // did better than 69 of 72 (12 minor keys, seeds 1-6; 68 before). With strings 71 of 72, a
  // synth pad 71, a choir 70, an organ 68.
  minorPad: 'strings',
  melody: { style: ['riff', 'hook'], inst: ['leadGuitar', 'distGuitar'], center: 69 },
  counter: ['choir', 'strings'],
  form: 'song',
  // (the power kit's kick took over half the energy, the guitars 7%; its 16th-note double kick,
  // tuned to the tonic, rings partials a tritone and a major third above it, and with the bass's
  // roots every seed in C minor read as C major: the guitars lead the mix, as in metal; at -6 dB
  // its ring still read 2 of seeds 1-8 in C minor as C major, at -9 none, and E, A, D and F# minor
  // held 12 of 12 with tempo within 2%. Once a restruck key cut the guitars' overlapping tails
  // (sampler.ts), seed 6 in C minor read C major again at -9; at -11 seeds 1-8 and E minor 3 and 5
  // read minor, tempo 134.2 at 134)
  mix: { kick: -11, distGuitar: 4 },
};

export const punk: Style = {
  ...BASE, kit: 'room', humanize: 0.004, space: 0.25,
  // In minor the loops come home to i, or to V with its leading tone: 'i bVII bVI bVII' and
  // 'i iv bVII bIII' dwell on bVII and bIII, the relative major's V and I, and a listener (and a
  // chroma key) heard Bb major or G minor for C or F minor.
  progressions: { major: ['I IV V IV', 'I V vi IV', 'I bVII IV I', 'I IV I V'], minor: ['i bVI bVII i', 'i iv bVII i', 'i bVII bVI V'] },
  grooves: [
    { kick: 'x...x...x...x...', snare: backbeat, hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x.x.....x.x.....', snare: backbeat, hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x.......x.......', snare: '....x..x....x...', crash: 'x...x...x...x...' },
  ],
  fastGrooves: [
    { kick: 'x.......x.......', snare: backbeat, hat: 'x...x...x...x...' },
    { kick: 'x...x...x...x...', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.......x.x.....', snare: backbeat, crash: 'x.......x.......' },
  ],
  fills: rockFills,
  intro: { kick: 'x...x...x...x...', hat: 'x...x...x...x...' },
  // (the minor third on the 'and' of 2 and 4 of the home chord, as metal's bass: with the kick
  // on the tonic, punk in 12 minor keys, seeds 1-6, read 71 of 72 in the key; 66 without it, and
  // 65 with it and the kick tuned by its attack)
  bass: { style: 'root8', inst: 'pickBass', octave: 2, minorThird: true },
  chords: { style: 'power', inst: 'distGuitar', center: 52 },
  minorPad: 'pad',
  melody: { style: ['chant', 'hook'], inst: ['distGuitar', 'leadGuitar'], center: 69 },
  form: 'song',
};

export const indie: Style = {
  ...BASE, kit: 'room', humanize: 0.008, space: 0.55,
  progressions: { major: ['I iii vi IV', 'IV I V vi', 'I IV vi V', 'Imaj7 IVmaj7'], minor: ['i bIII bVII iv', 'i bVI bIII bVII', 'iv i bVII bVI'] },
  grooves: [
    { kick: 'x.......x.x.....', snare: backbeat, hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x...x...x...x...', snare: backbeat, tambourine: 'o.o.o.o.o.o.o.o.' },
    { kick: 'x..x....x.......', snare: '....x.......x...', ride: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.......x..x....', rim: backbeat, shaker: 'o-o-o-o-o-o-o-o-' },
  ],
  fills: rockFills,
  bass: { style: ['root8', 'octave', 'lofi'], inst: ['pickBass', 'fingerBass'], octave: 2 },
  chords: { style: ['strum', 'arp', 'pop'], inst: ['cleanGuitar', 'steelGuitar', 'brightPiano'], center: 60 },
  pad: [null, 'warmPad', 'organ'],
  melody: { style: ['hook', 'sparse'], inst: ['cleanGuitar', 'glockenspiel', 'lead'], center: 72 },
  counter: ['glockenspiel', 'strings'],
  form: 'song',
};

export const funk: Style = {
  ...BASE, kit: 'standard', swing: 0.12, humanize: 0.006, space: 0.3,
  // In minor the riffs are minor pentatonic and the vamps i7-iv7: a dorian melody over i7-bVII7
  // (F#m7-E7) or i7-IV7 is the bVII major key's ii-V or I (F# minor read E major in 9 of 18 funk and
  // afrobeat renders in F#, C and D minor; 15 of 18 now). i7-IV7 stays, for the bridge.
  scale: { major: 'mixolydian', minor: 'minor pentatonic' },
  progressions: { major: ['I7 IV7', 'I7 I7 IV7 I7', 'I7 bVII7'], minor: ['i7 iv7', 'i7 i7 iv7 bVII7', 'i7 IV7', 'im9 IV9'] },
  grooves: [
    { kick: 'x.....x...x..x..', snare: '....x..-.-..x..-', hat: 'xoxoxoxoxoxoxoxo' },
    { kick: 'x..x......x.....', snare: '....x.-.....x.-.', hat: 'x-x-x-x-x-x-x-x-', openhat: '......o.........' },
    { kick: 'x.x.......xx..x.', snare: '....x..-.-..x...', hat: 'x.x.x.x.x.x.x.x.', cowbell: 'x.....x...x.....' },
    { kick: 'x......x..x..x..', snare: '-...x..-.-..x.-.', hat: 'xoxoxoxoxoxoxoxo', tambourine: '....o.......o...' },
  ],
  fills: [{ snare: '........x.x.-xx.', tom: '.............x.x' }, { snare: '........-x-x-x-x', kick: 'x.....x...' }],
  bass: { style: 'slap', inst: ['slapBass', 'fingerBass'], octave: 2 },
  chords: { style: ['funk', 'stabs'], inst: ['mutedGuitar', 'clav', 'cleanGuitar'], center: 64 },
  melody: { style: ['riff', 'hook'], inst: ['trumpet', 'sax', 'clav'], center: 72 },
  counter: ['trombone', 'organ'],
  form: 'jam',
};

export const disco: Style = {
  ...BASE, kit: 'standard', space: 0.45,
  scale: { minor: 'dorian' },
  progressions: { major: ['Imaj7 ii7', 'Imaj7 vi7 ii7 V7', 'ii7 V7 Imaj7 vi7', 'IVmaj7 iii7 ii7 I'], minor: ['i7 iv7', 'i7 bVII7', 'im9 iv7 bVII7 bIIImaj7', 'i7 bVI bVII i'] },
  // four on the floor with the open hat on every off-beat
  grooves: [
    { kick: FOUR, snare: backbeat, hat: 'x.x.x.x.x.x.x.x.', openhat: '..o...o...o...o.' },
    { kick: FOUR, clap: backbeat, hat: 'xxxxxxxxxxxxxxxx', openhat: '..x...x...x...x.' },
    { kick: FOUR, snare: backbeat, openhat: '..x...x...x...x.', tambourine: 'o.o.o.o.o.o.o.o.', conga: '...o..o....o.o..' },
  ],
  fills: [{ snare: '........x.x.xxxx', kick: FOUR }, { tom: '........x.x.o.o.', kick: FOUR }],
  intro: { kick: FOUR, openhat: '..o...o...o...o.' },
  bass: { style: 'octave', inst: ['fingerBass', 'slapBass', 'synthBass'], octave: 2 },
  chords: { style: ['funk', 'offbeat', 'stabs'], inst: ['cleanGuitar', 'epiano', 'piano'], center: 63 },
  pad: ['strings'],
  melody: { style: ['hook', 'flowing'], inst: ['strings', 'violin', 'brass'], center: 74 },
  counter: ['brass', 'glockenspiel'],
  form: 'song',
};

export const soul: Style = {
  ...BASE, kit: 'room', swing: 0.18, humanize: 0.01, space: 0.45,
  // Home is an add9 (neo-soul's C-D-E over the root), not a maj7: withTonic voices Imaj7 as I6,
  // C-E-A, the relative minor's triad, and with iii7 and a vi7 ending every seed in C major read
  // as A minor (the turnarounds now end on V7, back home).
  progressions: { major: ['Iadd9 vi7 ii7 V7', 'IVmaj7 iii7 ii7 Iadd9', 'Iadd9 IVmaj7 ii7 V7', 'ii7 V7 Iadd9 IVmaj7'], minor: ['i7 iv7 bVII7 bIIImaj7', 'im9 iv7', 'iv7 v7 i7 bVImaj7', 'i7 bVImaj7 bVII7 i7'] },
  grooves: [
    { kick: 'x.......x.x.....', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.....-.x..x....', snare: '....x.......x..-', hat: 'x-o-x-o-x-o-x-o-' },
    { kick: 'x.........x.....', rim: backbeat, hat: 'x.x.x.x.x.x.x.x.', tambourine: '....o.......o...' },
    { kick: 'x......-x.-.....', snare: '....x..-....x...', ride: 'x.o.x.o.x.o.x.o.' },
  ],
  fills: [{ snare: '........o.o.-.x.', kick: 'x.......' }, { tom: '........x..x..o.', snare: '............x...' }],
  bass: { style: ['lofi', 'walking', 'root8'], inst: ['fingerBass', 'fretlessBass'], octave: 2 },
  chords: { style: ['block', 'lofi', 'pop'], inst: ['epiano', 'organ', 'piano'], center: 62 },
  pad: ['strings', null],
  melody: { style: ['flowing', 'hook'], inst: ['sax', 'strings', 'trumpet'], center: 71 },
  counter: ['strings', 'choir'],
  form: 'song',
};

export const gospel: Style = {
  ...BASE, kit: 'room', swing: 0.25, swingGrid: 8, humanize: 0.01, space: 0.6,
  progressions: { major: ['I IV I V', 'I vi ii V7', 'IV I ii7 V7', 'I I7 IV iv'], minor: ['i iv V7 i', 'i bVI iv V7'] },
  grooves: [
    { kick: 'x.......x.......', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.', clap: '....o.......o...' },
    { kick: 'x.....x.x.......', snare: backbeat, ride: 'x.o.x.o.x.o.x.o.', tambourine: '..o...o...o...o.' },
    { kick: 'x.......x..x....', clap: backbeat, hat: 'x...x...x...x...', tambourine: 'o.o.o.o.o.o.o.o.' },
  ],
  fills: [{ snare: '........x.x.x.xx' }, { tom: '........x.x.o.o.', snare: '............x.x.' }],
  bass: { style: ['walking', 'root8'], inst: ['fingerBass', 'upright'], octave: 2 },
  chords: { style: ['block', 'pop'], inst: ['churchOrgan', 'organ', 'piano'], center: 62 },
  pad: ['choir'],
  melody: { style: ['chant', 'flowing'], inst: ['choir', 'piano', 'organ'], center: 70 },
  counter: ['piano', 'choir'],
  form: 'song',
};

export const blues: Style = {
  ...BASE, kit: 'room', swing: 0.33, swingGrid: 8, humanize: 0.01, space: 0.35,
  scale: { major: 'major blues', minor: 'minor blues' },
  // twelve-bar forms, quick-change and straight
  progressions: {
    major: ['I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7', 'I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7', 'I7 I7 I7 I7 IV7 IV7 I7 I7 V7 V7 I7 I7'],
    minor: ['i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7', 'i7 iv7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 i7'],
  },
  // shuffle: triplet-feel eighths on the hat (swing 1/3), backbeat, kick on 1 and 3
  grooves: [
    { kick: 'x.......x.......', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.....o.x.......', snare: backbeat, ride: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x...x...x...x...', snare: '....x.......x...', hat: 'x.x.x.x.x.x.x.x.', openhat: '......o.......o.' },
  ],
  fills: [{ snare: '........x.x.x.x.', tom: '..........o...o.' }, { snare: '........o.o.x.x.' }],
  bass: { style: ['boogie', 'walking'], inst: ['upright', 'fingerBass'], octave: 2 },
  chords: { style: ['charleston', 'block', 'strum'], inst: ['piano', 'organ', 'cleanGuitar'], center: 60 },
  melody: { style: 'blues', inst: ['leadGuitar', 'harmonica', 'sax'], center: 69 },
  counter: ['harmonica', 'organ'],
  form: 'jam',
};

export const country: Style = {
  ...BASE, kit: 'room', humanize: 0.007, space: 0.35,
  scale: { major: 'major pentatonic' },
  progressions: { major: ['I IV V I', 'I V IV I', 'I IV I V', 'I vi IV V', 'IV I V I'], minor: ['i bIII bVII i', 'i iv i V', 'i bVII bVI bVII'] },
  // train beat and two-step: kick 1 and 3, snare 2 and 4, brushed 16ths or shuffle
  grooves: [
    { kick: 'x.......x.......', snare: backbeat, hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.......x.......', snare: '-.-.x.-.-.-.x.-.', hat: 'x...x...x...x...' },
    { kick: 'x.....x.x.......', rim: backbeat, shaker: 'o-o-o-o-o-o-o-o-' },
  ],
  fills: [{ snare: '........x.x.x.xx' }, { tom: '........x...o.o.', snare: '............x...' }],
  bass: { style: ['twoFeel', 'walking'], inst: ['fingerBass', 'upright'], octave: 2 },
  chords: { style: ['strum', 'pop'], inst: ['steelGuitar', 'banjo', 'piano'], center: 60 },
  melody: { style: ['hook', 'flowing'], inst: ['violin', 'steelGuitar', 'harmonica'], center: 72 },
  counter: ['banjo', 'violin'],
  form: 'song',
};

export const folk: Style = {
  ...BASE, kit: 'brush', humanize: 0.012, space: 0.45,
  progressions: { major: ['I IV I V', 'I V vi IV', 'vi IV I V', 'I iii IV V'], minor: ['i bVII bVI bVII', 'i iv bVII i', 'i bIII bVII i'] },
  grooves: [
    { kick: 'x.......x.......', rim: backbeat, shaker: 'o-o-o-o-o-o-o-o-' },
    { kick: 'x.......x.......', snare: '....-.......-...', tambourine: '..o...o...o...o.' },
    { kick: 'x.....x.x.......', rim: backbeat, hat: 'x.x.x.x.x.x.x.x.' },
  ],
  fills: [{ rim: '........o.o.o.o.' }, { tom: '........x...o...', kick: 'x.......' }],
  intro: {},
  bass: { style: ['twoFeel', 'pedal'], inst: ['upright', 'fingerBass'], octave: 2 },
  chords: { style: ['strum', 'arp'], inst: ['steelGuitar', 'nylonGuitar', 'banjo'], center: 60 },
  melody: { style: ['flowing', 'hook'], inst: ['violin', 'harmonica', 'tinWhistle', 'flute'], center: 72 },
  counter: ['violin', 'cello'],
  form: 'song',
};

export const BAND = { pop, kpop, rock, metal, punk, indie, funk, disco, soul, gospel, blues, country, folk };
