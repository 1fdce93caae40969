/**
 * The local chat's command language, as pure functions: text typed in the page in, a typed
 * command or a UserError out. The core validates again; this layer exists so that a mistake is
 * reported in the words the user typed ("--seed abc") rather than as a generic refusal.
 *
 * Syntax (documented for users by HELP below):
 *   /generate <prompt> [options]   options trail the prompt, in any order, each at most once:
 *     duration: `30s`, `30sec`, `2m`, `--duration 30`, `--duration=30`, `duration:30`
 *     seed:     `--seed 7`, `--seed=7`, `seed:7`, `seed=7`
 *   /stats [day|week|month|all] [global]
 *   /recent
 *   /search <words>
 *   /similar [words]
 *   /help
 * Only trailing tokens are options, so "80 bpm" or "seed" inside a prompt stay prompt text.
 * A trailing "90s" is read as 90 seconds; write "from the 90s era" or add `--duration` after it.
 */
import { createHash } from 'node:crypto';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { DEFAULT_STATS_PERIOD, type Actor, type StatsPeriod, type StatsScope } from '../../core/chat.ts';
import {
  cleanPrompt, DURATION_MAX_S, DURATION_MIN_S, MAX_TAKES, MIN_TAKES, parseDuration as coreParseDuration, parseSeed as coreParseSeed,
  PROMPT_MAX_CHARS, SEED_MAX, takesWord,
} from '../../core/validate.ts';

export { DURATION_MAX_S, DURATION_MIN_S, PROMPT_MAX_CHARS, SEED_MAX };
/** Whole message cap, checked before any parsing so a huge paste costs nothing. */
export const MESSAGE_MAX_CHARS = 2000;
export const NAME_MAX_CHARS = 32;

export type ChatCommand =
  | { name: 'generate'; prompt: string; durationS: number | null; seed: number | null; /** Takes: raw `takes:3` / `x3` (the core validates); absent for one track. */ takes?: string }
  | { name: 'stats'; scope: StatsScope; period: StatsPeriod }
  | { name: 'recent' }
  | { name: 'search'; query: string }
  | { name: 'similar'; words: string }
  | { name: 'help' };

export const SEARCH_MAX_CHARS = 200;

/** How a /stats period reads in a heading ("Leaderboard · this week"). */
export const PERIOD_LABELS: Readonly<Record<StatsPeriod, string>> = { day: 'today', week: 'this week', month: 'this month', all: 'all time' };

export const HELP: ReadonlyArray<{ usage: string; description: string }> = [
  {
    usage: '/generate <prompt> [30s] [seed:7] [takes:3]',
    description:
      `Make a track. Duration ${DURATION_MIN_S}-${DURATION_MAX_S} s at the end as 30s or --duration 30; ` +
      'seed as seed:7 or --seed 7 (same prompt + seed = same track). Example: /generate lo-fi piano at 80 bpm 30s seed:7. ' +
      `takes:3 (or x3) makes ${MIN_TAKES}-${MAX_TAKES} versions side by side (seed, seed+1, …), each favorited on its own and counted as one track in the limits.`,
  },
  { usage: '/stats [day|week|month|all] [global]', description: `Leaderboard: top tracks, top creators, totals, and a chart (default: ${PERIOD_LABELS[DEFAULT_STATS_PERIOD]}).` },
  { usage: '/recent', description: 'Tracks made recently in this chat.' },
  { usage: '/search <words>', description: 'Finished tracks whose prompt matches, e.g. /search rainy piano.' },
  { usage: '/similar [words]', description: 'Tracks that sound like one: the best match for your words, else the latest track (also the More like this button).' },
  { usage: '/help', description: 'This list.' },
  {
    usage: 'Buttons',
    description: '☆ stars a track (favorite). Variation: same prompt, new seed. Extend +30 s: the same track 30 s longer. ' +
      'Cancel: your own track while it is being made. Delete: your own finished track. The gallery (/) lists every track.',
  },
];

// C0/C1 controls and DEL.
const CONTROL = /\p{Cc}/gu;
// Invisible format characters (bidi overrides, zero-width spaces, BOM, soft hyphen, Unicode tag
// characters used to smuggle hidden text). ZWNJ/ZWJ stay: scripts and emoji sequences need them.
const INVISIBLE = /(?![\u200C\u200D])\p{Cf}/gu;

/**
 * Makes chat text safe to store and show: well-formed UTF-16, NFC, no control or invisible
 * characters, whitespace runs collapsed to one space, trimmed.
 */
export function cleanText(raw: string): string {
  return raw
    .toWellFormed()
    .normalize('NFC')
    .replace(CONTROL, ' ')
    .replace(INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** Length in code points, so an emoji counts as one character as users expect. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function parseCommand(raw: unknown): ChatCommand {
  if (typeof raw !== 'string') throw new UserError(UserErrorCode.UnknownCommand, 'Type a command, e.g. /help.');
  // A cheap bound before cleaning, so a huge paste of control characters costs nothing.
  if (raw.length > MESSAGE_MAX_CHARS * 4) throw tooLong(raw.length);
  const text = cleanText(raw);
  if (charCount(text) > MESSAGE_MAX_CHARS) throw tooLong(charCount(text));
  if (text === '') throw new UserError(UserErrorCode.UnknownCommand, 'Type a command, e.g. /generate lo-fi piano 30s, or /help.');
  if (!text.startsWith('/')) {
    throw new UserError(UserErrorCode.UnknownCommand, 'Commands start with "/". Try /generate <prompt> or /help.');
  }
  const [head = '', ...args] = text.split(' ');
  const command = head.slice(1).toLowerCase();
  switch (command) {
    case 'generate':
    case 'gen':
      return parseGenerate(args);
    case 'stats':
    case 'leaderboard':
      return parseStats(args);
    case 'recent':
      if (args.length) throw new UserError(UserErrorCode.UnknownCommand, '/recent takes no arguments.');
      return { name: 'recent' };
    case 'search': {
      const query = args.join(' ');
      if (query === '') throw new UserError(UserErrorCode.PromptEmpty, 'Give words to search for, e.g. /search rainy piano.');
      const chars = charCount(query);
      if (chars > SEARCH_MAX_CHARS) {
        throw new UserError(UserErrorCode.PromptTooLong, `Search words are limited to ${SEARCH_MAX_CHARS} characters (you gave ${chars}).`);
      }
      return { name: 'search', query };
    }
    case 'similar': {
      const words = args.join(' ');
      const chars = charCount(words);
      if (chars > SEARCH_MAX_CHARS) {
        throw new UserError(UserErrorCode.PromptTooLong, `Words are limited to ${SEARCH_MAX_CHARS} characters (you gave ${chars}).`);
      }
      return { name: 'similar', words };
    }
    case 'help':
      return { name: 'help' };
    default: {
      // Echo a bounded slice only: the command word can be anything the user pasted.
      const shown = [...head].slice(0, 40).join('');
      throw new UserError(UserErrorCode.UnknownCommand, `Unknown command ${shown}. Try /generate, /stats, /recent, /search, /similar or /help.`, { command: shown });
    }
  }
}

function tooLong(n: number): UserError {
  return new UserError(
    UserErrorCode.PromptTooLong,
    `That message is ${n} characters; prompts are limited to ${PROMPT_MAX_CHARS} characters.`,
    { chars: n },
  );
}

type OptionName = 'duration' | 'seed';
const FLAG = /^--(duration|seed)$/i;
const FLAG_INLINE = /^--(duration|seed)=(.*)$/i;
const KEY_VALUE = /^(duration|seed)[:=](.*)$/i;
const SECONDS = /^(\d{1,6})(?:s|sec|secs)$/i;
const MINUTES = /^(\d{1,4})(?:m|min|mins)$/i;

function parseGenerate(tokens: string[]): ChatCommand {
  const words = [...tokens];
  let durationS: number | null = null;
  let seed: number | null = null;
  let takes: string | null = null;
  const set = (option: OptionName, value: string, written: string): void => {
    if (option === 'duration') {
      if (durationS !== null) throw new UserError(UserErrorCode.DurationInvalid, 'Give the duration only once.');
      durationS = parseDuration(value, written);
    } else {
      if (seed !== null) throw new UserError(UserErrorCode.SeedInvalid, 'Give the seed only once.');
      seed = parseSeed(value);
    }
  };

  // Options are read from the end until a token that is not one: that token ends the prompt.
  while (words.length > 0) {
    const last = words[words.length - 1]!;
    const prev = words.length > 1 ? words[words.length - 2]! : undefined;
    let m: RegExpMatchArray | null;
    const takesValue = takesWord(last) ?? (prev !== undefined && /^--takes$/i.test(prev) ? last : null) ?? /^--takes=(.*)$/i.exec(last)?.[1] ?? null;
    if (takesValue !== null) {
      if (takes !== null) throw new UserError(UserErrorCode.TakesInvalid, 'Give the number of takes only once.');
      takes = takesValue;
      words.length -= prev !== undefined && /^--takes$/i.test(prev) && takesWord(last) === null ? 2 : 1;
    } else if (prev !== undefined && FLAG.test(prev) && !last.startsWith('--')) {
      set(optionOf(prev.slice(2)), last, `${prev} ${last}`);
      words.length -= 2;
    } else if ((m = last.match(FLAG_INLINE)) || (m = last.match(KEY_VALUE))) {
      set(optionOf(m[1]!), m[2]!, last);
      words.length -= 1;
    } else if ((m = last.match(SECONDS))) {
      set('duration', m[1]!, last);
      words.length -= 1;
    } else if ((m = last.match(MINUTES))) {
      set('duration', String(Number(m[1]) * 60), last);
      words.length -= 1;
    } else if (FLAG.test(last)) {
      const option = optionOf(last.slice(2));
      throw new UserError(
        option === 'seed' ? UserErrorCode.SeedInvalid : UserErrorCode.DurationInvalid,
        `${last} needs a number after it, e.g. ${option === 'seed' ? '--seed 7' : '--duration 30'}.`,
      );
    } else if (last.startsWith('--')) {
      const shown = [...last].slice(0, 40).join('');
      throw new UserError(UserErrorCode.UnknownCommand, `Unknown option ${shown}. Options are --duration <seconds> and --seed <number>.`);
    } else {
      break;
    }
  }

  // A flag left inside the prompt is a mistake, not music: say so instead of rendering it.
  const stray = words.find((w) => /^--\p{L}/u.test(w));
  if (stray !== undefined) {
    const shown = [...stray].slice(0, 40).join('');
    throw FLAG.test(stray) || FLAG_INLINE.test(stray)
      ? new UserError(UserErrorCode.UnknownCommand, `Options go after the prompt: move ${shown} to the end.`)
      : new UserError(UserErrorCode.UnknownCommand, `Unknown option ${shown}. Options are --duration <seconds> and --seed <number>.`);
  }
  // The core's rules (length in code points, empty after cleaning) with the core's wording.
  const prompt = cleanPrompt(words.join(' '));
  return { name: 'generate', prompt, durationS, seed, ...(takes !== null ? { takes } : {}) };
}

function optionOf(word: string): OptionName {
  return word.toLowerCase() === 'seed' ? 'seed' : 'duration';
}

function parseDuration(value: string, written: string): number {
  // The core reads "30", "30s" and "2m"; a value it refuses is echoed as the user wrote it.
  try {
    // An empty value would mean "default" to the core; here it is a typo ("duration:").
    if (value === '') throw new UserError(UserErrorCode.DurationInvalid, 'empty');
    return coreParseDuration(value, DURATION_MIN_S);
  } catch (e) {
    const shown = [...written].slice(0, 40).join('');
    throw new UserError(
      UserErrorCode.DurationInvalid,
      `Duration "${shown}" is not valid: use whole seconds from ${DURATION_MIN_S} to ${DURATION_MAX_S}, e.g. 30s or --duration 30.`,
      { value: shown, cause: e instanceof UserError ? e.code : 'unknown' },
    );
  }
}

function parseSeed(value: string): number {
  if (value === '') throw new UserError(UserErrorCode.SeedInvalid, `Give the seed a value, e.g. seed:7.`);
  try {
    return coreParseSeed(value);
  } catch {
    const shown = [...value].slice(0, 40).join('');
    throw new UserError(
      UserErrorCode.SeedInvalid,
      `Seed "${shown}" is not valid: use a whole number from 0 to ${SEED_MAX}, e.g. seed:7.`,
      { value: shown },
    );
  }
}

const PERIODS: readonly StatsPeriod[] = ['day', 'week', 'month', 'all'];

function parseStats(tokens: string[]): ChatCommand {
  let period: StatsPeriod = DEFAULT_STATS_PERIOD;
  let scope: StatsScope = 'server';
  for (const raw of tokens) {
    const t = raw.toLowerCase();
    if ((PERIODS as readonly string[]).includes(t)) period = t as StatsPeriod;
    else if (t === 'global') scope = 'global';
    else if (t === 'server') scope = 'server';
    else {
      const shown = [...raw].slice(0, 40).join('');
      throw new UserError(UserErrorCode.UnknownCommand, `/stats does not know "${shown}". Use /stats [day|week|month|all] [global].`);
    }
  }
  return { name: 'stats', scope, period };
}

/** `?period=&scope=` of a chart or leaderboard URL: the same words as /stats, the same defaults. */
export function parseStatsQuery(query: unknown): { period: StatsPeriod; scope: StatsScope } {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const period = q.period === undefined || q.period === '' ? DEFAULT_STATS_PERIOD : q.period;
  const scope = q.scope === undefined || q.scope === '' ? 'server' : q.scope;
  if (!(PERIODS as readonly unknown[]).includes(period)) {
    throw new UserError(UserErrorCode.UnknownCommand, 'The period is one of day, week, month or all.');
  }
  if (scope !== 'server' && scope !== 'global') throw new UserError(UserErrorCode.UnknownCommand, 'The scope is server or global.');
  return { period: period as StatsPeriod, scope };
}

/**
 * Validates a display name picked in the page. Unlike prompts, names are refused rather than
 * cleaned: silently changing someone's name is worse than asking them to retype it.
 */
export function parseDisplayName(raw: unknown): { displayName: string; platformUserId: string } {
  if (typeof raw !== 'string') throw new UserError(UserErrorCode.NameInvalid, 'Pick a name first (1 to 32 characters).');
  if (!raw.isWellFormed() || /\p{Cc}/u.test(raw) || /\p{Cf}/u.test(raw)) {
    throw new UserError(UserErrorCode.NameInvalid, 'Names cannot contain control or invisible characters.');
  }
  const displayName = raw.normalize('NFC').replace(/\s+/gu, ' ').trim();
  const chars = charCount(displayName);
  if (chars < 1 || chars > NAME_MAX_CHARS) {
    throw new UserError(UserErrorCode.NameInvalid, `Names are 1 to ${NAME_MAX_CHARS} characters (yours has ${chars}).`);
  }
  return { displayName, platformUserId: localUserId(displayName) };
}

// The characters the core accepts in a platform user id, less ':' which marks a derived id.
const PLAIN_ID = /^[\p{L}\p{N}_.@-]+$/u;

/**
 * The local user id for a display name: the name lowercased when the core accepts it as an id
 * ("ada"); otherwise the name with other characters as "_", then ":" and a hash of the whole
 * lowercased name ("ada_lovelace:5c1e0d2a"), so distinct names stay distinct users and the same
 * name is always the same user.
 */
export function localUserId(displayName: string): string {
  const lower = displayName.toLowerCase();
  if (PLAIN_ID.test(lower)) return lower;
  const readable = lower.replace(/[^\p{L}\p{N}_.@-]/gu, '_');
  return `${readable}:${createHash('sha256').update(lower).digest('hex').slice(0, 8)}`;
}

/** The single local "server" and channel: everyone on the page shares them. */
export const LOCAL_GUILD_ID = 'local';
export const LOCAL_CHANNEL_ID = 'local';

export function localActor(rawName: unknown): Actor {
  const { displayName, platformUserId } = parseDisplayName(rawName);
  return { platform: 'local', platformUserId, guildId: LOCAL_GUILD_ID, displayName };
}
