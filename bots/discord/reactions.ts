/**
 * The favorite emoji on a ditty track message favorites the track for that user; removing it
 * unfavorites. Works on messages from before a restart: the partial message is fetched, and the
 * generation id is read from the message itself (buttons or embed footer).
 */
import type { Message, MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { displayNameOf, type BotContext } from './context.ts';
import { withTimeout } from './timeout.ts';
import { emojiMatches, generationIdFromMessage } from './ids.ts';
import { BATCH_FOOTER_PREFIX } from './takes-messages.ts';

function idOnMessage(message: Message): string | null {
  const embeds = message.embeds.map((e) => e.toJSON());
  // A batch message holds several takes, each favorited with its own button: a reaction could only guess which.
  if (embeds.some((e) => e.footer?.text.startsWith(BATCH_FOOTER_PREFIX))) return null;
  return generationIdFromMessage({ components: message.components.map((c) => c.toJSON()), embeds });
}

export function createReactionHandler(ctx: BotContext): (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser, on: boolean) => Promise<void> {
  // Add then remove by one user on one message must reach the core in that order.
  const chains = new Map<string, Promise<void>>();
  // Message id -> generation id (null: not ours), so repeated reactions skip the fetch.
  const known = new Map<string, string | null>();

  const trackIdOf = async (reaction: MessageReaction | PartialMessageReaction): Promise<string | null> => {
    const cached = known.get(reaction.message.id);
    if (cached !== undefined) return cached;
    let message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
    if (message.author?.id !== ctx.client.user.id) return remember(message.id, null);
    let id = idOnMessage(message);
    // A cached copy may predate the edit that turned "thinking…" into the track: look again.
    if (!id) {
      message = await message.fetch(true);
      id = idOnMessage(message);
    }
    // Only positive answers are kept: a reply still "thinking…" becomes a track later.
    return id ? remember(message.id, id) : null;
  };
  const remember = (messageId: string, generationId: string | null): string | null => {
    known.set(messageId, generationId);
    if (known.size > 5000) known.delete(known.keys().next().value!);
    return generationId;
  };

  const handle = async (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser, on: boolean): Promise<void> => {
    if (user.bot === true || user.id === ctx.client.user?.id) return;
    const guildId = reaction.message.guildId;
    if (!guildId) return;
    // Each server picks its own emoji (/ditty settings favorite-emoji); cached, so this is cheap.
    if (!emojiMatches({ id: reaction.emoji.id, name: reaction.emoji.name }, await ctx.settings.favoriteEmoji(guildId))) return;

    const generationId = await trackIdOf(reaction);
    if (!generationId) return;

    // Removal events carry no member: fetch the user so the core never stores an id as a name.
    const full = user.partial ? await user.fetch().catch(() => null) : user;
    if (full?.bot) return;
    const member = reaction.message.guild?.members.cache.get(user.id);
    const actor = {
      platform: 'discord' as const,
      platformUserId: user.id,
      guildId,
      displayName: full ? displayNameOf(full, member?.displayName) : user.id,
    };
    const result = await withTimeout(ctx.runtime.core.setFavorite(actor, generationId, on), ctx.coreTimeoutMs, 'core.setFavorite');
    if (result.changed) ctx.favoriteCounts.refresh(reaction.message.channelId, reaction.message.id, generationId, guildId);
    ctx.log.debug({ generationId, on, changed: result.changed }, 'discord reaction favorite');
  };

  return (reaction, user, on) => {
    const key = `${user.id}:${reaction.message.id}`;
    const run = (chains.get(key) ?? Promise.resolve())
      .then(() => handle(reaction, user, on))
      .catch((err: unknown) => ctx.log.warn({ err, messageId: reaction.message.id }, 'discord reaction not applied'));
    chains.set(key, run);
    void run.finally(() => {
      if (chains.get(key) === run) chains.delete(key);
    });
    return run;
  };
}
