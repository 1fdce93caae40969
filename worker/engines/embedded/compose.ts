/**
 * Composition: from parsed parameters and a seed to a list of timed notes.
 *
 * The seed picks the piece's material from its style (progressions for verse, chorus and bridge,
 * grooves and how they are varied, motifs, bass and comping idioms, instruments, the form) and
 * every section is composed from that material with a generator of its own, seeded by the seed
 * and the section's first bar. Nothing depends on the track's length except where the form ends,
 * so composing a longer track with `continueFromS` keeps everything before the first outro.
 */
import { ONLY_ASKED, type MusicParams } from '../../../core/music.ts';
import { FORM_VARIANTS, planForm, type Section } from './form.ts';
import { bassPart, chordPart, counterPart, drumPart, finalHit, melodyPart, padPart, type Ctx, type Material, type Motif, type Mood, type Role, type Stage } from './parts.ts';

import type { Note } from './parts.ts';
export type { Note } from './parts.ts';
import type { DrumKit, InstrumentName } from './patches.ts';
import { FAST_BPM, FOUR, MIX_BASS_DB, pick, type BassStyle, type ChordStyle, type DrumPattern, type MelodyStyle, type Style } from './presets.ts';
import { Prng } from './rng.ts';
import { STYLES } from './styles/index.ts';
import { Key, progression, type Chord } from './theory.ts';

export type { Section, SectionName } from './form.ts';

export interface Composition {
  notes: Note[];
  sections: Section[];
  bpm: number;
  /** Delay of the tempo-synced echo, seconds. */
  echoS: number;
  space: number;
  /** Time of the final hit, seconds. */
  endS: number;
  /** The drum kit the style plays, for sampled drums. */
  kit: DrumKit;
  /** Pitch class of the key's tonic, which pitched drums are tuned to. */
  tonic: number;
  /** The stage is mirrored (Stage.side): sampled instruments' own places flip with it. */
  mirror: boolean;
  /** The mood's tone, dB of high shelf on the sampled instruments (tone.ts). */
  toneDb: number;
}

export interface ComposeOptions {
  /**
   * Extend: the duration the track was first composed with. The result keeps that composition's
   * sections, notes and motifs up to where its outro began, then carries on and ends with a new
   * outro at `durationS`.
   */
  continueFromS?: number;
}

const TAIL_S = 1.4;

function endBeatOf(durationS: number, beatS: number): number {
  // The final hit lands on a half-bar boundary and leaves room for its decay before the end.
  const tail = Math.min(3, Math.max(TAIL_S, durationS * 0.08));
  let endBeat = Math.floor((durationS - tail) / beatS);
  if (endBeat >= 8) endBeat -= endBeat % 2;
  return Math.max(1, endBeat);
}

const MOODS: Record<string, Mood> = {
  happy: { density: 1.1, vel: 1, register: 2, space: 0, perc: 1, tone: 3, contrast: 1 },
  sad: { density: 0.72, vel: 0.84, register: -3, space: 0.1, perc: -1, tone: -6, contrast: 1.8 },
  dreamy: { density: 0.7, vel: 0.84, register: 3, space: 0.25, perc: -1, pad: 'warmPad', tone: -4, contrast: 1.8 },
  romantic: { density: 0.8, vel: 0.86, register: 0, space: 0.15, perc: -1, pad: 'strings', tone: -3, contrast: 1.6 },
  energetic: { density: 1.25, vel: 1.08, register: 1, space: -0.1, perc: 1, tone: 3, contrast: 0.5 },
  dark: { density: 0.9, vel: 0.95, register: -4, space: 0.05, perc: 0, tone: -7, contrast: 1.3 },
  chill: { density: 0.7, vel: 0.82, register: -1, space: 0.15, perc: -1, tone: -5, contrast: 1.6 },
  calm: { density: 0.65, vel: 0.8, register: -1, space: 0.15, perc: -1, tone: -4, contrast: 1.8 },
  epic: { density: 1.1, vel: 1.1, register: 0, space: 0.15, perc: 1, pad: 'strings', tone: 1, contrast: 2 },
};
const NEUTRAL: Mood = { density: 1, vel: 1, register: 0, space: 0, perc: 0, tone: 0, contrast: 1 };

/**
 * Below this tempo, with a beat, synthesized voices' unison pairs are detuned a fifth as far. A
 * detuned pair beats: at +-9 cents (the pad) on A3 at 2.3 Hz, which is 140 bpm, and its partials
 * faster. That shimmer is spectral flux a beat tracker sums, and at 70 bpm aubio's prior (its peak
 * near 117) then took the double tempo, often only at its last look, laying double-time beats
 * across the final ring-out (80.9 for the file). The 36 styles with a beat at 70 bpm, seeds 1-4, on
 * the .ogg: `aubio tempo -i` within 2% 98 -> 104 of 144, none lost; aubio's beat intervals 139 ->
 * 140; left/right correlation within 0.02 (the pair's width is mostly its panning). Width from a 12
 * ms delay instead scored 105, but summed to mono it combs the spectrum: lo-fi in C major read as A
 * minor.
 */
const SLOW_UNISON_BELOW_BPM = 80;
const SLOW_UNISON_DETUNE = 0.2;

export function compose(p: MusicParams, durationS: number, opts: ComposeOptions = {}): Composition {
  const style = STYLES[p.genre];
  const beatS = 60 / p.bpm;
  const endBeat = endBeatOf(durationS, beatS);
  const mood = (p.mood && MOODS[p.mood]) || NEUTRAL;
  const key = new Key(p.key, p.mode, style.scale?.[p.mode]);
  const material = chooseMaterial(p, style, mood, key);

  let sections: Section[];
  const formKind = style.form;
  if (opts.continueFromS !== undefined && opts.continueFromS < durationS) {
    const before = planForm(endBeatOf(opts.continueFromS, beatS) / 4, formKind, material.formVariant, p.structure);
    sections = planForm(endBeat / 4, formKind, material.formVariant, p.structure, before);
  } else {
    sections = planForm(endBeat / 4, formKind, material.formVariant, p.structure);
  }
  const ctx: Ctx = { p, style, key, beatS, endBeat, notes: [], material, mood, sections, sectionAt: () => sections[0]! };
  ctx.sectionAt = (bar) => sections.find((s) => bar >= s.startBar && bar < s.startBar + s.bars) ?? sections.at(-1)!;

  const l = material.layers;
  for (const s of sections) {
    // every part of every section has its own generator: seed, first bar and part
    const r = (part: number) => new Prng((p.seed ^ Math.imul(s.startBar + 1, 0x9e3779b1)) >>> 0, 16 + part);
    if (l.drums && style.grooves) drumPart(ctx, s, r(1));
    if (l.bass) bassPart(ctx, s, r(2));
    if (l.chords) chordPart(ctx, s, r(3));
    if (l.pad) padPart(ctx, s, l.pad);
    if (l.melody) melodyPart(ctx, s, r(4));
    if (l.counter) counterPart(ctx, s, r(5));
  }
  if (l.hiss) ctx.notes.push({ inst: 'hiss', t: 0, len: (endBeat + 2) * beatS, midi: 60, vel: 1, pan: 0 });
  finalHit(ctx);

  const endS = endBeat * beatS;
  const bassInsts = new Set<string>([l.bassInst, 'sub']);
  const level = (db: number | undefined) => (db === undefined ? undefined : 10 ** (db / 20));
  const bassGain = level(style.mix?.bass ?? MIX_BASS_DB);
  const slowUnison = p.bpm < SLOW_UNISON_BELOW_BPM && style.grooves !== null && l.drums;
  for (const n of ctx.notes) {
    if (slowUnison) n.unisonDetune = SLOW_UNISON_DETUNE;
    const g = bassInsts.has(n.inst) ? bassGain : level(style.mix?.[n.inst]);
    if (g !== undefined) n.gain = (n.gain ?? 1) * g;
    n.len = Math.min(n.len, Math.max(0.02, endS + 2 - n.t));
    n.mustEndBy = durationS - 0.03;
  }
  // Echoes on the 8th-note grid reinforce the pulse (a dotted-8th echo makes beat trackers hear 4/3 the tempo).
  const echoBeats = beatS * 0.5 > 0.35 ? 0.25 : 0.5;
  const space = Math.min(1, Math.max(0.1, style.space + mood.space));
  return { notes: ctx.notes, sections, bpm: p.bpm, echoS: echoBeats * beatS, space, endS, kit: style.kit, tonic: key.tonic, mirror: material.stage.side === 1, toneDb: mood.tone };
}

// --- material --------------------------------------------------------------------------------

/** Instruments the prompt can name (parser vocabulary) and the part each one plays. */
export const INSTRUMENT_ROLES: Record<string, [Role, InstrumentName]> = {
  piano: ['chords', 'piano'], 'electric piano': ['chords', 'epiano'], organ: ['chords', 'organ'], guitar: ['chords', 'cleanGuitar'],
  'acoustic guitar': ['chords', 'steelGuitar'], 'nylon guitar': ['chords', 'nylonGuitar'], 'classical guitar': ['chords', 'nylonGuitar'],
  'electric guitar': ['chords', 'distGuitar'], 'distorted guitar': ['chords', 'distGuitar'], accordion: ['chords', 'accordion'],
  banjo: ['chords', 'banjo'], harp: ['chords', 'harp'], harpsichord: ['chords', 'harpsichord'], clavinet: ['chords', 'clav'],
  strings: ['pad', 'strings'], pads: ['pad', 'pad'], choir: ['pad', 'choir'], bagpipes: ['pad', 'bagpipe'],
  synth: ['melody', 'lead'], bells: ['melody', 'bell'], 'music box': ['melody', 'musicBox'], flute: ['melody', 'flute'], sax: ['melody', 'sax'],
  brass: ['melody', 'brass'], trumpet: ['melody', 'trumpet'], trombone: ['counter', 'trombone'], clarinet: ['melody', 'clarinet'],
  violin: ['melody', 'violin'], fiddle: ['melody', 'violin'], cello: ['counter', 'cello'], harmonica: ['melody', 'harmonica'],
  marimba: ['melody', 'marimba'], vibraphone: ['melody', 'vibes'], vibes: ['melody', 'vibes'], xylophone: ['melody', 'xylophone'],
  glockenspiel: ['melody', 'glockenspiel'], celesta: ['melody', 'celesta'], kalimba: ['melody', 'kalimba'], 'steel drums': ['melody', 'steelDrums'],
  'tin whistle': ['melody', 'tinWhistle'], 'pan flute': ['melody', 'panFlute'], sitar: ['melody', 'sitar'],
  bass: ['bass', 'fingerBass'], '808': ['bass', 'bass808'], 'slap bass': ['bass', 'slapBass'], 'upright bass': ['bass', 'upright'],
  'synth bass': ['bass', 'synthBass'], 'acid bass': ['bass', 'acid'],
};

function chooseMaterial(p: MusicParams, style: Style, mood: Mood, key: Key): Material {
  const r = new Prng(p.seed, 1);
  const pr = r.fork(1), gr = r.fork(2), ir = r.fork(3), mr = r.fork(4), fr = r.fork(5);
  // progressions: three different ones where the style has them, each maybe varied. Verse and
  // chorus open on the tonic and stay in the key where the style has such progressions, so the
  // key is heard (pop starting on vi read as the relative minor); the bridge may wander.
  const natural = new Key(p.key, p.mode);
  const leading = (key.tonic + 11) % 12;
  const home = (chords: Chord[]) =>
    chords[0]!.root === key.tonic && chords.every((c) => c.pcs.every((pc) => natural.inScale(pc) || (p.mode === 'minor' && pc === leading)));
  const order = shuffle([...style.progressions[p.mode]], pr).map((n) => progression(key.tonic, n));
  const homes = order.filter(home);
  const main = homes.length ? homes : order;
  const away = order.filter((c) => !main.includes(c));
  // (a two-chord vamp keeps its tonic first in verse and chorus: at two bars a chord, a two-bar
  // verse of 'bVII i' reversed was all bVII, and reggae in A minor read as G major)
  const vary = (c: Chord[], keepHome = true) => varyProgression(c, key, pr, keepHome);
  // A style with one home progression (samba, some minor keys) gave every seed the same verse and
  // chorus: the chorus then comes from the rest, which the seed shuffled (the opening bar and the
  // outro keep home heard).
  const chorus = main.length > 1 ? main[1]! : away.length > 1 ? away[1]! : main[0]!;
  const progs = { verse: vary(main[0]!), chorus: vary(chorus), bridge: vary(away[0] ?? main[2 % main.length]!, false) };
  // grooves: the seed deals the style's grooves to sections and varies each
  const fast = p.bpm >= FAST_BPM && style.fastGrooves;
  const pool = shuffle([...((fast ? style.fastGrooves : style.grooves) ?? [])], gr);
  const groove = (i: number, amount: number): DrumPattern => (pool.length ? varyGroove(pool[i % pool.length]!, gr.fork(i), amount, mood, p.bpm >= FAST_BPM) : {});
  const grooves = { verse: groove(0, 0.5), chorus: groove(1, 0.5), bridge: groove(2, 0.6), alt: groove(0, 1) };

  const bassStyles = shuffle([...pick<BassStyle>(style.bass.style)], ir);
  const chordStyles = shuffle([...pick<ChordStyle>(style.chords.style)], ir);
  const melodyStyles = shuffle([...pick<MelodyStyle>(style.melody.style)], ir);
  const layers = chooseLayers(p, style, mood, ir);
  const motifStyle = melodyStyles[0]!;
  const motifs = {
    verse: makeMotif(mr, motifStyle, mood),
    chorus: makeMotif(mr, melodyStyles[1] ?? motifStyle, mood),
    bridge: makeMotif(mr, melodyStyles[2] ?? melodyStyles[1] ?? motifStyle, mood),
  };
  const homeChord = [...progs.verse, ...progs.chorus, ...order.flat()].find((c) => c.root === key.tonic) ?? progression(key.tonic, p.mode === 'major' ? 'I' : 'i')[0]!;
  return {
    progs, home: homeChord, grooves, motifs, layers,
    bass: { verse: bassStyles[0]!, chorus: bassStyles[1] ?? bassStyles[0]! },
    comp: { verse: chordStyles[0]!, chorus: chordStyles[1] ?? chordStyles[0]! },
    melodyStyle: motifStyle,
    formVariant: fr.int(FORM_VARIANTS),
    introDrumsOnly: fr.chance(0.5),
    // club tracks keep one chord a bar (their drops need the movement), and jams their changes
    // (a jazz tonic held for two bars of ii-V made the chroma key read a fifth off)
    slowHarmony: { verse: (style.form === 'song' || style.form === 'calm') && pr.chance(0.35), chorus: false, bridge: style.form !== 'jam' && pr.chance(0.5) },
    swing: style.swing * (0.8 + 0.4 * fr.float()),
    fills: style.fills,
    stage: chooseStage(style, r.fork(6)),
  };
}

/**
 * The seed's stage: comping on one side, the counter-melody on the other, the melody just off the
 * centre on the counter's side. A style's own places keep their distance from the centre; the
 * seed may mirror them. Chords and pads spread wide: notes of different pitch on different sides
 * are what gives the mix its width (left/right correlation 0.8-0.98 with chords within +-0.45).
 */
function chooseStage(style: Style, r: Prng): Stage {
  const side = r.chance(0.5) ? 1 : -1;
  const at = (own: number | undefined, lo: number, hi: number) => side * (own !== undefined ? Math.abs(own) : r.range(lo, hi));
  return {
    side,
    chords: at(style.pan?.chords, 0.2, 0.4),
    chordWidth: r.range(0.55, 0.75),
    padWidth: r.range(0.75, 0.95),
    melody: -at(style.pan?.melody, 0.1, 0.25),
    counter: -at(style.pan?.counter, 0.35, 0.55),
  };
}

function shuffle<T>(items: T[], r: Prng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Seed variations of a progression: a diatonic substitute for one chord, or a rotation. */
function varyProgression(chords: Chord[], key: Key, r: Prng, keepHome = false): Chord[] {
  const out = [...chords];
  if (out.length === 4 && r.chance(0.35)) {
    // swap in the chord a third below (vi for I, ii for IV, iii for V), never on the first chord
    const i = 1 + r.int(3);
    const c = out[i]!;
    const idx = key.steps.indexOf((c.root - key.tonic + 12) % 12);
    if (idx >= 0 && key.steps.length === 7 && c.pcs.length === 3) {
      const deg = (idx + 5) % 7;
      const root = (key.tonic + key.steps[deg]!) % 12;
      const pcs = [0, 2, 4].map((k) => (key.tonic + key.steps[(deg + k) % 7]!) % 12);
      out[i] = { root, pcs, numeral: `sub${deg}` };
    }
  }
  if (out.length === 2 && r.chance(0.4) && !(keepHome && out[0]!.root === key.tonic)) out.reverse();
  return out;
}

/**
 * Variation as a combinator on a groove: moves or adds kicks off the downbeat, changes hat
 * density, adds ghost snares or an open-hat lift. Downbeats and backbeats stay, so the pulse holds.
 */
export function varyGroove(g: DrumPattern, r: Prng, amount: number, mood: Mood, fast: boolean): DrumPattern {
  const out: DrumPattern = { ...g };
  const edit = (lane: keyof DrumPattern, f: (steps: string[]) => void) => {
    const s = out[lane];
    if (!s) return;
    const a = [...s];
    f(a);
    out[lane] = a.join('');
  };
  const floor = out.kick === FOUR; // four on the floor stays four on the floor
  if (out.kick && !floor && r.chance(0.6 * amount)) {
    edit('kick', (a) => {
      const free = a.map((c, i) => (c === '.' && i % 4 !== 0 && i % 2 === 0 && i > 4 ? i : -1)).filter((i) => i >= 0);
      if (free.length) a[r.pick(free)] = r.chance(0.5) ? 'o' : '-';
    });
  }
  if (out.kick && !floor && r.chance(0.3 * amount)) {
    edit('kick', (a) => {
      const off = a.map((c, i) => (c !== '.' && i % 8 !== 0 ? i : -1)).filter((i) => i >= 0);
      if (off.length > 1) a[r.pick(off)] = '.';
    });
  }
  const hatLane = out.hat ? 'hat' : out.ride ? 'ride' : null;
  if (hatLane && r.chance(0.5 * amount)) {
    const busier = !fast && (mood.density > 1.05 || (mood.density >= 0.85 && r.chance(0.5)));
    edit(hatLane, (a) => {
      for (let i = 0; i < a.length; i++) {
        if (busier && a[i] === '.' && i % 2 === 1 && r.chance(0.6)) a[i] = '-';
        if (!busier && a[i] === '-') a[i] = '.';
      }
    });
  }
  if ((out.snare || out.clap) && r.chance(0.4 * amount)) {
    edit(out.snare ? 'snare' : 'clap', (a) => {
      const free = a.map((c, i) => (c === '.' && i % 4 !== 0 && a[i - 1] !== 'x' && a[i + 1] !== 'x' ? i : -1)).filter((i) => i >= 0);
      if (free.length) a[r.pick(free)] = '-';
    });
  }
  if (!out.openhat && out.hat && r.chance(0.3 * amount)) out.openhat = '..............o.';
  if (mood.perc < 0) for (const lane of ['tambourine', 'shaker', 'cowbell'] as const) delete out[lane];
  if (mood.perc > 0 && !out.tambourine && !out.shaker && r.chance(0.5)) out.shaker = 'o-o-o-o-o-o-o-o-';
  return out;
}

const DENSITY: Record<MelodyStyle, [number, number]> = {
  hook: [4, 7], sparse: [2, 4], flowing: [5, 9], long: [1, 3], riff: [5, 8], jig: [8, 12], chant: [3, 5], arp: [8, 12], blues: [3, 6], none: [2, 3],
};

/** A new one-bar rhythm and contour: how many notes, where, and how they move, all from the seed. */
export function makeMotif(r: Prng, style: MelodyStyle, mood: Mood): Motif {
  const [lo, hi] = DENSITY[style];
  const base = lo + r.int(hi - lo + 1);
  // a busier mood adds at least a note: 1.1 times a sparse motif's 2 or 3 rounded back to it, and
  // happy jazz, folk and ambient played as many notes a beat as plain
  const n = Math.max(1, Math.min(14, mood.density > 1.05 ? Math.max(base + 1, Math.round(base * mood.density)) : Math.round(base * mood.density)));
  const grid = style === 'chant' || style === 'long' ? 4 : style === 'jig' || style === 'arp' ? 1 : 2;
  const weights = Array.from({ length: 16 }, (_, i) =>
    i % grid !== 0 ? 0 : i % 4 === 0 ? 1 : i % 2 === 0 ? 0.55 + (style === 'riff' || style === 'hook' ? 0.25 : 0) : 0.3 + (style === 'jig' ? 0.6 : 0),
  );
  const steps = new Set<number>([r.chance(0.75) ? 0 : grid === 4 ? 4 : 2]);
  let guard = 0;
  while (steps.size < n && guard++ < 200) {
    const i = r.int(16);
    if (weights[i]! > 0 && r.chance(weights[i]!)) steps.add(i);
  }
  const sorted = [...steps].sort((a, b) => a - b);
  const legato = style === 'riff' || style === 'jig' ? 0.75 : 0.95;
  const rhythm = sorted.map((st, i): [number, number] => [st, Math.max(1, Math.round(((sorted[i + 1] ?? 16) - st) * legato))]);
  const moves = style === 'jig' || style === 'flowing' ? [-1, -1, 1, 1, 2, -2, 0] : style === 'blues' ? [-2, -1, 0, 1, 2, -3, 3] : [-2, -1, -1, 0, 1, 1, 2, 3, -3];
  const contour = rhythm.map(() => r.pick(moves));
  return { rhythm, contour };
}

function chooseLayers(p: MusicParams, style: Style, mood: Mood, r: Prng): Material['layers'] {
  const has = (w: string) => p.instruments.includes(w);
  const no = (w: string) => p.excluded.includes(w);
  const pad = r.pick(pick((p.mode === 'minor' ? style.minorPad : undefined) ?? style.pad ?? null));
  const bassStyle = pick<BassStyle>(style.bass.style)[0]!;
  const l: Material['layers'] = {
    drums: style.grooves !== null && !no('drums'),
    bass: bassStyle !== 'none' && !no('bass'),
    chords: !no('chords'),
    pad: pad ?? mood.pad ?? null,
    melody: !pick<MelodyStyle>(style.melody.style).includes('none') || r.chance(0.5),
    counter: style.counter ? r.pick(pick(style.counter)) : null,
    hiss: style.hiss === true,
    bassInst: r.pick(pick(style.bass.inst)),
    chordInst: r.pick(pick(style.chords.inst)),
    melodyInst: r.pick(pick(style.melody.inst)),
    kickInst: style.kickInst ?? 'kick',
  };
  if (no('melody')) l.melody = false;
  if (has('drums') && !style.grooves) l.drums = false; // beatless styles keep their nature; drums need a groove
  for (const word of p.instruments) {
    const role = INSTRUMENT_ROLES[word];
    if (!role) continue;
    const [part, inst] = role;
    if (part === 'bass') (l.bass = true), (l.bassInst = inst);
    else if (part === 'chords' && !(p.genre === 'piano' && inst === 'piano')) l.chordInst = inst;
    else if (part === 'pad') l.pad = inst;
    else if (part === 'counter') l.counter = inst;
    else if (part === 'melody') (l.melody = true), (l.melodyInst = inst);
  }
  // a guitar asked for in a guitar band leads; elsewhere it comps
  if (has('guitar') && ['rock', 'metal', 'punk', 'blues'].includes(p.genre)) l.melodyInst = 'leadGuitar';
  if (no('piano')) {
    if (l.chordInst === 'piano' || l.chordInst === 'brightPiano') l.chordInst = 'epiano';
    if (l.melodyInst === 'piano' || l.melodyInst === 'brightPiano') l.melodyInst = 'flute';
  }
  if (no('strings') && (l.pad === 'strings' || l.pad === 'violin')) l.pad = 'pad';
  if (no('strings') && (l.counter === 'strings' || l.counter === 'violin' || l.counter === 'cello')) l.counter = null;
  if (no('pads') && (l.pad === 'pad' || l.pad === 'warmPad')) l.pad = null;
  if (no('synth') && ['lead', 'sawLead', 'squareLead'].includes(l.melodyInst)) l.melodyInst = 'bell';
  if (no('guitar') && /Guitar|banjo/.test(l.chordInst)) l.chordInst = 'organ';
  if (no('808') && l.bassInst === 'bass808') l.bassInst = 'sub';
  if (no('808') && l.kickInst === 'kick808') l.kickInst = 'kick';
  if (no('drums')) l.drums = false;
  if (no(ONLY_ASKED)) {
    // "piano only": the parts of the named instruments and nothing else
    const asked = new Set(p.instruments.map((w) => INSTRUMENT_ROLES[w]?.[0]));
    if (!has('drums')) l.drums = false;
    if (!asked.has('bass')) l.bass = false;
    if (!asked.has('chords')) l.chords = false;
    if (!asked.has('pad')) l.pad = null;
    if (!asked.has('melody')) l.melody = false;
    if (!asked.has('counter')) l.counter = null;
    l.hiss = false;
  }
  return l;
}
