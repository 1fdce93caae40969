import { UnrecoverableError } from 'bullmq';
import { RenderErrorCode } from '../core/errors.ts';

export interface PipelineErrorInfo {
  code: RenderErrorCode;
  /** Safe to show in chat: never a stack trace or an internal path. */
  userMessage: string;
  unrecoverable: boolean;
}

/** Sorts a render failure into what the user is told and whether retrying can help. */
export function createPipelineErrorInfo(err: unknown, signal?: AbortSignal): PipelineErrorInfo {
  if (signal?.aborted) {
    return { code: RenderErrorCode.Cancelled, userMessage: 'The generation was cancelled.', unrecoverable: true };
  }
  if (err instanceof UnrecoverableError) {
    return { code: RenderErrorCode.BadInput, userMessage: 'This request cannot be rendered; try a different prompt.', unrecoverable: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/ffmpeg/i.test(message)) {
    return { code: RenderErrorCode.EncodeFailed, userMessage: 'Encoding the audio failed; please try again.', unrecoverable: false };
  }
  return { code: RenderErrorCode.EngineFailed, userMessage: 'The music engine failed; please try again.', unrecoverable: false };
}
