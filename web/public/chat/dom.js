// @ts-check
/**
 * Small DOM helpers for the chat page. Every piece of user or server text goes on the page with
 * textContent (el's third argument), never as HTML.
 */

/** @param {string} id */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The channel: one list item per message. */
export const log = /** @type {HTMLOListElement} */ (byId('log'));

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A button that is never a form submit. @param {string} className @param {string} text */
export function button(className, text) {
  const b = el('button', className, text);
  b.type = 'button';
  return b;
}

/** Adds a message to the channel, keeping the view at the bottom if it was there. @param {HTMLLIElement} item */
export function append(item) {
  const main = /** @type {HTMLElement} */ (log.closest('main'));
  const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 80;
  log.append(item);
  if (atBottom) main.scrollTop = main.scrollHeight;
}

/**
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
export function say(text, kind = 'info') {
  const item = el('li', kind === 'error' ? 'msg system error' : 'msg system', text);
  if (kind === 'error') item.setAttribute('role', 'alert');
  append(item);
}

/**
 * Links come from the server, but a link is only followed if it is http(s): a `javascript:` URL
 * in an href would run on click.
 * @param {string} url
 */
export function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : '#';
  } catch {
    return '#';
  }
}

/** @param {string} url @param {string} text */
export function newTabLink(url, text, className = '') {
  const a = el('a', className, text);
  a.href = safeUrl(url);
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

/** @param {number} n @param {string} word */
export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Render time as people read it: "40 ms", "1.3 s" (a fast render is not "0.0 s"). @param {number} ms */
export const renderTime = (ms) => (ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`);

/**
 * Runs a button's action once at a time without disabling it: a disabled button drops keyboard
 * focus, so the button says it is busy instead and ignores clicks until the action ends.
 * @param {HTMLButtonElement} b
 * @param {() => Promise<void>} action
 */
export async function busy(b, action) {
  if (b.getAttribute('aria-busy') === 'true') return;
  b.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    b.removeAttribute('aria-busy');
  }
}
