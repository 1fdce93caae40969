import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aubioTempo } from '../helpers/audio.ts';
import { aubioBeatTempo } from '../helpers/listen.ts';
import { renderFixture } from './render.ts';

// aubio's beat tracker on a sample of the styles added with Engine 2, at slow, middle and fast
// tempos: each style's own groove (dembow, one drop, bossa, shuffle, surdo...) must still carry
// the requested pulse. tempo.test.ts covers the first eleven styles.
const CASES = [
  ['reggaeton at 90 bpm', 90],
  ['reggae at 90 bpm', 90],
  ['bossa nova at 90 bpm', 90],
  ['gospel at 90 bpm', 90],
  ['drill at 90 bpm', 90],
  ['funk at 120 bpm', 120],
  ['blues at 120 bpm', 120],
  ['country at 120 bpm', 120],
  ['sea shanty at 120 bpm', 120],
  ['samba at 150 bpm', 150],
  ['disco at 150 bpm', 150],
  ['chiptune at 150 bpm', 150],
  ['synthwave at 150 bpm', 150],
] as const;

describe('tempo of the styles, measured by aubio', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  beforeAll(async () => {
    fx = await renderFixture();
  });
  afterAll(() => fx.cleanup());

  it.each(CASES)('GIVEN "%s" THEN aubio hears %i bpm within 2 percent (20 s, seed 3)', async (prompt, bpm) => {
    const r = await fx.render(prompt, 3, 20);
    expect(r.params.bpm).toBe(bpm);
    const measured = await aubioTempo(r.wav);
    expect(Math.abs(measured - bpm) / bpm).toBeLessThan(0.02);
  });
});

/**
 * Prompts that name their tempo ("... at 94 bpm"), rendered at a seed (30 s unless given) and
 * measured as the examples grid measures them: aubio beat must hear that tempo within 2 percent,
 * on the engine's 44.1 kHz WAV or on the delivered .ogg (48 kHz, where aubio looks at twice as many
 * onset frames at a time: the same music can read differently).
 */
function heardAtTheirTempo(title: string, cases: Array<[string, number, number?]>, file: 'wav' | 'ogg' = 'wav'): void {
  describe(title, () => {
    let fx: Awaited<ReturnType<typeof renderFixture>>;
    beforeAll(async () => {
      fx = await renderFixture();
    });
    afterAll(() => fx.cleanup());

    it.each(cases)('GIVEN "%s", seed %i THEN aubio beat hears its tempo within 2 percent', async (prompt, seed, durationS) => {
      const tempo = Number(/(\d+) bpm/.exec(prompt)![1]);
      const r = file === 'ogg' ? await fx.renderOgg(prompt, seed, durationS ?? 30) : await fx.render(prompt, seed, durationS ?? 30);
      expect(r.params.bpm).toBe(tempo);
      const { bpm } = await aubioBeatTempo('ogg' in r ? r.ogg : r.wav);
      expect(bpm).not.toBeNull();
      expect(Math.abs(bpm! - tempo) / tempo).toBeLessThan(0.02);
    });
  });
}

// Reggae at its own 72 bpm is where aubio heard the organ bubble and the one-drop bass's eighths as
// the beat (145) in 7 of 16 seeds; seeds 1 and 2 are the examples grid's, 11 and 25 played the organ.
// Lo-fi at 77 read 155 in 6 of 20 seeds (3 and 5 among them), none of them the grid's.
heardAtTheirTempo('styles at tempos and seeds where aubio once heard another pulse', [
  ['reggae in Eb major at 72 bpm', 1],
  ['reggae in Eb major at 72 bpm', 2],
  ['reggae in Eb major at 72 bpm', 11],
  ['reggae in Eb major at 72 bpm', 25],
  ['lofi in Eb minor at 77 bpm', 3],
  ['lofi in Eb minor at 77 bpm', 5],
  // k-pop's tresillo kick with stabs on its 3 and 6, drill's kick and 808 with the snare on 2 and
  // 4-and only (two thirds: 84 and 96), salsa's cascara section without the bell (129)
  ['kpop in C minor at 126 bpm', 4],
  ['drill in C minor at 144 bpm', 4],
  ['salsa in C minor at 101 bpm', 3],
  // the clave's 3-3-2 with a kick on its second stroke (135: four thirds), the montuno's and
  // tumbao's eighths (190); the dembow's snares and off-beat plucks (190); boom bap's piano stabs
  // on the "and"s, heard from the second verse of a minute on (165)
  ['salsa in Eb minor at 101 bpm', 7],
  ['salsa in Eb minor at 101 bpm', 4],
  ['salsa in G# minor at 94 bpm', 11],
  ['reggaeton in G minor at 94 bpm', 2],
  ['reggaeton in F minor at 94 bpm', 8],
  // the dembow's 3-3-2 at 94: four thirds (126) with its snares at 0.7
  ['reggaeton at 94 bpm', 3],
  ['reggaeton at 94 bpm', 12],
  ['boom bap in B minor at 88 bpm', 5, 60],
]);

// The slow end of issue 11's 70-160 bpm. aubio's tracker weighs periods near 120 bpm up, so at 70
// it took any eighths between the beats for the pulse: before every part played them softer there,
// 52 of 72 renders (36 styles with a beat, seeds 1 and 2) read 140 at 70 bpm and 24 of 72 read 170
// at 85. Each case below read double time then.
heardAtTheirTempo('styles asked at 70 and 85 bpm, which read double time before', [
  ['rock at 70 bpm', 1],
  ['pop at 70 bpm', 1],
  ['metal at 70 bpm', 1],
  ['sea shanty at 70 bpm', 1],
  ['kpop at 70 bpm', 1],
  ['synthwave at 70 bpm', 1],
  ['indie at 85 bpm', 1],
  ['funk at 85 bpm', 1],
  ['disco at 85 bpm', 2],
  ['bossa nova at 85 bpm', 1],
  ['trance at 85 bpm', 2],
  ['garage at 85 bpm', 2],
]);

// The fast end: at 140 and 160 bpm the same tracker took off-beats as loud as the beats for
// dotted quarters, 93 and 107 bpm, near the ~120 it favours (at 160, 13 of 72 renders, 36 styles x
// seeds 1 and 2, read 107 or 80; 6 after the off-beats were softened from 135 bpm). Each case below
// read two thirds of its tempo then.
heardAtTheirTempo('styles asked at 140 and 160 bpm, which read two thirds of it before', [
  ['funk at 140 bpm', 1],
  ['disco at 140 bpm', 2],
  ['reggaeton at 140 bpm', 1],
  ['funk at 160 bpm', 1],
  ['disco at 160 bpm', 2],
  ['latin / salsa at 160 bpm', 2],
  ['afrobeat at 160 bpm', 2],
  ['chiptune (8-bit) at 160 bpm', 2],
  ['techno at 160 bpm', 2],
]);

// From 150 bpm up aubio weighs the half beat about as much as the beat (80 and 160: 1 : 1.16) and
// the dotted quarter more (107: 1.06 : 1). Drill's and dubstep's half-time snare was the loudest
// onset every two beats (drill at 160 read 80 in 4 of 4 seeds), and the dembow's and bossa's 3-3-2
// read as dotted quarters or half notes. Each case below read 80 or 107 before the time keepers'
// beats played louder, the off-beats softer and those snares at half level there.
heardAtTheirTempo('styles asked at 160 bpm, which read half or two thirds of it before', [
  ['drill at 160 bpm', 1],
  ['drill at 160 bpm', 2],
  ['dubstep at 160 bpm', 4],
  ['reggaeton at 160 bpm', 3],
  ['bossa nova at 160 bpm', 4],
]);

// At 70 bpm these four still read 140 by aubio's beat intervals on the .ogg while a long crash
// wash sank its onset function between the hits and the drums' off-beats played at a tenth: the
// afrobeat organ counter-line, the trance build's eighth-note roll, the dembow, the cinematic toms.
heardAtTheirTempo('styles asked at 70 bpm, which read 140 before the softer crash and off-beats', [
  ['afrobeat at 70 bpm', 2],
  ['trance at 70 bpm', 3],
  ['reggaeton at 70 bpm', 4],
  ['cinematic at 70 bpm', 2],
], 'ogg');

// aubio tempo's whole-file figure (the mean of 60/interval over every beat) on the delivered .ogg,
// as `aubio tempo -i` reads it typed with no options (a 1024-sample window).
// At 48 kHz its first look is at 2.7 s of audio, and at 70 bpm a pad swelling under those first
// beats tipped it to 140: five double-time beats made the file read 80.8. Each case below did
// ("<style> at 70 bpm", seeds 1-3: 61 of 108 read 70 before, 68 after).
describe('styles asked at 70 and 80 bpm, whole file on the delivered .ogg, which read double time in a stretch before', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  beforeAll(async () => {
    fx = await renderFixture();
  });
  afterAll(() => fx.cleanup());

  it.each([
    ['lofi at 70 bpm', 3],
    ['gospel at 70 bpm', 2],
    ['house at 70 bpm', 2],
    ['reggae at 70 bpm', 1],
    ['trap at 70 bpm', 1],
    ['metal at 70 bpm', 3],
    // (these three read 80.9 while the synthesized voices' unison pairs kept their full detune at
    // 70 bpm: aubio's last look switched to 140 and laid double-time beats over the ring-out)
    ['videogame at 70 bpm', 1],
    ['videogame at 70 bpm', 3],
    ['synthwave at 70 bpm', 2],
    // (these four switched to 140 in a later section: a crash's wash, a build's eighth-note roll)
    ['disco at 70 bpm', 1],
    ['dnb at 70 bpm', 1],
    ['techno at 70 bpm', 2],
    ['punk at 70 bpm', 1],
    // (these three read 92-105 while a build's riser was a flat 7 s wash at full level)
    ['garage at 70 bpm', 3],
    ['house at 70 bpm', 3],
    ['trance at 70 bpm', 1],
    // (at 80 these read 93-105 while a build's snare roll went to eighths in its second half)
    ['trance at 80 bpm', 1],
    ['garage at 80 bpm', 1],
    ['dubstep at 80 bpm', 3],
  ] as const)('GIVEN "%s", seed %i THEN aubio tempo reads its tempo within 2 percent', async (prompt, seed) => {
    const tempo = Number(/(\d+) bpm/.exec(prompt)![1]);
    const r = await fx.renderOgg(prompt, seed, 30);
    expect(r.params.bpm).toBe(tempo);
    const measured = await aubioTempo(r.ogg, 1024);
    expect(Math.abs(measured - tempo) / tempo).toBeLessThan(0.02);
  });
});
