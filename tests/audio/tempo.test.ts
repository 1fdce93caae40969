import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aubioTempo } from '../helpers/audio.ts';
import { renderFixture } from './render.ts';

// aubio's beat tracker on the rendered 44.1 kHz audio, across genres with drums, 90..160 bpm.
const CASES = [
  ['lo-fi hip hop beat at 95 bpm', 95],
  ['upbeat pop song at 100 bpm', 100],
  ['jazz trio, 110 bpm', 110],
  ['deep house 124 bpm', 124],
  ['dark trap at 130 bpm with 808s', 130],
  ['techno 135bpm', 135],
  ['rock anthem 150 BPM', 150],
  ['drum and bass at 160 bpm', 160],
] as const;

describe('tempo measured by aubio', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  beforeAll(async () => {
    fx = await renderFixture();
  });
  afterAll(() => fx.cleanup());

  it.each(CASES)('GIVEN "%s" THEN aubio hears %i bpm within 2%%', async (prompt, bpm) => {
    const r = await fx.render(prompt, 7, 20);
    expect(r.params.bpm).toBe(bpm);
    const measured = await aubioTempo(r.wav);
    expect(Math.abs(measured - bpm) / bpm).toBeLessThan(0.02);
  });
});
