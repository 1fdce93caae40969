/**
 * `npm run examples`: renders the README's example prompts with the embedded engine and measures
 * each with the same independent checkers the audio tests use (aubio's beat tracker, a chroma key
 * estimate, ffmpeg's ebur128), printing the README's table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeParams, parsePrompt } from '../core/prompt/parse.ts';
import { createEmbeddedEngine } from '../worker/engines/embedded/index.ts';
import { aubioTempo, ebur128, estimateKey, mono, writeWav } from '../tests/helpers/audio.ts';

const EXAMPLES = [
  'lo-fi hip hop in A minor at 90 bpm with piano',
  'dark trap, F minor, 140 bpm, heavy 808s',
  'deep house in G minor with pads, 124 bpm',
  'fast drum and bass at 172 bpm in E minor',
  'jazz trio with piano and upright bass in Bb major, 110 bpm',
  'epic cinematic orchestral in D minor, 100 bpm, strings and brass',
  'calm ambient pads in E major',
];
const SEED = 42;
const DURATION_S = 30;

const dir = await mkdtemp(join(tmpdir(), 'ditty-examples-'));
const engine = createEmbeddedEngine();
console.log('| prompt | understood | aubio tempo | key (chroma) | loudness / true peak |');
console.log('|---|---|---|---|---|');
for (const prompt of EXAMPLES) {
  const params = parsePrompt(prompt, SEED);
  const audio = await engine.render({ prompt, params, durationS: DURATION_S });
  const wav = join(dir, 'example.wav');
  await writeWav(wav, audio.pcm, audio.sampleRate, audio.channels);
  const tempo = params.excluded.includes('drums') || params.genre === 'ambient' ? null : await aubioTempo(wav);
  const key = estimateKey(mono(audio.pcm, audio.channels), audio.sampleRate);
  const loud = await ebur128(wav);
  console.log(`| ${prompt} | ${describeParams(params)} | ${tempo === null ? 'no drums' : `${tempo.toFixed(1)} bpm`} | ${key.key} ${key.mode} | ${loud.lufs.toFixed(1)} LUFS / ${loud.truePeak.toFixed(1)} dBTP |`);
}
await engine.dispose();
await rm(dir, { recursive: true, force: true });
