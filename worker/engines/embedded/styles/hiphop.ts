/** Hip hop and its relatives: lo-fi, boom bap, trap, drill, reggaeton. */
import { BASE, FOUR, type Style } from '../presets.ts';

export const lofi: Style = {
  ...BASE, kit: 'room', swing: 0.3, humanize: 0.012, space: 0.55, hiss: true,
  progressions: { major: ['ii7 V7 Imaj7 vi7', 'Imaj7 vi7 ii7 V7', 'Imaj7 IVmaj7 ii7 V7', 'IVmaj7 V7 iii7 vi7', 'IVmaj7 iii7 ii7 Imaj7'], minor: ['i7 iv7 i7 v7', 'im9 bVImaj7 iv7 v7', 'iv7 v7 i7 i7', 'i7 bVII7 bVImaj7 v7'] },
  grooves: [
    { kick: 'x......-x.......', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.......x..-..-.', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.', shaker: '..-...-...-...-.' },
    { kick: 'x.-.....x.x.....', rim: '....x.......x...', hat: 'x-o-x-o-x-o-x-o-' },
    { kick: 'x......x..x.....', snare: '....x.......x..-', hat: 'x...x.o.x...x.o.', tambourine: '....-.......-...' },
  ],
  fills: [{ snare: '........-.o.-.o.', kick: 'x.......x.......' }, { kick: 'x.......x.x.....', rim: '..........o..o.o' }],
  intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.........x.....' },
  bass: { style: ['lofi', 'pedal'], inst: ['upright', 'fingerBass'], octave: 2 },
  chords: { style: ['lofi', 'block'], inst: ['epiano', 'piano', 'nylonGuitar'], center: 60 },
  melody: { style: ['sparse', 'flowing'], inst: ['flute', 'vibes', 'sax', 'epiano'], center: 72 },
  form: 'song',
  // pitched eighths between the beats 14 dB down: aubio heard 77 as 155 in 6 of seeds 1-20 (at
  // 0.4 still 2 of 8; at 0.2 none of 20). The 16th pushes of the chords and melody keep their level.
  offBeats: 0.2,
};

export const boombap: Style = {
  ...BASE, kit: 'standard', swing: 0.22, humanize: 0.01, space: 0.35, hiss: true,
  progressions: { major: ['ii7 V7', 'Imaj7 IVmaj7', 'Imaj7 vi7 ii7 V7', 'vi7 ii7 V7 Imaj7'], minor: ['i7 iv7', 'i7 bVImaj7 v7 i7', 'i i bVI v', 'im9 iv7 bVII7 bIIImaj7'] },
  grooves: [
    { kick: 'x.........x.....', snare: '....x.......x...', hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x......x..x.....', snare: '....x.......x...', hat: 'x.x.x.x.x.x.x.xo', openhat: '..............o.' },
    { kick: 'x.x.......x..x..', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.........xx....', snare: '....x..-....x...', hat: 'x-x-x-x-x-x-x-x-' },
  ],
  fills: [{ snare: '........o..o..x.', kick: 'x.........x.....' }, { kick: 'x.........x.x...', snare: '............x.x.' }],
  intro: { hat: 'x.x.x.x.x.x.x.x.', kick: 'x.........x.....' },
  bass: { style: ['lofi', 'root8'], inst: ['fingerBass', 'upright', 'sub'], octave: 2 },
  chords: { style: ['lofi', 'stabs', 'block'], inst: ['piano', 'epiano', 'strings'], center: 60 },
  melody: { style: ['sparse', 'riff'], inst: ['brightPiano', 'vibes', 'trumpet', 'flute'], center: 72 },
  form: 'song',
  // its bass carries the beat: 2 dB down, aubio heard 88 bpm as 176 (the hats' eighths took over)
  mix: { bass: -1 },
  // (its stabs and chords on the "and"s at full strength: aubio heard 88 bpm as 165-177 in 2 of 40
  // seeds, 80 as 161 in 2 of 20; at 0.6 still 1 of 20 at 80)
  offBeats: 0.4, offBeatsBelow: 100,
};

export const trap: Style = {
  ...BASE, kit: 'tr808', hatRolls: true, kickInst: 'kick808', space: 0.45,
  progressions: { major: ['I I IV IV', 'I IV vi V', 'I V vi IV', 'vi vi I I'], minor: ['i i bVI bVI', 'i bVI bIII bVII', 'i iv i bVI', 'i bVI iv iv'] },
  // Half-time snare on 3, but the pulse stays on the quarters: hats accented on the beat over
  // ghosted 16ths (straight 8th hats made aubio hear 90 as 180) and a kick on 2 (with kicks only
  // on 1 and off the beat, the 808 and snare read as half notes: 160 heard as 80-120).
  grooves: [
    { kick: 'x...x.....o.....', clap: '........x.......', hat: 'x---x---x---x---' },
    { kick: 'x...x...x.o.....', clap: '........x.......', hat: 'x---x---x---x---', openhat: '..............-.' },
    { kick: 'x...x.....o..o..', clap: '........x.......', hat: 'x-o-x---x-o-x---' },
    { kick: 'x...x.x...o.....', clap: '........x.....-.', hat: 'x---x---x---x---', rim: '...-.......-....' },
  ],
  fills: [{ clap: '........x...x.xx', kick: 'x...x...........' }, { snare: '........-.-.o.ox', kick: 'x...x...........' }],
  intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.........x.....' },
  bass: { style: '808', inst: 'bass808', octave: 1 },
  chords: { style: ['sustain', 'arp'], inst: ['pad', 'choir', 'piano'], center: 60 },
  melody: { style: ['riff', 'sparse'], inst: ['bell', 'musicBox', 'pluck', 'flute'], center: 76 },
  form: 'song',
  // (the 808 two thirds of the energy)
  mix: { bass: -3 },
};

export const drill: Style = {
  ...BASE, kit: 'tr808', hatRolls: true, kickInst: 'kick808', space: 0.45,
  scale: { minor: 'harmonic minor' },
  progressions: { major: ['I I vi V', 'I vi IV V', 'vi IV V V'], minor: ['i i bVI V', 'i iv bVI V', 'i bII i V', 'i bVI iv V'] },
  // drill: snares on 2 and 4-and (the skippy off-beat), sliding 808 on the syncopated kicks
  grooves: [
    { kick: 'x.....x...x.....', snare: '....x.......x..-', hat: 'x--x--x-x--x--x-' },
    // (the backbeat on 4 as well as its skip: with the snare on 2 and 4-and only, the kick's and
    // 808's 8-10-14 made aubio hear 144 bpm as 96, two thirds)
    { kick: 'x.......x.x...x.', snare: '....x.......x.x.', hat: 'x---x---x---x---', openhat: '......-.........' },
    { kick: 'x..x......x.....', snare: '....x.......x...', hat: 'x--x--x---x--x--', rim: '..-.......-.....' },
  ],
  fills: [{ snare: '........x..x..xx' }, { snare: '........-x-x-x-x', kick: 'x...............' }],
  intro: { hat: 'x--x--x-x--x--x-' },
  bass: { style: '808', inst: 'bass808', octave: 1 },
  chords: { style: ['sustain', 'arp'], inst: ['strings', 'piano', 'choir'], center: 60 },
  melody: { style: ['riff', 'sparse'], inst: ['piano', 'bell', 'violin', 'flute'], center: 74 },
  form: 'song',
  // (the 808 three quarters of the energy)
  mix: { bass: -4 },
  fastBackbeat: 0.5,
};

export const reggaeton: Style = {
  ...BASE, kit: 'tr808', space: 0.4,
  progressions: { major: ['vi IV I V', 'I V vi IV', 'I IV V IV'], minor: ['i bVI bIII bVII', 'i iv bVII bIII', 'i bVI bVII i', 'i iv v i'] },
  // dembow: boom, ch-boom-chick, on every bar
  grooves: [
    { kick: FOUR, snare: '...x..x....x..x.', hat: 'x.x.x.x.x.x.x.x.' },
    { kick: FOUR, snare: '...x..x....x..x.', rim: '..-...-...-...-.', shaker: 'o-o-o-o-o-o-o-o-' },
    { kick: FOUR, clap: '...x..x....x..x.', hat: 'x-o-x-o-x-o-x-o-', openhat: '......-.......-.' },
    { kick: 'x...x...x...x.x.', snare: '...x..x....x..x.', timbale: '.............o.o', hat: 'x.x.x.x.x.x.x.x.' },
  ],
  fills: [{ snare: '........x.xx.xxx', kick: 'x...x...........' }, { timbale: '........o.o.x.xx', kick: 'x...x...x.......' }],
  intro: { kick: FOUR, hat: 'x.x.x.x.x.x.x.x.' },
  bass: { style: ['dembow', '808'], inst: ['bass808', 'synthBass'], octave: 1 },
  chords: { style: ['offbeat', 'sustain', 'stabs'], inst: ['pluck', 'pad', 'nylonGuitar'], center: 62 },
  // a pad under the dembow, as modern reggaeton has (plucks and the 808 alone read near mono, 0.93)
  pad: ['warmPad', 'pad', null],
  melody: { style: ['hook', 'riff'], inst: ['lead', 'pluck', 'marimba'], center: 74 },
  form: 'song',
  // (the 808 three quarters of the energy)
  mix: { bass: -4 },
  // The dembow's snares between the beats were the loudest onsets a beat tracker saw (spectral
  // flux: a snare is broadband, the kick is not) and off-beat plucks doubled them: aubio heard
  // 94 bpm as 190 in 4 of 20 seeds. The drums between the beats play 0.5, off-beat chords 0.3:
  // at 0.7 the dembow's 3-3-2 still read as 126 bpm (four thirds) in 4 of 20 seeds at 94, and
  // aubio tempo's mean over the whole file was right in 4 of 20 (0.5: 20 and 15 of 20).
  drumOffBeats: 0.5, offBeats: 0.3, offBeatsBelow: 100,
};

export const HIPHOP = { lofi, boombap, trap, drill, reggaeton };
