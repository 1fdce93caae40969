/** Checks on the parts of Slack payloads that reach the core or a message. */
import { UserError, UserErrorCode } from '../../../core/errors.ts';

const TRIGGER_ID = /^[A-Za-z0-9._-]{1,120}$/;
export const isTriggerId = (v: unknown): v is string => typeof v === 'string' && TRIGGER_ID.test(v);

export function invalidPayload(): UserError {
  return new UserError(UserErrorCode.NotAllowed, 'That request did not look like it came from Slack, so I ignored it.');
}

/** A response_url as Slack sends it: an http(s) URL of reasonable length (stored with the generation). */
export function isResponseUrl(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > 500) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
