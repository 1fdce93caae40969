/** The buttons on status and track messages: Favorite (toggle), Variation, Extend, Cancel, Delete, Play/Download links. */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { TrackView } from '../../../core/chat.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import { isGenerationId } from '../../../core/validate.ts';
import { ActionId, DELETED_TRACK_TEXT } from '../blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { slackActor } from '../deps.ts';
import { removeUploadedFile } from '../delivery.ts';
import { replyError } from '../replies.ts';
import { startGeneration, type StartRequest } from '../start-generation.ts';
import { isSlackId } from '../text.ts';
import { invalidPayload, isResponseUrl, isTriggerId } from './payload.ts';
import { workspaceAdmin } from './settings.ts';

interface Clicked {
  generationId: string;
  teamId: string;
  userId: string;
  userName: string | undefined;
}

function clicked(body: BlockButtonAction): Clicked {
  const action = body.actions[0];
  const teamId = body.team?.id ?? body.user.team_id;
  if (!action || !isGenerationId(action.value) || !isSlackId(teamId) || !isSlackId(body.user.id)) throw invalidPayload();
  return { generationId: action.value, teamId, userId: body.user.id, userName: body.user.name ?? body.user.username };
}

export function registerButtons(app: App, deps: SlackDeps): void {
  const core = deps.runtime.core;

  app.action<BlockButtonAction>(ActionId.Favorite, async ({ ack, body, client, respond }) => {
    await ack();
    try {
      const c = clicked(body);
      // A replayed delivery of one click (same action_ts) must not toggle the favorite back.
      const clickKey = `fav:${c.teamId}:${c.userId}:${body.actions[0]?.action_ts ?? ''}:${c.generationId}`;
      if (!deps.seenEvents.add(clickKey)) {
        deps.log.debug({ generationId: c.generationId }, 'slack repeated favorite click ignored');
        return;
      }
      const actor = slackActor(c.teamId, c.userId, c.userName);
      const [was, emoji] = await Promise.all([core.isFavorite(actor, c.generationId), deps.settings.favoriteReaction(c.teamId)]);
      const result = await core.setFavorite(actor, c.generationId, !was);
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: was ? `Removed from your favorites (${result.favorites} left).` : `:${emoji}: Added to your favorites (${result.favorites} in total).`,
      });
      // Redraw the card so its count is current (coalesced, within the channel's and workspace's
      // edit budget; cosmetic, so a failure is only logged).
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      if (channel && ts) {
        deps.favoriteCounts.refresh(client, c.teamId, channel, ts, c.generationId, body.message?.blocks as Array<{ block_id?: string }> | undefined);
      }
    } catch (err) {
      await replyError(respond, err, deps.log, 'favorite button');
    }
  });

  /**
   * Variation (same prompt, new seed) and Extend (the same track 30 s longer, linked to it; the
   * core checks it is finished, in this workspace, within the limits) start like /generate.
   */
  const fromTrack = (action: ActionId, what: string, request: (track: TrackView) => Pick<StartRequest, 'durationS' | 'seed' | 'extend'>) =>
    app.action<BlockButtonAction>(action, async ({ ack, body, client, respond }) => {
      await ack();
      try {
        const c = clicked(body);
        const channelId = body.channel?.id;
        if (!isSlackId(channelId) || !isTriggerId(body.trigger_id)) throw invalidPayload();
        const track = await core.track(c.generationId);
        if (!track) throw new UserError(UserErrorCode.NotFound, 'That track no longer exists.');
        await startGeneration(deps, {
          client,
          actor: slackActor(c.teamId, c.userId, c.userName),
          channelId,
          enterpriseId: isSlackId(body.enterprise?.id) ? body.enterprise.id : undefined,
          prompt: track.prompt,
          ...request(track),
          requestKey: `slack:${c.teamId}:${body.trigger_id}`,
          responseUrl: isResponseUrl(body.response_url) ? body.response_url : undefined,
          respond,
        });
      } catch (err) {
        await replyError(respond, err, deps.log, what);
      }
    });
  fromTrack(ActionId.Variation, 'variation button', (track) => ({ durationS: track.durationS, seed: null }));
  fromTrack(ActionId.Extend, 'extend button', (track) => ({ extend: { generationId: track.id } }));

  app.action<BlockButtonAction>(ActionId.Cancel, async ({ ack, body, respond }) => {
    await ack();
    try {
      const c = clicked(body);
      const cancelled = await core.cancel(slackActor(c.teamId, c.userId, c.userName), c.generationId);
      if (!cancelled) {
        throw new UserError(UserErrorCode.NotAllowed, 'Only the person who asked for this track can cancel it, and only before it is finished.');
      }
      // Show it now rather than waiting for the core's event; the updater ignores the duplicate.
      deps.progress.handle({ generationId: c.generationId, platform: 'slack', stage: 'cancelled', progress: 0 });
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'Cancelled.' });
    } catch (err) {
      await replyError(respond, err, deps.log, 'cancel button');
    }
  });

  app.action<BlockButtonAction>(ActionId.Delete, async ({ ack, body, client, respond }) => {
    await ack();
    try {
      const c = clicked(body);
      const isAdmin = await workspaceAdmin(client, c.userId, deps.log);
      const deleted = await core.deleteTrack(slackActor(c.teamId, c.userId, c.userName), c.generationId, { isAdmin });
      if (!deleted) throw new UserError(UserErrorCode.NotAllowed, 'That track is still being made: cancel it instead.');
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      if (channel && ts) {
        // The card goes; if Slack refuses (another user's message in a shared channel), it is emptied.
        await client.chat.delete({ channel, ts }).catch(() =>
          client.chat.update({ channel, ts, text: DELETED_TRACK_TEXT, blocks: [] }).catch((err: unknown) => deps.log.warn({ err }, 'slack card not hidden after delete')));
      }
      // The uploaded file (Slack's copy of the audio, with its own player) goes too.
      const where = channel ?? deleted.track.origin.channelId;
      await removeUploadedFile(client, where, deleted).catch((err: unknown) => deps.log.warn({ err, generationId: c.generationId }, 'slack file not removed after delete'));
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'Deleted: the file is gone and its links say so.' });
    } catch (err) {
      await replyError(respond, err, deps.log, 'delete button');
    }
  });

  // A URL button still sends an action; Slack shows an error icon unless it is acked. The web
  // server counts the play or download itself.
  for (const linkButton of [ActionId.Play, ActionId.Download]) {
    app.action<BlockButtonAction>(linkButton, async ({ ack }) => {
      await ack();
    });
  }
}
