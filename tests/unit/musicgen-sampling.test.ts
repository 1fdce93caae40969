import { describe, expect, it } from 'vitest';
import { frameAt, inputToken, stepsFor, undelay } from '../../worker/engines/musicgen/delay-pattern.ts';
import { planWindows } from '../../worker/engines/musicgen/generate.ts';
import { guide, sampleTopK, seededRandom } from '../../worker/engines/musicgen/sampling.ts';
import { floatToHalf, halfToFloat } from '../../worker/engines/musicgen/tensors.ts';

describe('classifier-free guidance', () => {
  it('GIVEN cond and uncond logits THEN returns uncond + (cond - uncond) * scale', () => {
    const out = guide([1, 2, -1], [0, 4, -1], 3, new Float32Array(3));
    expect(Array.from(out)).toEqual([3, -2, -1]);
  });

  it('GIVEN scale 1 THEN the conditional logits come back unchanged', () => {
    expect(Array.from(guide([0.5, -2], [9, 9], 1, new Float32Array(2)))).toEqual([0.5, -2]);
  });
});

describe('top-k sampling', () => {
  it('GIVEN top-k 1 THEN picks the largest logit, the lower id on ties', () => {
    const random = seededRandom(1);
    expect(sampleTopK([0.1, 5, 3, 5], 1, 1, random)).toBe(1);
    expect(sampleTopK([-3, -1, -2], 1, 1, random)).toBe(1);
  });

  it('GIVEN top-k 2 THEN never samples outside the two best and follows their softmax', () => {
    // Softmax over ln(1) and ln(3): ids 2 and 0 drawn 1:3; ids 1 and 3 are outside the top 2.
    const logits = [Math.log(3), -5, 0, -4];
    const random = seededRandom(42);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[sampleTopK(logits, 2, 1, random)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[0]! / 8000).toBeGreaterThan(0.72);
    expect(counts[0]! / 8000).toBeLessThan(0.78);
  });

  it('GIVEN a low temperature THEN sampling becomes nearly greedy', () => {
    const random = seededRandom(3);
    let best = 0;
    for (let i = 0; i < 1000; i++) if (sampleTopK([1, 1.5, 0], 3, 0.05, random) === 1) best++;
    expect(best).toBeGreaterThan(990);
  });
});

describe('seeded random', () => {
  it('GIVEN the same seed THEN the same stream; GIVEN another seed THEN a different one', () => {
    const a = seededRandom(123), b = seededRandom(123), c = seededRandom(124);
    const sa = Array.from({ length: 5 }, a), sb = Array.from({ length: 5 }, b), sc = Array.from({ length: 5 }, c);
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('delay pattern', () => {
  const C = 4, START = 99, PAD = 98;
  // Undelayed codes: codebook k, frame f = 10 * k + f.
  const codes = Array.from({ length: C }, (_, k) => Int32Array.from([10 * k, 10 * k + 1]));

  it('GIVEN 2 frames of 4 codebooks THEN needs 5 steps, codebook k producing frame step-1-k', () => {
    expect(stepsFor(2, C)).toBe(5);
    expect(frameAt(1, 0)).toBe(0);
    expect(frameAt(1, 3)).toBe(-3);
    expect(frameAt(5, 3)).toBe(1);
  });

  it('GIVEN the codes THEN feeds start, pads while delayed, the code, then pads after the last frame', () => {
    const table = Array.from({ length: C }, (_, k) => Array.from({ length: 6 }, (_, col) => inputToken(codes, col, k, START, PAD)));
    expect(table).toEqual([
      [START, 0, 1, PAD, PAD, PAD],
      [START, PAD, 10, 11, PAD, PAD],
      [START, PAD, PAD, 20, 21, PAD],
      [START, PAD, PAD, PAD, 30, 31],
    ]);
  });

  it('GIVEN a delayed sequence THEN undelay recovers [codebook][frame] as transformers filters it', () => {
    const delayed = Array.from({ length: C }, (_, k) => Array.from({ length: 6 }, (_, col) => inputToken(codes, col, k, START, PAD)));
    expect(undelay(delayed)).toEqual(codes.map((r) => Array.from(r)));
  });
});

describe('continuation windows', () => {
  it('GIVEN 150 frames and 60-frame windows THEN windows overlap by the context and cover every frame once', () => {
    const plan = planWindows(150, 60);
    expect(plan.context).toBe(24);
    expect(plan.windows).toEqual([
      { frames: 60, prompt: 0 }, { frames: 60, prompt: 24 }, { frames: 60, prompt: 24 }, { frames: 42, prompt: 24 },
    ]);
    expect(plan.windows.reduce((n, w) => n + w.frames - w.prompt, 0)).toBe(150);
  });

  it('GIVEN frames within one window THEN a single window without prompt', () => {
    expect(planWindows(50, 1500).windows).toEqual([{ frames: 50, prompt: 0 }]);
  });
});

describe('float16 conversion', () => {
  it('GIVEN known values THEN encodes the IEEE half bits and decodes them back', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(0.1)).toBe(0x2e66);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x0001)).toBeCloseTo(2 ** -24, 20);
    expect(halfToFloat(floatToHalf(2 ** -20))).toBeCloseTo(2 ** -20, 12);
  });
});
