/**
 * Validation of everything a chat user types. Pure functions: each returns the clean value or
 * throws a UserError whose message tells the user what to change.
 */
import { UserError, UserErrorCode } from './errors.ts';
import { hasVisibleChars, visibleText } from './text-clean.ts';

export const PROMPT_MAX_CHARS = 1000;
export const DURATION_MIN_S = 5;
export const DURATION_MAX_S = 120;
export const SEED_MAX = 0xffff_ffff;

/**
 * NUL and unpaired surrogates (what broken UTF-8 or a stray `\ud800` escape decodes to) are
 * refused rather than cleaned: they mean the client sent something other than text.
 */
export function assertText(raw: string, what = 'That text'): string {
  if (raw.includes('\u0000') || !raw.isWellFormed()) throw new UserError(UserErrorCode.TextInvalid, textInvalidMessage(what));
  return raw;
}

/** The one sentence for refused bytes, on every frontend: `what` names the refused thing. */
export function textInvalidMessage(what: string): string {
  return `${what} contains a NUL byte or characters that are not valid UTF-8; remove them and try again.`;
}

/** True when any string in a parsed body (key or value, nested) holds a NUL or an unpaired surrogate. */
export function hasBadText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed();
  if (depth > 32 || typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((v) => hasBadText(v, depth + 1));
  return Object.entries(value).some(([k, v]) => hasBadText(k, depth + 1) || hasBadText(v, depth + 1));
}

export function cleanPrompt(raw: unknown, maxChars = PROMPT_MAX_CHARS): string {
  if (typeof raw !== 'string') throw new UserError(UserErrorCode.PromptEmpty, 'Describe the music you want, e.g. `/generate lo-fi piano at 80 bpm`.');
  assertText(raw, 'That prompt');
  // What is stored is what every frontend echoes: no bidi controls, tag or zero-width characters.
  const text = visibleText(raw);
  if (text.length === 0) {
    throw new UserError(UserErrorCode.PromptEmpty, 'Describe the music you want, e.g. `/generate lo-fi piano at 80 bpm`.');
  }
  if (!hasVisibleChars(text)) {
    throw new UserError(
      UserErrorCode.PromptEmpty,
      'That prompt has no visible characters (only invisible or formatting ones). Describe the music in words, e.g. `/generate lo-fi piano at 80 bpm`.',
    );
  }
  // Code points, not UTF-16 units: an emoji counts once.
  const length = [...text].length;
  if (length > maxChars) {
    throw new UserError(UserErrorCode.PromptTooLong, `That prompt is ${length} characters; keep it to ${maxChars} or fewer.`, { length, maxChars });
  }
  return text;
}

export function parseDuration(raw: unknown, defaultS: number, maxS: number = DURATION_MAX_S): number {
  if (raw === undefined || raw === null || raw === '') return defaultS;
  const limit = Math.min(maxS, DURATION_MAX_S);
  let seconds: number;
  if (typeof raw === 'number') seconds = raw;
  else if (typeof raw === 'string') {
    const m = /^\s*(\d{1,4}(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?)?\s*$/i.exec(raw);
    if (!m) throw durationError(limit, raw);
    seconds = Number(m[1]) * (m[2] && m[2].toLowerCase().startsWith('m') ? 60 : 1);
  } else throw durationError(limit, String(raw));
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds < DURATION_MIN_S || seconds > limit) {
    throw durationError(limit, String(raw));
  }
  return seconds;
}

function durationError(limit: number, given: string): UserError {
  return new UserError(
    UserErrorCode.DurationInvalid,
    `Duration must be a whole number of seconds from ${DURATION_MIN_S} to ${limit} (you gave "${given.slice(0, 20)}").`,
    { limit },
  );
}

/** A seed the user gave, or a fresh random one: seeds are uint32 so they fit every engine. */
export function parseSeed(raw: unknown, random: () => number = () => Math.floor(Math.random() * (SEED_MAX + 1))): number {
  if (raw === undefined || raw === null || raw === '') return random();
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,10}$/.test(text) || Number(text) > SEED_MAX) {
    throw new UserError(UserErrorCode.SeedInvalid, `Seed must be a whole number from 0 to ${SEED_MAX}.`);
  }
  return Number(text);
}

/** Audio formats a request may ask for (the worker's encoder writes these). */
export const AUDIO_FORMATS = ['opus', 'mp3', 'wav'] as const;
export type RequestedFormat = (typeof AUDIO_FORMATS)[number];

export function isAudioFormat(value: unknown): value is RequestedFormat {
  return typeof value === 'string' && (AUDIO_FORMATS as readonly string[]).includes(value);
}

/** A requested format, or null for the default (Opus, the best quality per byte). */
export function parseFormat(raw: unknown): RequestedFormat | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const format = AUDIO_FORMATS.find((f) => f === text);
  if (!format) throw new UserError(UserErrorCode.FormatInvalid, `Format must be one of ${AUDIO_FORMATS.join(', ')}.`);
  return format;
}

/** Returns the first blocked word the prompt contains (whole-word, case-insensitive), if any. */
export function findBlockedWord(prompt: string, blocked: readonly string[]): string | null {
  const words = new Set(prompt.toLocaleLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  for (const word of blocked) {
    const w = word.toLocaleLowerCase().normalize('NFKC').trim();
    if (!w) continue;
    if (w.includes(' ') ? prompt.toLocaleLowerCase().includes(w) : words.has(w)) return word;
  }
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isGenerationId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Display names and platform ids echoed back to chat: bounded and free of control characters. */
export function cleanName(raw: unknown, maxChars = 64): string {
  if (typeof raw === 'string') assertText(raw, 'That name');
  const text = typeof raw === 'string' ? visibleText(raw) : '';
  if (!text || !hasVisibleChars(text) || [...text].length > maxChars) {
    throw new UserError(UserErrorCode.NameInvalid, `Names must be 1 to ${maxChars} characters.`);
  }
  return text;
}

/** Takes: how many seeds of one prompt one request may ask for, made and posted as one batch. */
export const MIN_TAKES = 2;
export const MAX_TAKES = 4;

/** Takes: 1 (a lone track) when the request names none; else a whole number from 1 to MAX_TAKES. */
export function parseTakes(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return 1;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > MAX_TAKES) {
    throw new UserError(UserErrorCode.TakesInvalid, `Takes must be a whole number from ${MIN_TAKES} to ${MAX_TAKES}.`);
  }
  return Number(text);
}

const TAKES_WORD = /^(?:takes[:=](\S*)|[x×](\d{1,2}))$/iu;

/**
 * Takes as typed in chat text (Slack, the local chat): `takes:3`, `takes=3`, or `x3` / `×3`.
 * Returns the raw value (the core validates it) or null when the word is not a takes word.
 */
export function takesWord(token: string): string | null {
  const m = TAKES_WORD.exec(token);
  return m ? (m[1] ?? m[2] ?? '') : null;
}
