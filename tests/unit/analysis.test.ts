/**
 * The analyser on signals whose answers are known by construction: a sine's loudness, an
 * inter-sample peak, a click track's tempo, a chord progression's key. Real renders are checked
 * against ffmpeg and aubio in tests/audio/analysis.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EMBEDDING_DIMS, keyMatch, mismatch, tempoMatch } from '../../core/analysis.ts';
import { analyse } from '../../worker/analysis/analyse.ts';
import { integratedLoudness, truePeak } from '../../worker/analysis/loudness.ts';
import { decimate2, downmix, mixDecimate2 } from '../../worker/analysis/spectrum.ts';

const SR = 44_100;

function stereo(mono: Float32Array): Float32Array {
  const out = new Float32Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) out[2 * i] = out[2 * i + 1] = mono[i]!;
  return out;
}

function sine(hz: number, amp: number, seconds: number, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / SR + phase);
  return x;
}

/** Kick-like thumps on every beat and softer ticks on the off-beats. */
function clickTrack(bpm: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  const beat = (60 / bpm) * SR;
  for (let b = 0; b * beat < x.length; b++) {
    for (const [offset, amp, hz, decay] of [[0, 0.8, 60, 0.08], [0.5, 0.25, 4000, 0.02]] as const) {
      const start = Math.round((b + offset) * beat);
      for (let i = 0; i < decay * 4 * SR && start + i < x.length; i++) {
        x[start + i] = x[start + i]! + amp * Math.exp(-i / (decay * SR)) * Math.sin((2 * Math.PI * hz * i) / SR);
      }
    }
  }
  return x;
}

/** Chords as sums of harmonic tones (MIDI notes), two seconds each. */
function chords(progression: number[][], seconds = 2): Float32Array {
  const n = Math.round(seconds * SR);
  const x = new Float32Array(n * progression.length);
  progression.forEach((notes, c) => {
    for (const midi of notes) {
      const hz = 440 * 2 ** ((midi - 69) / 12);
      for (let i = 0; i < n; i++) {
        const env = Math.min(1, i / 500) * Math.exp(-i / (1.5 * SR));
        let v = 0;
        for (let h = 1; h <= 4; h++) v += Math.sin((2 * Math.PI * hz * h * i) / SR) / h;
        x[c * n + i] = x[c * n + i]! + 0.08 * env * v;
      }
    }
  });
  return x;
}

describe('loudness and true peak', () => {
  it('GIVEN a 1 kHz sine at -20 dBFS on both channels THEN it reads -20 LUFS (BS.1770: 0 dB K-weighting there, +3 dB for two channels)', () => {
    const lufs = integratedLoudness(stereo(sine(1000, 0.1, 5)), 2, SR)!;
    expect(lufs).toBeGreaterThan(-20.2);
    expect(lufs).toBeLessThan(-19.8);
  });

  it('GIVEN a -20 dBFS 1 kHz sine and the same at -30 dBFS THEN they read 10 LU apart', () => {
    const a = integratedLoudness(stereo(sine(1000, 0.1, 5)), 2, SR)!;
    const b = integratedLoudness(stereo(sine(1000, 0.1 / Math.sqrt(10), 5)), 2, SR)!;
    expect(a - b).toBeCloseTo(10, 1);
  });

  it('GIVEN digital silence THEN loudness and true peak are null, not -Infinity', () => {
    const silent = new Float32Array(SR * 4);
    expect(integratedLoudness(silent, 2, SR)).toBeNull();
    expect(truePeak(silent, 2)).toBeNull();
    const a = analyse({ pcm: silent, channels: 2, sampleRate: SR });
    expect(a.loudnessLufs).toBeNull();
    expect(a.tempoBpm).toBeNull();
    expect(a.keyPitchClass).toBeNull();
    expect(a.embedding).toHaveLength(EMBEDDING_DIMS);
  });

  it('GIVEN a sine at a quarter of the sample rate sampled 45 degrees off its peaks THEN the true peak finds the 3 dB the samples miss', () => {
    const x = sine(SR / 4, 0.5, 1, Math.PI / 4);
    let samplePeak = 0;
    for (const v of x) samplePeak = Math.max(samplePeak, Math.abs(v));
    expect(20 * Math.log10(samplePeak)).toBeCloseTo(-9.03, 1);
    const tp = truePeak(x, 1)!;
    expect(tp).toBeGreaterThan(-6.3);
    expect(tp).toBeLessThan(-5.8);
  });

  it('GIVEN loud inter-sample peaks on either side of a block edge, in one channel THEN the skipping of quiet stretches finds the same true peak as interpolating every pair', () => {
    // A quiet bed and, in the right channel only, short bursts at a quarter of the rate sampled
    // 45 degrees off their peaks, starting at frames around the 32-frame blocks' edges.
    const frames = SR;
    const x = new Float32Array(frames * 2);
    for (let i = 0; i < frames; i++) x[2 * i] = x[2 * i + 1] = 0.05 * Math.sin((2 * Math.PI * 440 * i) / SR);
    for (const [start, amp] of [[29, 0.6], [1000 * 32 - 1, 0.7], [4000 * 32, 0.65], [20_000 * 32 + 31, 0.68]] as const) {
      for (let j = 0; j < 6; j++) x[2 * (start + j) + 1] = amp * Math.sin((Math.PI / 2) * j + Math.PI / 4);
    }
    const everyPair = truePeak(x, 2, 0)!;
    expect(truePeak(x, 2)).toBe(everyPair);
    // The loudest burst's inter-sample peak is above its samples (0.7 x 0.707 = -6.1 dBFS).
    expect(everyPair).toBeGreaterThan(20 * Math.log10(0.7 * Math.SQRT1_2) + 1);
  });
});

describe('tempo', () => {
  it.each([72, 100, 128, 150])('GIVEN a click track at %i bpm THEN the tempo reads within 1 percent (or its half/double)', (bpm) => {
    const a = analyse({ pcm: clickTrack(bpm, 20), channels: 1, sampleRate: SR });
    expect(tempoMatch(bpm, a.tempoBpm)).not.toBe('off');
    const folded = [a.tempoBpm!, a.tempoBpm! * 2, a.tempoBpm! / 2].find((t) => Math.abs(t / bpm - 1) < 0.04)!;
    expect(Math.abs(folded / bpm - 1)).toBeLessThan(0.01);
    expect(a.onsetsPerS).toBeGreaterThan((bpm / 60) * 0.8);
  });
});

describe('key', () => {
  it('GIVEN I-IV-V-I in D major THEN D major', () => {
    const d = 62;
    const a = analyse({ pcm: chords([[d, d + 4, d + 7], [d + 5, d + 9, d + 12], [d + 7, d + 11, d + 14], [d, d + 4, d + 7]].flatMap((c) => [c, c])), channels: 1, sampleRate: SR });
    expect(keyMatch('D', 'major', a.keyPitchClass, a.mode)).toBe('exact');
  });

  it('GIVEN i-iv-V-i in A minor THEN A minor', () => {
    const a0 = 57;
    const a = analyse({ pcm: chords([[a0, a0 + 3, a0 + 7], [a0 + 5, a0 + 8, a0 + 12], [a0 + 7, a0 + 11, a0 + 14], [a0, a0 + 3, a0 + 7]].flatMap((c) => [c, c])), channels: 1, sampleRate: SR });
    expect(keyMatch('A', 'minor', a.keyPitchClass, a.mode)).toBe('exact');
  });
});

describe('one analysis after another', () => {
  it('GIVEN a track analysed before and after longer and shorter ones THEN the same result each time (work buffers are reused, never read stale)', () => {
    const d = 62;
    const a = chords([[d, d + 4, d + 7], [d + 7, d + 11, d + 14]]);
    const longer = clickTrack(128, 12);
    const shorter = clickTrack(90, 3);
    const first = analyse({ pcm: stereo(a), channels: 2, sampleRate: SR });
    analyse({ pcm: stereo(longer), channels: 2, sampleRate: SR });
    const again = analyse({ pcm: stereo(a), channels: 2, sampleRate: SR });
    analyse({ pcm: shorter, channels: 1, sampleRate: SR });
    const third = analyse({ pcm: stereo(a), channels: 2, sampleRate: SR });
    const strip = ({ analysedMs: _ms, ...rest }: ReturnType<typeof analyse>) => rest;
    expect(strip(again)).toEqual(strip(first));
    expect(strip(third)).toEqual(strip(first));
  });
});

describe('the half-rate mono mix', () => {
  it.each([[2, 44_100 * 3 + 1], [2, 4096 + 7], [3, 9001], [2, 13]])('GIVEN %i channels of %i frames THEN mixing block by block gives what mixing everything, then halving the rate, gives', (channels, frames) => {
    const pcm = Float32Array.from({ length: channels * frames }, (_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.0011));
    const whole = decimate2(downmix(pcm, channels));
    expect(Array.from(mixDecimate2(pcm, channels, new Float32Array(whole.length)))).toEqual(Array.from(whole));
  });
});

describe('mismatch rules', () => {
  it('GIVEN half or double the asked tempo within 4% THEN a match; 5% off THEN off', () => {
    expect(tempoMatch(120, 121)).toBe('exact');
    expect(tempoMatch(77, 154.6)).toBe('double');
    expect(tempoMatch(170, 85)).toBe('half');
    expect(tempoMatch(120, 126)).toBe('off');
    expect(tempoMatch(120, null)).toBe('no-beat');
  });

  it('GIVEN the relative key THEN a match; the parallel or the dominant THEN off', () => {
    expect(keyMatch('C', 'major', 9, 'minor')).toBe('relative');
    expect(keyMatch('Eb', 'minor', 6, 'major')).toBe('relative');
    expect(keyMatch('C', 'major', 0, 'minor')).toBe('off');
    expect(keyMatch('C', 'major', 7, 'major')).toBe('off');
    expect(keyMatch('Bb', 'major', 10, 'major')).toBe('exact');
  });

  it('GIVEN a track measured off in both THEN one sentence names both; in tolerance THEN no sentence', () => {
    const off = mismatch({ bpm: 120, key: 'C', mode: 'major' }, { tempoBpm: 100, keyPitchClass: 7, mode: 'major' });
    expect(off.sentence).toBe('Measured differently from the request: asked 120 bpm, measured 100.0 bpm; asked C major, measured G major.');
    expect(mismatch({ bpm: 120, key: 'C', mode: 'major' }, { tempoBpm: 60.2, keyPitchClass: 9, mode: 'minor' }).sentence).toBeNull();
  });
});
