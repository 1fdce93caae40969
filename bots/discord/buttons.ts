/**
 * Buttons on ditty's messages: Favorite (toggle), Variation (same prompt, new seed), Extend (the
 * same track 30 s longer, as a new track linked to it), Cancel (owner only, while queued) and Delete
 * (owner or Manage Server, once finished), More like this (the server's nearest tracks). Custom ids
 * come from the network: unknown ones are ignored.
 */
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { SEED_MAX } from '../../core/validate.ts';
import { actorOf, type BotContext } from './context.ts';
import { withTimeout } from './timeout.ts';
import { answerError, generate } from './generate.ts';
import { parseButtonId } from './ids.ts';
import { DELETED_TRACK_TEXT, NO_MENTIONS } from './messages.ts';
import { isServerAdmin } from './settings.ts';
import { answerSimilarButton } from './similar.ts';

/**
 * A double click sends two interactions with different ids, so the core's per-interaction key
 * cannot merge them; this short per-user window does. Redeliveries of one interaction are merged
 * by the core through the interaction id.
 */
const VARIATION_WINDOW_MS = 5_000;

export function createButtonHandler(ctx: BotContext): (interaction: ButtonInteraction) => Promise<void> {
  const recentVariations = new Map<string, number>();

  return async (interaction) => {
    const parsed = parseButtonId(interaction.customId);
    if (!parsed) return;
    const { action, generationId } = parsed;

    if (action === 'var' || action === 'ext') {
      const key = `${action}:${interaction.user.id}:${generationId}`;
      const now = Date.now();
      for (const [k, at] of recentVariations) if (now - at > VARIATION_WINDOW_MS) recentVariations.delete(k);
      if (recentVariations.has(key)) {
        const what = action === 'ext' ? 'An extension' : 'A variation';
        await interaction.reply({ content: `${what} of this track is already on its way.`, flags: MessageFlags.Ephemeral }).catch(() => undefined);
        return;
      }
      recentVariations.set(key, now);
      await generate(ctx, interaction, async () => {
        const source = await withTimeout(ctx.runtime.core.track(generationId), ctx.coreTimeoutMs, 'core.track');
        if (!source) throw new UserError(UserErrorCode.NotFound, 'That track no longer exists.');
        // Extend: same prompt, params and seed, 30 s longer; the core checks it is finished and in this server.
        if (action === 'ext') return { prompt: source.prompt, extend: { generationId } };
        const seed = (source.params.seed + 1 + Math.floor(Math.random() * 0xffff)) % (SEED_MAX + 1);
        // The stored duration may be the measured one (fractional); the core takes whole seconds.
        return { prompt: source.prompt, durationS: Math.max(1, Math.round(source.durationS)), seed };
      });
      return;
    }

    try {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    } catch (err) {
      ctx.log.info({ err, interactionId: interaction.id }, 'discord button not acknowledged');
      return;
    }
    try {
      const actor = actorOf(interaction);
      const core = ctx.runtime.core;
      if (action === 'fav') {
        const [was, emoji] = await Promise.all([
          withTimeout(core.isFavorite(actor, generationId), ctx.coreTimeoutMs, 'core.isFavorite'),
          ctx.settings.favoriteEmoji(actor.guildId),
        ]);
        const result = await withTimeout(core.setFavorite(actor, generationId, !was), ctx.coreTimeoutMs, 'core.setFavorite');
        if (result.changed && interaction.message) ctx.favoriteCounts.refresh(interaction.channelId, interaction.message.id, generationId, actor.guildId);
        await interaction.editReply({
          content: was ? `Removed from your favorites (${result.favorites} in total).` : `${emoji} Added to your favorites (${result.favorites} in total).`,
          allowedMentions: NO_MENTIONS,
        });
        return;
      }
      if (action === 'sim') {
        // The core answers only with this server's tracks (NotFound for another server's id).
        await answerSimilarButton(ctx, interaction, generationId);
        return;
      }
      if (action === 'del') {
        // The core checks creator or admin (NotAllowed otherwise) and removes the file.
        const deleted = await withTimeout(core.deleteTrack(actor, generationId, { isAdmin: isServerAdmin(interaction) }), ctx.coreTimeoutMs, 'core.deleteTrack');
        if (!deleted) {
          await interaction.editReply({ content: 'That track is still being made: cancel it instead.', allowedMentions: NO_MENTIONS });
          return;
        }
        // The track message goes; if Discord refuses (permissions), it is emptied instead.
        await interaction.message.delete().catch(() =>
          interaction.message.edit({ content: DELETED_TRACK_TEXT, embeds: [], components: [], attachments: [], allowedMentions: NO_MENTIONS }));
        await interaction.editReply({ content: '🗑️ Deleted: the file is gone and its links say so.', allowedMentions: NO_MENTIONS });
        return;
      }
      // Cancel: the core checks that the actor owns the generation (NotAllowed otherwise).
      const cancelled = await withTimeout(core.cancel(actor, generationId), ctx.coreTimeoutMs, 'core.cancel');
      await interaction.editReply({
        content: cancelled ? '🚫 Cancelled.' : 'Too late to cancel: it is already rendering.',
        allowedMentions: NO_MENTIONS,
      });
    } catch (err) {
      await answerError(ctx, interaction, err);
    }
  };
}
