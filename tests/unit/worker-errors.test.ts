import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepTempFiles } from '../../core/storage.ts';
import { EncodeError } from '../../worker/audio/encode.ts';
import { AttemptsExhaustedError, createPipelineErrorInfo, LowDiskError, StageTimeoutError } from '../../worker/errors.ts';
import { stageLimits } from '../../worker/pipeline.ts';

const errno = (code: string, message = 'some text') => Object.assign(new Error(message), { code });

describe('createPipelineErrorInfo', () => {
  it('GIVEN storage errors THEN they are sorted by errno code, wrapped or not, and fail at once', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) expect(createPipelineErrorInfo(errno(code))).toMatchObject({ code: 'storage_full', unrecoverable: true });
    for (const code of ['EACCES', 'EPERM', 'EROFS']) expect(createPipelineErrorInfo(errno(code))).toMatchObject({ code: 'storage_unwritable', unrecoverable: true });
    expect(createPipelineErrorInfo(new Error('write failed', { cause: errno('EROFS') })).code).toBe('storage_unwritable');
    expect(createPipelineErrorInfo(new LowDiskError(1, 2)).code).toBe('storage_full');
  });

  it('GIVEN message text that only reads like a storage or ffmpeg error THEN it is not classified by it', () => {
    expect(createPipelineErrorInfo(new Error('No space left on device')).code).toBe('engine_failed');
    expect(createPipelineErrorInfo(new Error('ffmpeg said permission denied')).code).toBe('engine_failed');
    expect(createPipelineErrorInfo(errno('ENOENT')).code).toBe('engine_failed');
    expect(createPipelineErrorInfo(new EncodeError('ffmpeg exited with 1', 1, 'boom'))).toMatchObject({ code: 'encode_failed', unrecoverable: false });
  });

  it('GIVEN timeouts, spent attempts and cancels THEN each has its own code and a plain message', () => {
    expect(createPipelineErrorInfo(new StageTimeoutError('encode', 60))).toMatchObject({ code: 'timed_out', unrecoverable: true, userMessage: expect.stringContaining('60 s') });
    expect(createPipelineErrorInfo(new AttemptsExhaustedError(3))).toMatchObject({ code: 'too_many_attempts', unrecoverable: true });
    expect(createPipelineErrorInfo(new UnrecoverableError('x'))).toMatchObject({ code: 'bad_input' });
    const aborted = AbortSignal.abort();
    expect(createPipelineErrorInfo(new StageTimeoutError('render', 1), aborted).code).toBe('cancelled');
  });
});

describe('stageLimits', () => {
  it('GIVEN the defaults THEN a 30 s track encode is bounded at 60 s, short tracks at 10 s, renders at 30 s plus 2 s a second', () => {
    const defaults = { renderTimeoutBaseS: 30, renderTimeoutPerS: 2, encodeTimeoutMinS: 10, encodeTimeoutPerS: 2, minFreeDiskBytes: 0 };
    expect(stageLimits(defaults, 30)).toEqual({ renderS: 90, encodeS: 60 });
    expect(stageLimits(defaults, 5)).toEqual({ renderS: 40, encodeS: 10 });
    expect(stageLimits(defaults, 120)).toEqual({ renderS: 270, encodeS: 240 });
  });
});

describe('sweepTempFiles', () => {
  it('GIVEN .tmp files old and new under tracks THEN only the old ones go; tracks and fresh .tmp stay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ditty-sweep-'));
    try {
      const shard = join(dir, 'tracks', 'ab', 'cd');
      await mkdir(shard, { recursive: true });
      for (const name of ['a.ogg', 'a.ogg.1.tmp', 'b.ogg.2.tmp']) await writeFile(join(shard, name), 'x');
      const old = new Date(Date.now() - 3_600_000);
      await utimes(join(shard, 'a.ogg.1.tmp'), old, old);
      await utimes(join(shard, 'a.ogg'), old, old);
      expect(await sweepTempFiles(dir, 15 * 60_000)).toBe(1);
      expect((await readdir(shard)).sort()).toEqual(['a.ogg', 'b.ogg.2.tmp']);
      expect(await sweepTempFiles(join(dir, 'missing'), 0)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
