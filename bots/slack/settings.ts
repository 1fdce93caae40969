/**
 * `/ditty settings …` for workspace admins, as pure functions: what the command text asks for,
 * the patch it makes against the current settings, and how the favorite emoji is stored. The
 * listener (listeners/settings.ts) does the Slack and core calls.
 *
 *   /ditty settings [view]
 *   /ditty settings allowed-channels add|remove <#channel|here> · allowed-channels clear
 *   /ditty settings max-duration <seconds|default>
 *   /ditty settings rate-limit <per-minute|default>
 *   /ditty settings blocked-words add|remove <word or phrase> · blocked-words clear
 *   /ditty settings favorite-emoji <:emoji:|default>
 */
import type { ServerSettings, ServerSettingsPatch } from '../../core/chat.ts';
import { DEFAULT_FAVORITE_EMOJI } from '../../core/db/settings.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { DURATION_MAX_S, DURATION_MIN_S } from '../../core/validate.ts';
import { decodeSlackText, isSlackId, truncate } from './text.ts';

export const SETTINGS_USAGE = [
  '*ditty settings* (workspace admins):',
  '`/ditty settings` shows them',
  '`/ditty settings allowed-channels add #channel` (or `remove #channel`, `add here`, `clear`)',
  '`/ditty settings max-duration 60` (or `default`)',
  '`/ditty settings rate-limit 5` (tracks per minute per person, or `default`)',
  '`/ditty settings blocked-words add polka` (or `remove polka`, `clear`)',
  '`/ditty settings favorite-emoji :tada:` (or `default` for :star:)',
].join('\n');

export const RATE_LIMIT_MAX = 10_000;
const BLOCKED_WORD_MAX = 100;

export type SettingsCommand =
  | { kind: 'view' }
  | { kind: 'change'; patch: (current: ServerSettings) => ServerSettingsPatch; summary: string };

const usage = (why?: string) => new UserError(UserErrorCode.UnknownCommand, why ? `${why}\n\n${SETTINGS_USAGE}` : SETTINGS_USAGE);

/** Slack emoji names: what `:name:` may hold (custom emoji may use `-`, `+`, `'`). */
const EMOJI_NAME = /^[a-z0-9+-][a-z0-9_+'-]{0,62}$/;

/** The reaction name that favorites a track, from what the core stored (its default is the ⭐ character). */
export function favoriteReaction(stored: string, fallback: string): string {
  if (stored === DEFAULT_FAVORITE_EMOJI) return fallback;
  return EMOJI_NAME.test(stored) ? stored : fallback;
}

/**
 * Reads `/ditty …` text. `channelId` is where the command was typed (for `here`). Text arrives
 * with Slack's own markup (`<#C123|name>` because the command escapes channels) and `&lt;` for
 * typed angle brackets.
 */
export function parseSettingsText(raw: string, channelId: string): SettingsCommand {
  const tokens = decodeSlackText(raw).trim().split(/\s+/u).filter(Boolean);
  if (tokens.length === 0 || tokens[0]!.toLowerCase() !== 'settings') throw usage();
  const sub = (tokens[1] ?? 'view').toLowerCase();
  const action = (tokens[2] ?? '').toLowerCase();
  const rest = tokens.slice(3).join(' ');
  switch (sub) {
    case 'view':
    case 'show':
      return { kind: 'view' };
    case 'allowed-channels': {
      if (action === 'clear') return { kind: 'change', patch: () => ({ allowedChannels: [] }), summary: 'ditty now works in every channel.' };
      const channel = parseChannel(rest, channelId);
      if (!channel) throw usage('Name the channel, e.g. `#general`, or `here`.');
      if (action === 'add') {
        return {
          kind: 'change',
          patch: (c) => ({ allowedChannels: c.allowedChannels.includes(channel) ? c.allowedChannels : [...c.allowedChannels, channel] }),
          summary: `<#${channel}> is allowed.`,
        };
      }
      if (action === 'remove') {
        return {
          kind: 'change',
          patch: (c) => {
            if (!c.allowedChannels.includes(channel)) throw new UserError(UserErrorCode.NotFound, `<#${channel}> is not on the list.`);
            return { allowedChannels: c.allowedChannels.filter((x) => x !== channel) };
          },
          summary: `<#${channel}> is no longer allowed.`,
        };
      }
      throw usage('Use `add`, `remove` or `clear`.');
    }
    case 'max-duration': {
      const seconds = parseNumberOrDefault(tokens[2], DURATION_MIN_S, DURATION_MAX_S, 'Max duration');
      return {
        kind: 'change',
        patch: () => ({ maxDurationS: seconds }),
        summary: seconds === null ? 'Max duration is back to the default.' : `Tracks may be up to ${seconds} s long.`,
      };
    }
    case 'rate-limit': {
      const perMinute = parseNumberOrDefault(tokens[2], 1, RATE_LIMIT_MAX, 'The rate limit');
      return {
        kind: 'change',
        patch: () => ({ rateLimitPerMinute: perMinute }),
        summary: perMinute === null ? 'The rate limit is back to the default.' : `Each person may start ${perMinute} tracks a minute.`,
      };
    }
    case 'blocked-words': {
      if (action === 'clear') return { kind: 'change', patch: () => ({ blockedWords: [] }), summary: 'No words are blocked.' };
      // The core matches case-insensitively after NFKC; storing that form keeps the list free of duplicates.
      const word = rest.normalize('NFKC').toLocaleLowerCase();
      if (!word) throw usage('Give the word or phrase.');
      if ([...word].length > BLOCKED_WORD_MAX) throw usage(`Keep a blocked word or phrase to ${BLOCKED_WORD_MAX} characters.`);
      const has = (c: ServerSettings) => c.blockedWords.some((w) => w.toLocaleLowerCase() === word);
      if (action === 'add') {
        return { kind: 'change', patch: (c) => ({ blockedWords: has(c) ? c.blockedWords : [...c.blockedWords, word] }), summary: 'The word is blocked in prompts.' };
      }
      if (action === 'remove') {
        return {
          kind: 'change',
          patch: (c) => {
            if (!has(c)) throw new UserError(UserErrorCode.NotFound, 'That word is not on the list.');
            return { blockedWords: c.blockedWords.filter((w) => w.toLocaleLowerCase() !== word) };
          },
          summary: 'The word is allowed again.',
        };
      }
      throw usage('Use `add`, `remove` or `clear`.');
    }
    case 'favorite-emoji': {
      const given = (tokens[2] ?? '').toLowerCase();
      if (given === 'default') return { kind: 'change', patch: () => ({ favoriteEmoji: DEFAULT_FAVORITE_EMOJI }), summary: 'React with :star: to favorite a track.' };
      // Skin tones (`:thumbsup::skin-tone-2:`) are dropped: reactions are compared without them.
      const name = given.replace(/^:/, '').replace(/:$/, '').split('::')[0]!;
      if (!EMOJI_NAME.test(name) || tokens.length > 3) throw usage(`Give one emoji, e.g. \`:tada:\` (you gave "${truncate(tokens.slice(2).join(' '), 30)}").`);
      return { kind: 'change', patch: () => ({ favoriteEmoji: name }), summary: `React with :${name}: to favorite a track.` };
    }
    default:
      throw usage();
  }
}

function parseChannel(text: string, here: string): string | null {
  if (/^(here|this)$/i.test(text)) return here;
  const m = /^<#([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text) ?? /^([A-Z0-9]+)$/.exec(text);
  const id = m?.[1];
  return id && isSlackId(id) && /^[CG]/.test(id) ? id : null;
}

function parseNumberOrDefault(token: string | undefined, min: number, max: number, what: string): number | null {
  const t = (token ?? '').toLowerCase();
  if (t === 'default') return null;
  if (!/^\d{1,6}$/.test(t) || Number(t) < min || Number(t) > max) {
    throw usage(`${what} must be a whole number from ${min} to ${max}, or \`default\`.`);
  }
  return Number(t);
}
