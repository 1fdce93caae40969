/** Club and electronic styles: four on the floor, breakbeats, half time, synths. */
import { BASE, FOUR, type Style } from '../presets.ts';

const snareFill = { snare: '........x.x.xxxx' };
const clapFill = { clap: '........x.x.x.xx', kick: 'x...x...x...x...' };
const tomFill = { tom: '........x.x.o.o.', snare: '............x.xx' };

export const house: Style = {
  ...BASE, kit: 'electronic', swing: 0.12, space: 0.5,
  progressions: { major: ['Imaj7 vi7 ii7 V', 'I iii IV IV', 'IVmaj7 iii7 ii7 Imaj7'], minor: ['i7 bVII bVI bVII', 'i7 iv7', 'i7 bVI bIII bVII', 'im9 iv7 bVII7 bIIImaj7'] },
  grooves: [
    { kick: FOUR, clap: '....x.......x...', hat: 'o.oo-.oo-.oo-.oo', openhat: '..x...x...x...x.' },
    { kick: FOUR, clap: '....x.......x...', openhat: '..x...x...x...x.', shaker: 'oooooooooooooooo' },
    { kick: FOUR, clap: '....x.......x...', hat: '-.o.-.o.-.o.-.oo', openhat: '..o...o...o...o.', conga: '..o..o.....o.o..' },
    { kick: FOUR, snare: '....o.......o..-', rim: '.......-..-.....', openhat: '..x...x...x...x.', tambourine: '....o.......o...' },
  ],
  fills: [clapFill, { kick: FOUR, snare: '........-.o.o.xx', openhat: '..x...x...x.....' }],
  intro: { kick: FOUR, openhat: '..o...o...o...o.' },
  bass: { style: ['offbeat', 'octave', 'rolling'], inst: ['pluckBass', 'synthBass'], octave: 2 },
  chords: { style: ['offbeat', 'stabs', 'sustain'], inst: ['organ', 'epiano', 'stab'], center: 62 },
  pad: ['pad', 'warmPad'],
  melody: { style: ['sparse', 'hook'], inst: ['pluck', 'vibes', 'marimba'], center: 74 },
  form: 'club',
};

export const techno: Style = {
  ...BASE, kit: 'tr808', space: 0.6,
  progressions: { major: ['I I I I', 'I I IV IV'], minor: ['i i i i', 'i i bVI bVI', 'i i ii ii', 'i bVII i i'] },
  grooves: [
    { kick: FOUR, hat: 'o-o-o-o-o-o-o-o-', openhat: '..o...o...o...o.', rim: '....-.......-..-' },
    { kick: FOUR, clap: '....x.......x...', hat: 'o-o-o-o-o-o-o-o-', openhat: '..o...o...o...o.' },
    { kick: FOUR, hat: 'x-o-x-o-x-o-x-o-', ride: '..o...o...o...o.', tom: '......-.......-.' },
    { kick: FOUR, clap: '....o.......o...', hat: 'oooooooooooooooo', cowbell: '...-.......-..-.' },
  ],
  // Fast techno: hats accented on the beat with ghost off-beats, clap on 2 and 4, one open-hat
  // lift per bar. Off-beat open hats every beat made aubio read 140 as 128 and 160 as 137
  // (its prior favours ~108 bpm, and a strong eighth-note pulse makes a dotted quarter fit).
  fastGrooves: [
    { kick: FOUR, clap: '....o.......o...', hat: 'x---x---x---x---', openhat: '..............o.' },
    { kick: FOUR, clap: '....x.......x...', hat: 'x---x---x---x---', openhat: '..............o.' },
    { kick: FOUR, rim: '....o.......o...', hat: 'x-o-x-o-x-o-x-o-' },
  ],
  fills: [clapFill, { kick: FOUR, tom: '........o.o.o.o.' }],
  intro: { kick: FOUR, hat: '..o...o...o...o.' },
  bass: { style: ['rolling', 'offbeat16'], inst: ['acid', 'synthBass'], octave: 2 },
  chords: { style: ['dub', 'stabs'], inst: 'stab', center: 60 },
  pad: [null, 'pad'],
  melody: { style: ['none', 'riff'], inst: ['acid', 'lead'], center: 72 },
  form: 'club',
};

export const trance: Style = {
  ...BASE, kit: 'electronic', space: 0.65,
  progressions: { major: ['vi IV I V', 'I V vi IV', 'I IV vi V'], minor: ['i bVI bIII bVII', 'i bVI bVII bVII', 'i iv bVI bVII', 'bVI bVII i i'] },
  grooves: [
    { kick: FOUR, clap: '....x.......x...', hat: '..x...x...x...x.' },
    { kick: FOUR, clap: '....x.......x...', openhat: '..x...x...x...x.', hat: 'o.o.o.o.o.o.o.o.' },
    { kick: FOUR, snare: '....x.......x...', hat: '--x---x---x---x-', ride: 'o...o...o...o...' },
  ],
  fastGrooves: [
    { kick: FOUR, clap: '....x.......x...', hat: 'x---x---x---x---', openhat: '..............o.' },
    { kick: FOUR, clap: '....o.......o...', hat: 'x-o-x-o-x-o-x-o-' },
    { kick: FOUR, snare: '....x.......x...', ride: 'x...x...x...x...' },
  ],
  fills: [snareFill, clapFill],
  intro: { kick: FOUR, hat: '..o...o...o...o.' },
  bass: { style: ['offbeat', 'rolling'], inst: ['synthBass', 'pluckBass'], octave: 2 },
  chords: { style: ['arp16', 'offbeat'], inst: ['pluck', 'sawLead'], center: 64 },
  pad: ['pad', 'strings'],
  melody: { style: ['long', 'hook'], inst: ['sawLead', 'lead'], center: 76 },
  counter: 'pluck',
  form: 'club',
};

export const dnb: Style = {
  ...BASE, kit: 'electronic', space: 0.5,
  progressions: { major: ['I vi IV V', 'IV V'], minor: ['i bVI bIII bVII', 'i i bVI bVII', 'i iv bVI bVII', 'i7 bVImaj7'] },
  grooves: [
    { kick: 'x.........x.....', snare: '....x.......x...', hat: 'x.o.x.oox.o.x.o-' },
    { kick: 'x.........x..o..', snare: '....x..-....x...', hat: 'x-o-x-o-x-o-x-o-', ride: 'x...x...x...x...' },
    { kick: 'x.x.......x.....', snare: '....x.......x..-', hat: 'x...x...x...x...', shaker: '..o...o...o...o.' },
    { kick: 'x.........xx....', snare: '....x.-.....x.-.', ride: 'x...x...x...x...', hat: '--o---o---o---o-' },
  ],
  fills: [{ snare: '........x.xxx.xx', kick: 'x.........x.....' }, { snare: '........x...x.x.', tom: '..........o.o.o.' }],
  intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.........x.....' },
  bass: { style: ['reese', 'pedal'], inst: ['reese', 'sub'], octave: 1 },
  chords: { style: 'sustain', inst: ['pad', 'epiano'], center: 62 },
  melody: { style: ['sparse', 'long'], inst: ['lead', 'bell', 'choir'], center: 74 },
  form: 'club',
  // (the sub half the energy)
  mix: { bass: -3.5 },
};

export const dubstep: Style = {
  ...BASE, kit: 'electronic', space: 0.5,
  progressions: { major: ['I bVI', 'I IV', 'I V', 'vi IV'], minor: ['i bVI', 'i bVII', 'i iv', 'i bII'] },
  // half time: the snare on beat 3, but kicks and hats keep the quarter-note pulse audible
  grooves: [
    { kick: 'x.....x...x.....', snare: '........x.......', hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.......x.x.....', snare: '........x.......', hat: 'x-o-x-o-x-o-x-o-', openhat: '..............o.' },
    { kick: 'x..x......x..x..', snare: '........x.....-.', hat: 'x...x...x...x...', shaker: '..o...o...o...o.' },
  ],
  fills: [{ snare: '........x.x.xxxx', kick: 'x.....x.........' }, { snare: '........x..x..x.', tom: '............o.o.' }],
  intro: { hat: 'x.o.x.o.x.o.x.o.', kick: 'x.......x.......' },
  bass: { style: 'wobble', inst: ['synthBass', 'reese'], octave: 1 },
  chords: { style: ['sustain', 'stabs'], inst: ['pad', 'stab'], center: 62 },
  melody: { style: ['sparse', 'riff'], inst: ['lead', 'bell'], center: 74 },
  form: 'club',
  fastBackbeat: 0.5,
};

export const garage: Style = {
  ...BASE, kit: 'electronic', swing: 0.28, space: 0.45,
  progressions: { major: ['Imaj7 vi7 ii7 V7', 'Imaj7 IVmaj7', 'ii7 V7 Imaj7 vi7', 'IVmaj7 iii7 vi7 V'], minor: ['i7 iv7', 'im9 bVImaj7 iv7 v7', 'i7 bIIImaj7 bVII7 iv7'] },
  // two-step: the kick skips beats 2 and 4, the snare sits on them, shuffled 16ths
  grooves: [
    { kick: 'x.........x.....', snare: '....x.......x...', hat: '..o-..o-..o-..o-', shaker: 'o-o-o-o-o-o-o-o-' },
    { kick: 'x......-..x.....', snare: '....x.......x...', hat: 'o.oo-.oo-.oo-.oo', rim: '...-.....-......' },
    { kick: 'x.........x..-..', clap: '....x.......x...', openhat: '..o...o...o...o.', hat: 'o-..o-..o-..o-..' },
  ],
  fills: [{ snare: '........o.o.-.xx', kick: 'x.........x.....' }, { rim: '........o.o.o.o.', snare: '............x...' }],
  intro: { hat: '..o-..o-..o-..o-', kick: 'x.........x.....' },
  bass: { style: ['octave', 'offbeat'], inst: ['sub', 'synthBass'], octave: 1 },
  chords: { style: ['stabs', 'offbeat'], inst: ['organ', 'epiano'], center: 62 },
  pad: [null, 'warmPad'],
  melody: { style: ['hook', 'sparse'], inst: ['choir', 'pluck', 'vibes'], center: 72 },
  form: 'club',
};

export const synthwave: Style = {
  ...BASE, kit: 'electronic', space: 0.6,
  progressions: { major: ['I V vi IV', 'I vi IV V', 'vi IV I V', 'IV V iii vi'], minor: ['i bVI bIII bVII', 'i bVII bVI bVII', 'bVI bVII i i', 'i iv bVI V'] },
  grooves: [
    { kick: 'x.......x.......', snare: '....x.......x...', hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x.......x.x.....', snare: '....x.......x...', hat: 'x-x-x-x-x-x-x-x-', openhat: '......o.......o.' },
    { kick: FOUR, snare: '....x.......x...', hat: 'o.o.o.o.o.o.o.o.', tambourine: '....o.......o...' },
  ],
  fills: [{ tom: '........x.x.o.o.', snare: '............x.x.' }, snareFill],
  bass: { style: ['root8', 'arp'], inst: ['synthBass', 'pluckBass'], octave: 2 },
  chords: { style: ['sustain', 'arp16'], inst: ['warmPad', 'pad', 'brightPiano'], center: 62 },
  pad: [null, 'strings'],
  melody: { style: ['hook', 'long'], inst: ['sawLead', 'lead', 'squareLead'], center: 74 },
  form: 'song',
};

export const chiptune: Style = {
  ...BASE, kit: 'chip', space: 0.2, humanize: 0,
  progressions: { major: ['I V vi IV', 'I IV V I', 'vi IV V I', 'I vi IV V'], minor: ['i bVII bVI V', 'i iv V i', 'i bVI bVII i'] },
  scale: { major: 'major', minor: 'harmonic minor' },
  grooves: [
    { kick: 'x.......x.......', snare: '....x.......x...', hat: 'x.x.x.x.x.x.x.x.' },
    { kick: 'x.....x.x.......', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x...x...x...x...', snare: '....x..x....x...', hat: 'o.o.o.o.o.o.o.o.' },
  ],
  fills: [{ snare: '........x.x.x.xx' }, { snare: '........xxxxxxxx', kick: 'x...............' }],
  bass: { style: ['arp', 'octave', 'root8'], inst: 'squareLead', octave: 2 },
  chords: { style: ['arp16', 'arp'], inst: 'squareLead', center: 64 },
  melody: { style: ['hook', 'jig', 'arp'], inst: 'squareLead', center: 76 },
  form: 'song', pan: { bass: 0, chords: -0.3, melody: 0.25 },
};

export const videogame: Style = {
  ...BASE, kit: 'standard', space: 0.45,
  progressions: { major: ['I V vi IV', 'IV V iii vi', 'I bVII IV I', 'vi IV I V'], minor: ['i bVI bVII i', 'i iv bVII bIII', 'i bVII bVI V', 'bVI bVII i i'] },
  scale: { minor: 'dorian' },
  grooves: [
    { kick: 'x.......x.......', snare: '....x.......x...', hat: 'x.o.x.o.x.o.x.o.' },
    { kick: 'x.....x.x.......', snare: '....x.......x...', hat: 'x-o-x-o-x-o-x-o-', openhat: '..............o.' },
    { kick: 'x...x...x...x...', snare: '....x.......x..-', ride: 'x.o.x.o.x.o.x.o.' },
  ],
  fills: [{ tom: '........x.x.o.o.', snare: '............x.xx' }, snareFill],
  bass: { style: ['root8', 'octave', 'arp'], inst: ['synthBass', 'pluckBass'], octave: 2 },
  chords: { style: ['arp16', 'pop', 'sustain'], inst: ['brightPiano', 'harp', 'pluck'], center: 64 },
  pad: ['strings', 'pad'],
  melody: { style: ['hook', 'flowing'], inst: ['squareLead', 'trumpet', 'glockenspiel', 'lead'], center: 76 },
  counter: ['vibes', 'flute'],
  form: 'song',
};

export const ambient: Style = {
  ...BASE, kit: 'standard', space: 0.9, humanize: 0.02,
  progressions: { major: ['Iadd9 IVmaj7', 'Iadd9 vi7 IVmaj7 Iadd9', 'Iadd9 IVmaj7 Iadd9 V', 'IVmaj7 Iadd9'], minor: ['im9 bVImaj7', 'im9 bIIImaj7 bVImaj7 im9', 'im9 bVImaj7 iv7 bVII'] },
  scale: { major: 'major pentatonic', minor: 'minor pentatonic' },
  grooves: null,
  fills: [],
  bass: { style: 'pedal', inst: 'sub', octave: 2 },
  chords: { style: ['sustain', 'arp'], inst: ['pad', 'warmPad', 'choir'], center: 60 },
  pad: ['strings', 'choir'],
  melody: { style: 'long', inst: ['bell', 'kalimba', 'vibes', 'celesta'], center: 76 },
  counter: ['flute', 'harp'],
  form: 'calm',
  // (the sub drone took 80% of the energy, under pads a phone cannot hear it)
  mix: { bass: -6 },
};

export const ELECTRONIC = { house, techno, trance, dnb, dubstep, garage, synthwave, chiptune, videogame, ambient };
