// @ts-check
/**
 * Track cards: one per generation, created when it is queued (or first seen), moved along by
 * progress events, and given its player and actions when the track is posted. Wording and the
 * parameter summary are the server's (core's describeParams and describeNotes); this file only
 * lays them out.
 */
import { api, messageOf } from './api.js';
import { append, busy, button, el, newTabLink, renderTime, safeUrl, say } from './dom.js';
import { isAdmin, isMine, isStarred, myName, rememberStar } from './identity.js';

/** @typedef {import('../../server/chat.ts').PageTrack} PageTrack */
/** @typedef {import('../../server/chat.ts').ChatReply} ChatReply */
/** @typedef {Extract<ChatReply, { kind: 'generate' }>} GenerateReply */
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
/**
 * @typedef {object} Progress
 * @property {string} stage
 * @property {number} progress
 * @property {number} [position]
 * @property {boolean} [waiting]
 * @property {number} [etaS]
 * @property {string} [message]
 */

/** core/track-view.ts EXPIRED_TRACK_TEXT, as every frontend words it. */
const EXPIRED_TEXT = 'This track expired: its audio was removed by this server\'s retention rules.';
/** core/track-view.ts AUDIO_UNAVAILABLE_TEXT: what a player that cannot load its audio leaves in its place. */
const UNAVAILABLE_TEXT = 'This track\'s audio could not be loaded. Reload the page to try again; if it still fails, the file is gone from this server.';
/** @type {Record<string, number>} */
const STAGE_RANK = { queued: 0, rendering: 1, encoding: 2, delivering: 3, completed: 4, failed: 5, cancelled: 5 };

/** @type {Map<string, Card>} */
const cards = new Map();
/** @type {Set<string>} generations whose first play this page already reported */
const playsReported = new Set();

export const cardOf = (/** @type {string} */ id) => cards.get(id);
export const allCards = () => cards.values();

/**
 * "Understood: <core's summary> · 30 s · seed 7", as the bots show it.
 * @param {{ summary?: string, durationS?: number, params?: { seed: number } }} info
 */
function understood(info) {
  if (info.summary === undefined || info.durationS === undefined || !info.params) return '';
  return `Understood: ${info.summary} · ${Math.round(info.durationS)} s · seed ${info.params.seed}`;
}

/**
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
 * @param {{ prompt: string, creator: Creator, summary?: string, params?: { seed: number }, durationS?: number, notice?: string | null, take?: Take | null }} info
 * @returns {Card}
 */
export function ensureCard(id, info) {
  const existing = cards.get(id);
  if (existing) {
    const line = understood(info);
    if (line) existing.params.textContent = line;
    setNotice(existing, info.notice);
    return existing;
  }
  const item = el('li', 'msg track');
  item.dataset.generationId = id;
  // Focus lands on the card itself when the button that had it goes away (cancel).
  item.tabIndex = -1;
  const head = el('div', 'head');
  head.append(el('span', 'author', info.creator.displayName), el('span', 'prompt', info.prompt));
  if (info.take) head.append(el('span', 'take', `Take ${info.take.index} of ${info.take.of}`));
  const params = el('p', 'params', understood(info));
  const notice = el('p', 'notice');
  notice.hidden = true;
  const status = el('p', 'status', 'Queued');
  const bar = el('progress');
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute('aria-label', `Progress of ${[...info.prompt].slice(0, 40).join('')}`);
  const body = el('div', 'body');
  item.append(head, params, notice, status, bar, body);
  /** @type {Card} */
  const card = { id, el: item, status, bar, params, notice, body, rank: -1, progress: 0, ready: false, star: null, cancel: null };
  setNotice(card, info.notice);
  cards.set(id, card);
  // The server decides who may cancel; this only avoids offering the button to everyone else.
  if (isMine(info.creator.displayName)) {
    const cancel = button('cancel link', 'Cancel');
    cancel.addEventListener('click', () => cancelTrack(card));
    card.cancel = cancel;
    body.append(cancel);
  }
  if (info.take) placeTake(item, info.take);
  else append(item);
  return card;
}

/** @typedef {{ batchId: string, index: number, of: number }} Take */

/**
 * Takes: a batch's cards sit side by side in one row (one chat message), in take order, whichever
 * arrives first. @param {HTMLElement} item @param {Take} take
 */
function placeTake(item, take) {
  let row = [...document.querySelectorAll('li.takes')].find((n) => /** @type {HTMLElement} */ (n).dataset.batchId === take.batchId)?.querySelector('.takes-row');
  if (!row) {
    const group = el('li', 'msg takes');
    group.dataset.batchId = take.batchId;
    row = el('ul', 'takes-row');
    group.append(el('p', 'takes-head', `${take.of} takes of one prompt, side by side: each has its own seed and star.`), row);
    append(group);
  }
  item.dataset.take = String(take.index);
  const after = [...row.children].find((c) => Number(/** @type {HTMLElement} */ (c).dataset.take) > take.index);
  row.insertBefore(item, after ?? null);
}

/** A generate reply (from a command, Variation or Extend), or one take of it, as its queued card. @param {GenerateReply & { take?: Take | null }} reply */
export function showQueued(reply) {
  const card = ensureCard(reply.generationId, reply);
  applyProgress(card, { stage: 'queued', progress: 0, position: reply.position, waiting: reply.waiting, message: reply.notice ?? undefined });
  return card;
}

/** @param {Card} card @param {Progress} ev */
export function applyProgress(card, ev) {
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
      if (!card.ready) void loadTrack(card.id);
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
export function isPlayable(track) {
  return track.status === 'completed' || (track.status === 'delivering' && track.sizeBytes !== null);
}

/**
 * The buttons and links under a posted track, in order: the one place to add a per-track action.
 * Each gets the card and the track and returns an element, or null to skip it.
 * @type {Array<(card: Card, track: PageTrack) => HTMLElement | null>}
 */
const TRACK_ACTIONS = [
  (card, track) => {
    const star = button('star', '');
    star.dataset.count = String(track.favorites);
    star.addEventListener('click', () => busy(star, () => toggleStar(card)));
    card.star = star;
    return star;
  },
  (card) => {
    const b = button('variation link', 'Variation');
    b.title = 'The same prompt with a new seed, as a new track';
    b.addEventListener('click', () => busy(b, () => requestTrack(card, 'variation')));
    return b;
  },
  (card) => {
    const b = button('extend link', 'Extend +30 s');
    b.title = 'Continue this track for another 30 seconds, as a new track';
    b.addEventListener('click', () => busy(b, () => requestTrack(card, 'extend')));
    return b;
  },
  (card) => {
    const b = button('similar link', 'More like this');
    b.title = 'Tracks of this chat that sound like this one, and why';
    b.addEventListener('click', () => busy(b, () => moreLikeThis(card)));
    return b;
  },
  (_card, track) => newTabLink(track.playerUrl, 'Player page', 'player-link'),
  (_card, track) => {
    if (track.expired) return null;
    const download = el('a', 'download', 'Download');
    download.href = safeUrl(track.downloadUrl);
    download.setAttribute('download', '');
    return download;
  },
  (_card, track) => (track.extendedFrom ? newTabLink(track.extendedFrom.playerUrl, 'Extended from an earlier track', 'extended-from') : null),
  // The server decides who may delete (the creator, or an admin); this only avoids offering it to everyone else.
  (card, track) => {
    if (!isMine(track.creator.displayName) && !isAdmin()) return null;
    const remove = button('delete link', 'Delete');
    remove.addEventListener('click', () => busy(remove, () => deleteTrack(card)));
    return remove;
  },
];

/** @param {PageTrack} track */
export function showTrack(track) {
  const card = ensureCard(track.id, track);
  if (!isPlayable(track)) {
    applyProgress(card, { stage: track.status, progress: track.progress, message: track.errorMessage ?? undefined });
    return card;
  }
  card.rank = STAGE_RANK.completed;
  card.el.dataset.stage = 'completed';
  card.bar.hidden = true;
  // A render too fast to time (or a track from before timing) says nothing rather than "0.0 s".
  card.status.textContent = track.renderMs ? `Done · rendered in ${renderTime(track.renderMs)}` : 'Done';
  if (card.ready) {
    setStarCount(card, track.favorites);
    return card;
  }
  card.ready = true;
  removeCancel(card);

  // An expired track's audio is gone: the card says so where the player was.
  /** @type {HTMLElement} */
  let audio;
  if (track.expired) {
    audio = el('p', 'expired', EXPIRED_TEXT);
  } else {
    const player = el('audio');
    player.controls = true;
    player.preload = 'metadata';
    player.src = safeUrl(track.audioUrl);
    player.setAttribute('aria-label', `Play ${[...track.prompt].slice(0, 60).join('')}`);
    player.addEventListener('play', () => reportPlay(track.id));
    // A dead player says nothing: a plain sentence takes its place.
    player.addEventListener('error', () => player.replaceWith(el('p', 'expired', UNAVAILABLE_TEXT)), { once: true });
    audio = player;
  }

  const actions = el('div', 'actions');
  for (const make of TRACK_ACTIONS) {
    const node = make(card, track);
    if (node) actions.append(node);
  }
  card.body.replaceChildren(audio, actions);
  refreshStar(card);
  return card;
}

/** @param {Card} card */
function removeCancel(card) {
  if (!card.cancel) return;
  const hadFocus = document.activeElement === card.cancel;
  card.cancel.remove();
  card.cancel = null;
  // The button under the keyboard went away: keep the user on this card, not at the page top.
  if (hadFocus) card.el.focus();
}

/** @param {Card} card */
async function cancelTrack(card) {
  const b = card.cancel;
  if (!myName() || !b) return;
  await busy(b, async () => {
    try {
      await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/cancel`, { name: myName() });
      applyProgress(card, { stage: 'cancelled', progress: 0 });
      removeCancel(card);
    } catch (e) {
      say(messageOf(e), 'error');
    }
  });
}

/** @param {Card} card */
async function deleteTrack(card) {
  try {
    await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/delete`, { name: myName() });
    removeCard(card.id);
  } catch (e) {
    say(messageOf(e), 'error');
  }
}

/**
 * Variation (same prompt, new seed) or Extend (this track 30 s longer): a new track, which
 * arrives like any other. Focus stays on the button pressed.
 * @param {Card} card
 * @param {'variation' | 'extend'} kind
 */
async function requestTrack(card, kind) {
  if (!myName()) {
    say(`Pick a name first, then ${kind === 'extend' ? 'extend' : 'vary'} tracks.`, 'error');
    return;
  }
  try {
    showQueued(await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/${kind}`, { name: myName(), requestId: crypto.randomUUID() }));
  } catch (e) {
    say(messageOf(e), 'error');
  }
}

/** More like this: the answer is shown like a command's (replies.js listens for it). @param {Card} card */
async function moreLikeThis(card) {
  try {
    const reply = await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/similar`);
    document.dispatchEvent(new CustomEvent('ditty:reply', { detail: reply }));
  } catch (e) {
    say(messageOf(e), 'error');
  }
}

/** Removes a card; a keyboard user on it goes to the next card, else to the command line. @param {string} id */
export function removeCard(id) {
  const card = cards.get(id);
  if (!card) return;
  const hadFocus = card.el.contains(document.activeElement);
  /** @param {'nextElementSibling' | 'previousElementSibling'} way */
  const nearest = (way) => {
    let node = card.el[way];
    while (node && !node.classList.contains('track')) node = node[way];
    return /** @type {HTMLElement | null} */ (node);
  };
  const next = nearest('nextElementSibling') ?? nearest('previousElementSibling');
  card.el.remove();
  cards.delete(id);
  if (hadFocus) (next ?? /** @type {HTMLElement} */ (document.getElementById('command-input'))).focus();
}

/** @param {string} id */
export async function loadTrack(id) {
  try {
    return showTrack(await api(`/api/chat/tracks/${encodeURIComponent(id)}`));
  } catch (e) {
    // A track from before this page loaded may be gone; the channel still works.
    if (!(e instanceof Error) || !('code' in e) || e.code !== 'not_found') console.warn('could not load track', id, e);
    return null;
  }
}

/** @param {Card} card @param {number} count */
export function setStarCount(card, count) {
  if (!card.star) return;
  card.star.dataset.count = String(count);
  refreshStar(card);
}

/** @param {Card} card */
export function refreshStar(card) {
  if (!card.star) return;
  const on = isStarred(card.id);
  const count = card.star.dataset.count ?? '0';
  card.star.setAttribute('aria-pressed', String(on));
  card.star.textContent = `${on ? '★' : '☆'} ${count}`;
  card.star.title = on ? 'Unstar' : 'Star this track';
}

/** @param {Card} card */
async function toggleStar(card) {
  if (!myName() || !card.star) {
    say('Pick a name first, then star tracks.', 'error');
    return;
  }
  const on = card.star.getAttribute('aria-pressed') !== 'true';
  try {
    /** @type {{ on: boolean, favorites: number }} */
    const result = await api(`/api/chat/tracks/${encodeURIComponent(card.id)}/favorite`, { name: myName(), on });
    rememberStar(card.id, result.on);
    setStarCount(card, result.favorites);
  } catch (e) {
    say(messageOf(e), 'error');
  }
}

/** @param {string} id */
function reportPlay(id) {
  if (playsReported.has(id)) return;
  playsReported.add(id);
  api(`/api/chat/tracks/${encodeURIComponent(id)}/plays`, myName() ? { name: myName() } : {}).catch(() => playsReported.delete(id));
}

