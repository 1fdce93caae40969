/**
 * Renders one prompt to a file with the embedded engine, without database, queue or chat:
 *   npm run render -- "dark trap in F minor, 140 bpm" out.ogg [--duration 30] [--seed 42]
 * The format follows the extension (.ogg/.opus, .mp3, .wav); ffmpeg comes from the teammate's
 * encoder (FFMPEG_PATH, ffmpeg-static, then PATH).
 */
import { extname, resolve } from 'node:path';
import { describeNotes, describeParams, parsePrompt } from '../core/prompt/parse.ts';
import { encode, type AudioFormat } from '../worker/audio/encode.ts';
import { createEmbeddedEngine } from '../worker/engines/embedded/index.ts';
import { parseCli } from './cli-args.ts';

const FORMAT_BY_EXT: Record<string, AudioFormat> = { '.ogg': 'opus', '.opus': 'opus', '.mp3': 'mp3', '.wav': 'wav' };

const USAGE = 'usage: npm run render -- "prompt" out.ogg [--duration 5..300] [--seed 0..4294967295]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const { positionals, values } = parseCli(USAGE, {
  allowPositionals: true,
  options: { duration: { type: 'string', default: '30' }, seed: { type: 'string' } },
});
const [prompt, out] = positionals;
if (!prompt?.trim() || !out) fail('a prompt and an output file are required');
const format = FORMAT_BY_EXT[extname(out).toLowerCase()];
if (!format) fail(`unknown extension "${extname(out)}": use .ogg, .opus, .mp3 or .wav`);
const durationS = Number(values.duration);
if (!Number.isFinite(durationS) || durationS < 5 || durationS > 300) fail('--duration must be between 5 and 300 seconds');
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) fail('--seed must be an integer from 0 to 4294967295');

const params = parsePrompt(prompt, seed);
process.stdout.write(`understood: ${describeParams(params)}\n`);
process.stdout.write(`from the prompt: ${params.notes?.understood.join(', ') || 'nothing (style defaults)'}; seed ${seed}\n`);
// The same notice the chat frontends show: what was approximated or ignored, or the default style.
const notice = describeNotes(params);
if (notice) process.stdout.write(`note: ${notice}\n`);

const engine = createEmbeddedEngine();
const started = performance.now();
const { audio, stats } = await engine.renderDetailed(params, durationS);
const renderMs = performance.now() - started;
const sections = stats.composition.sections.map((s) => `${s.name} ${s.bars}`).join(', ');
process.stdout.write(`sections (bars): ${sections}\n`);
process.stdout.write(
  `rendered ${durationS} s in ${renderMs.toFixed(0)} ms (${(durationS * 1000 / renderMs).toFixed(0)}x real time): ` +
    `${stats.master.lufs.toFixed(1)} LUFS, true peak ${stats.master.truePeakDbtp.toFixed(1)} dBTP\n`,
);
const result = await encode(audio, { format, bitrateKbps: format === 'mp3' ? 192 : 128, outPath: resolve(out) });
process.stdout.write(`wrote ${result.path} (${format}, ${(result.sizeBytes / 1024).toFixed(0)} KiB)\n`);
