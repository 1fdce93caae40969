// @ts-check
/**
 * The local chat page's entry: the name (or login) form, the command line, and start-up.
 * Commands go to /api/chat/commands; everything the channel says arrives through live.js.
 * Modules: dom (helpers), api (fetch), identity (name, stars), cards (tracks and their actions),
 * replies (command answers), live (history and the event stream).
 */
import { api, ApiError, messageOf, whenLoginLost } from './api.js';
import { allCards, refreshStar } from './cards.js';
import { append, byId, el, say } from './dom.js';
import { checkName, loginMode, myName, onNameChange, savedName, setAdmin, setLoginMode, setName } from './identity.js';
import { loadHistory, startLive } from './live.js';
import { showReply } from './replies.js';

const composer = /** @type {HTMLFormElement} */ (byId('composer'));
const commandInput = /** @type {HTMLInputElement} */ (byId('command-input'));
const sendButton = /** @type {HTMLButtonElement} */ (byId('send'));
const nameForm = /** @type {HTMLFormElement} */ (byId('name-form'));
const nameInput = /** @type {HTMLInputElement} */ (byId('name-input'));
const nameError = byId('name-error');
const tokenInput = /** @type {HTMLInputElement} */ (byId('token-input'));

onNameChange((name) => {
  const who = byId('who');
  if (name) {
    byId('who-name').textContent = name;
    who.hidden = false;
    nameForm.hidden = true;
    composer.hidden = false;
    commandInput.disabled = false;
    sendButton.disabled = false;
    commandInput.focus();
  } else {
    who.hidden = true;
    nameForm.hidden = false;
    composer.hidden = true;
    nameInput.focus();
  }
  for (const card of allCards()) refreshStar(card);
});

whenLoginLost(() => {
  if (myName()) setName(null);
});

const welcome = (/** @type {string} */ name) => say(`Welcome, ${name}. Try /generate lo-fi piano at 80 bpm 30s, or /help.`);

nameForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = checkName(nameInput.value);
  if (!result.ok) {
    nameError.textContent = result.message;
    return;
  }
  nameError.textContent = '';
  if (loginMode() === 'token') {
    try {
      /** @type {{ name: string, admin?: boolean }} */
      const session = await api('/api/chat/login', { name: result.name, token: tokenInput.value });
      tokenInput.value = '';
      setAdmin(session.admin === true);
      setName(session.name);
      welcome(session.name);
      await startLive();
    } catch (e) {
      nameError.textContent = messageOf(e);
    }
    return;
  }
  setName(result.name);
  welcome(result.name);
  // Which tracks this name has starred.
  await loadHistory();
});

byId('change-name').addEventListener('click', () => {
  nameInput.value = myName() ?? '';
  // With a login, the name lives in the session: changing it means logging in again.
  if (loginMode() === 'token') api('/api/chat/logout', {}).catch(() => {});
  setName(null);
});

/** Commands sent from this page, for ↑/↓ recall as in a terminal. */
const sent = /** @type {string[]} */ ([]);
let recall = 0;

commandInput.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  if (sent.length === 0) return;
  event.preventDefault();
  recall = Math.max(0, Math.min(sent.length, recall + (event.key === 'ArrowUp' ? -1 : 1)));
  commandInput.value = sent[recall] ?? '';
});

composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = commandInput.value;
  if (!text.trim()) return;
  if (sent.at(-1) !== text) sent.push(text);
  recall = sent.length;
  const name = myName();
  if (!name) {
    setName(null);
    return;
  }
  const echo = el('li', 'msg user');
  echo.append(el('span', 'author', name), el('span', 'text', text));
  append(echo);
  commandInput.value = '';
  try {
    showReply(await api('/api/chat/commands', { name, text, requestId: crypto.randomUUID() }));
  } catch (e) {
    const error = e instanceof ApiError ? e : new ApiError('internal', String(e));
    say(error.message, 'error');
    // Give the text back so the user can fix what the message asks for.
    if (!commandInput.value) commandInput.value = text;
    if (error.code === 'name_invalid') setName(null);
  }
});

/** @type {{ mode: string, name: string | null, admin?: boolean }} */
const session = await api('/api/chat/session').catch(() => ({ mode: 'open', name: null, admin: false }));
setLoginMode(session.mode);
setAdmin(session.admin === true);
if (session.mode === 'token') {
  tokenInput.hidden = false;
  byId('token-label').hidden = false;
  setName(session.name);
  // Until the login, the channel is not ours to read.
  if (session.name) await startLive();
} else {
  setName(savedName());
  await startLive();
}
