/**
 * Pure text handling for Slack: what a slash command's text means, and how user text is made
 * inert before it is echoed in mrkdwn. No Slack connection; unit-tested on its own.
 */
import { DEFAULT_STATS_PERIOD, type StatsPeriod, type StatsScope } from '../../core/chat.ts';
import { UserError, UserErrorCode } from '../../core/errors.ts';
import { visibleText } from '../../core/text-clean.ts';
import { takesWord } from '../../core/validate.ts';

/** Slack escapes these three in text it sends and parses them in text it receives. */
export function decodeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Slack mrkdwn has no backslash escape for its formatting characters, so they become look-alikes
 * that Slack does not parse: a prompt like `*bold* _it_ ~x~ ```code```` reads the same and
 * styles nothing, and cannot close the bold around the prompt or open a code block.
 */
const FORMATTING: Record<string, string> = { '*': '\u2217', _: '\u02CD', '~': '\u223C', '`': '\u02CB' };

/**
 * The one rule for text a user typed (prompt, display name, blocked word, search words, core
 * messages quoting them) inside Slack mrkdwn, on every message and edit:
 * hidden characters and line breaks go (core/text-clean.ts), so no line can start a quote;
 * `&`, `<`, `>` are escaped (Slack's own rule), so no `<!channel>`, `<@U…>`, `<#C…>` or
 * `<url|label>` survives; formatting characters become look-alikes (above); `scheme://` gets a
 * ratio sign for its colon, so no client linkifies it; `@here`/`@channel`/`@everyone` get a word
 * joiner. Put the result in a text object with `verbatim: true` (`userMrkdwn`), which also stops
 * Slack from linking bare domains and channel names.
 */
export function slackInert(text: string, max = Infinity): string {
  return truncate(visibleText(text), max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, (c) => FORMATTING[c]!)
    .replace(/([a-z0-9+.-]):(?=\/\/)/giu, '$1\u2236')
    .replace(/@(here|channel|everyone)\b/giu, '@\u2060$1');
}

/**
 * A mrkdwn text object for a line that carries user text. `text` must already hold the user's
 * part escaped with `slackInert`; `verbatim` keeps Slack from auto-linking URLs, bare domains
 * and channel names in it, while ditty's own `<@U…>` mentions still work.
 */
export function verbatimMrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** A text object holding only user text: escaped and verbatim. */
export function userMrkdwn(text: string, max = Infinity): { type: 'mrkdwn'; text: string; verbatim: true } {
  return verbatimMrkdwn(slackInert(text, max));
}

/** For plain-text fields (file titles): no angle brackets, so no mention syntax survives. */
export function inertPlainText(text: string): string {
  return visibleText(text).replace(/</g, '‹').replace(/>/g, '›').replace(/@(here|channel|everyone)\b/giu, '@\u2060$1');
}

/** Shortens to `max` code points (an emoji counts once), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export interface GenerateArgs {
  prompt: string;
  /** Raw, validated by the core ("30", "30s", "1m"). */
  duration?: string;
  /** Raw, validated by the core. */
  seed?: string;
  /** Takes: `takes:3`, `takes=3` or `x3` anywhere (raw, validated by the core). */
  takes?: string;
}

const DURATION_TOKEN = /^\d{1,4}(?:\.\d+)?(?:s|sec|secs|seconds?|m|min|mins|minutes?)?$/i;
const NAMED_OPTION = /^(duration|dur|seed)[:=](\S*)$/i;
const BARE_INT = /^\d{1,10}$/;
const TEMPO_WORD = /^(tempo|bpm|at|speed)$/i;

/**
 * `/generate <prompt> [duration] [seed] [takes:N]`. Named options (`duration:30`, `seed=7`, `takes:3` or `x3`) may appear
 * anywhere; otherwise up to two trailing numbers are duration then seed, so "lofi at 90 bpm" keeps
 * its tempo (it does not end in a number) and the prompt is never left empty. Values stay raw
 * strings: the core validates them and words the error.
 */
export function parseGenerateText(raw: string): GenerateArgs {
  const tokens = decodeSlackText(raw).trim().split(/\s+/u).filter(Boolean);
  const args: { duration?: string; seed?: string; takes?: string } = {};
  const rest: string[] = [];
  for (const token of tokens) {
    const named = NAMED_OPTION.exec(token);
    const takes = takesWord(token);
    if (takes !== null) {
      args.takes = takes;
    } else if (named) {
      const key = named[1]!.toLowerCase() === 'seed' ? 'seed' : 'duration';
      args[key] = named[2]!;
    } else rest.push(token);
  }
  // Trailing positionals, read from the end: "... 30 42" → duration 30, seed 42; "... 30s" → duration.
  if (args.duration === undefined && rest.length >= 2) {
    const last = rest[rest.length - 1]!;
    const before = rest[rest.length - 2]!;
    // "tempo 174", "at 90", "bpm 120": the number belongs to the prompt, not a duration.
    if (TEMPO_WORD.test(before) && BARE_INT.test(last)) return { prompt: rest.join(' '), ...args };
    if (args.seed === undefined && rest.length >= 3 && DURATION_TOKEN.test(before) && BARE_INT.test(last)) {
      args.seed = rest.pop();
      args.duration = rest.pop();
    } else if (DURATION_TOKEN.test(last)) {
      args.duration = rest.pop();
    }
  }
  return { prompt: rest.join(' '), ...args };
}

export interface StatsArgs {
  scope: StatsScope;
  period: StatsPeriod;
}

const SCOPES: readonly StatsScope[] = ['server', 'global'];
const PERIODS: readonly StatsPeriod[] = ['day', 'week', 'month', 'all'];
const SCOPE_ALIASES: Record<string, StatsScope> = { workspace: 'server', team: 'server', here: 'server', all: 'global' };

/** `/stats [server|global] [day|week|month|all]`, in either order; defaults: server, DEFAULT_STATS_PERIOD (as every frontend). */
export function parseStatsText(raw: string): StatsArgs {
  const tokens = decodeSlackText(raw).trim().toLowerCase().split(/\s+/u).filter(Boolean);
  let scope: StatsScope | undefined;
  let period: StatsPeriod | undefined;
  for (const token of tokens) {
    if ((SCOPES as readonly string[]).includes(token) && !scope) scope = token as StatsScope;
    else if ((PERIODS as readonly string[]).includes(token) && !period) period = token as StatsPeriod;
    else if (SCOPE_ALIASES[token] && !scope && token !== 'all') scope = SCOPE_ALIASES[token];
    else {
      throw new UserError(
        UserErrorCode.UnknownCommand,
        `Usage: \`/stats [server|global] [day|week|month|all]\` (I did not understand "${truncate(token, 20)}").`,
      );
    }
  }
  return { scope: scope ?? 'server', period: period ?? DEFAULT_STATS_PERIOD };
}

/** Reaction names arrive with skin tones appended ("thumbsup::skin-tone-2"): compare the base. */
export function normalizeEmoji(name: string): string {
  return name.replace(/^:|:$/g, '').split('::')[0]!.toLowerCase();
}

/** Ids Slack puts in payloads; anything else is rejected before it reaches a message or the core. */
export const SLACK_ID = /^[A-Z0-9][A-Z0-9._-]{1,40}$/;
export function isSlackId(value: unknown): value is string {
  return typeof value === 'string' && SLACK_ID.test(value);
}
