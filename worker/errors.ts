import { UnrecoverableError } from 'bullmq';
import { RenderErrorCode } from '../core/errors.ts';
import { EncodeError } from './audio/encode.ts';

export interface PipelineErrorInfo {
  code: RenderErrorCode;
  /** Safe to show in chat: never a stack trace or an internal path. */
  userMessage: string;
  /** Retrying cannot help (or must not happen): the generation fails at once. */
  unrecoverable: boolean;
}

/** A render or encode ran past its bound; the thread or ffmpeg was stopped. */
export class StageTimeoutError extends Error {
  readonly stage: 'render' | 'encode';
  readonly limitS: number;
  constructor(stage: 'render' | 'encode', limitS: number) {
    super(`${stage} timed out after ${limitS} s`);
    this.name = 'StageTimeoutError';
    this.stage = stage;
    this.limitS = limitS;
  }
}

/** The generation used up MAX_RENDER_ATTEMPTS starts: its workers died or stalled each time. */
export class AttemptsExhaustedError extends UnrecoverableError {
  readonly attempts: number;
  constructor(attempts: number) {
    super(`${RenderErrorCode.TooManyAttempts}: ${attempts} attempts without a result`);
    this.name = 'AttemptsExhaustedError';
    this.attempts = attempts;
  }
}

/** Free space under DATA_DIR below MIN_FREE_DISK_MB: carries ENOSPC so it sorts with a full disk. */
export class LowDiskError extends Error {
  readonly code = 'ENOSPC';
  readonly freeBytes: number;
  constructor(freeBytes: number, minFreeBytes: number) {
    super(`only ${Math.round(freeBytes / 1e6)} MB free under DATA_DIR, below the ${Math.round(minFreeBytes / 1e6)} MB minimum`);
    this.name = 'LowDiskError';
    this.freeBytes = freeBytes;
  }
}

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
const UNWRITABLE_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/** The first errno-style `code` on the error or its causes (fs errors, wrapped or not). */
export function storageErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (FULL_CODES.has(code) || UNWRITABLE_CODES.has(code))) return code;
  }
  return undefined;
}

/**
 * Sorts a render failure into what the user is told and whether retrying can help. Storage
 * errors are told apart by their errno code, never by message text (which varies by platform
 * and language).
 */
export function createPipelineErrorInfo(err: unknown, signal?: AbortSignal): PipelineErrorInfo {
  if (signal?.aborted) {
    return { code: RenderErrorCode.Cancelled, userMessage: 'The generation was cancelled.', unrecoverable: true };
  }
  if (err instanceof StageTimeoutError) {
    const what = err.stage === 'render' ? 'Making the music' : 'Encoding the audio';
    return {
      code: RenderErrorCode.TimedOut,
      userMessage: `${what} took longer than ${err.limitS} s, so ditty stopped it. Please try again; a shorter track is quicker.`,
      unrecoverable: true,
    };
  }
  if (err instanceof AttemptsExhaustedError) {
    return {
      code: RenderErrorCode.TooManyAttempts,
      userMessage: `ditty tried to make this track ${err.attempts} times and the renderer stopped each time, so it gave up. Try a different prompt or a shorter track.`,
      unrecoverable: true,
    };
  }
  const storage = storageErrorCode(err);
  if (storage && FULL_CODES.has(storage)) {
    return { code: RenderErrorCode.StorageFull, userMessage: 'The server is out of disk space, so the track could not be saved. An operator has to free space; please try again later.', unrecoverable: true };
  }
  if (storage) {
    return { code: RenderErrorCode.StorageUnwritable, userMessage: 'The server cannot save tracks right now (its storage is not writable). An operator has to fix it; please try again later.', unrecoverable: true };
  }
  if (err instanceof UnrecoverableError) {
    return { code: RenderErrorCode.BadInput, userMessage: 'This request cannot be rendered; try a different prompt.', unrecoverable: true };
  }
  if (err instanceof EncodeError) {
    return { code: RenderErrorCode.EncodeFailed, userMessage: 'Encoding the audio failed; please try again.', unrecoverable: false };
  }
  return { code: RenderErrorCode.EngineFailed, userMessage: 'The music engine failed; please try again.', unrecoverable: false };
}
