/**
 * The HTML of a track's web player page. Everything from the track (title, prompt, description)
 * is user text and is escaped; the only script is inline with a per-response CSP nonce.
 */
import { AUDIO_UNAVAILABLE_TEXT } from '../../core/track-view.ts';

export interface PlayerPageInput {
  /** Already validated as base64url; still escaped like everything else. */
  token: string;
  title: string;
  prompt: string;
  description: string;
  durationS: number;
  sizeBytes: number;
  /** The analysis line and the mismatch sentence (core/analysis.ts), plain text; absent until analysed. */
  measured?: string | null;
  mismatch?: string | null;
  mime: string;
  filename: string;
  /** Per-response nonce, also named in the Content-Security-Policy header. */
  nonce: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export function formatDuration(s: number): string {
  const total = Math.max(0, Math.round(s));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Content-Security-Policy for the page: nothing but our own audio, the nonce'd script and style, and the play POST. */
export function playerPageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "media-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Header the play beacon carries: a cross-site page cannot send it without a CORS preflight we never grant. */
export const PLAY_HEADER = 'x-ditty-play';

export function renderPlayerPage(p: PlayerPageInput): string {
  const base = `/t/${encodeURIComponent(p.token)}`;
  const e = escapeHtml;
  // The play is counted once per page view, when the audio actually starts (not on page load).
  const script = `
const audio = document.getElementById('player');
let counted = false;
// A dead player says nothing: a plain sentence takes its place. The file is a <source>, whose
// error does not reach the <audio>.
audio.querySelector('source').addEventListener('error', () => {
  const note = document.createElement('p');
  note.textContent = ${JSON.stringify(AUDIO_UNAVAILABLE_TEXT)};
  audio.replaceWith(note);
}, { once: true });
audio.addEventListener('play', () => {
  if (counted) return;
  counted = true;
  fetch(audio.dataset.playUrl, { method: 'POST', headers: { '${PLAY_HEADER}': '1' }, keepalive: true }).catch(() => {});
});`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${e(p.title)} · ditty</title>
<meta property="og:title" content="${e(p.title)}">
<meta property="og:description" content="${e(p.prompt)}">
<style nonce="${e(p.nonce)}">
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.4rem; margin-bottom: .25rem; overflow-wrap: anywhere; }
  .prompt { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid #ddd; border-radius: .5rem; padding: .75rem; }
  .meta { color: #666; font-size: .9rem; }
  audio { width: 100%; margin: 1rem 0; }
  .measured { color: #555; font-size: .9rem; }
  .mismatch { background: #fff4e5; border: 1px solid #b45309; color: #7c2d12; border-radius: .5rem; padding: .5rem .75rem; }
</style>
</head>
<body>
<main>
  <h1>${e(p.title)}</h1>
  <p class="meta">${e(formatDuration(p.durationS))} · ${e(formatSize(p.sizeBytes))}${p.description ? ` · ${e(p.description)}` : ''}</p>
  <p class="prompt">${e(p.prompt)}</p>
  ${p.measured ? `<p class="measured">${e(p.measured)}</p>` : ''}
  ${p.mismatch ? `<p class="mismatch" role="note">${e(p.mismatch)}</p>` : ''}
  <audio id="player" controls preload="metadata" data-play-url="${e(`${base}/play`)}">
    <source src="${e(`${base}/audio`)}" type="${e(p.mime)}">
  </audio>
  <p><a href="${e(`${base}/download`)}" download="${e(p.filename)}">Download ${e(p.filename)}</a></p>
</main>
<script nonce="${e(p.nonce)}">${script}
</script>
</body>
</html>
`;
}

/** The page a browser gets for an unknown or removed track; static, so it needs no nonce. */
export const NOT_FOUND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><link rel="icon" href="data:,">
<title>Track not found · ditty</title></head>
<body><h1>Track not found</h1><p>This link is wrong, or the track was removed.</p></body></html>
`;

/** Links to a track whose audio is gone: the retention sweeper's, or its creator's or an admin's deletion. */
export function gonePage(reason: 'expired' | 'deleted'): string {
  const text = reason === 'expired'
    ? 'This track has expired: its audio was removed after the time this server keeps tracks.'
    : 'This track was deleted by its creator or a server admin.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><link rel="icon" href="data:,">
<title>Track ${reason} · ditty</title></head>
<body><h1>Track ${reason}</h1><p>${text}</p></body></html>
`;
}
