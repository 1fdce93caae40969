// @ts-check
/**
 * Who this page is: the display name (kept in localStorage in the open chat, in the session
 * cookie with a login) and the tracks that name has starred.
 */

const NAME_KEY = 'ditty.name';
const NAME_MAX = 32;

/** @type {string | null} */
let name = null;
/** 'token': the server wants a login (LOCAL_CHAT_TOKEN) and takes the name from the session. */
let mode = 'open';
/** @type {Set<(name: string | null) => void>} */
const listeners = new Set();
/**
 * Tracks the current name has starred: loaded with the history (the core knows), then kept up
 * to date by this page's own clicks.
 * @type {Set<string>}
 */
const starred = new Set();

/** Logged in with ADMIN_TOKEN: may delete anyone's track (the server decides; this only shows the button). */
let admin = false;

export const myName = () => name;
export const isAdmin = () => admin;
/** @param {boolean} on */
export const setAdmin = (on) => { admin = on; };
export const loginMode = () => mode;
/** @param {string} m */
export const setLoginMode = (m) => { mode = m; };

/** @param {string | null} next */
export function setName(next) {
  name = next;
  if (next) localStorage.setItem(NAME_KEY, next);
  else {
    localStorage.removeItem(NAME_KEY);
    starred.clear();
    admin = false;
  }
  for (const fn of listeners) fn(next);
}

/** @param {(name: string | null) => void} fn */
export function onNameChange(fn) {
  listeners.add(fn);
}

/** The name this browser used last (open chat), if still valid. */
export function savedName() {
  const saved = localStorage.getItem(NAME_KEY);
  const check = saved === null ? null : checkName(saved);
  return check && check.ok ? check.name : null;
}

/** Whether a card's creator is this page's name (the server decides; this only hides buttons). @param {string} displayName */
export const isMine = (displayName) => name !== null && displayName.toLowerCase() === name.toLowerCase();

/**
 * The same rules as the server (web/server/commands.ts): checked here only to answer at once.
 * @param {string} raw
 * @returns {{ ok: true, name: string } | { ok: false, message: string }}
 */
export function checkName(raw) {
  if (/[\p{Cc}\p{Cf}]/u.test(raw) || !raw.isWellFormed()) return { ok: false, message: 'Names cannot contain control or invisible characters.' };
  const clean = raw.normalize('NFC').replace(/\s+/gu, ' ').trim();
  const length = [...clean].length;
  if (length < 1 || length > NAME_MAX) return { ok: false, message: `Names are 1 to ${NAME_MAX} characters.` };
  return { ok: true, name: clean };
}

/** @param {string} id */
export const isStarred = (id) => name !== null && starred.has(id);
/** @param {string} id @param {boolean} on */
export function rememberStar(id, on) {
  if (on) starred.add(id);
  else starred.delete(id);
}
