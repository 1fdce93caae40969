import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Note } from '../../worker/engines/embedded/compose.ts';
import { instrumentBank } from '../../worker/engines/embedded/index.ts';
import type { DrumKit, InstrumentName } from '../../worker/engines/embedded/patches.ts';
import { renderSampled } from '../../worker/engines/embedded/sampler.ts';
import { loadInstrumentBank, SOUNDFONT_PATH, type InstrumentBank } from '../../worker/engines/embedded/soundfont.ts';
import { aubioPitch, bandDb, stereoCorrelation, writeWav } from '../helpers/audio.ts';
import { renderFixture } from './render.ts';

const SR = 44_100;

/** The sampler alone: notes into a fresh stereo bus, interleaved. */
function play(bank: InstrumentBank, notes: Note[], seconds: number, kit: DrumKit = 'standard'): { pcm: Float32Array; left: Float32Array; synth: Note[] } {
  const n = Math.round(seconds * SR);
  const bus = { left: new Float32Array(n + 64), right: new Float32Array(n + 64), send: new Float32Array(n + 64) };
  const { synth } = renderSampled(bank, notes, kit, 0.3, bus, n);
  const pcm = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) (pcm[2 * i] = bus.left[i]!), (pcm[2 * i + 1] = bus.right[i]!);
  return { pcm, left: bus.left.subarray(0, n), synth };
}

const note = (inst: InstrumentName, t: number, midi: number, len = 0.8, vel = 0.8): Note => ({ inst, t, len, midi, vel, pan: 0 });

/** RMS of `x` between `a` and `b` seconds. */
const rms = (x: Float32Array, a: number, b: number) => Math.sqrt(x.subarray(a * SR, b * SR).reduce((s, v) => s + v * v, 0) / ((b - a) * SR));

/** What the `first` notes leave once `then` is played too: (both) minus (`then` alone), 3 s. */
function residue(bank: InstrumentBank, first: Note[], then: Note[]): Float32Array {
  const both = play(bank, [...first, ...then], 3).left;
  const later = play(bank, then, 3).left;
  return both.map((v, i) => v - later[i]!);
}

describe('sampled instruments (SoundFont)', () => {
  let bank: InstrumentBank;
  let dir: string;
  beforeAll(async () => {
    bank = await instrumentBank();
    dir = await mkdtemp(join(tmpdir(), 'ditty-inst-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('GIVEN the installed package THEN the SoundFont loads, decodes once, and the cache gives the same samples back', async () => {
    expect(SOUNDFONT_PATH).toMatch(/@librescore\/sf3\/FluidR3Mono_GM\.sf3\.wasm$/);
    const patches = [{ program: 0 }, { program: 0, drums: true }];
    const first = await loadInstrumentBank(patches, dir);
    const second = await loadInstrumentBank(patches, dir);
    expect(first.source).toBe('decoded');
    expect(second.source).toBe('cache');
    expect(first.cacheBytes).toBe(first.frames * 2);
    expect(Buffer.from(second.pcm.buffer, second.pcm.byteOffset, second.pcm.byteLength).equals(Buffer.from(first.pcm.buffer, first.pcm.byteOffset, first.pcm.byteLength))).toBe(true);
    expect(first.zones({ program: 0 }, 60, 100).length).toBeGreaterThan(0);
  });

  it.each([
    ['piano', 69],
    ['piano', 45],
    ['nylonGuitar', 64],
    ['upright', 40],
    ['rockBass', 33],
    ['violin', 76],
    ['sax', 62],
  ] as const)('GIVEN a %s note at MIDI %i THEN aubio hears that pitch (within 30 cents)', async (inst, midi) => {
    const { pcm } = play(bank, [note(inst, 0.05, midi, 1.2)], 1.4);
    const path = join(dir, `${inst}-${midi}.wav`);
    await writeWav(path, pcm, SR, 2);
    expect(Math.abs((await aubioPitch(path)) - midi)).toBeLessThan(0.3);
  });

  it('GIVEN the General MIDI kits THEN they sound different, and a hat is no white noise flat to 22 kHz', () => {
    const groove = (): Note[] => [0, 0.5, 1, 1.5].flatMap((t, i) => [note(i % 2 ? 'snare' : 'kick', t, 60, 0.1), note('hat', t + 0.25, 60, 0.1)]);
    const kits: DrumKit[] = ['standard', 'tr808', 'brush', 'electronic'];
    const renders = kits.map((kit) => play(bank, groove(), 2.2, kit).left);
    for (let a = 0; a < kits.length; a++) {
      for (let b = a + 1; b < kits.length; b++) {
        let dot = 0, na = 0, nb = 0;
        for (let i = 0; i < renders[a]!.length; i++) (dot += renders[a]![i]! * renders[b]![i]!), (na += renders[a]![i]! ** 2), (nb += renders[b]![i]! ** 2);
        expect(dot / Math.sqrt(na * nb), `${kits[a]} vs ${kits[b]}`).toBeLessThan(0.9);
      }
    }
    const hat = play(bank, [note('hat', 0, 60, 0.1), note('hat', 0.25, 60, 0.1), note('hat', 0.5, 60, 0.1)], 0.75).left;
    // a real closed hat: its energy falls away towards 20 kHz (white noise would be level)
    expect(bandDb(hat, SR, 18_000, 22_000)).toBeLessThan(bandDb(hat, SR, 5_000, 10_000) - 10);
    // the 'chip' kit stays synthesized
    expect(play(bank, groove(), 2.2, 'chip').synth.length).toBe(8);
  });

  it('GIVEN an open hat followed by a closed one THEN the closed hat chokes it (exclusive class)', () => {
    const open = play(bank, [note('openhat', 0, 60, 0.5)], 1.5).left;
    const choked = play(bank, [note('openhat', 0, 60, 0.5), note('pedalhat', 0.5, 60, 0.1)], 1.5).left;
    // after the pedal's own short sound, the open hat's ring is gone
    expect(rms(choked, 0.9, 1.4)).toBeLessThan(rms(open, 0.9, 1.4) / 4);
  });

  it('GIVEN a guitar strummed again THEN the new notes take the old ones\' strings: the first chord stops, a chord within one strum keeps every note', () => {
    const strum = (t: number, root: number) => [0, 7, 12, 16, 19, 24].map((d, i) => note('steelGuitar', t + i * 0.005, root + d, 0.9));
    const alone = play(bank, strum(0, 40), 3).left;
    const stolen = residue(bank, strum(0, 40), strum(1, 45));
    // the first chord still rings at 1.3-2 s when played alone, and is gone under the second
    expect(rms(alone, 1.3, 2)).toBeGreaterThan(1e-3);
    expect(rms(stolen, 1.3, 2)).toBeLessThan(rms(alone, 1.3, 2) / 100);
    // before the second strum nothing changed
    expect(rms(stolen, 0.2, 0.9)).toBeCloseTo(rms(alone, 0.2, 0.9), 6);
    // seven notes in one 25 ms strum: the seventh does not cut the first
    const seven = [...strum(0, 40), note('steelGuitar', 0.02, 64, 0.9)];
    const firstKept = residue(bank, seven.slice(0, 1), seven.slice(1));
    expect(rms(firstKept, 0.5, 1)).toBeCloseTo(rms(play(bank, seven.slice(0, 1), 3).left, 0.5, 1), 6);
  });

  it('GIVEN a key struck again THEN the new note takes over the old one\'s string (or cymbal); another key rings on; strings restruck ring out under the new note', () => {
    const first = [note('piano', 0, 60, 1.5)];
    const alone = play(bank, first, 3).left;
    expect(rms(alone, 0.8, 1.4)).toBeGreaterThan(1e-3);
    expect(rms(residue(bank, first, [note('piano', 0.5, 60, 1.5)]), 0.8, 1.4)).toBeLessThan(rms(alone, 0.8, 1.4) / 100);
    expect(rms(residue(bank, first, [note('piano', 0.5, 64, 1.5)]), 0.8, 1.4)).toBeCloseTo(rms(alone, 0.8, 1.4), 6);
    const crash = play(bank, [note('crash', 0, 49, 0.2)], 3).left;
    expect(rms(residue(bank, [note('crash', 0, 49, 0.2)], [note('crash', 0.7, 49, 0.2)]), 1, 1.6)).toBeLessThan(rms(crash, 1, 1.6) / 100);
    // a sustained sound is not cut: stealing a restruck pad or string section dipped it by up to 12 dB
    for (const inst of ['strings', 'warmPad'] as const) {
      const held = [note(inst, 0, 57, 1.5)];
      const heldAlone = play(bank, held, 3).left;
      expect(rms(residue(bank, held, [note(inst, 1.5, 57, 1.5)]), 1.5, 2)).toBeCloseTo(rms(heldAlone, 1.5, 2), 6);
    }
  });

  it('GIVEN the same notes twice THEN the samples are byte-identical', () => {
    const notes = [note('piano', 0, 60), note('strings', 0.2, 67, 1), note('hat', 0.1, 60, 0.1)];
    const a = play(bank, notes, 1.5).pcm;
    const b = play(bank, notes, 1.5).pcm;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('GIVEN a band of sampled instruments THEN the mix has a stereo image (left/right correlation well under the 0.8-0.98 of the synth-only engine)', async () => {
    const fx = await renderFixture();
    try {
      for (const [prompt, seed] of [['jazz trio with piano and upright bass', 3], ['rock with guitar', 4]] as const) {
        const r = await fx.render(prompt, seed, 12);
        expect(stereoCorrelation(r.pcm), prompt).toBeLessThan(0.85);
      }
    } finally {
      await fx.cleanup();
    }
  });
});
