// @ts-check
/**
 * The gallery works without this script; it only adds what needs the browser: a play counts
 * once per page view when the audio starts (as on the player page), one track plays at a time,
 * and in the open chat (no login) "My tracks" knows the name this browser chose in the chat.
 */
const PLAY_HEADER = 'x-ditty-play';
/** core/track-view.ts AUDIO_UNAVAILABLE_TEXT: what a player that cannot load its audio leaves in its place. */
const UNAVAILABLE_TEXT = 'This track\'s audio could not be loaded. Reload the page to try again; if it still fails, the file is gone from this server.';
const NAME_KEY = 'ditty.name';

/** @type {Set<string>} */
const counted = new Set();
for (const audio of document.querySelectorAll('audio[data-play-url]')) {
  // A dead player says nothing: a plain sentence takes its place (preload is none, so on a play).
  audio.addEventListener('error', () => {
    const note = document.createElement('p');
    note.className = 'unavailable';
    note.textContent = UNAVAILABLE_TEXT;
    audio.replaceWith(note);
  }, { once: true });
  audio.addEventListener('play', () => {
    for (const other of document.querySelectorAll('audio')) if (other !== audio) other.pause();
    const url = /** @type {HTMLElement} */ (audio).dataset.playUrl ?? '';
    if (!url.startsWith('/t/') || counted.has(url)) return;
    counted.add(url);
    fetch(url, { method: 'POST', headers: { [PLAY_HEADER]: '1' }, keepalive: true }).catch(() => counted.delete(url));
  });
}

const saved = localStorage.getItem(NAME_KEY);
const nameInput = /** @type {HTMLInputElement | null} */ (document.getElementById('me-name'));
const signedIn = document.querySelector('.site .who') !== null;
// "My tracks" opened by its address (a bookmark, a typed /me) in a browser that chose a name in
// the chat: show that name's page instead of asking. Only when the address names nobody, so a
// name the server refuses leaves the form up instead of coming back here.
if (saved && nameInput && !signedIn && !new URLSearchParams(location.search).has('name')) {
  location.replace(`${location.pathname}?name=${encodeURIComponent(saved)}`);
} else if (saved && nameInput && !nameInput.value) nameInput.value = saved;
// Only without a login (no "signed in as"): with one, the server knows the name from the session.
if (saved && !signedIn) {
  for (const a of document.querySelectorAll('a[href="/me"], a[href="/me/favorites"]')) {
    const link = /** @type {HTMLAnchorElement} */ (a);
    link.href = `${link.getAttribute('href')}?name=${encodeURIComponent(saved)}`;
  }
}
