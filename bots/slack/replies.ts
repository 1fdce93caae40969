/**
 * Turns a failed request into what the user sees: a UserError's own words, or a generic line for
 * anything internal (logged with its stack, never shown).
 */
import type { RespondFn } from '@slack/bolt';
import { isUserError, UserError, UserErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { noticeBlocks } from './blocks.ts';

/** Slack API error codes that mean "the bot cannot post in this conversation". */
const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'access_denied']);

/** The Slack error code carried by a WebClient platform error, if any. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Slack error codes meaning the bot token no longer works, with what to do about it. */
export const TOKEN_DEAD: Readonly<Record<string, string>> = {
  invalid_auth: 'Slack refused ditty\'s bot token (invalid_auth)',
  not_authed: 'Slack received no valid bot token from ditty (not_authed)',
  token_revoked: 'Slack says ditty\'s bot token was revoked (token_revoked)',
  account_inactive: 'Slack says ditty\'s bot user was deactivated (account_inactive)',
};

export function inviteError(err: unknown): UserError | null {
  const code = slackErrorCode(err);
  if (code && code in TOKEN_DEAD) {
    return new UserError(
      UserErrorCode.Unavailable,
      'ditty can no longer act in this workspace: its access was revoked or the app was removed. A workspace admin needs to reinstall ditty.',
      { slackError: code },
    );
  }
  if (!code || !NOT_IN_CHANNEL.has(code)) return null;
  return new UserError(
    UserErrorCode.NotAllowed,
    code === 'is_archived'
      ? 'This channel is archived, so I cannot post here.'
      : 'I am not in this channel yet, so I cannot post the track here. Invite me with `/invite @ditty` (or mention me and choose "Add to channel"), then try again.',
    { slackError: code },
  );
}

export async function replyError(respond: RespondFn, err: unknown, log: Logger, what: string): Promise<void> {
  const userError = isUserError(err) ? err : inviteError(err);
  if (userError) {
    log.info({ code: userError.code, what }, 'slack request refused');
  } else {
    log.error({ err, what }, 'slack request failed');
  }
  const text = userError ? userError.message : 'Sorry, something went wrong on my side. Please try again in a minute.';
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, ...noticeBlocks(text) });
  } catch (respondErr) {
    log.warn({ err: respondErr, what }, 'slack error reply failed');
  }
}
