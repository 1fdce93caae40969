/**
 * `/ditty settings …`: workspace admins view and change ditty's settings. Who is an admin is
 * Slack's call (users.info: is_admin, is_owner or is_primary_owner), asked on every command so a
 * revoked admin loses access at once; the core enforces it and validates the values.
 */
import type { App, webApi } from '@slack/bolt';
import { isUserError, UserErrorCode } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import { settingsBlocks } from '../blocks.ts';
import { refuseInDirectMessages } from './direct-messages.ts';
import type { SlackDeps } from '../deps.ts';
import { slackActor } from '../deps.ts';
import { replyError } from '../replies.ts';
import { favoriteReaction, parseSettingsText } from '../settings.ts';
import { isSlackId } from '../text.ts';
import { invalidPayload } from './payload.ts';

export function registerSettings(app: App, deps: SlackDeps): void {
  app.command('/ditty', refuseInDirectMessages, async ({ ack, command, client, respond }) => {
    await ack();
    try {
      if (!isSlackId(command.team_id) || !isSlackId(command.user_id) || !isSlackId(command.channel_id)) throw invalidPayload();
      const parsed = parseSettingsText(command.text ?? '', command.channel_id);
      const teamId = command.team_id;
      const [isAdmin, current] = await Promise.all([workspaceAdmin(client, command.user_id, deps.log), deps.runtime.core.settings('slack', teamId)]);
      const view = (settings: typeof current, note?: string) =>
        settingsBlocks(settings, { favoriteReaction: favoriteReaction(settings.favoriteEmoji, deps.favoriteEmoji), showBlockedWords: isAdmin, note });
      if (parsed.kind === 'view') {
        deps.settings.set(teamId, current);
        await respond({ response_type: 'ephemeral', replace_original: false, ...view(current) });
        return;
      }
      const actor = slackActor(teamId, command.user_id, command.user_name);
      // A non-admin's request goes to the core unread, so the answer is the refusal, not a detail of the list.
      const saved = await deps.runtime.core.updateSettings(actor, isAdmin ? parsed.patch(current) : {}, { isAdmin }).catch((err: unknown) => {
        if (!isAdmin && isUserError(err) && err.code === UserErrorCode.NotAllowed) return null;
        throw err;
      });
      if (!saved) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: 'Only workspace admins and owners can change ditty settings.' });
        return;
      }
      deps.settings.set(teamId, saved);
      deps.log.info({ teamId, by: command.user_id }, 'slack settings changed');
      await respond({ response_type: 'ephemeral', replace_original: false, ...view(saved, `✅ ${parsed.summary}`) });
    } catch (err) {
      await replyError(respond, err, deps.log, '/ditty');
    }
  });
}

/** Slack's own roles decide; if Slack cannot say (users:read missing, outage), nobody is an admin. */
export async function workspaceAdmin(client: webApi.WebClient, userId: string, log: Logger): Promise<boolean> {
  try {
    const info = await client.users.info({ user: userId });
    const u = info.user;
    return Boolean(u && !u.deleted && (u.is_admin || u.is_owner || u.is_primary_owner));
  } catch (err) {
    log.warn({ err, userId }, 'slack users.info failed; treating the user as not an admin');
    return false;
  }
}
