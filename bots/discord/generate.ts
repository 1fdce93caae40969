/**
 * /generate and the Variation button: validate and queue through the core within a short budget,
 * then answer: privately when refused, publicly (the progress message) when accepted. Past the
 * budget the reply is deferred first, so the 3-second deadline holds when Postgres or Redis is
 * slow or down.
 */
import { InteractionWebhook, MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { isUserError, UserErrorCode } from '../../core/errors.ts';
import type { GenerateAccepted, GenerateRequest } from '../../core/chat.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { visibleText } from '../../core/text-clean.ts';
import { actorOf, DEFAULT_ATTACHMENT_LIMIT, type BotContext } from './context.ts';
import { withTimeout } from './timeout.ts';
import { isAlreadyAcknowledged } from './errors.ts';
import { toReplyMap } from './ids.ts';
import type { TakeProgress } from './progress.ts';
import { batchProgressMessage } from './takes-messages.ts';
import { INTERNAL_ERROR_TEXT, NO_MENTIONS, progressMessage, UNAVAILABLE_TEXT, userErrorText } from './messages.ts';

export interface GenerateInput {
  prompt: string;
  durationS?: number | string | null;
  seed?: number | string | null;
  /** Extend button: continue this finished track (the core ignores prompt, duration and seed). */
  extend?: { generationId: string };
  /** Takes: 2-4 seeds in one reply (raw; the core validates). */
  takes?: number | null;
}

type Replyable = ChatInputCommandInteraction | ButtonInteraction;

/** Reads /generate's options; values stay raw because the core validates them. */
export function generateInputOf(interaction: ChatInputCommandInteraction): GenerateInput {
  return {
    prompt: interaction.options.getString('prompt') ?? '',
    durationS: interaction.options.getInteger('duration'),
    seed: interaction.options.getInteger('seed'),
    takes: interaction.options.getInteger('takes'),
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

/**
 * How long a generation may wait for the core before the interaction is acknowledged. Within it
 * (the usual case: validation takes milliseconds) nothing public appears until the core has
 * accepted the request: a refusal is an ephemeral reply, an acceptance the public progress
 * message itself. A slower core gets the public "thinking…" deferral, so the 3-second deadline
 * holds; a refusal then removes it and answers privately.
 */
export const ACK_BUDGET_MS = 1500;

type Outcome = { ok: true; accepted: GenerateAccepted } | { ok: false; err: unknown };

/**
 * /generate and Variation: validate and queue through the core, then show the progress message.
 * `input` may need the core too (Variation reads the source track), so it runs inside the budget.
 */
export async function generate(ctx: BotContext, interaction: Replyable, input: () => Promise<GenerateInput>, budgetMs = ACK_BUDGET_MS): Promise<void> {
  const started = Date.now();
  let shownPrompt = '';
  const attempt: Promise<Outcome> = (async () => {
    const inp = await input();
    shownPrompt = inp.prompt;
    const accepted = await withTimeout(ctx.runtime.core.generate(requestOf(interaction, inp)), ctx.coreTimeoutMs, 'core.generate');
    return { ok: true as const, accepted };
  })().catch((err: unknown) => ({ ok: false as const, err }));
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([attempt, new Promise<'slow'>((resolve) => { timer = setTimeout(() => resolve('slow'), budgetMs); })]);
  clearTimeout(timer);

  if (first === 'slow') {
    const deferred = await deferPublic(ctx, interaction);
    if (!deferred.ok) return;
    const outcome = await attempt;
    if (!outcome.ok) return answerError(ctx, interaction, outcome.err);
    follow(ctx, interaction, outcome.accepted, shownPrompt, started, false);
    return;
  }
  if (!first.ok) return answerFirst(ctx, interaction, first.err);
  if (first.accepted.duplicate) {
    // Another delivery of this interaction queued it and answers it; this one has nothing to add.
    ctx.log.info({ generationId: first.accepted.generationId }, 'discord generation repeated');
    return;
  }
  const initial: ProgressEvent = { generationId: first.accepted.generationId, platform: 'discord', stage: 'queued', progress: 0, position: first.accepted.position, message: first.accepted.notice };
  const msg = first.accepted.batch
    ? batchProgressMessage(visibleText(shownPrompt), takeStates(first.accepted))
    : progressMessage(visibleText(shownPrompt), first.accepted.generationId, initial);
  try {
    await interaction.reply({ content: msg.content, components: msg.components, allowedMentions: NO_MENTIONS });
  } catch (err) {
    if (isAlreadyAcknowledged(err)) ctx.log.info({ interactionId: interaction.id }, 'discord interaction already acknowledged');
    else ctx.log.warn({ err, interactionId: interaction.id }, 'discord reply failed');
    return;
  }
  follow(ctx, interaction, first.accepted, shownPrompt, started, true);
}

function requestOf(interaction: Replyable, input: GenerateInput): GenerateRequest {
  const channelId = interaction.channelId ?? '';
  return {
    actor: actorOf(interaction),
    channelId,
    prompt: input.prompt,
    durationS: input.durationS,
    seed: input.seed,
    ...(input.extend ? { extend: input.extend } : {}),
    ...(input.takes ? { takes: input.takes } : {}),
    sizeLimitBytes: interaction.attachmentSizeLimit || DEFAULT_ATTACHMENT_LIMIT,
    reply: toReplyMap({
      requestKey: interaction.id,
      interactionId: interaction.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      channelId,
      guildId: interaction.guildId ?? '',
      createdAt: interaction.createdTimestamp,
    }),
  };
}

/** From now on progress events edit the reply; it shows the prompt as the core stored it. */
function follow(ctx: BotContext, interaction: Replyable, accepted: GenerateAccepted, prompt: string, started: number, alreadyShown: boolean): void {
  const webhook = new InteractionWebhook(ctx.client, interaction.applicationId, interaction.token);
  if (accepted.batch) {
    const shown = visibleText(prompt);
    ctx.progress.trackBatch(accepted.batch.id, takeStates(accepted), webhook, (takes) => batchProgressMessage(shown, takes), { alreadyShown, channelId: interaction.channelId ?? undefined });
    ctx.log.info({ batchId: accepted.batch.id, ms: Date.now() - started }, 'discord batch of takes queued');
    return;
  }
  ctx.progress.track(accepted.generationId, webhook, visibleText(prompt), {
    generationId: accepted.generationId,
    platform: 'discord',
    stage: 'queued',
    progress: 0,
    position: accepted.position,
    message: accepted.notice,
  }, { alreadyShown, channelId: interaction.channelId ?? undefined });
  ctx.log.info({ generationId: accepted.generationId, duplicate: accepted.duplicate, ms: Date.now() - started }, 'discord generation queued');
}

/** Takes: each take's first state, as the core accepted it. */
function takeStates(accepted: GenerateAccepted): TakeProgress[] {
  return (accepted.batch?.takes ?? []).map((t) => ({
    take: t.take, seed: t.seed, generationId: t.generationId,
    ev: { stage: 'queued', progress: 0, position: t.position, message: accepted.notice },
  }));
}

/** A failure before anything was acknowledged: only the person who asked sees it. */
async function answerFirst(ctx: BotContext, interaction: Replyable, err: unknown): Promise<void> {
  let content: string;
  if (isUserError(err)) {
    ctx.log.info({ code: err.code, interactionId: interaction.id }, 'discord generation refused');
    content = userErrorText(err.message);
  } else {
    ctx.log.error({ err, interactionId: interaction.id }, 'discord command failed');
    content = looksUnavailable(err) ? UNAVAILABLE_TEXT : INTERNAL_ERROR_TEXT;
  }
  try {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  } catch (replyErr) {
    if (isAlreadyAcknowledged(replyErr)) return;
    ctx.log.warn({ err: replyErr, interactionId: interaction.id }, 'discord could not report an error to the user');
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
