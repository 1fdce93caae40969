// @ts-check
/**
 * The local chat page: a chat channel where commands go to /api/chat/commands and everything the
 * channel says (queued, progress, finished tracks, stars) arrives over /api/chat/events.
 * Every piece of user or server text is put on the page with textContent, never as HTML.
 */

/** @typedef {import('../server/chat.ts').ChatReply} ChatReply */
/** @typedef {import('../server/chat.ts').ChatEvent} ChatEvent */
/** @typedef {import('../server/chat.ts').PageTrack} PageTrack */
/** @typedef {import('../../core/music.ts').MusicParams} MusicParams */
/** @typedef {import('../../core/chat.ts').Stats} Stats */
/** @typedef {{ platformUserId: string, displayName: string }} Creator */
/**
 * @typedef {object} Card
 * @property {string} id
 * @property {HTMLLIElement} el
 * @property {HTMLElement} status
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} params
 * @property {HTMLElement} notice  what was approximated or ignored; hidden when nothing was
 * @property {HTMLElement} body
 * @property {number} rank  how far the generation got; events from an earlier stage are stale
 * @property {number} progress
 * @property {boolean} ready
 * @property {HTMLButtonElement | null} star
 * @property {HTMLButtonElement | null} cancel  only on the viewer's own unfinished tracks
 */

const NAME_KEY = 'ditty.name';
const NAME_MAX = 32;
/** @type {Record<string, number>} */
const STAGE_RANK = { queued: 0, rendering: 1, encoding: 2, delivering: 3, completed: 4, failed: 5, cancelled: 5 };

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const log = /** @type {HTMLOListElement} */ ($('log'));
const composer = /** @type {HTMLFormElement} */ ($('composer'));
const commandInput = /** @type {HTMLInputElement} */ ($('command-input'));
const sendButton = /** @type {HTMLButtonElement} */ ($('send'));
const nameForm = /** @type {HTMLFormElement} */ ($('name-form'));
const nameInput = /** @type {HTMLInputElement} */ ($('name-input'));
const nameError = $('name-error');
const tokenInput = /** @type {HTMLInputElement} */ ($('token-input'));
/** 'token': the server wants a login (LOCAL_CHAT_TOKEN) and takes the name from the session. */
let loginMode = 'open';
const connection = $('connection');

/** @type {Map<string, Card>} */
const cards = new Map();
/** @type {Set<string>} generations whose first play this page already reported */
const playsReported = new Set();
/** @type {string | null} */
let myName = null;

// ---------------------------------------------------------------- small DOM helpers

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {HTMLLIElement} item */
function append(item) {
  const main = /** @type {HTMLElement} */ (log.parentElement);
  const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 80;
  log.append(item);
  if (atBottom) main.scrollTop = main.scrollHeight;
}

/**
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
function say(text, kind = 'info') {
  const item = el('li', kind === 'error' ? 'msg system error' : 'msg system', text);
  if (kind === 'error') item.setAttribute('role', 'alert');
  append(item);
}

/**
 * Links come from the server, but a link is only followed if it is http(s): a `javascript:` URL
 * in an href would run on click.
 * @param {string} url
 */
function safeUrl(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : '#';
  } catch {
    return '#';
  }
}

/** @param {number} n @param {string} word */
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- name

/**
 * The same rules as the server (web/server/commands.ts): checked here only to answer at once.
 * @param {string} raw
 * @returns {{ ok: true, name: string } | { ok: false, message: string }}
 */
function checkName(raw) {
  if (/[\p{Cc}\p{Cf}]/u.test(raw) || !raw.isWellFormed()) return { ok: false, message: 'Names cannot contain control or invisible characters.' };
  const name = raw.normalize('NFC').replace(/\s+/gu, ' ').trim();
  const length = [...name].length;
  if (length < 1 || length > NAME_MAX) return { ok: false, message: `Names are 1 to ${NAME_MAX} characters.` };
  return { ok: true, name };
}

/** @param {string | null} name */
function setName(name) {
  myName = name;
  const who = $('who');
  if (name) {
    localStorage.setItem(NAME_KEY, name);
    $('who-name').textContent = name;
    who.hidden = false;
    nameForm.hidden = true;
    composer.hidden = false;
    commandInput.disabled = false;
    sendButton.disabled = false;
    commandInput.focus();
  } else {
    localStorage.removeItem(NAME_KEY);
    starred.clear();
    who.hidden = true;
    nameForm.hidden = false;
    composer.hidden = true;
    nameInput.focus();
  }
  for (const card of cards.values()) refreshStar(card);
}

nameForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = checkName(nameInput.value);
  if (!result.ok) {
    nameError.textContent = result.message;
    return;
  }
  nameError.textContent = '';
  if (loginMode === 'token') {
    try {
      /** @type {{ name: string }} */
      const session = await api('/api/chat/login', { name: result.name, token: tokenInput.value });
      tokenInput.value = '';
      setName(session.name);
      say(`Welcome, ${session.name}. Try /generate lo-fi piano at 80 bpm 30s, or /help.`);
      startLive();
    } catch (e) {
      nameError.textContent = e instanceof Error ? e.message : String(e);
    }
    return;
  }
  setName(result.name);
  say(`Welcome, ${result.name}. Try /generate lo-fi piano at 80 bpm 30s, or /help.`);
  // Which tracks this name has starred.
  loadHistory();
});

$('change-name').addEventListener('click', () => {
  nameInput.value = myName ?? '';
  // With a login, the name lives in the session: changing it means logging in again.
  if (loginMode === 'token') api('/api/chat/logout', {}).catch(() => {});
  setName(null);
});

/**
 * Tracks the current name has starred: loaded with the history (the core knows), then kept
 * up to date by this page's own clicks.
 * @type {Set<string>}
 */
const starred = new Set();

/** @param {string} id @param {boolean} on */
function rememberStar(id, on) {
  if (on) starred.add(id);
  else starred.delete(id);
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * @param {string} path
 * @param {unknown} [body]  present → POST as JSON
 * @returns {Promise<any>} parsed JSON: the server's shape for that path (see web/server/chat.ts)
 */
async function api(path, body) {
  let response;
  try {
    response = await fetch(path, body === undefined
      ? { headers: { accept: 'application/json' } }
      : { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError('offline', 'Cannot reach ditty. Is it still running?');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data && data.error;
    if (error?.code === 'login_required' && myName) setName(null);
    throw new ApiError(error?.code ?? 'internal', error?.message ?? `The server answered ${response.status}.`);
  }
  return data;
}

// ---------------------------------------------------------------- track cards

/** @param {MusicParams} p @param {number} durationS */
function describeParams(p, durationS) {
  const parts = [p.genre, `${p.bpm} bpm`, `${p.key} ${p.mode}`];
  if (p.mood) parts.push(p.mood);
  if (p.instruments.length) parts.push(p.instruments.join(', '));
  if (p.excluded.length) parts.push(`no ${p.excluded.join(', ')}`);
  parts.push(`${durationS} s`, `seed ${p.seed}`);
  return `Understood: ${parts.join(' · ')}`;
}

/**
 * What the track does not do as asked ("Played as reggae: I don't know ska yet."), worded by the
 * core; shown as text like everything else.
 * @param {Card} card
 * @param {string | null | undefined} notice
 */
function setNotice(card, notice) {
  if (notice === undefined) return;
  card.notice.textContent = notice ?? '';
  card.notice.hidden = !notice;
}

/**
 * @param {string} id
 * @param {{ prompt: string, creator: Creator, params?: MusicParams, durationS?: number, notice?: string | null }} info
 * @returns {Card}
 */
function ensureCard(id, info) {
  const existing = cards.get(id);
  if (existing) {
    if (info.params && info.durationS !== undefined) existing.params.textContent = describeParams(info.params, info.durationS);
    setNotice(existing, info.notice);
    return existing;
  }
  const item = el('li', 'msg track');
  item.dataset.generationId = id;
  const head = el('div', 'head');
  head.append(el('span', 'author', info.creator.displayName), el('span', 'prompt', info.prompt));
  const params = el('p', 'params', info.params && info.durationS !== undefined ? describeParams(info.params, info.durationS) : '');
  const notice = el('p', 'notice');
  notice.hidden = true;
  const status = el('p', 'status', 'Queued');
  const bar = el('progress');
  bar.max = 1;
  bar.value = 0;
  const body = el('div', 'body');
  item.append(head, params, notice, status, bar, body);
  /** @type {Card} */
  const card = { id, el: item, status, bar, params, notice, body, rank: -1, progress: 0, ready: false, star: null, cancel: null };
  setNotice(card, info.notice);
  cards.set(id, card);
  // The server decides who may cancel; this only avoids offering the button to everyone else.
  if (myName !== null && info.creator.displayName.toLowerCase() === myName.toLowerCase()) {
    const cancel = el('button', 'cancel link', 'Cancel');
    cancel.type = 'button';
    cancel.addEventListener('click', () => cancelTrack(card));
    card.cancel = cancel;
    body.append(cancel);
  }
  append(item);
  return card;
}

/**
 * @param {Card} card
 * @param {{ stage: string, progress: number, position?: number, waiting?: boolean, etaS?: number, message?: string }} ev
 */
function applyProgress(card, ev) {
  const rank = STAGE_RANK[ev.stage] ?? -1;
  // Events cross the network from several processes: never let a late one move a card back.
  if (rank < card.rank || (rank === card.rank && ev.progress < card.progress && ev.stage !== 'queued')) return;
  if (card.ready && rank < STAGE_RANK.failed) return;
  card.rank = rank;
  card.progress = ev.progress;
  if (rank >= STAGE_RANK.delivering) removeCancel(card);
  card.el.dataset.stage = ev.stage;
  const percent = Math.round(Math.max(0, Math.min(1, ev.progress)) * 100);
  switch (ev.stage) {
    case 'queued':
      // Waiting: the server's slots are taken and the track waits its turn (round-robin by user).
      card.status.textContent = ev.waiting
        ? `Waiting for a free slot · position ${ev.position ?? '?'} in line`
        : ev.position ? `Queued · position ${ev.position}` : 'Queued';
      // e.g. "no worker is running; your track will start when one is"
      if (ev.message) card.status.textContent += ` · ${ev.message}`;
      break;
    case 'rendering':
      card.status.textContent = `Rendering · ${percent}%${ev.etaS ? ` · about ${Math.ceil(ev.etaS)} s left` : ''}`;
      break;
    case 'encoding':
      card.status.textContent = 'Encoding…';
      break;
    case 'delivering':
      card.status.textContent = 'Posting…';
      break;
    case 'completed':
      card.status.textContent = 'Done';
      if (!card.ready) loadTrack(card.id);
      break;
    case 'failed':
      card.el.classList.add('failed');
      card.status.textContent = `Failed: ${ev.message ?? 'the track could not be made.'}`;
      card.bar.hidden = true;
      return;
    case 'cancelled':
      card.status.textContent = 'Cancelled';
      card.bar.hidden = true;
      return;
  }
  card.bar.value = ev.stage === 'queued' ? 0 : rank >= STAGE_RANK.encoding ? 1 : ev.progress;
}

/** @param {PageTrack} track */
function isPlayable(track) {
  return track.status === 'completed' || (track.status === 'delivering' && track.sizeBytes !== null);
}

/** @param {PageTrack} track */
function showTrack(track) {
  const card = ensureCard(track.id, { prompt: track.prompt, creator: track.creator, params: track.params, durationS: track.durationS, notice: track.notice });
  if (!isPlayable(track)) {
    const stage = /** @type {string} */ (track.status);
    applyProgress(card, { stage, progress: track.progress, message: track.errorMessage ?? undefined });
    return card;
  }
  card.rank = STAGE_RANK.completed;
  card.el.dataset.stage = 'completed';
  card.bar.hidden = true;
  const seconds = track.renderMs !== null ? ` · rendered in ${(track.renderMs / 1000).toFixed(1)} s` : '';
  card.status.textContent = `Done${seconds}`;
  if (card.ready) {
    setStarCount(card, track.favorites);
    return card;
  }
  card.ready = true;
  removeCancel(card);

  const audio = el('audio');
  audio.controls = true;
  audio.preload = 'metadata';
  audio.src = safeUrl(track.audioUrl);
  audio.addEventListener('play', () => reportPlay(track.id));

  const star = el('button', 'star');
  star.type = 'button';
  star.dataset.count = String(track.favorites);
  star.addEventListener('click', () => toggleStar(card));
  card.star = star;

  const player = el('a', 'player-link', 'Player page');
  player.href = safeUrl(track.playerUrl);
  player.target = '_blank';
  player.rel = 'noopener noreferrer';
  const download = el('a', 'download', 'Download');
  download.href = safeUrl(track.downloadUrl);
  download.setAttribute('download', '');

  const extend = el('button', 'extend link', 'Extend +30 s');
  extend.type = 'button';
  extend.title = 'Continue this track for another 30 seconds, as a new track';
  extend.addEventListener('click', () => extendTrack(card, extend));

  const actions = el('div', 'actions');
  actions.append(star, extend, player, download);
  if (track.extendedFrom) {
    const from = el('a', 'extended-from', 'Extended from an earlier track');
    from.href = safeUrl(track.extendedFrom.playerUrl);
    from.target = '_blank';
    from.rel = 'noopener noreferrer';
    actions.append(from);
  }
  // The server decides who may delete (the creator); this only avoids offering it to everyone else.
  if (myName !== null && track.creator.displayName.toLowerCase() === myName.toLowerCase()) {
    const remove = el('button', 'delete link', 'Delete');
    remove.type = 'button';
    remove.addEventListener('click', () => deleteTrack(card, remove));
    actions.append(remove);
  }
  card.body.replaceChildren(audio, actions);
  refreshStar(card);
  return card;
}

/** @param {Card} card */
function removeCancel(card) {
  card.cancel?.remove();
  card.cancel = null;
}

/** @param {Card} card */
async function cancelTrack(card) {
  if (!myName || !card.cancel) return;
  card.cancel.disabled = true;
  try {
    await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/cancel`, { name: myName });
    applyProgress(card, { stage: 'cancelled', progress: 0 });
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), 'error');
    if (card.cancel) card.cancel.disabled = false;
  }
}

/** @param {Card} card @param {HTMLButtonElement} button */
async function deleteTrack(card, button) {
  button.disabled = true;
  try {
    await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/delete`, { name: myName });
    removeCard(card.id);
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), 'error');
    button.disabled = false;
  }
}

/**
 * Asks for a new track continuing this one; it arrives like any other.
 * @param {Card} card
 * @param {HTMLButtonElement} button
 */
async function extendTrack(card, button) {
  if (!myName) {
    say('Pick a name first, then extend tracks.', 'error');
    return;
  }
  button.disabled = true;
  try {
    showReply(await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/extend`, { name: myName, requestId: crypto.randomUUID() }));
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), 'error');
  } finally {
    button.disabled = false;
  }
}

/** @param {string} id */
function removeCard(id) {
  cards.get(id)?.el.remove();
  cards.delete(id);
}

/** @param {string} id */
async function loadTrack(id) {
  try {
    showTrack(await api(`/api/chat/tracks/${encodeURIComponent(id)}`));
  } catch (e) {
    // A track from before this page loaded may be gone; the channel still works.
    if (!(e instanceof ApiError) || e.code !== 'not_found') console.warn('could not load track', id, e);
  }
}

/** @param {Card} card @param {number} count */
function setStarCount(card, count) {
  if (!card.star) return;
  card.star.dataset.count = String(count);
  refreshStar(card);
}

/** @param {Card} card */
function refreshStar(card) {
  if (!card.star) return;
  const on = myName !== null && starred.has(card.id);
  const count = card.star.dataset.count ?? '0';
  card.star.setAttribute('aria-pressed', String(on));
  card.star.textContent = `${on ? '★' : '☆'} ${count}`;
  card.star.title = on ? 'Unstar' : 'Star this track';
}

/** @param {Card} card */
async function toggleStar(card) {
  if (!myName || !card.star) {
    say('Pick a name first, then star tracks.', 'error');
    return;
  }
  const on = card.star.getAttribute('aria-pressed') !== 'true';
  card.star.disabled = true;
  try {
    /** @type {{ on: boolean, favorites: number }} */
    const result = await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/favorite`, { name: myName, on });
    rememberStar(card.id, result.on);
    setStarCount(card, result.favorites);
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), 'error');
  } finally {
    card.star.disabled = false;
  }
}

/** @param {string} id */
function reportPlay(id) {
  if (playsReported.has(id)) return;
  playsReported.add(id);
  api(`/api/chat/tracks/${encodeURIComponent(id)}/plays`, myName ? { name: myName } : {}).catch(() => playsReported.delete(id));
}

// ---------------------------------------------------------------- command replies

/** @param {string} title @param {string[]} headings @param {Array<Array<string | number>>} rows */
function table(title, headings, rows) {
  const wrap = el('div');
  wrap.append(el('h4', undefined, title));
  if (rows.length === 0) {
    wrap.append(el('p', 'params', 'Nothing yet.'));
    return wrap;
  }
  const t = el('table');
  const head = el('tr');
  for (const h of headings) head.append(el('th', /^[#★▶]|Tracks|Stars/.test(h) ? 'num' : undefined, h));
  t.append(head);
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) tr.append(el('td', typeof cell === 'number' ? 'num' : undefined, String(cell)));
    t.append(tr);
  }
  wrap.append(t);
  return wrap;
}

/** @param {Stats} stats */
function showStats(stats) {
  const item = el('li', 'msg stats');
  const period = { day: 'today', week: 'this week', month: 'this month', all: 'all time' }[stats.period];
  item.append(el('h3', undefined, `Leaderboard · ${period} · ${stats.scope === 'global' ? 'everywhere' : 'this chat'}`));
  const t = stats.totals;
  const rate = Math.round(t.successRate * 100);
  const avg = t.avgRenderMs === null ? '' : ` · average render ${(t.avgRenderMs / 1000).toFixed(1)} s`;
  item.append(el('p', 'totals',
    `${plural(t.generations, 'track')} (${t.completed} done, ${t.failed} failed, ${rate}% success) · ${plural(t.favorites, 'star')} · ${plural(t.plays, 'play')}${avg}`));
  item.append(table('Top tracks', ['#', 'Prompt', '★', '▶', 'By'],
    stats.topTracks.map((x, i) => [i + 1, x.prompt, x.favorites, x.plays, x.creator])));
  item.append(table('Top creators', ['#', 'Name', 'Tracks', 'Stars received'],
    stats.topCreators.map((x, i) => [i + 1, x.displayName, x.generations, x.favoritesReceived])));
  append(item);
}

/**
 * @param {string} title
 * @param {PageTrack[]} tracks
 * @param {string} empty  what to say when there are none
 */
function showTrackList(title, tracks, empty) {
  const item = el('li', 'msg recent');
  item.append(el('h3', undefined, title));
  if (tracks.length === 0) item.append(el('p', 'params', empty));
  const list = el('ul');
  for (const track of tracks) {
    const li = el('li');
    li.append(el('span', 'author', track.creator.displayName), el('span', 'prompt', track.prompt), document.createTextNode(` · ${track.durationS} s · ★ ${track.favorites} · ▶ ${track.plays} · `));
    if (isPlayable(track)) {
      const link = el('a', undefined, 'play');
      link.href = safeUrl(track.playerUrl);
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      li.append(link);
    } else {
      li.append(document.createTextNode(track.status));
    }
    list.append(li);
  }
  item.append(list);
  append(item);
}

/** @param {ReadonlyArray<{ usage: string, description: string }>} help */
function showHelp(help) {
  const item = el('li', 'msg help');
  item.append(el('h3', undefined, 'Commands'));
  const list = el('dl');
  for (const entry of help) list.append(el('dt', undefined, entry.usage), el('dd', undefined, entry.description));
  item.append(list);
  append(item);
}

/** @param {ChatReply} reply */
function showReply(reply) {
  switch (reply.kind) {
    case 'generate': {
      const card = ensureCard(reply.generationId, reply);
      applyProgress(card, { stage: 'queued', progress: 0, position: reply.position, waiting: reply.waiting, message: reply.notice ?? undefined });
      break;
    }
    case 'stats':
      showStats(reply.stats);
      break;
    case 'recent':
      showTrackList('Recent tracks', reply.tracks, 'No tracks yet. Make the first one with /generate.');
      break;
    case 'search':
      showTrackList(`Tracks matching “${reply.query}”`, reply.tracks, 'No finished track matches. Try other words.');
      break;
    case 'help':
      showHelp(reply.help);
      break;
  }
}

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
  if (!myName) {
    setName(null);
    return;
  }
  const echo = el('li', 'msg user');
  echo.append(el('span', 'author', myName), el('span', 'text', text));
  append(echo);
  commandInput.value = '';
  try {
    showReply(await api('/api/chat/commands', { name: myName, text, requestId: crypto.randomUUID() }));
  } catch (e) {
    const error = e instanceof ApiError ? e : new ApiError('internal', String(e));
    say(error.message, 'error');
    // Give the text back so the user can fix what the message asks for.
    if (!commandInput.value) commandInput.value = text;
    if (error.code === 'name_invalid') setName(null);
  }
});

// ---------------------------------------------------------------- live events

/** @type {Map<string, Promise<Card | null>>} cards being fetched, so a burst of events fetches once */
const fetching = new Map();

/** @param {string} id @returns {Promise<Card | null>} */
async function cardFor(id) {
  const existing = cards.get(id);
  if (existing) return existing;
  let pending = fetching.get(id);
  if (!pending) {
    pending = api(`/api/chat/tracks/${encodeURIComponent(id)}`).then(showTrack, () => null);
    fetching.set(id, pending);
    pending.finally(() => fetching.delete(id));
  }
  return pending;
}

/** @param {ChatEvent} event */
async function onEvent(event) {
  switch (event.type) {
    case 'queued': {
      const card = ensureCard(event.generationId, event);
      applyProgress(card, { stage: 'queued', progress: 0, position: event.position, waiting: event.waiting });
      break;
    }
    case 'progress': {
      const card = await cardFor(event.generationId);
      if (card) applyProgress(card, event);
      break;
    }
    case 'track':
      showTrack(event.track);
      break;
    case 'favorite': {
      const card = cards.get(event.generationId);
      if (card) setStarCount(card, event.favorites);
      break;
    }
    case 'deleted':
      removeCard(event.generationId);
      break;
    case 'reset':
      // The server restarted: what happened meanwhile is in the history, not in the stream.
      await loadHistory();
      break;
    case 'hello':
      break;
  }
}

async function loadHistory() {
  try {
    /** @type {{ tracks: PageTrack[], inProgress: PageTrack[], starred: string[] | null }} */
    const history = await api(myName ? `/api/chat/history?name=${encodeURIComponent(myName)}` : '/api/chat/history');
    const { tracks, inProgress } = history;
    if (history.starred) for (const track of tracks) rememberStar(track.id, history.starred.includes(track.id));
    // Newest first from the server; a channel reads top to bottom. Tracks still being made come
    // last (oldest first), where their progress events will find them.
    for (const track of [...tracks].reverse()) showTrack(track);
    for (const track of inProgress) showTrack(track);
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), 'error');
  }
}

/** Delay before reopening a stream the server closed or refused (503 when too many are open). */
let reconnectDelayMs = 2000;

/** The id of the last event seen: a new stream resumes after it, so nothing is missed or repeated. */
let lastEventId = '';

function connect() {
  // The browser resends Last-Event-ID itself when it reconnects a stream; a stream opened anew
  // (after a refusal) names it in the query.
  const source = new EventSource(lastEventId ? `/api/chat/events?lastEventId=${encodeURIComponent(lastEventId)}` : '/api/chat/events');
  source.addEventListener('open', () => {
    connection.dataset.state = 'live';
    connection.textContent = 'live';
    reconnectDelayMs = 2000;
  });
  source.addEventListener('error', () => {
    connection.dataset.state = 'down';
    connection.textContent = 'reconnecting…';
    // A refused stream (503: too many open, 401) is not retried by the browser: retry here, backing off.
    if (source.readyState === EventSource.CLOSED) {
      const delay = reconnectDelayMs * (0.75 + Math.random() / 2);
      reconnectDelayMs = Math.min(reconnectDelayMs * 2, 60_000);
      setTimeout(() => {
        // A page that never got an id cannot be caught up by the stream: the history does it.
        if (!lastEventId) loadHistory();
        connect();
      }, delay);
    }
  });
  for (const type of ['queued', 'progress', 'track', 'favorite', 'deleted', 'hello', 'reset']) {
    source.addEventListener(type, (message) => {
      const m = /** @type {MessageEvent} */ (message);
      if (m.lastEventId) lastEventId = m.lastEventId;
      try {
        onEvent(/** @type {ChatEvent} */ (JSON.parse(m.data)));
      } catch (e) {
        console.warn('bad event', e);
      }
    });
  }
}

// ---------------------------------------------------------------- start

let live = false;
async function startLive() {
  if (live) return;
  live = true;
  await loadHistory();
  connect();
}

/** @type {{ mode: string, name: string | null }} */
const session = await api('/api/chat/session').catch(() => ({ mode: 'open', name: null }));
loginMode = session.mode;
if (loginMode === 'token') {
  tokenInput.hidden = false;
  $('token-label').hidden = false;
  setName(session.name);
  // Until the login, the channel is not ours to read.
  if (session.name) await startLive();
} else {
  const saved = localStorage.getItem(NAME_KEY);
  const savedCheck = saved === null ? null : checkName(saved);
  setName(savedCheck && savedCheck.ok ? savedCheck.name : null);
  await startLive();
}
