/**
 * The one rule for text a user typed (prompts, display names, blocked words, search words, error
 * messages that quote them) before it goes into any Discord message, embed or edit.
 *
 * Discord's markdown lets a backslash escape any ASCII punctuation, and the escaped character
 * shows as itself. So every character that can start or end markup is escaped: emphasis, code
 * and code-block fences, spoilers, masked links, headings, subtext (`-#`), block quotes, lists,
 * mentions and channel/role/emoji/timestamp tags (`<…>`). Autolinks need `scheme:` directly
 * followed by `//`, which the escaped colon breaks. Hidden characters and line breaks go first
 * (core/text-clean.ts), so nothing can start a new line of its own. `@everyone` and `@here` get
 * a zero-width space as well: `allowed_mentions` already stops pings, this stops the highlight.
 */
import { visibleText } from '../../core/text-clean.ts';

/** Every character that takes part in Discord markup. */
const MARKUP = /[\\*_~`|<>#\-+[\]():@]/g;

export const INERT_MAX = 300;

export function inert(text: string, max = INERT_MAX): string {
  // Text with nothing visible shows as a dash: an empty embed field or description is refused.
  const shown = visibleText(text) || '—';
  const chars = [...shown];
  const clipped = chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : shown;
  return clipped
    .replace(MARKUP, (c) => `\\${c}`)
    // "1. " starts a numbered list; the text may open a line (an embed description).
    .replace(/^(\d+)\./, '$1\\.')
    .replace(/\\@(everyone|here)/gi, '\\@\u200b$1');
}
