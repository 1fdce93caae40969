import type { RenderedAudio } from '../../core/engine.ts';

/**
 * A known signal (a chord of sines with a slow tremolo, slightly different per channel) for tests,
 * benchmarks and health checks: loud enough to be "not silent", rich enough that codecs work.
 */
export function testSignal(durationS: number, sampleRate = 44_100, channels = 2, freqsHz: readonly number[] = [220, 277.18, 329.63, 440]): RenderedAudio {
  const frames = Math.round(durationS * sampleRate);
  const pcm = new Float32Array(frames * channels);
  const gain = 0.5 / freqsHz.length;
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    const tremolo = 0.75 + 0.25 * Math.sin(2 * Math.PI * 2 * t);
    for (let c = 0; c < channels; c++) {
      let v = 0;
      for (const f of freqsHz) v += Math.sin(2 * Math.PI * f * (1 + c * 0.002) * t);
      pcm[i * channels + c] = v * gain * tremolo;
    }
  }
  return { sampleRate, channels, pcm };
}
