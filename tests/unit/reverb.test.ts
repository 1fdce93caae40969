import { describe, expect, it } from 'vitest';
import { TAIL_DOWN, stereoTail } from '../../worker/engines/embedded/reverb.ts';

const SR = 44_100;
const rms = (x: Float32Array, a: number, b: number) => Math.sqrt(x.subarray(a, b).reduce((s, v) => s + v * v, 0) / (b - a));
const corr = (a: Float32Array, b: Float32Array) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i]! * b[i]!), (aa += a[i]! * a[i]!), (bb += b[i]! * b[i]!);
  return ab / Math.sqrt(aa * bb);
};

/** The tail of a 10 ms burst at t = 0, at half rate, left and right. */
function burstTail(rt60: number, seed = 1, seconds = 3) {
  const frames = seconds * SR;
  const send = new Float32Array(frames);
  for (let i = 0; i < 441; i++) send[i] = Math.sin(i * 0.3) * 0.5;
  const left = new Float32Array(frames / 2);
  const right = new Float32Array(frames / 2);
  stereoTail(send, frames, rt60, seed, SR, left, right);
  return { left, right, half: SR / 2 };
}

describe('stereo tail', () => {
  it('GIVEN a burst THEN it rings on after it with left and right decorrelated, and dies away at the asked rate', () => {
    const { left, right, half } = burstTail(1.5);
    // nothing before the shortest loop (~26 ms), then a tail
    expect(rms(left, 0, Math.round(0.02 * half))).toBe(0);
    const early = rms(left, Math.round(0.1 * half), Math.round(0.4 * half));
    expect(early).toBeGreaterThan(1e-3);
    // the two sides are the same room, not the same signal (an echo copied to both reads ~1)
    expect(Math.abs(corr(left.subarray(0, half), right.subarray(0, half)))).toBeLessThan(0.3);
    // 60 dB over rt60: 0.75 s later it is 30 dB down, give or take the damping of the highs
    const later = rms(left, Math.round(0.85 * half), Math.round(1.15 * half));
    const drop = 20 * Math.log10(early / later);
    expect(drop).toBeGreaterThan(22);
    expect(drop).toBeLessThan(45);
    // a longer room rings longer
    const long = burstTail(3);
    expect(rms(long.left, Math.round(0.85 * half), Math.round(1.15 * half))).toBeGreaterThan(later * 2);
  });

  it('GIVEN the same send and seed twice THEN the same tail; another seed THEN another room', () => {
    const a = burstTail(1.5, 1, 1);
    const b = burstTail(1.5, 1, 1);
    const c = burstTail(1.5, 2, 1);
    expect(Buffer.from(a.left.buffer).equals(Buffer.from(b.left.buffer))).toBe(true);
    expect(Buffer.from(a.left.buffer).equals(Buffer.from(c.left.buffer))).toBe(false);
    expect(TAIL_DOWN).toBe(4);
  });
});
