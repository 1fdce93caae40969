/**
 * What a chat client would turn into markup, counted per kind, in text ditty sent. Tests render
 * the same message twice, once with a harmless prompt and once with a hostile one: the counts
 * must match, so the hostile text added no mention, link, heading, quote, list, emphasis, code or
 * line of its own. Hidden characters (bidi, tag, zero-width, controls) are counted too.
 */
import { BREAKING_CHARS, HIDDEN_CHARS } from '../../core/text-clean.ts';

export type Tokens = Record<string, number>;

function bump(t: Tokens, key: string, n = 1): void {
  t[key] = (t[key] ?? 0) + n;
}

function hidden(text: string, t: Tokens): void {
  // The joiner the escapers put after `@` (so @everyone cannot highlight) is theirs, not the user's.
  const withoutNewlines = text.replace(/\n/g, '').replace(/@[\u200b\u2060]/g, '@');
  bump(t, 'hidden', (withoutNewlines.match(new RegExp(HIDDEN_CHARS.source, 'gu')) ?? []).length);
  bump(t, 'control', (withoutNewlines.match(new RegExp(BREAKING_CHARS.source, 'gu')) ?? []).length);
}

const ASCII_PUNCT = /[!-/:-@[-`{-~]/;

/** Discord markdown (simple-markdown rules: a backslash escapes any ASCII punctuation). */
export function discordTokens(text: string): Tokens {
  const t: Tokens = {};
  hidden(text, t);
  const lines = text.split('\n');
  bump(t, 'newline', lines.length - 1);
  for (const line of lines) {
    const l = line.replace(/^ +/, '');
    if (/^#{1,3} /.test(l)) bump(t, 'heading');
    if (/^-# /.test(l)) bump(t, 'subtext');
    if (/^>{1,3} /.test(l)) bump(t, 'quote');
    if (/^[-*+] /.test(l)) bump(t, 'list');
    if (/^\d+[.)] /.test(l)) bump(t, 'numbered');
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '\\' && i + 1 < line.length && ASCII_PUNCT.test(line[i + 1]!)) {
        i += 1;
        continue;
      }
      if ('*_~`|[]()<'.includes(c)) bump(t, c);
      if (c === ':' && line.startsWith('//', i + 1) && /[a-z0-9]$/i.test(line.slice(0, i))) bump(t, 'autolink');
      if (c === '@' && /^(everyone|here)/i.test(line.slice(i + 1))) bump(t, 'everyone');
    }
  }
  return t;
}

/** Slack mrkdwn: `<…>` is a link or mention, `&gt;` or `>` at a line start a quote, `*_~\`` style. */
export function slackTokens(text: string, opts: { verbatim?: boolean } = {}): Tokens {
  const t: Tokens = {};
  hidden(text, t);
  const lines = text.split('\n');
  bump(t, 'newline', lines.length - 1);
  for (const line of lines) {
    if (/^(&gt;|>)/.test(line)) bump(t, 'quote');
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if ('<>*_~`'.includes(c)) bump(t, c);
      if (c === '&' && !/^(amp|lt|gt);/.test(line.slice(i + 1))) bump(t, 'raw&');
      if (c === ':' && line.startsWith('//', i + 1)) bump(t, 'autolink');
      if (c === '@' && /^(everyone|here|channel)/i.test(line.slice(i + 1))) bump(t, 'everyone');
    }
  }
  // Without verbatim Slack links bare domains and #channel names itself: count what it would.
  if (!opts.verbatim) bump(t, 'unverbatim-domain', (text.match(/\b[a-z0-9-]+\.(example|com|gg|org|net)\b/gi) ?? []).length);
  return t;
}

/**
 * Every string leaf of a message payload (Discord message body or Slack call arguments), keyed by
 * its path, with its tokens. Slack text objects are read with their own `type` and `verbatim`.
 */
export function leafTokens(value: unknown, platform: 'discord' | 'slack', path = '', out: Record<string, Tokens> = {}, ctx: { plain?: boolean; verbatim?: boolean } = {}): Record<string, Tokens> {
  if (typeof value === 'string') {
    if (/(^|\.)(url|custom_id|block_id|action_id|value|ts|channel|channel_id|user|file|filename|thread_ts|nonce|id)$/.test(path)) return out;
    if (platform === 'discord') out[path] = discordTokens(value);
    // The top-level fallback text only shows in notifications; titles are plain-text fields.
    else if (ctx.plain || /^(title|alt_text)$|\.title$/.test(path)) {
      const t: Tokens = {};
      hidden(value, t);
      out[path] = t;
    } else out[path] = slackTokens(value, { verbatim: ctx.verbatim || path === 'text' });
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => leafTokens(v, platform, `${path}[${i}]`, out, ctx));
    return out;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const isTextObject = typeof o.type === 'string' && typeof o.text === 'string';
    const inner = isTextObject ? { plain: o.type === 'plain_text', verbatim: o.verbatim === true } : ctx;
    for (const [k, v] of Object.entries(o)) leafTokens(v, platform, path ? `${path}.${k}` : k, out, k === 'text' ? inner : ctx);
  }
  return out;
}

/** Paths whose tokens differ between the harmless and the hostile rendering (empty when inert). */
export function markupAdded(benign: unknown, hostile: unknown, platform: 'discord' | 'slack'): string[] {
  const a = leafTokens(benign, platform);
  const b = leafTokens(hostile, platform);
  const diffs: string[] = [];
  for (const path of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[path] ?? {};
    const y = b[path] ?? {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if ((x[key] ?? 0) !== (y[key] ?? 0)) diffs.push(`${path}: ${key} ${x[key] ?? 0} → ${y[key] ?? 0}`);
    }
  }
  return diffs;
}
