// @ts-check
/** Command replies in the channel: the queued card, /stats with its chart, track lists, /help. */
import { showQueued, isPlayable } from './cards.js';
import { append, el, newTabLink, plural, renderTime } from './dom.js';

/** @typedef {import('../../server/chat.ts').ChatReply} ChatReply */
/** @typedef {import('../../server/chat.ts').PageTrack} PageTrack */
/** @typedef {import('../../../core/chat.ts').Stats} Stats */

/** @type {Record<string, string>} */
const PERIODS = { day: 'today', week: 'this week', month: 'this month', all: 'all time' };

/**
 * A leaderboard table. Columns get fixed widths by class (chat.css), so a narrow screen wraps
 * prompts and names between words rather than one letter per line.
 * @param {string} title
 * @param {Array<{ label: string, className?: string }>} headings
 * @param {Array<Array<string | number>>} rows
 */
function table(title, headings, rows) {
  const wrap = el('div');
  wrap.append(el('h4', undefined, title));
  if (rows.length === 0) {
    wrap.append(el('p', 'params', 'Nothing yet.'));
    return wrap;
  }
  const t = el('table');
  const caption = el('caption', 'visually-hidden', title);
  const head = el('tr');
  for (const h of headings) {
    const th = el('th', h.className, h.label);
    th.scope = 'col';
    head.append(th);
  }
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) tr.append(el('td', typeof cell === 'number' ? 'num' : undefined, String(cell)));
    tbody.append(tr);
  }
  t.append(caption, thead, tbody);
  wrap.append(t);
  return wrap;
}

/** A prompt as a table cell shows it: the first 80 characters (as the bots cut theirs), whole words. @param {string} text */
function short(text) {
  const chars = [...text];
  if (chars.length <= 80) return text;
  const cut = chars.slice(0, 80).join('');
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 40))}…`;
}

/** @param {Stats} stats @param {string} chartUrl */
function showStats(stats, chartUrl) {
  const item = el('li', 'msg stats');
  item.append(el('h3', undefined, `Leaderboard · ${PERIODS[stats.period] ?? stats.period} · ${stats.scope === 'global' ? 'everywhere' : 'this chat'}`));
  const t = stats.totals;
  const rate = Math.round(t.successRate * 100);
  const avg = t.avgRenderMs === null ? '' : ` · average render ${renderTime(t.avgRenderMs)}`;
  item.append(el('p', 'totals',
    `${plural(t.generations, 'track')} (${t.completed} done, ${t.failed} failed, ${rate}% success) · ${plural(t.favorites, 'star')} · ${plural(t.plays, 'play')}${avg}`));
  if (stats.topTracks.length > 0) {
    // The bots' chart: bars only, labelled by the list below it.
    const figure = el('figure', 'chart');
    const img = el('img');
    img.src = chartUrl;
    img.width = 600;
    img.height = 260;
    img.alt = `Bar chart: favorites (yellow) and plays (purple) of the ${stats.topTracks.length} top tracks, in the order of the table below.`;
    figure.append(img, el('figcaption', undefined, 'Favorites (yellow) and plays (purple), in the order of the top tracks.'));
    item.append(figure);
  }
  item.append(table('Top tracks', [
    { label: '#', className: 'num rank' }, { label: 'Prompt' }, { label: '★', className: 'num count' },
    { label: '▶', className: 'num count' }, { label: 'By', className: 'by' },
  ], stats.topTracks.map((x, i) => [i + 1, short(x.prompt), x.favorites, x.plays, x.creator])));
  item.append(table('Top creators', [
    { label: '#', className: 'num rank' }, { label: 'Name' }, { label: 'Tracks', className: 'num tracks-made' },
    { label: 'Stars received', className: 'num stars-got' },
  ], stats.topCreators.map((x, i) => [i + 1, x.displayName, x.generations, x.favoritesReceived])));
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
    li.append(el('span', 'author', track.creator.displayName), el('span', 'prompt', track.prompt), document.createTextNode(` · ${Math.round(track.durationS)} s · ★ ${track.favorites} · ▶ ${track.plays} · `));
    li.append(isPlayable(track) ? newTabLink(track.playerUrl, 'play') : document.createTextNode(track.status));
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
export function showReply(reply) {
  switch (reply.kind) {
    case 'generate':
      if (reply.batch) {
        // Takes: a card per take, each with its own seed, side by side.
        const { id: batchId, takes } = reply.batch;
        for (const t of takes) {
          showQueued({ ...reply, generationId: t.generationId, position: t.position, waiting: t.waiting, params: { ...reply.params, seed: t.seed }, take: { batchId, index: t.take, of: takes.length } });
        }
      } else showQueued(reply);
      break;
    case 'stats':
      showStats(reply.stats, reply.chartUrl);
      break;
    case 'recent':
      showTrackList('Recent tracks', reply.tracks, 'No tracks yet. Make the first one with /generate.');
      break;
    case 'search':
      showTrackList(`Tracks matching “${reply.query}”`, reply.tracks, 'No finished track matches. Try other words.');
      break;
    case 'similar':
      showSimilar(reply);
      break;
    case 'help':
      showHelp(reply.help);
      break;
  }
}

/** More like this: the nearest tracks, each with why (plain text; links open the player). @param {Extract<ChatReply, { kind: 'similar' }>} reply */
function showSimilar(reply) {
  const item = el('li', 'msg recent similar');
  item.append(el('h3', undefined, reply.of ? `More like “${reply.of.prompt}”` : 'More like this'));
  if (reply.empty) item.append(el('p', 'params', reply.empty));
  const list = el('ul');
  for (const track of reply.tracks) {
    const li = el('li');
    li.append(el('span', 'prompt', track.prompt), document.createTextNode(` · ${track.reasons} · ${track.measured} · ${track.creator.displayName} · `));
    li.append(isPlayable(track) ? newTabLink(track.playerUrl, 'play') : document.createTextNode(track.status));
    list.append(li);
  }
  item.append(list);
  append(item);
}

// A track card's More like this button hands its answer here (cards.js cannot import this module: it imports cards.js).
document.addEventListener('ditty:reply', (e) => showReply(/** @type {CustomEvent} */ (e).detail));
