/**
 * Transcode time for 30 s of stereo 44.1 kHz, process start included: the shipped encode() to
 * Opus and MP3, the plain ffmpeg command line from a WAV file for comparison, and one row per
 * tuning flag (each added to the previous) so the report can say what each flag buys.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode, ffmpegArgs } from '../worker/audio/encode.ts';
import { locateFfmpeg } from '../worker/audio/ffmpeg.ts';
import { testSignal } from '../worker/audio/test-signal.ts';
import { median, percentile, type Bench, type BenchRow } from './lib.ts';

const RUNS = Number(process.env.BENCH_TRANSCODE_RUNS ?? 15);
const ABLATION_RUNS = Math.max(3, Math.round(RUNS * 0.6));
const OPUS_KBPS = 128;
const MP3_KBPS = 192;

/** Spawns ffmpeg, feeds `stdin` if given, resolves with wall time once it exits. */
function timeFfmpeg(ffmpeg: string, args: string[], stdin?: Buffer): Promise<number> {
  const started = performance.now();
  const child = spawn(ffmpeg, args, { stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  if (stdin && child.stdin) {
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`ffmpeg ${code}: ${stderr}`))));
  });
}

/**
 * CPU time of this process's finished children (cutime + cstime in /proc/self/stat, in USER_HZ
 * ticks of 10 ms); null off Linux. Only ffmpeg children run during the benchmark.
 */
async function childCpuMs(): Promise<number | null> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

export const bench: Bench = async () => {
  const { ffmpeg } = await locateFfmpeg();
  const dir = await mkdtemp(path.join(tmpdir(), 'ditty-bench-transcode-'));
  try {
    const audio = testSignal(30, 44_100, 2);
    const pcm = Buffer.from(audio.pcm.buffer, audio.pcm.byteOffset, audio.pcm.byteLength);
    const wav = path.join(dir, 'in.wav');
    await timeFfmpeg(ffmpeg, ['-nostdin', '-loglevel', 'error', '-f', 'f32le', '-ar', '44100', '-ac', '2', '-i', 'pipe:0', '-c:a', 'pcm_s16le', '-y', wav], pcm);
    const out = (ext: string) => path.join(dir, `out.${ext}`);

    const input = ['-f', 'f32le', '-ar', '44100', '-ac', '2', '-i', 'pipe:0'];
    const quiet = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
    const opusBase = ['-c:a', 'libopus', '-b:a', `${OPUS_KBPS}k`, '-ar', '48000'];
    // Each step adds one flag to the previous one; the last equals what encode() ships.
    const ablation: Array<[string, string[]]> = [
      ['opus pipe, no tuning', [...input, ...opusBase, '-f', 'ogg', '-y', out('a.ogg')]],
      ['+ -nostdin -hide_banner -loglevel error', [...quiet, ...input, ...opusBase, '-f', 'ogg', '-y', out('b.ogg')]],
      ['+ -compression_level 6', [...quiet, ...input, ...opusBase, '-compression_level', '6', '-f', 'ogg', '-y', out('c.ogg')]],
      ['+ -frame_duration 60', [...quiet, ...input, ...opusBase, '-compression_level', '6', '-frame_duration', '60', '-f', 'ogg', '-y', out('d.ogg')]],
      ['+ -vbr constrained (shipped)', ffmpegArgs(audio, 'opus', OPUS_KBPS, out('e.ogg'))],
      ['shipped + -threads 1', ['-threads', '1', ...ffmpegArgs(audio, 'opus', OPUS_KBPS, out('f.ogg'))]],
    ];

    const samples: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const add = (k: string, v: number) => (samples[k] ??= []).push(v);
    /** Wall time and the ffmpeg child's CPU time (user+sys), which other processes' load barely moves. */
    const measure = async (k: string, run: () => Promise<number>) => {
      const before = await childCpuMs();
      add(k, await run());
      const after = await childCpuMs();
      if (before !== null && after !== null) (cpu[k] ??= []).push(after - before);
    };
    // Interleaved so that load from other processes spreads over every variant alike.
    for (let i = 0; i < RUNS; i++) {
      await measure('opus', async () => (await encode(audio, { format: 'opus', bitrateKbps: OPUS_KBPS, outPath: out('ogg') })).encodeMs);
      await measure('mp3', async () => (await encode(audio, { format: 'mp3', bitrateKbps: MP3_KBPS, outPath: out('mp3') })).encodeMs);
      await measure('cli', () => timeFfmpeg(ffmpeg, ['-i', wav, '-c:a', 'libopus', '-b:a', `${OPUS_KBPS}k`, '-y', out('cli.ogg')]));
      await measure('start', () => timeFfmpeg(ffmpeg, ['-hide_banner', '-version']));
      if (i < ABLATION_RUNS) for (const [name, args] of ablation) await measure(name, () => timeFfmpeg(ffmpeg, args, pcm));
    }

    const g = 'transcode 30 s stereo 44.1 kHz';
    const ms = (v: number) => Math.round(v * 10) / 10;
    // The minimum approximates an idle machine; on 2 shared cores the median carries others' load.
    const best = (k: string) => `min ${ms(Math.min(...samples[k]!))} ms${cpu[k]?.length ? `, ffmpeg CPU p50 ${ms(median(cpu[k]))} ms` : ''}`;
    const opusMedian = median(samples.opus!);
    const cliMedian = median(samples.cli!);
    const rows: BenchRow[] = [
      { group: g, name: `opus ${OPUS_KBPS}k encode() p50`, value: ms(opusMedian), unit: 'ms', goal: '< 300 ms', met: opusMedian < 300, note: `${RUNS} runs, PCM piped, process start included, ${best('opus')}` },
      { group: g, name: `opus ${OPUS_KBPS}k encode() p90`, value: ms(percentile(samples.opus!, 90)), unit: 'ms' },
      ...(cpu.opus?.length ? [{ group: g, name: `opus ${OPUS_KBPS}k ffmpeg CPU user+sys p50`, value: ms(median(cpu.opus)), unit: 'ms', note: 'independent of other processes\' load; 10 ms ticks' }] : []),
      { group: g, name: `mp3 ${MP3_KBPS}k encode() p50`, value: ms(median(samples.mp3!)), unit: 'ms', note: best('mp3') },
      { group: g, name: `mp3 ${MP3_KBPS}k encode() p90`, value: ms(percentile(samples.mp3!, 90)), unit: 'ms' },
      { group: g, name: 'plain CLI opus from WAV p50', value: ms(cliMedian), unit: 'ms', note: `${best('cli')}; encode() p50 is ${(cliMedian / opusMedian).toFixed(2)}x faster` },
      { group: g, name: 'ffmpeg -version (process start) p50', value: ms(median(samples.start!)), unit: 'ms' },
    ];
    for (const [name] of ablation) {
      rows.push({ group: `${g}: opus flags`, name, value: ms(median(samples[name]!)), unit: 'ms', note: `p50 of ${ABLATION_RUNS}, ${best(name)}` });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

// Runnable alone: `node bench/transcode.ts`.
if (import.meta.filename === process.argv[1]) {
  for (const r of await bench()) console.log(`${r.group.padEnd(42)} ${r.name.padEnd(44)} ${String(r.value).padStart(8)} ${r.unit}${r.goal ? `  goal ${r.goal} ${r.met ? 'met' : 'NOT met'}` : ''}${r.note ? `  (${r.note})` : ''}`);
}
