// @ts-check
/**
 * The channel's live side: the history from /api/chat/history, then every event from
 * /api/chat/events (queued, progress, posted tracks, stars, deletions), resuming after drops.
 */
import { api, messageOf } from './api.js';
import { applyProgress, cardOf, ensureCard, loadTrack, removeCard, setStarCount, showTrack } from './cards.js';
import { byId, say } from './dom.js';
import { myName, rememberStar } from './identity.js';

/** @typedef {import('../../server/chat.ts').ChatEvent} ChatEvent */
/** @typedef {import('../../server/chat.ts').PageTrack} PageTrack */
/** @typedef {import('./cards.js').Card} Card */

const connection = byId('connection');

/** @type {Map<string, Promise<Card | null>>} cards being fetched, so a burst of events fetches once */
const fetching = new Map();

/** @param {string} id @returns {Promise<Card | null>} */
async function cardFor(id) {
  const existing = cardOf(id);
  if (existing) return existing;
  let pending = fetching.get(id);
  if (!pending) {
    pending = loadTrack(id);
    fetching.set(id, pending);
    void pending.finally(() => fetching.delete(id));
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
      const card = cardOf(event.generationId);
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

export async function loadHistory() {
  try {
    const name = myName();
    /** @type {{ tracks: PageTrack[], inProgress: PageTrack[], starred: string[] | null }} */
    const history = await api(name ? `/api/chat/history?name=${encodeURIComponent(name)}` : '/api/chat/history');
    const { tracks, inProgress } = history;
    if (history.starred) for (const track of tracks) rememberStar(track.id, history.starred.includes(track.id));
    // Newest first from the server; a channel reads top to bottom. Tracks still being made come
    // last (oldest first), where their progress events will find them.
    for (const track of [...tracks].reverse()) showTrack(track);
    for (const track of inProgress) showTrack(track);
  } catch (e) {
    say(messageOf(e), 'error');
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
        if (!lastEventId) void loadHistory();
        connect();
      }, delay);
    }
  });
  for (const type of ['queued', 'progress', 'track', 'favorite', 'deleted', 'hello', 'reset']) {
    source.addEventListener(type, (message) => {
      const m = /** @type {MessageEvent} */ (message);
      if (m.lastEventId) lastEventId = m.lastEventId;
      try {
        void onEvent(/** @type {ChatEvent} */ (JSON.parse(m.data)));
      } catch (e) {
        console.warn('bad event', e);
      }
    });
  }
}

let live = false;
/** Loads the history, then follows the stream (once per page). */
export async function startLive() {
  if (live) return;
  live = true;
  await loadHistory();
  connect();
}
