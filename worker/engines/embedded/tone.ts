/**
 * The mood's tone: a first-order high shelf on the sampled instruments' bus (drums, keys,
 * guitars, strings, horns) before the graph mixes them with the synth voices and the room. A dark
 * or sad piece is played duller, a happy one brighter, as a mix engineer would tilt it: moving the
 * chord and melody registers alone left the spectral centroid where the hats and cymbals put it
 * (dark rock read 21 Hz darker than plain rock, dark lo-fi 33 Hz brighter).
 *
 * y = lp + g * (x - lp), lp a one-pole low-pass at `cornerHz`: unity below the corner, g above it.
 * One multiply-add per sample, in place; cost ~1 ms for 30 s of stereo.
 */
export const TONE_CORNER_HZ = 1800;

export function tilt(left: Float32Array, right: Float32Array, frames: number, shelfDb: number, sampleRate: number, cornerHz = TONE_CORNER_HZ): void {
  if (shelfDb === 0) return;
  const g = 10 ** (shelfDb / 20);
  const a = 1 - Math.exp((-2 * Math.PI * cornerHz) / sampleRate);
  for (const x of [left, right]) {
    let lp = 0;
    const n = Math.min(frames, x.length);
    for (let i = 0; i < n; i++) {
      const s = x[i]!;
      lp += a * (s - lp);
      x[i] = lp + g * (s - lp);
    }
  }
}
