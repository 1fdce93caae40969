/**
 * Everything the bot encodes into Discord and reads back: button custom ids, the reply reference
 * stored with a generation, and the generation id found on a track message. Pure functions:
 * custom ids and message contents arrive from the network and are treated as hostile.
 */
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { isGenerationId } from '../../core/validate.ts';
import { DEFAULT_STATS_PERIOD, type StatsPeriod, type StatsScope } from '../../core/chat.ts';

export const BUTTON_ACTIONS = ['fav', 'var', 'cancel', 'ext', 'del', 'sim'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

export function buttonId(action: ButtonAction, generationId: string): string {
  return `ditty:${action}:${generationId}`;
}

/** null for anything that is not one of our buttons with a well-formed generation id. */
export function parseButtonId(customId: string): { action: ButtonAction; generationId: string } | null {
  if (customId.length > 100) return null;
  const m = /^ditty:([a-z]+):([^:]+)$/.exec(customId);
  if (!m) return null;
  const action = BUTTON_ACTIONS.find((a) => a === m[1]);
  if (!action || !isGenerationId(m[2])) return null;
  return { action, generationId: m[2] };
}

/** What the delivery step needs to answer in place; stored with the generation by the core. */
export interface ReplyRef {
  /** The interaction id: the core's idempotency key for this request. */
  requestKey: string;
  interactionId: string;
  applicationId: string;
  interactionToken: string;
  channelId: string;
  guildId: string;
  /** Id of the deferred reply message, so a late delivery can reply to it. */
  messageId?: string;
  /** Epoch ms when Discord created the interaction; its token lives 15 minutes from then. */
  createdAt: number;
}

export function toReplyMap(ref: ReplyRef): Record<string, string> {
  const map: Record<string, string> = {
    requestKey: ref.requestKey,
    interactionId: ref.interactionId,
    applicationId: ref.applicationId,
    interactionToken: ref.interactionToken,
    channelId: ref.channelId,
    guildId: ref.guildId,
    createdAt: String(ref.createdAt),
  };
  if (ref.messageId) map.messageId = ref.messageId;
  return map;
}

const SNOWFLAKE = /^\d{5,25}$/;

/** Reads a stored reply map back; fields that fail validation are dropped, never trusted. */
export function fromReplyMap(map: Record<string, string>): Partial<ReplyRef> {
  const out: Partial<ReplyRef> = {};
  if (map.requestKey) out.requestKey = map.requestKey;
  for (const key of ['interactionId', 'applicationId', 'channelId', 'guildId', 'messageId'] as const) {
    const v = map[key];
    if (v && SNOWFLAKE.test(v)) out[key] = v;
  }
  if (map.interactionToken && /^[\w.-]{1,500}$/.test(map.interactionToken)) out.interactionToken = map.interactionToken;
  const created = Number(map.createdAt);
  if (Number.isFinite(created) && created > 0) out.createdAt = created;
  return out;
}

/** Interaction tokens live 15 minutes; leave a margin so an upload in flight does not straddle it. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
export const TOKEN_MARGIN_MS = 30_000;

export function tokenUsable(ref: Partial<ReplyRef>, now: number): boolean {
  if (!ref.interactionToken || !ref.applicationId) return false;
  if (ref.createdAt === undefined) return true;
  return now < ref.createdAt + TOKEN_LIFETIME_MS - TOKEN_MARGIN_MS;
}

/**
 * The generation id on a track message (API JSON shape): from its buttons first, then from the
 * embed footer. The message comes from the network, so every level is checked.
 */
export function generationIdFromMessage(msg: { components?: readonly unknown[]; embeds?: readonly unknown[] }): string | null {
  for (const row of msg.components ?? []) {
    const children = isObject(row) && Array.isArray(row.components) ? row.components : [];
    for (const c of children) {
      const parsed = isObject(c) && typeof c.custom_id === 'string' ? parseButtonId(c.custom_id) : null;
      if (parsed) return parsed.generationId;
    }
  }
  for (const e of msg.embeds ?? []) {
    const footer = isObject(e) && isObject(e.footer) && typeof e.footer.text === 'string' ? e.footer.text : '';
    const m = /^ditty · (\S+)$/.exec(footer);
    if (m && isGenerationId(m[1])) return m[1];
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export const STATS_SCOPES: readonly StatsScope[] = ['server', 'global'];
export const STATS_PERIODS: readonly StatsPeriod[] = ['day', 'week', 'month', 'all'];

/** Slash option choices are enforced by Discord, but a forged interaction can send anything. */
export function parseStatsOptions(scope: string | null, period: string | null): { scope: StatsScope; period: StatsPeriod } {
  return {
    scope: STATS_SCOPES.find((s) => s === scope) ?? 'server',
    period: STATS_PERIODS.find((p) => p === period) ?? DEFAULT_STATS_PERIOD,
  };
}

/** Custom server emoji as Discord writes them in text: `<:name:id>` or animated `<a:name:id>`. */
const CUSTOM_EMOJI = /^<(a?):(\w{2,32}):(\d{5,25})>$/;

/** Emoji as Discord sends it in reaction events: unicode name, or a custom emoji's name and id. */
export function emojiMatches(emoji: { id: string | null; name: string | null }, favorite: string): boolean {
  if (emoji.id) {
    // By id: a renamed custom emoji is still the same emoji.
    const custom = CUSTOM_EMOJI.exec(favorite);
    return favorite === emoji.id || custom?.[3] === emoji.id;
  }
  // Variation selectors differ between clients (⭐ vs ⭐️): compare without them.
  const strip = (s: string) => s.replace(/\uFE0F/g, '');
  return emoji.name !== null && strip(emoji.name) === strip(favorite);
}

/** One emoji Discord can react with and put on a button: a single unicode emoji or a custom one. */
export function isFavoriteEmoji(value: string): boolean {
  if (CUSTOM_EMOJI.test(value)) return true;
  // ⭐ is an emoji on its own; clients may still append U+FE0F, which RGI_Emoji does not list.
  return /^\p{RGI_Emoji}$/v.test(value) || /^\p{RGI_Emoji}$/v.test(value.replace(/\uFE0F/g, ''));
}

/** What an admin typed as the favorite emoji, checked; the error says what is accepted. */
export function parseFavoriteEmoji(raw: string | null): string {
  const value = (raw ?? '').trim();
  if (value.length <= 64 && isFavoriteEmoji(value)) return value;
  throw new UserError(UserErrorCode.NotAllowed, 'The favorite emoji must be one emoji, such as ⭐ or a custom emoji of this server.');
}
