/**
 * One generation request from Slack (/generate or the Variation button), after the ack:
 * post the status message, hand the request to the core with everything delivery needs, then
 * turn the status message into the queued view and tell the user their place.
 *
 * The status message goes first because its ts must travel in `reply`: the delivery step (maybe
 * in a later process) edits that message into the track card. Posting first also finds out
 * whether the bot may post here before a track is rendered for nothing.
 */
import type { RespondFn, webApi } from '@slack/bolt';
import type { Actor, GenerateAccepted } from '../../core/chat.ts';
import { cleanPrompt } from '../../core/validate.ts';
import { pendingBlocks } from './blocks.ts';
import type { SlackDeps } from './deps.ts';
import { inviteError } from './replies.ts';

export interface StartRequest {
  client: webApi.WebClient;
  actor: Actor;
  channelId: string;
  /** The Enterprise Grid org of the workspace, when there is one: an org-wide install serves it. */
  enterpriseId?: string;
  prompt: string;
  durationS?: string | number | null;
  seed?: string | number | null;
  /** Same for every retry of one Slack request (trigger id), unique otherwise. */
  requestKey: string;
  respond: RespondFn;
}

/** Resolves to null when the request repeated one already accepted: nothing new was posted. */
export async function startGeneration(deps: SlackDeps, req: StartRequest): Promise<GenerateAccepted | null> {
  const { client, actor, channelId } = req;
  const pending = pendingBlocks(actor.platformUserId);
  let statusTs: string;
  try {
    const posted = await client.chat.postMessage({ channel: channelId, ...pending, unfurl_links: false, unfurl_media: false });
    statusTs = String(posted.ts);
  } catch (err) {
    throw inviteError(err) ?? err;
  }

  let accepted: GenerateAccepted;
  try {
    accepted = await deps.runtime.core.generate({
      actor,
      channelId,
      prompt: req.prompt,
      durationS: req.durationS,
      seed: req.seed,
      sizeLimitBytes: deps.sizeLimitBytes,
      reply: {
        requestKey: req.requestKey, channel: channelId, statusTs, userId: actor.platformUserId, teamId: actor.guildId,
        ...(req.enterpriseId ? { enterpriseId: req.enterpriseId } : {}),
      },
    });
  } catch (err) {
    await deleteQuietly(deps, client, channelId, statusTs);
    throw err;
  }
  if (accepted.duplicate) {
    // A retry of a request already in flight: its own status message stays, this one goes.
    await deleteQuietly(deps, client, channelId, statusTs);
    return null;
  }

  deps.progress.track(
    {
      channel: channelId,
      ts: statusTs,
      teamId: actor.guildId,
      enterpriseId: req.enterpriseId,
      generationId: accepted.generationId,
      // The core accepted this prompt, so cleaning cannot throw; it matches what the core stored.
      prompt: cleanPrompt(req.prompt),
      userId: actor.platformUserId,
      params: accepted.params,
      durationS: accepted.durationS,
    },
    { generationId: accepted.generationId, platform: 'slack', stage: 'queued', progress: 0, position: accepted.position, message: accepted.notice },
  );
  await req.respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: `Queued at position ${accepted.position} (${accepted.durationS} s, seed ${accepted.params.seed}). I will post the track in this channel.${accepted.notice ? ` Note: ${accepted.notice}.` : ''}`,
  });
  return accepted;
}

async function deleteQuietly(deps: SlackDeps, client: webApi.WebClient, channel: string, ts: string): Promise<void> {
  try {
    await client.chat.delete({ channel, ts });
  } catch (err) {
    deps.log.warn({ err }, 'slack status message cleanup failed');
  }
}
