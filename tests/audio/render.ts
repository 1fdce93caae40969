/** Renders prompts once per test file through the real engine and writes 44.1 kHz WAVs (or the delivered .ogg) to a tmp dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrompt } from '../../core/prompt/parse.ts';
import type { MusicParams } from '../../core/music.ts';
import { encode } from '../../worker/audio/encode.ts';
import { createEmbeddedEngine } from '../../worker/engines/embedded/index.ts';
import { writeWav } from '../helpers/audio.ts';

export interface Rendered {
  params: MusicParams;
  pcm: Float32Array;
  sampleRate: number;
  wav: string;
}

export async function renderFixture() {
  const dir = await mkdtemp(join(tmpdir(), 'ditty-audio-'));
  const engine = createEmbeddedEngine();
  await engine.load();
  let n = 0;
  return {
    engine,
    async render(prompt: string, seed: number, durationS: number): Promise<Rendered> {
      const params = parsePrompt(prompt, seed);
      const audio = await engine.render({ prompt, params, durationS });
      const wav = join(dir, `${n++}.wav`);
      await writeWav(wav, audio.pcm, audio.sampleRate, audio.channels);
      return { params, pcm: audio.pcm, sampleRate: audio.sampleRate, wav };
    },
    /** As the worker delivers it: Opus at 48 kHz, which is what an outside checker measures. */
    async renderOgg(prompt: string, seed: number, durationS: number): Promise<{ params: MusicParams; ogg: string }> {
      const params = parsePrompt(prompt, seed);
      const audio = await engine.render({ prompt, params, durationS });
      const { path } = await encode(audio, { format: 'opus', bitrateKbps: 128, outPath: join(dir, `${n++}.ogg`) });
      return { params, ogg: path };
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
