/**
 * Errors a user can act on carry a stable code and a message written for the chat channel.
 * Anything else is an internal error: logged, and shown to the user only as a generic failure.
 */
export const UserErrorCode = {
  PromptEmpty: 'prompt_empty',
  PromptTooLong: 'prompt_too_long',
  /** NUL bytes or broken UTF-8 (unpaired surrogates once decoded) in a text field. */
  TextInvalid: 'text_invalid',
  PromptBlocked: 'prompt_blocked',
  DurationInvalid: 'duration_invalid',
  SeedInvalid: 'seed_invalid',
  RateLimited: 'rate_limited',
  ServerBusy: 'server_busy',
  ChannelNotAllowed: 'channel_not_allowed',
  NameInvalid: 'name_invalid',
  UnknownCommand: 'unknown_command',
  NotFound: 'not_found',
  NotAllowed: 'not_allowed',
  Unavailable: 'unavailable',
} as const;
export type UserErrorCode = (typeof UserErrorCode)[keyof typeof UserErrorCode];

export class UserError extends Error {
  readonly code: UserErrorCode;
  readonly context: Record<string, unknown>;
  constructor(code: UserErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.context = context;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A job input that can never succeed: BullMQ must fail it at once instead of retrying. */
export const RenderErrorCode = {
  BadInput: 'bad_input',
  EngineFailed: 'engine_failed',
  EncodeFailed: 'encode_failed',
  Cancelled: 'cancelled',
  TooLarge: 'too_large',
  /** A render or encode ran past its time bound (scaled to the requested duration). */
  TimedOut: 'timed_out',
  /** MAX_RENDER_ATTEMPTS starts without a result: workers died or stalled on it each time. */
  TooManyAttempts: 'too_many_attempts',
  /** Waited in the queue longer than MAX_QUEUE_S. */
  QueueExpired: 'queue_expired',
  /** The data directory is full (ENOSPC, EDQUOT) or below MIN_FREE_DISK_MB. */
  StorageFull: 'storage_full',
  /** The data directory cannot be written (EACCES, EPERM, EROFS). */
  StorageUnwritable: 'storage_unwritable',
} as const;
export type RenderErrorCode = (typeof RenderErrorCode)[keyof typeof RenderErrorCode];
