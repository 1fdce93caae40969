import { describe, expect, it } from 'vitest';
import { chooseEncoding, DISCORD_DEFAULT_LIMIT_BYTES, MP3_KBPS, OPUS_KBPS } from '../../worker/audio/encode.ts';

const MiB = 1024 * 1024;
/** Size of a constant-bitrate stream, without container overhead. */
const payload = (kbps: number, s: number) => (kbps * 1000 * s) / 8;

describe('chooseEncoding', () => {
  it('GIVEN 120 s under 8 MiB THEN Opus at a bitrate whose payload fits', () => {
    const c = chooseEncoding({ durationS: 120, sizeLimitBytes: 8 * MiB });
    expect(c.format).toBe('opus');
    if (c.format === null) return;
    expect(c.bitrateKbps).toBe(OPUS_KBPS.max);
    expect(payload(c.bitrateKbps, 120)).toBeLessThan(8 * MiB);
  });

  it('GIVEN 120 s under 1 MiB THEN the highest Opus bitrate that still leaves the safety margin', () => {
    const c = chooseEncoding({ durationS: 120, sizeLimitBytes: MiB });
    expect(c.format).toBe('opus');
    if (c.format === null) return;
    expect(c.bitrateKbps).toBeGreaterThanOrEqual(OPUS_KBPS.min);
    expect(payload(c.bitrateKbps, 120)).toBeLessThan(MiB * 0.92);
    // One step (8 kbps) higher would eat into the margin.
    expect(payload(c.bitrateKbps + 8, 120)).toBeGreaterThan(MiB * 0.92 - 16 * 1024);
  });

  it('GIVEN 120 s under 512 KiB THEN link only (even 48 kbps Opus needs 720 kB)', () => {
    expect(chooseEncoding({ durationS: 120, sizeLimitBytes: 512 * 1024 })).toEqual({ format: null });
  });

  it('GIVEN MP3 preferred and room for it THEN the highest standard MP3 rate that fits', () => {
    const c = chooseEncoding({ durationS: 120, sizeLimitBytes: DISCORD_DEFAULT_LIMIT_BYTES, preferred: 'mp3' });
    expect(c).toEqual({ format: 'mp3', bitrateKbps: 320 });
    const tight = chooseEncoding({ durationS: 120, sizeLimitBytes: 3 * MiB, preferred: 'mp3' });
    expect(tight.format).toBe('mp3');
    if (tight.format === null) return;
    expect(MP3_KBPS).toContain(tight.bitrateKbps);
    expect(payload(tight.bitrateKbps, 120)).toBeLessThan(3 * MiB);
  });

  it('GIVEN MP3 preferred but even 96 kbps too big THEN falls back to Opus rather than a link', () => {
    const c = chooseEncoding({ durationS: 120, sizeLimitBytes: MiB, preferred: 'mp3' });
    expect(c.format).toBe('opus');
  });

  it('GIVEN WAV preferred THEN WAV only when the raw 16-bit size fits', () => {
    // 15 s stereo 48 kHz s16 = 2.88 MB.
    expect(chooseEncoding({ durationS: 15, sizeLimitBytes: 10 * MiB, preferred: 'wav', sampleRate: 48_000, channels: 2 }))
      .toEqual({ format: 'wav', bitrateKbps: 1536 });
    // 120 s = 23 MB: does not fit 10 MiB, so Opus.
    expect(chooseEncoding({ durationS: 120, sizeLimitBytes: 10 * MiB, preferred: 'wav' }).format).toBe('opus');
  });

  it('GIVEN a bitrate cap after an overshoot THEN never above it', () => {
    const c = chooseEncoding({ durationS: 30, sizeLimitBytes: 10 * MiB, maxKbps: 100 });
    expect(c).toEqual({ format: 'opus', bitrateKbps: 96 });
  });

  it('GIVEN nonsense sizes or durations THEN throws instead of guessing', () => {
    expect(() => chooseEncoding({ durationS: 0, sizeLimitBytes: MiB })).toThrow(/durationS/);
    expect(() => chooseEncoding({ durationS: Number.NaN, sizeLimitBytes: MiB })).toThrow(/durationS/);
    expect(() => chooseEncoding({ durationS: 10, sizeLimitBytes: -1 })).toThrow(/sizeLimitBytes/);
    expect(chooseEncoding({ durationS: 10, sizeLimitBytes: 1000 })).toEqual({ format: null });
  });
});
