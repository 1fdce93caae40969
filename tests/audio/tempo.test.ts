import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aubioTempo } from '../helpers/audio.ts';
import { renderFixture } from './render.ts';

// aubio's beat tracker on the rendered 44.1 kHz audio, across genres with drums, 90..160 bpm.
// Fast techno is here because its off-beat hats once made aubio hear dotted quarters (140 read as
// 128, 160 as 137); 15 s is enough for the tracker to settle and keeps the suite fast. Trap is here
// because its half-time groove once read 140 as 136.6 (seed 42, 30 s), 90 as 125 (its 8th hats) and
// 160 as 148 (half notes); the 90 and 160 rows fail on that old groove.
const CASES = [
  ['lo-fi hip hop beat at 95 bpm', 95, 20, 7],
  ['upbeat pop song at 100 bpm', 100, 20, 7],
  ['jazz trio, 110 bpm', 110, 20, 7],
  ['deep house 124 bpm', 124, 20, 7],
  ['dark trap at 130 bpm with 808s', 130, 20, 7],
  ['techno 135bpm', 135, 20, 7],
  ['techno 140 bpm', 140, 15, 7],
  ['rock anthem 150 BPM', 150, 20, 7],
  ['drum and bass at 160 bpm', 160, 20, 7],
  ['techno at 160 bpm', 160, 15, 7],
  ['dark trap, F minor, 140 bpm, heavy 808s', 140, 15, 42],
  ['dark trap, F minor, 90 bpm, heavy 808s', 90, 15, 7],
  ['dark trap, F minor, 160 bpm, heavy 808s', 160, 20, 1],
] as const;

describe('tempo measured by aubio', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  beforeAll(async () => {
    fx = await renderFixture();
  });
  afterAll(() => fx.cleanup());

  it.each(CASES)('GIVEN "%s" THEN aubio hears %i bpm within 2 percent (%i s, seed %i)', async (prompt, bpm, durationS, seed) => {
    const r = await fx.render(prompt, seed, durationS);
    expect(r.params.bpm).toBe(bpm);
    const measured = await aubioTempo(r.wav);
    expect(Math.abs(measured - bpm) / bpm).toBeLessThan(0.02);
  });
});
