/**
 * Which characters of user text are shown, and which are invisible or reorder what is around
 * them. One definition for validation (core/validate.ts) and for every frontend's escaper, so a
 * prompt is stored and echoed the same way everywhere.
 */

/**
 * Removed outright: bidi marks, embeddings, overrides and isolates (they flip how the rest of a
 * message reads), tag characters (invisible text smuggled after an emoji), and zero-width or
 * blank-looking characters that carry no meaning in a prompt. Zero-width joiner and non-joiner
 * (U+200C, U+200D) and variation selectors stay: emoji sequences and Persian need them.
 */
export const HIDDEN_CHARS =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B\u200E\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\u{1D173}-\u{1D17A}\u{E0000}-\u{E007F}]/gu;

/** Turned into a space: controls (NUL, CR, LF, tab, ESC…) and the Unicode line/paragraph separators. */
export const BREAKING_CHARS = /[\p{Cc}\u2028\u2029\u0085]/gu;

/** Everything that leaves no visible mark on its own: if a text is only these, it says nothing. */
const NOTHING_VISIBLE = /^[\s\p{Default_Ignorable_Code_Point}\p{M}\u2800\u3164\uFFA0\u115F\u1160]*$/u;

/** The text as shown: hidden characters removed, controls and runs of whitespace one space, trimmed. */
export function visibleText(raw: string): string {
  return raw.normalize('NFC').replace(HIDDEN_CHARS, '').replace(BREAKING_CHARS, ' ').replace(/\s+/gu, ' ').trim();
}

/** True when the text has at least one character a reader can see. */
export function hasVisibleChars(text: string): boolean {
  return !NOTHING_VISIBLE.test(text);
}
