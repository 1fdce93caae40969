/**
 * ffmpeg is started by a helper process, never forked from the worker itself (worker/audio/spawner.ts:
 * a fork makes all of the worker's memory copy-on-write, and its next render paid for it).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, EncodeError } from '../../worker/audio/encode.ts';
import { locateFfmpeg } from '../../worker/audio/ffmpeg.ts';
import { helperPid } from '../../worker/audio/spawner.ts';
import { testSignal } from '../../worker/audio/test-signal.ts';
import { probe } from '../helpers/ffprobe.ts';

let dir: string;
let realFfmpeg: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ditty-spawner-'));
  realFfmpeg = (await locateFfmpeg()).ffmpeg;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The parent pid of `pid` from /proc, or null once it is gone. */
async function parentOf(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  // Field 4, after the command name in parentheses (which may hold spaces).
  return stat === null ? null : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Running, not gone and not a zombie waiting for its parent. */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A stand-in ffmpeg that writes its pid and parent pid to `log`, then runs `then`. */
async function recordingFfmpeg(name: string, then: string): Promise<{ bin: string; log: string }> {
  const bin = path.join(dir, name);
  const log = path.join(dir, `${name}.log`);
  await writeFile(bin, ['#!/bin/sh', 'if [ "$2" = "-version" ]; then echo "ffmpeg version 0-fake"; exit 0; fi', `echo "$$ $PPID" >> "${log}"`, then].join('\n'));
  await chmod(bin, 0o755);
  return { bin, log };
}

const lastLine = async (log: string) => (await readFile(log, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];

describe('ffmpeg spawner', () => {
  it('GIVEN encodes THEN ffmpeg runs as the helper\'s child, the helper is this process\'s child, and the file is whole', async () => {
    const { bin, log } = await recordingFfmpeg('relay', `exec "${realFfmpeg}" "$@"`);
    for (const n of [1, 2]) {
      const out = path.join(dir, `relay-${n}.ogg`);
      await encode(testSignal(3, 44_100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: out, ffmpeg: bin });
      const [, ffmpegParent] = await lastLine(log);
      expect(ffmpegParent).not.toBe(process.pid);
      expect(ffmpegParent).toBe(helperPid());
      expect(await parentOf(ffmpegParent)).toBe(process.pid);
      expect((await probe(out)).durationS).toBeCloseTo(3, 1);
    }
  });

  it('GIVEN launcher direct THEN ffmpeg is this process\'s own child (the fallback still works)', async () => {
    const { bin, log } = await recordingFfmpeg('direct', `exec "${realFfmpeg}" "$@"`);
    const out = path.join(dir, 'direct.ogg');
    await encode(testSignal(2, 44_100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: out, ffmpeg: bin, launcher: 'direct' });
    expect((await lastLine(log))[1]).toBe(process.pid);
    expect((await probe(out)).durationS).toBeCloseTo(2, 1);
  });

  it('GIVEN the helper is killed mid-encode THEN the encode fails at once with EncodeError, and the next encode starts a new helper', async () => {
    const { bin, log } = await recordingFfmpeg('hang', 'exec sleep 600');
    const pending = encode(testSignal(2, 44_100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: path.join(dir, 'hang.ogg'), ffmpeg: bin });
    expect(await until(async () => (await readFile(log, 'utf8').catch(() => '')).length > 0, 10_000)).toBe(true);
    const first = helperPid()!;
    const [sleeper] = await lastLine(log);
    const started = performance.now();
    process.kill(first, 'SIGKILL');
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncodeError);
    expect((err as Error).message).toMatch(/helper process ended/);
    expect(performance.now() - started).toBeLessThan(2_000);
    process.kill(sleeper, 'SIGKILL'); // orphaned by the SIGKILL above: nobody could forward it

    const out = path.join(dir, 'after.ogg');
    await encode(testSignal(2, 44_100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: out });
    expect(helperPid()).not.toBe(first);
    expect((await probe(out)).durationS).toBeCloseTo(2, 1);
  });

  it('GIVEN a helper that stops answering THEN an aborted encode still ends within seconds, and the next encode gets a new helper', async () => {
    const { bin, log } = await recordingFfmpeg('wedged', 'exec sleep 600');
    const ac = new AbortController();
    const pending = encode(testSignal(2, 44_100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: path.join(dir, 'wedged.ogg'), ffmpeg: bin, signal: ac.signal });
    expect(await until(async () => (await readFile(log, 'utf8').catch(() => '')).length > 0, 10_000)).toBe(true);
    const wedged = helperPid()!;
    const [sleeper] = await lastLine(log);
    process.kill(wedged, 'SIGSTOP');
    const started = performance.now();
    ac.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(await until(async () => !(await alive(wedged)), 3_000)).toBe(true);
    process.kill(sleeper, 'SIGKILL'); // orphaned with the helper

    const out = path.join(dir, 'after-wedged.ogg');
    await encode(testSignal(2, 44_100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: out });
    expect(helperPid()).not.toBe(wedged);
    expect((await probe(out)).durationS).toBeCloseTo(2, 1);
  });

  it('GIVEN the worker process is killed with SIGKILL mid-encode THEN its helper and that ffmpeg exit too', async () => {
    const { bin, log } = await recordingFfmpeg('orphan', 'exec sleep 600');
    const script = path.join(dir, 'encoding-worker.ts');
    const root = path.resolve(import.meta.dirname, '../..');
    await writeFile(script, [
      `import { encode } from ${JSON.stringify(path.join(root, 'worker/audio/encode.ts'))};`,
      `import { testSignal } from ${JSON.stringify(path.join(root, 'worker/audio/test-signal.ts'))};`,
      `await encode(testSignal(2, 44100, 2, [440]), { format: 'opus', bitrateKbps: 96, outPath: ${JSON.stringify(path.join(dir, 'orphan.ogg'))}, ffmpeg: ${JSON.stringify(bin)} });`,
    ].join('\n'));
    const worker = spawn(process.execPath, [script], { stdio: 'inherit' });
    try {
      expect(await until(async () => (await readFile(log, 'utf8').catch(() => '')).length > 0, 15_000)).toBe(true);
      const [sleeper, helper] = await lastLine(log);
      expect(await parentOf(helper)).toBe(worker.pid);
      worker.kill('SIGKILL');
      expect(await until(async () => !(await alive(helper)) && !(await alive(sleeper)), 5_000)).toBe(true);
    } finally {
      worker.kill('SIGKILL');
    }
  });
});
