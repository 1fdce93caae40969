import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aubioTempo } from '../helpers/audio.ts';
import { renderFixture } from './render.ts';

// aubio's beat tracker on the rendered 44.1 kHz audio, across genres with drums, 90..160 bpm.
// Fast techno is here because its off-beat hats once made aubio hear dotted quarters (140 read as
// 128, 160 as 137); 15 s is enough for the tracker to settle and keeps the suite fast.
const CASES = [
  ['lo-fi hip hop beat at 95 bpm', 95, 20],
  ['upbeat pop song at 100 bpm', 100, 20],
  ['jazz trio, 110 bpm', 110, 20],
  ['deep house 124 bpm', 124, 20],
  ['dark trap at 130 bpm with 808s', 130, 20],
  ['techno 135bpm', 135, 20],
  ['techno 140 bpm', 140, 15],
  ['rock anthem 150 BPM', 150, 20],
  ['drum and bass at 160 bpm', 160, 20],
  ['techno at 160 bpm', 160, 15],
] as const;

describe('tempo measured by aubio', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  beforeAll(async () => {
    fx = await renderFixture();
  });
  afterAll(() => fx.cleanup());

  it.each(CASES)('GIVEN "%s" THEN aubio hears %i bpm within 2%% (%i s)', async (prompt, bpm, durationS) => {
    const r = await fx.render(prompt, 7, durationS);
    expect(r.params.bpm).toBe(bpm);
    const measured = await aubioTempo(r.wav);
    expect(Math.abs(measured - bpm) / bpm).toBeLessThan(0.02);
  });
});
