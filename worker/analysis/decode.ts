/**
 * Decodes a stored track (Opus, MP3, WAV) back to float PCM with ffmpeg, for the backfill: tracks
 * made before analysis existed have only their encoded file. Bounded in time and in bytes.
 */
import { spawn } from 'node:child_process';
import type { PcmInput } from './analyse.ts';

export const DECODE_RATE = 44_100;
/** 10 minutes of stereo float PCM: far above MAX_DURATION_S, so only a hostile file reaches it. */
const MAX_BYTES = 10 * 60 * DECODE_RATE * 2 * 4;

export function decodeFile(ffmpeg: string, file: string, opts: { timeoutMs: number }): Promise<PcmInput> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-nostdin', '-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-ar', String(DECODE_RATE), 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_BYTES) child.kill('SIGKILL');
      else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString();
    });
    child.once('error', (err) => reject(err.name === 'AbortError' ? new Error(`decoding took over ${opts.timeoutMs} ms`) : err));
    child.once('close', (code) => {
      if (bytes > MAX_BYTES) return reject(new Error('decoded audio is longer than 10 minutes'));
      if (code !== 0) return reject(new Error(`ffmpeg could not decode the file (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`));
      const all = Buffer.concat(chunks);
      const usable = all.length - (all.length % 8);
      // A fresh, aligned copy: Buffer's pool may start at an odd offset.
      const pcm = new Float32Array(usable / 4);
      new Uint8Array(pcm.buffer).set(all.subarray(0, usable));
      resolve({ pcm, channels: 2, sampleRate: DECODE_RATE });
    });
  });
}
