/**
 * /generate and the Variation button: acknowledge at once, queue through the core, then show the
 * queue position on the deferred reply. The acknowledgement goes out before any await on the core
 * so the 3-second deadline holds even when Postgres or Redis is slow or down.
 */
import { InteractionWebhook, MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { isUserError, UserErrorCode } from '../../core/errors.ts';
import type { GenerateRequest } from '../../core/chat.ts';
import { actorOf, DEFAULT_ATTACHMENT_LIMIT, withTimeout, type BotContext } from './context.ts';
import { isAlreadyAcknowledged } from './errors.ts';
import { toReplyMap } from './ids.ts';
import { INTERNAL_ERROR_TEXT, NO_MENTIONS, UNAVAILABLE_TEXT, userErrorText } from './messages.ts';

export interface GenerateInput {
  prompt: string;
  durationS?: number | string | null;
  seed?: number | string | null;
}

type Replyable = ChatInputCommandInteraction | ButtonInteraction;

/** Reads /generate's options; values stay raw because the core validates them. */
export function generateInputOf(interaction: ChatInputCommandInteraction): GenerateInput {
  return {
    prompt: interaction.options.getString('prompt') ?? '',
    durationS: interaction.options.getInteger('duration'),
    seed: interaction.options.getInteger('seed'),
  };
}

/** Acknowledges publicly; false when another delivery of this interaction got there first. */
export async function deferPublic(ctx: BotContext, interaction: Replyable): Promise<{ ok: boolean; messageId?: string }> {
  try {
    const res = await interaction.deferReply({ withResponse: true });
    // The callback response names the "thinking…" message; a late delivery replies to it.
    return { ok: true, messageId: res.resource?.message?.id ?? res.interaction.responseMessageId ?? undefined };
  } catch (err) {
    if (isAlreadyAcknowledged(err)) ctx.log.info({ interactionId: interaction.id }, 'discord interaction already acknowledged');
    else ctx.log.warn({ err, interactionId: interaction.id }, 'discord deferReply failed');
    return { ok: false };
  }
}

export async function runGeneration(ctx: BotContext, interaction: Replyable, input: GenerateInput, messageId?: string): Promise<void> {
  const started = Date.now();
  const replyMessageId = messageId ?? (await interaction.fetchReply().then((m) => m.id, () => undefined));
  const channelId = interaction.channelId ?? '';
  const req: GenerateRequest = {
    actor: actorOf(interaction),
    channelId,
    prompt: input.prompt,
    durationS: input.durationS,
    seed: input.seed,
    sizeLimitBytes: interaction.attachmentSizeLimit || DEFAULT_ATTACHMENT_LIMIT,
    reply: toReplyMap({
      requestKey: interaction.id,
      interactionId: interaction.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      channelId,
      guildId: interaction.guildId ?? '',
      messageId: replyMessageId,
      createdAt: interaction.createdTimestamp,
    }),
  };
  try {
    const accepted = await withTimeout(ctx.runtime.core.generate(req), ctx.coreTimeoutMs, 'core.generate');
    const webhook = new InteractionWebhook(ctx.client, interaction.applicationId, interaction.token);
    ctx.progress.track(accepted.generationId, webhook, input.prompt, {
      generationId: accepted.generationId,
      platform: 'discord',
      stage: 'queued',
      progress: 0,
      position: accepted.position,
      message: accepted.notice,
    });
    ctx.log.info({ generationId: accepted.generationId, duplicate: accepted.duplicate, ms: Date.now() - started }, 'discord generation queued');
  } catch (err) {
    await answerError(ctx, interaction, err);
  }
}

/**
 * Turns a failure into a reply. User errors (bad prompt, rate limit, blocked word) go only to the
 * person who asked: the public "thinking…" reply is deleted and an ephemeral follow-up says what
 * to change. Anything else edits the public reply with a generic message; details go to the log.
 */
export async function answerError(ctx: BotContext, interaction: Replyable, err: unknown): Promise<void> {
  try {
    if (isUserError(err) && err.code === UserErrorCode.Unavailable) {
      // Not the user's doing: everyone who saw "thinking…" should see why nothing came.
      await interaction.editReply({ content: userErrorText(err.message), components: [], allowedMentions: NO_MENTIONS });
      return;
    }
    if (isUserError(err)) {
      const ephemeral = interaction.ephemeral === true;
      if (!ephemeral) await interaction.deleteReply().catch(() => undefined);
      const body = { content: userErrorText(err.message), allowedMentions: NO_MENTIONS };
      if (ephemeral) await interaction.editReply(body);
      else await interaction.followUp({ ...body, flags: MessageFlags.Ephemeral });
      return;
    }
    ctx.log.error({ err, interactionId: interaction.id }, 'discord command failed');
    await interaction.editReply({ content: looksUnavailable(err) ? UNAVAILABLE_TEXT : INTERNAL_ERROR_TEXT, components: [], allowedMentions: NO_MENTIONS });
  } catch (replyErr) {
    ctx.log.warn({ err: replyErr, interactionId: interaction.id }, 'discord could not report an error to the user');
  }
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE']);

/** Timeouts and connection failures mean "try again later", not "your input was wrong". */
export function looksUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError') return true;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (err instanceof AggregateError) return err.errors.some(looksUnavailable);
  return /connection (is )?closed|connect ECONNREFUSED|Connection terminated|max retries per request/i.test(err.message);
}
