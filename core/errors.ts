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
  /** Takes: a batch holds 2 to 4 takes (1 is a lone track). */
  TakesInvalid: 'takes_invalid',
  /** An audio format other than opus, mp3 or wav. */
  FormatInvalid: 'format_invalid',
  RateLimited: 'rate_limited',
  ServerBusy: 'server_busy',
  ChannelNotAllowed: 'channel_not_allowed',
  NameInvalid: 'name_invalid',
  UnknownCommand: 'unknown_command',
  NotFound: 'not_found',
  NotAllowed: 'not_allowed',
  /** A URL the request names (the public API's callback_url) that ditty will not call. */
  UrlInvalid: 'url_invalid',
  /** No credentials, or ones that do not open anything (the public API's missing or revoked key). */
  Unauthorized: 'unauthorized',
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

/**
 * A frontend cannot post a finished track and retrying cannot help (the bot was removed from
 * the channel, the channel is archived, the token was revoked). The delivery step fails at once
 * instead of retrying; the frontend has already told the user, in `userMessage`'s words.
 */
export class DeliveryRefusedError extends Error {
  /** The platform's own error code, e.g. Slack's `not_in_channel`. */
  readonly code: string;
  readonly userMessage: string;
  constructor(code: string, userMessage: string) {
    super(`delivery refused: ${code}`);
    this.name = 'DeliveryRefusedError';
    this.code = code;
    this.userMessage = userMessage;
  }
}

export function isDeliveryRefused(e: unknown): e is DeliveryRefusedError {
  return e instanceof DeliveryRefusedError;
}
