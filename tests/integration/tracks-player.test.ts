/**
 * The player page in a real browser (Debian's chromium): the audio loads and plays under the page's
 * CSP, and the play beacon fires once per page view however often the listener presses play.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPublicToken } from '../../core/storage.ts';
import { encode } from '../../worker/audio/encode.ts';
import { testSignal } from '../../worker/audio/test-signal.ts';
import { tracksPlugin } from '../../web/server/tracks.ts';

let dir: string;
let app: FastifyInstance;
let browser: Browser;
let base: string;
const token = newPublicToken();
const plays: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ditty-player-'));
  const file = path.join(dir, 'track.ogg');
  const encoded = await encode(testSignal(3, 32_000, 2), { format: 'opus', bitrateKbps: 96, outPath: file });
  app = Fastify();
  await app.register(tracksPlugin, {
    lookup: async (t) => (t === token
      ? { path: file, mime: encoded.mime, filename: 'tone.ogg', title: 'Tone', prompt: '<script>window.pwned = true</script>', description: '', durationS: 3, sizeBytes: encoded.sizeBytes }
      : null),
    onPlay: async (t) => {
      plays.push(t);
    },
    onDownload: async () => {},
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

// Strings, not functions: they run in the page, and the project compiles without DOM types.
const PLAY = "document.querySelector('audio').play()";

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}

describe('player page in chromium', () => {
  it('GIVEN a page view THEN the audio plays, the beacon fires once despite replays, and no CSP violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${base}/t/${token}`);
    expect(await page.evaluate('window.pwned')).toBeUndefined();

    await page.evaluate(PLAY);
    await waitFor(() => plays.length > 0, 5000);
    expect(plays).toEqual([token]);

    // Real playback through range requests: the browser knows the duration and time advances.
    const duration = Number(await page.evaluate("document.querySelector('audio').duration"));
    expect(Math.abs(duration - 3)).toBeLessThan(0.1);
    // Polled from here: waitForFunction with a string would need 'unsafe-eval', which the CSP forbids.
    let currentTime = 0;
    for (const until = Date.now() + 5000; currentTime <= 0.2 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
      currentTime = Number(await page.evaluate("document.querySelector('audio').currentTime"));
    }
    expect(currentTime).toBeGreaterThan(0.2);

    // Pause, seek, play again: the same page view, so still one play.
    await page.evaluate("(async () => { const a = document.querySelector('audio'); a.pause(); a.currentTime = 0; await a.play(); })()");
    await new Promise((r) => setTimeout(r, 500));
    expect(plays).toEqual([token]);

    // A new page view counts again.
    await page.reload();
    await page.evaluate(PLAY);
    await waitFor(() => plays.length > 1, 5000);
    expect(plays).toEqual([token, token]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
