/**
 * One generation request from Slack (/generate or the Variation button), after the ack: hand the
 * request to the core first, so a refusal (blocked word, rate limit, bad duration) is only ever
 * the ephemeral reply; once accepted, post the public status message, follow its progress and
 * tell the user their place.
 *
 * The status message's ts is not in the stored reply (it does not exist when the core stores
 * it): the delivery step finds it through `SlackDeps.statusMessages` in this process, or by its
 * block id in the channel's history after a restart. If the bot may not post here, the
 * generation is cancelled at once, before a track is rendered for nothing, and the user is told.
 */
import type { RespondFn, webApi } from '@slack/bolt';
import type { Actor, GenerateAccepted } from '../../core/chat.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { visibleText } from '../../core/text-clean.ts';
import { statusBlocks } from './blocks.ts';
import { rememberBounded } from '../../core/recent-set.ts';
import type { SlackDeps } from './deps.ts';
import { inviteError } from './replies.ts';
import { batchStatusBlocks } from './takes.ts';

export interface StartRequest {
  client: webApi.WebClient;
  actor: Actor;
  channelId: string;
  /** The Enterprise Grid org of the workspace, when there is one: an org-wide install serves it. */
  enterpriseId?: string;
  prompt: string;
  durationS?: string | number | null;
  seed?: string | number | null;
  /** Extend button: continue this finished track (the core ignores prompt, duration and seed). */
  extend?: { generationId: string };
  /** Takes: 2-4 seeds in one thread (raw; the core validates). */
  takes?: string | number | null;
  /** Same for every retry of one Slack request (trigger id), unique otherwise. */
  requestKey: string;
  /** The command's response_url (valid 30 minutes): how delivery tells the user when it cannot post. */
  responseUrl?: string;
  respond: RespondFn;
}

/** Resolves to null when the request repeated one already accepted: nothing new was posted. */
export async function startGeneration(deps: SlackDeps, req: StartRequest): Promise<GenerateAccepted | null> {
  const { client, actor, channelId } = req;
  const accepted = await deps.runtime.core.generate({
    actor,
    channelId,
    prompt: req.prompt,
    durationS: req.durationS,
    seed: req.seed,
    ...(req.extend ? { extend: req.extend } : {}),
    ...(req.takes !== undefined && req.takes !== null ? { takes: req.takes } : {}),
    sizeLimitBytes: deps.sizeLimitBytes,
    reply: {
      requestKey: req.requestKey, channel: channelId, userId: actor.platformUserId, teamId: actor.guildId,
      ...(req.enterpriseId ? { enterpriseId: req.enterpriseId } : {}),
      ...(req.responseUrl ? { responseUrl: req.responseUrl, responseUrlAt: String(Date.now()) } : {}),
    },
  });
  // A retry of a request already in flight: its own status message and answer stand.
  if (accepted.duplicate) return null;
  if (accepted.batch) return startBatch(deps, req, accepted);

  const target = {
    channel: channelId,
    ts: '',
    teamId: actor.guildId,
    enterpriseId: req.enterpriseId,
    generationId: accepted.generationId,
    // As the core stored it (cleanPrompt shows exactly the visible text of what it accepts).
    prompt: visibleText(req.prompt),
    userId: actor.platformUserId,
    params: accepted.params,
    durationS: accepted.durationS,
  };
  const initial: ProgressEvent = { generationId: accepted.generationId, platform: 'slack', stage: 'queued', progress: 0, position: accepted.position, message: accepted.notice };
  const posting = client.chat.postMessage({ channel: channelId, ...statusBlocks(target, initial), unfurl_links: false, unfurl_media: false });
  rememberBounded(deps.statusMessages, accepted.generationId, posting.then((p) => String(p.ts), () => null), 2000);
  try {
    target.ts = String((await posting).ts);
  } catch (err) {
    deps.statusMessages.delete(accepted.generationId);
    // Nobody could see the track here: stop it now rather than render and fail to post it.
    await deps.runtime.core.cancel(actor, accepted.generationId).catch((e: unknown) => deps.log.warn({ err: e }, 'slack could not cancel an unpostable generation'));
    throw inviteError(err) ?? err;
  }

  deps.progress.track(target, initial, { alreadyShown: true });
  await req.respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: `Queued at position ${accepted.position} (${accepted.durationS} s, seed ${accepted.params.seed}). I will post the track in this channel.${accepted.notice ? ` Note: ${accepted.notice}.` : ''}`,
  });
  return accepted;
}

/**
 * Takes: the thread's parent names every take with its seed; the takes are posted in its thread
 * when none is still being made (bots/slack/takes.ts). If the parent cannot be posted here, every
 * take is cancelled at once.
 */
async function startBatch(deps: SlackDeps, req: StartRequest, accepted: GenerateAccepted): Promise<GenerateAccepted> {
  const batch = accepted.batch!;
  const status = batchStatusBlocks({
    batchId: batch.id, prompt: visibleText(req.prompt), userId: req.actor.platformUserId,
    params: accepted.params, durationS: accepted.durationS, takes: batch.takes,
  });
  const posting = req.client.chat.postMessage({ channel: req.channelId, ...status, unfurl_links: false, unfurl_media: false });
  rememberBounded(deps.statusMessages, batch.id, posting.then((p) => String(p.ts), () => null), 2000);
  try {
    await posting;
  } catch (err) {
    deps.statusMessages.delete(batch.id);
    for (const t of batch.takes) {
      await deps.runtime.core.cancel(req.actor, t.generationId).catch((e: unknown) => deps.log.warn({ err: e }, 'slack could not cancel an unpostable take'));
    }
    throw inviteError(err) ?? err;
  }
  const seeds = batch.takes.map((t) => t.seed).join(', ');
  await req.respond({
    response_type: 'ephemeral',
    replace_original: false,
    text: `Queued ${batch.takes.length} takes (${accepted.durationS} s each, seeds ${seeds}); each counts as one track in your limits. I will post them in one thread in this channel.${accepted.notice ? ` Note: ${accepted.notice}.` : ''}`,
  });
  return accepted;
}
