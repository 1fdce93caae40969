/**
 * Sampled voices: plays notes from the SoundFont's samples (soundfont.ts) into planar stereo and
 * an effect send, which the synth graph mixes with its own voices and runs through the room.
 *
 * A lean renderer rather than a SoundFont synthesizer: every note of a track is known before the
 * first sample, so each voice is rendered start to end in one tight loop (linear interpolation,
 * loop points, the SoundFont volume envelope stepped every ENV_STEP samples, equal-power pan),
 * with no per-block voice management, modulators or filters.
 */
import FFT from 'fft.js';
import type { Note } from './compose.ts';
import { DRUM_KEYS, KIT_PROGRAMS, PATCHES, SAMPLED, type DrumKit, type InstrumentName, type Layer } from './patches.ts';
import type { GmPatch, InstrumentBank, Zone } from './soundfont.ts';
import { SAMPLE_RATE } from './synth-graph.ts';

/** Samples between envelope evaluations (linear in between). */
const ENV_STEP = 64;
/** A voice ends once its envelope is this far below its peak (as rows.ts ends synth notes: -40 dB
 * sits under the mix and the room it already fed). */
const TAIL_DB = 40;
/** A choked voice (an open hat closed by the next hat) falls 100 dB in this long. */
const CHOKE_S = 0.06;
const FADE_S = 0.006;
/** Every voice fades in over at least this long (two envelope steps, 2.9 ms): a near-pure low
 * tone started at once (the 808 toms) is a click in a quiet bar, its onset the only high
 * frequencies around (tests/audio/master.test.ts caught one with one step). A drum's attack keeps
 * its punch: the ear's onset is ~10 ms. */
const MIN_ATTACK_S = (2 * ENV_STEP) / SAMPLE_RATE;
/**
 * Time panning: the far side of a panned voice is late by up to this many samples (0.6 ms, about
 * a head's width), as a listener hears a source off to one side. Level-only panning of mono
 * samples left both sides the same waveform (left/right correlation 0.9 and more); the delay
 * decorrelates them above a few hundred Hz and leaves the centre (kick, bass, snare) alone.
 */
const ITD = 26;
/**
 * Notes an instrument sounds at once, as the instrument itself allows: a guitar has six strings,
 * and a new strum stops the strings of the last one (a cymbal or drum struck again is one key
 * restruck: renderSampled). The next note past the limit stops the oldest, over STEAL_S. Without it a strummed steel guitar
 * left ~50 voices ringing at once (15.7 track-lengths of voice for one 30 s country track, the
 * slowest style to render) under chords that had moved on.
 */
const POLYPHONY: Partial<Record<InstrumentName, number>> = {
  nylonGuitar: 6, steelGuitar: 6, cleanGuitar: 6, mutedGuitar: 6, distGuitar: 6, leadGuitar: 6, banjo: 5, sitar: 6,
};
/** A stolen voice falls 100 dB in this long (a guitarist's hand on the strings), or over the new
 * voice's attack when that is slower (a pad or string section restruck on the same note fades
 * across, with no dip). */
const STEAL_S = 0.12;
/** A sound that falls at least this far while held is struck (struck()). */
const STRUCK_DB = 20;
/** A note this close to the one that would steal it belongs to the same strum: it keeps ringing. */
const SAME_STRUM_S = 0.04;
/** Sends below this are dry (sendOf). */
const DRY_SEND = 0.1;

export interface SampledBus {
  left: Float32Array;
  right: Float32Array;
  send: Float32Array;
}

/** Every GM patch the sampled voices and kits can play (what the bank must decode). */
export function sampledPatches(): GmPatch[] {
  const melodic = new Map<string, GmPatch>();
  for (const v of Object.values(SAMPLED)) melodic.set(`${v.bank ?? 0}:${v.program}`, { program: v.program, bank: v.bank });
  return [...melodic.values(), ...Object.values(KIT_PROGRAMS).map((program) => ({ program, drums: true }))];
}

/** What plays a note from samples: a patch, the key to ask it for and a gain; undefined: synth. */
export function sampledSource(inst: InstrumentName, midi: number, kit: DrumKit): { patch: GmPatch; key: number; gain: number; pan: number } | undefined {
  const melodic = SAMPLED[inst];
  if (melodic) {
    const pan = (melodic.pan ?? 0) + ((melodic.spread ?? 0) * Math.max(-24, Math.min(24, midi - 60))) / 24;
    return { patch: { program: melodic.program, bank: melodic.bank }, key: midi, gain: melodic.gain, pan };
  }
  const drum = DRUM_KEYS[inst];
  if (!drum || kit === 'chip') return undefined;
  const keys = drum.keys;
  // toms and hand drums: the kit key nearest the note's pitch (hand drums list high to low)
  let key = keys[0]!;
  if (keys.length > 1) {
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    if (midi >= lo && midi <= hi) key = keys.reduce((a, b) => (Math.abs(b - midi) < Math.abs(a - midi) ? b : a));
    else key = midi > hi ? hi : lo;
  }
  // toms across the kit, high right to floor left
  const pan = inst === 'tom' ? (key - 45.5) / 15 : 0;
  return { patch: { program: KIT_PROGRAMS[kit], drums: true }, key, gain: drum.kits?.[kit] ?? drum.gain, pan };
}

/**
 * Drums with a definite pitch (toms, hand drums, kicks), tuned to the key's tonic as a drummer
 * tunes a kit to the song: the kit's samples sit on fixed pitches (the standard toms on D and E,
 * the congas on A, timbales on G), which in most keys are foreign notes played on every beat, and
 * a celtic reel whose bodhran (a tom) hit D sixteen times a bar was heard in G minor, not Eb major.
 */
const TUNED_DRUMS = new Set<InstrumentName>(['kick', 'tom', 'conga', 'bongo', 'timbale', 'taiko']);
/**
 * Semitones above the tonic to tune a kit's kick to, where its sample falls in pitch after the hit
 * and tuning by the attack leaves the body off the key. The room kit's kick is ~75 Hz at the
 * attack, ~64 Hz through the body and ~55 Hz in the tail: its body rang 2.5 semitones under the
 * tonic, the key's major sixth (A in C minor, D in F minor: F and Bb major's third and fifth),
 * four times a bar. Punk in 12 major keys (seeds 1-4) read 45 -> 48 of 48 with it; the other 11
 * styles on this kit (rock, indie, soul, gospel, blues, country, lo-fi, reggae, afrobeat, celtic,
 * shanty) with punk, in C, F, E, A and D major and minor, seeds 1-2: 226 -> 236 of 240.
 */
const KICK_BODY_SEMITONES: Partial<Record<DrumKit, number>> = { room: 2.5 };
/** Partials searched for a drum's pitch: its body, not the stick's click. */
const DRUM_PITCH_HZ = [40, 1000] as const;
const PITCH_FFT = 8192;
/** By the sample's place in the pool and its tuning: the bank makes a new Zone object for every
 * velocity it is asked for, so a cache by object missed on most humanized hits (an 8192-point
 * FFT each, ~6 ms a track). */
const zonePitches = new Map<string, number | null>();
let pitchFft: FFT | undefined;

/**
 * The MIDI pitch (fractional) a drum zone sounds at when played as is: the strongest partial of
 * its first 8192 frames within DRUM_PITCH_HZ, refined between bins. null: nothing there.
 */
export function drumZonePitch(pcm: Int16Array, z: Zone): number | null {
  const id = `${z.base + z.start}:${z.end}:${z.rate}:${z.cents}`;
  const known = zonePitches.get(id);
  if (known !== undefined) return known;
  pitchFft ??= new FFT(PITCH_FFT);
  const input = new Array<number>(PITCH_FFT).fill(0);
  const n = Math.min(PITCH_FFT, z.end - z.start);
  for (let i = 0; i < n; i++) input[i] = pcm[z.base + z.start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / PITCH_FFT));
  const out = pitchFft.createComplexArray() as number[];
  pitchFft.realTransform(out, input);
  const mag = (k: number) => Math.hypot(out[2 * k]!, out[2 * k + 1]!);
  const lo = Math.ceil((DRUM_PITCH_HZ[0] * PITCH_FFT) / z.rate);
  const hi = Math.floor((DRUM_PITCH_HZ[1] * PITCH_FFT) / z.rate);
  let best = -1;
  let bestMag = 0;
  for (let k = Math.max(1, lo); k <= hi; k++) {
    const m = mag(k);
    if (m > bestMag) (best = k), (bestMag = m);
  }
  let pitch: number | null = null;
  if (best > 0 && bestMag > 0) {
    const a = mag(best - 1), b = bestMag, c = mag(best + 1);
    const shift = a - 2 * b + c === 0 ? 0 : (0.5 * (a - c)) / (a - 2 * b + c);
    const hz = (((best + shift) * z.rate) / PITCH_FFT) * 2 ** (z.cents / 1200);
    pitch = 69 + 12 * Math.log2(hz / 440);
  }
  zonePitches.set(id, pitch);
  return pitch;
}

/** Cents that move a drum zone's pitch onto the nearest tonic (at most a tritone either way). */
function tuneToTonic(pcm: Int16Array, z: Zone, tonic: number): number {
  const pitch = drumZonePitch(pcm, z);
  if (pitch === null) return 0;
  const d = ((((tonic - pitch) % 12) + 18) % 12) - 6;
  return Math.round(100 * d);
}

interface Voice {
  zone: Zone;
  note: Note;
  gain: number;
  /** The instrument's stage position, added to the note's and the zone's pan. */
  pan: number;
  send: number;
  /** Seconds from the note start at which the release begins (gate end or choke). */
  releaseAt: number;
  choked: boolean;
  /** Seconds from the note start at which a newer note steals the voice (POLYPHONY), and how
   * long it then takes to fall 100 dB from wherever its envelope was. */
  stolenAt: number;
  stealS: number;
  /** Cents off the zone's pitch (a drum tuned to the key). */
  detune: number;
}

/**
 * Renders the sampled notes into `bus` (added to what is there; the buffers must cover `frames`)
 * and returns the notes that stay synthesized.
 */
export function renderSampled(
  bank: InstrumentBank, notes: readonly Note[], kit: DrumKit, space: number, bus: SampledBus, frames: number, tonic?: number, mirror = false,
): { synth: Note[]; voices: number } {
  const synth: Note[] = [];
  const voices: Voice[] = [];
  const lastOfClass = new Map<string, Voice>();
  const sounding = new Map<InstrumentName, Voice[][]>();
  // A key struck again takes over its own string, pipe or drum head: the last voices of every
  // instrument and key. (Releases of repeated notes had rung on under every new strike: a
  // quarter of all voice time.)
  const lastOnKey = new Map<string, Voice[]>();
  const sorted = [...notes].sort((a, b) => a.t - b.t);
  for (const note of sorted) {
    const src = sampledSource(note.inst, note.midi, kit);
    if (!src) {
      synth.push(note);
      continue;
    }
    const velocity = Math.max(1, Math.min(127, Math.round(note.vel * 127)));
    const send = sendOf(note.inst) * space;
    const noteVoices: Voice[] = [];
    const limit = POLYPHONY[note.inst];
    if (limit !== undefined) {
      const queue = sounding.get(note.inst) ?? [];
      sounding.set(note.inst, queue);
      while (queue.length >= limit && note.t - queue[0]![0]!.note.t >= SAME_STRUM_S) for (const v of queue.shift()!) steal(v, note.t, STEAL_S);
      queue.push(noteVoices);
    }
    const keyId = `${note.inst}:${src.key}`;
    const onKey = lastOnKey.get(keyId);
    const restruck = onKey !== undefined && onKey.length > 0 && note.t - onKey[0]!.note.t >= SAME_STRUM_S;
    if (onKey === undefined || restruck) lastOnKey.set(keyId, noteVoices);
    for (const { zone, gain } of distinctZones(bank.zones(src.patch, src.key, velocity))) {
      const detune = tonic !== undefined && src.patch.drums && TUNED_DRUMS.has(note.inst) ? tuneToTonic(bank.pcm, zone, note.inst === 'kick' ? tonic + (KICK_BODY_SEMITONES[kit] ?? 0) : tonic) : 0;
      const v: Voice = { zone, note, gain: note.vel * (note.gain ?? 1) * src.gain * gain, pan: mirror ? -src.pan : src.pan, send, releaseAt: note.len, choked: false, stolenAt: Infinity, stealS: STEAL_S, detune };
      noteVoices.push(v);
      if (restruck) for (const old of onKey) if (struck(old.zone)) steal(old, note.t, Math.max(STEAL_S, zone.attack));
      if (zone.exclusiveClass) {
        const id = `${src.patch.program}:${zone.exclusiveClass}`;
        const prev = lastOfClass.get(id);
        // The next hit of the class cuts this one short (an open hat closed by the pedal). Its
        // level at the cut is taken as if still held: drum zones release over seconds, so a
        // note-off before the cut has barely lowered it.
        if (prev && prev.note !== note && !prev.choked) (prev.releaseAt = note.t - prev.note.t), (prev.choked = true);
        lastOfClass.set(id, v);
      }
      voices.push(v);
    }
  }
  for (const v of voices) renderVoice(bank.pcm, v, bus, frames);
  return { synth, voices: voices.length };
}

/**
 * A struck or plucked sound (it dies away while held, or its sample simply ends): a new strike of
 * its key replaces it. Sustained ones (pads, strings, organ, choir) ring out their release under
 * the new note: stealing them dipped a restruck pad by up to 12 dB for a tenth of a second.
 */
function struck(z: Zone): boolean {
  return !z.loops || z.sustainDb >= STRUCK_DB;
}

/** A newer note takes the voice's string (or cymbal) at `t`, seconds into the track. */
function steal(v: Voice, t: number, overS: number): void {
  const at = t - v.note.t;
  if (at >= v.stolenAt) return;
  v.stolenAt = at;
  v.stealS = overS;
}

/**
 * Zones that differ: some presets layer one sample twice (electric guitars, for a fuller sound in a
 * synthesizer with chorus); here that is the same samples summed, so one voice plays at their summed gain.
 */
function distinctZones(zones: readonly Zone[]): { zone: Zone; gain: number }[] {
  const out: { zone: Zone; gain: number }[] = [];
  for (const zone of zones) {
    const same = out.find(({ zone: z }) => z.base === zone.base && z.start === zone.start && z.cents === zone.cents && z.pan === zone.pan && z.attack === zone.attack && z.release === zone.release);
    if (same) same.gain += zone.gain;
    else out.push({ zone, gain: zone.gain });
  }
  return out;
}

/** A sampled voice sends to the room what the synth patch it replaces sent. */
function sendOf(inst: InstrumentName): number {
  const layers = PATCHES[inst] as Layer[];
  const send = layers.reduce((a, l) => Math.max(a, l.send), 0);
  // Basses and closed hats sent 0.02-0.08 (under -27 dB before the room's own gains): nothing a
  // listener hears but mud under the tail. Dry voices play through mixSpanDry.
  return send < DRY_SEND ? 0 : send;
}

/** Envelope level in dB (0 at peak) at `t` seconds after the note start, before any release. */
function heldDb(z: Zone, t: number): number {
  if (t < z.delay) return -Infinity;
  t -= z.delay;
  const attack = Math.max(z.attack, MIN_ATTACK_S);
  if (t < attack) return 20 * Math.log10(Math.max(1e-5, t / attack));
  t -= attack;
  if (t < z.hold) return 0;
  return Math.max(-z.sustainDb, (-100 * (t - z.hold)) / z.decay);
}

function renderVoice(pcm: Int16Array, v: Voice, bus: SampledBus, frames: number): void {
  const { zone: z, note } = v;
  const start = Math.round(note.t * SAMPLE_RATE);
  if (start >= frames) return;
  const releaseDb = heldDb(z, v.releaseAt);
  const release = v.choked ? CHOKE_S : z.release;
  // the end: released and TAIL_DB down, decayed TAIL_DB down while held, or the track's end
  let endS = v.releaseAt + (release * Math.max(0, TAIL_DB + releaseDb)) / 100;
  if (z.sustainDb >= TAIL_DB) endS = Math.min(endS, z.delay + z.attack + z.hold + (z.decay * TAIL_DB) / 100);
  const mustEnd = note.mustEndBy !== undefined ? note.mustEndBy - note.t : Infinity;
  endS = Math.min(endS, mustEnd);
  // released or held, then, once stolen, falling from that level over stealS
  const naturalDb = (t: number): number => (t < v.releaseAt ? heldDb(z, t) : releaseDb - (100 * (t - v.releaseAt)) / release);
  const stolenDb = v.stolenAt < endS ? naturalDb(v.stolenAt) : -Infinity;
  if (stolenDb > -Infinity) endS = Math.min(endS, v.stolenAt + (v.stealS * Math.max(0, TAIL_DB + stolenDb)) / 100);
  const step = (z.rate / SAMPLE_RATE) * 2 ** ((z.cents + v.detune) / 1200);
  if (!(step > 0) || step > 64) return;
  // a one-shot sample fades out as it runs out, rather than stopping on whatever value it ends
  if (!z.loops) endS = Math.min(endS, (z.end - 1 - z.start) / step / SAMPLE_RATE);
  const n = Math.min(frames - ITD - start, Math.ceil(endS * SAMPLE_RATE));
  if (n <= 0) return;
  const envAt = (s: number): number => {
    const t = s / SAMPLE_RATE;
    const db = t < v.stolenAt ? naturalDb(t) : stolenDb - (100 * (t - v.stolenAt)) / v.stealS;
    const fade = Math.min(1, (endS - t) / FADE_S, (mustEnd - t) / FADE_S);
    return db === -Infinity || fade <= 0 ? 0 : 10 ** (db / 20) * fade;
  };
  const pan = Math.max(-1, Math.min(1, note.pan + v.pan + z.pan));
  const theta = ((pan + 1) * Math.PI) / 4;
  const amp = v.gain / 32768;
  const gl = Math.cos(theta) * Math.SQRT2 * amp;
  const gr = Math.sin(theta) * Math.SQRT2 * amp;
  const gs = v.send * amp;
  const late = Math.round(Math.abs(pan) * ITD);
  const dl = pan > 0 ? late : 0;
  const dr = pan < 0 ? late : 0;
  const L = bus.left;
  const R = bus.right;
  const S = bus.send;
  const base = z.base;
  const loopLen = z.loopEnd - z.loopStart;
  // the last position that can interpolate (its right neighbour exists)
  const limit = z.loops ? z.loopEnd : z.end - 1;
  let pos = z.start;
  let e0 = envAt(0);
  for (let s0 = 0; s0 < n; s0 += ENV_STEP) {
    const s1 = Math.min(n, s0 + ENV_STEP);
    const e1 = envAt(s1);
    if (e0 === 0 && e1 === 0) {
      // silent stretch (a delay, or past a choke): keep the read position moving
      pos += step * (s1 - s0);
      while (z.loops && pos >= limit) pos -= loopLen;
      if (!z.loops && pos >= limit) return;
      e0 = e1;
      continue;
    }
    pos = gs === 0
      ? mixSpanDry(pcm, base, pos, step, limit, z.loops ? loopLen : 0, L, R, start + s0, start + s1, dl, dr, e0, (e1 - e0) / (s1 - s0), gl, gr)
      : mixSpan(pcm, base, pos, step, limit, z.loops ? loopLen : 0, L, R, S, start + s0, start + s1, dl, dr, e0, (e1 - e0) / (s1 - s0), gl, gr, gs);
    if (pos < 0) return;
    e0 = e1;
  }
}

/**
 * The inner loop, alone in a small function of numbers and typed arrays so V8 optimizes it as
 * one tight loop: linear interpolation at `pos` (steps of `step`, wrapping by `loopLen` at
 * `limit`, or ending there when it is 0), an envelope ramp from `e` by `de`, into left (late by
 * `dl`), right (late by `dr`) and send. Returns the next position, or -1 when the sample ended.
 */
function mixSpan(
  pcm: Int16Array, base: number, pos: number, step: number, limit: number, loopLen: number,
  L: Float32Array, R: Float32Array, S: Float32Array, i0: number, i1: number, dl: number, dr: number,
  e: number, de: number, gl: number, gr: number, gs: number,
): number {
  for (let i = i0; i < i1; i++) {
    const ip = pos | 0;
    const a = pcm[base + ip]!;
    const x = (a + (pos - ip) * (pcm[base + ip + 1]! - a)) * e;
    L[i + dl]! += x * gl;
    R[i + dr]! += x * gr;
    S[i]! += x * gs;
    e += de;
    pos += step;
    if (pos >= limit) {
      if (loopLen === 0) return -1;
      pos -= loopLen;
    }
  }
  return pos;
}


/**
 * mixSpan for a dry voice (no send: basses, closed hats, kicks; ~13% of voice time): two writes a
 * sample instead of three. A function of its own, so both stay monomorphic (the same skip behind
 * a branch inside mixSpan made every voice slower).
 */
function mixSpanDry(
  pcm: Int16Array, base: number, pos: number, step: number, limit: number, loopLen: number,
  L: Float32Array, R: Float32Array, i0: number, i1: number, dl: number, dr: number,
  e: number, de: number, gl: number, gr: number,
): number {
  for (let i = i0; i < i1; i++) {
    const ip = pos | 0;
    const a = pcm[base + ip]!;
    const x = (a + (pos - ip) * (pcm[base + ip + 1]! - a)) * e;
    L[i + dl]! += x * gl;
    R[i + dr]! += x * gr;
    e += de;
    pos += step;
    if (pos >= limit) {
      if (loopLen === 0) return -1;
      pos -= loopLen;
    }
  }
  return pos;
}
