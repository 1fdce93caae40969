/**
 * The favorite emoji on a ditty message (the track card or the uploaded file) favorites the
 * track for whoever reacted; removing it unfavorites. The message itself says which track it is
 * (block ids), so nothing is stored here beyond a cache.
 */
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs, webApi } from '@slack/bolt';
import { isUserError } from '../../../core/errors.ts';
import { generationIdFromBlocks, noticeBlocks } from '../blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { rememberBounded } from '../../../core/recent-set.ts';
import { slackActor } from '../deps.ts';
import { isSlackId, normalizeEmoji } from '../text.ts';

type ReactionArgs = SlackEventMiddlewareArgs<'reaction_added' | 'reaction_removed'> & AllMiddlewareArgs;

export function registerReactions(app: App, deps: SlackDeps): void {
  app.event('reaction_added', (args) => onReaction(deps, args, true));
  app.event('reaction_removed', (args) => onReaction(deps, args, false));
}

async function onReaction(deps: SlackDeps, { event, body, context, client }: ReactionArgs, on: boolean): Promise<void> {
  if (event.item.type !== 'message') return;
  // item_user names the message's author: skip the lookup for anything ditty did not post.
  if (event.item_user && context.botUserId && event.item_user !== context.botUserId) return;
  const eventId = body.event_id;
  const teamId = body.team_id;
  const { channel, ts } = event.item;
  if (!isSlackId(teamId) || !isSlackId(event.user) || !isSlackId(channel) || !/^\d{1,12}\.\d{1,8}$/.test(ts)) return;
  // Each workspace picks its own emoji (/ditty settings favorite-emoji); cached, so this is cheap.
  if (normalizeEmoji(event.reaction) !== (await deps.settings.favoriteReaction(teamId))) return;
  // Slack redelivers an event it thinks failed (x-slack-retry-num); the same id is handled once.
  const seenKey = `${teamId}:${eventId}`;
  if (deps.seenEvents.has(seenKey)) {
    deps.log.debug({ eventId, retryNum: context.retryNum }, 'slack duplicate event ignored');
    return;
  }
  try {
    const generationId = await generationFor(deps, client, channel, ts, context.botUserId, context.botId);
    if (!generationId) return;
    const name = await displayName(deps, client, event.user);
    const actor = slackActor(teamId, event.user, name);
    const result = await deps.runtime.core.setFavorite(actor, generationId, on);
    deps.seenEvents.add(seenKey);
    // The card shows the count: redrawn (coalesced, within the edit budget) whichever message was starred.
    if (result.changed) deps.favoriteCounts.refresh(client, teamId, channel, ts, generationId);
    deps.log.debug({ generationId, on, changed: result.changed }, 'slack reaction favorite');
  } catch (err) {
    if (!isUserError(err)) throw err;
    deps.seenEvents.add(seenKey);
    // The user reacted in a channel; the answer goes only to them.
    await client.chat.postEphemeral({ channel, user: event.user, ...noticeBlocks(err.message) }).catch(() => undefined);
  }
}

/** Reads the reacted message once and remembers which generation (if any) it belongs to. */
async function generationFor(
  deps: SlackDeps, client: webApi.WebClient, channel: string, ts: string, botUserId?: string, botId?: string,
): Promise<string | null> {
  const key = `${channel}:${ts}`;
  const cached = deps.messageGenerations.get(key);
  if (cached !== undefined) return cached;
  const history = await client.conversations.history({ channel, latest: ts, oldest: ts, inclusive: true, limit: 1 });
  // A reply in a thread (a take of a batch) is not in the channel's history: read it from its thread.
  const message = history.messages?.find((m) => m.ts === ts)
    ?? (await client.conversations.replies({ channel, ts, latest: ts, oldest: ts, inclusive: true, limit: 1 }).catch(() => null))?.messages?.find((m) => m.ts === ts);
  // Only our own messages count: anyone could copy a block id into theirs via another app.
  const ours = message && ((botUserId && message.user === botUserId) || (botId && message.bot_id === botId));
  const id = ours ? generationIdFromBlocks(message.blocks as Array<{ block_id?: string }> | undefined) : null;
  rememberBounded(deps.messageGenerations, key, id);
  return id;
}

const NAME_TTL_MS = 10 * 60_000;

/** Events carry only a user id; the leaderboard wants a name. One users.info per user per 10 min. */
async function displayName(deps: SlackDeps, client: webApi.WebClient, userId: string): Promise<string | undefined> {
  const hit = deps.userNames.get(userId);
  if (hit && Date.now() - hit.at < NAME_TTL_MS) return hit.name;
  let name: string | undefined;
  try {
    const info = await client.users.info({ user: userId });
    name = info.user?.profile?.display_name || info.user?.real_name || info.user?.name || undefined;
  } catch {
    // users:read missing or Slack hiccup: the id stands in for the name.
    name = undefined;
  }
  rememberBounded(deps.userNames, userId, { name, at: Date.now() });
  return name;
}
