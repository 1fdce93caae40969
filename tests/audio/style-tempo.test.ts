import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aubioTempo } from '../helpers/audio.ts';
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
