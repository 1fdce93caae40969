/**
 * A plain reference loop for calibrating the tempo checker: a kick and a closed hat on every beat,
 * the hat again on every eighth at half level, and a soft detuned pad holding one chord. It is what
 * a drum machine and one synth play, with no arrangement, so what a tracker reads on it is the
 * tracker's own doing. Written here, sharing nothing with the engine it calibrates against.
 */

/** Deterministic noise, so the loop (and what aubio reads on it) is the same on every machine. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** Mono samples in [-1, 1]. */
export function referenceLoop(bpm: number, seconds: number, sampleRate = 48_000): Float32Array {
  const frames = Math.round(seconds * sampleRate);
  const out = new Float32Array(frames);
  const beatS = 60 / bpm;
  const kick = new Float32Array(Math.round(0.25 * sampleRate));
  for (let i = 0, phase = 0; i < kick.length; i++) {
    const t = i / sampleRate;
    phase += (2 * Math.PI * (50 + 60 * Math.exp(-t * 30))) / sampleRate;
    kick[i] = 0.6 * Math.sin(phase) * Math.exp(-t * 12);
  }
  const rand = noise(1);
  const hat = new Float32Array(Math.round(0.06 * sampleRate));
  // first difference of white noise: a bright, hat-like hiss
  for (let i = 0, last = rand(); i < hat.length; i++) {
    const next = rand();
    hat[i] = 0.15 * (next - last) * Math.exp((-i / sampleRate) * 70);
    last = next;
  }
  const add = (hit: Float32Array, atS: number, level: number): void => {
    const start = Math.round(atS * sampleRate);
    for (let i = 0; i < hit.length && start + i < frames; i++) out[start + i]! += level * hit[i]!;
  };
  for (let beat = 0; beat * beatS < seconds; beat++) {
    add(kick, beat * beatS, 1);
    add(hat, beat * beatS, 1);
    add(hat, (beat + 0.5) * beatS, 0.5);
  }
  // an A major triad of saw pairs detuned by 0.8 Hz: it beats slowly, as pads do
  for (const hz of [220, 277.18, 329.63]) {
    for (const detune of [-0.4, 0.4]) {
      const f = (hz + detune) / sampleRate;
      for (let i = 0; i < frames; i++) out[i]! += (0.3 / 12) * (2 * ((f * i) % 1) - 1);
    }
  }
  return out;
}
