import { describe, expect, it } from 'vitest';
import { EXTEND_DEFAULT_S, extendedDuration } from '../../core/service.ts';

describe('extendedDuration (Extend within the max duration)', () => {
  it('GIVEN no length THEN 30 s more', () => {
    expect(EXTEND_DEFAULT_S).toBe(30);
    expect(extendedDuration(15, undefined, 120)).toBe(45);
  });
  it('GIVEN a length THEN that much more, up to the max', () => {
    expect(extendedDuration(15, 20, 120)).toBe(35);
    expect(extendedDuration(100, undefined, 120)).toBe(120);
  });
  it('GIVEN a track already at (or within 5 s of) the max THEN a refusal that names the max', () => {
    expect(() => extendedDuration(120, undefined, 120)).toThrow(/at most 120 s/);
    expect(() => extendedDuration(116, undefined, 120)).toThrow(/cannot be extended/);
  });
  it('GIVEN a silly length THEN a refusal', () => {
    for (const add of [0, 4, -30, 1.5, 500, Number.NaN]) expect(() => extendedDuration(15, add, 120)).toThrow(/adds 5 to 120 seconds/);
  });
});
