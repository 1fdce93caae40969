/** Checks on the parts of Slack payloads that reach the core or a message. */
import { UserError, UserErrorCode } from '../../../core/errors.ts';

const TRIGGER_ID = /^[A-Za-z0-9._-]{1,120}$/;
export const isTriggerId = (v: unknown): v is string => typeof v === 'string' && TRIGGER_ID.test(v);

export function invalidPayload(): UserError {
  return new UserError(UserErrorCode.NotAllowed, 'That request did not look like it came from Slack, so I ignored it.');
}
