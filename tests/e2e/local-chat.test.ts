/**
 * The local chat end to end: the real page in headless Chromium, the real web app, core,
 * Postgres, BullMQ worker with the embedded engine and ffmpeg. A user picks a name, generates a
 * 5 s track, watches it progress, plays it, stars it, sees it in /stats and downloads it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanVolumeDb, probe } from '../helpers/ffprobe.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // The test presses play from script, which Chromium otherwise blocks without a user gesture.
  '--autoplay-policy=no-user-gesture-required',
];
/** A hostile-looking name: it must show as text, never become markup. */
const NAME = '<b>Ada</b><img src=x>';
const PROMPT = 'lo-fi piano at 80 bpm';

let system: TestSystem;
let browser: Browser;
let page: Page;
let downloads: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  [system, browser, downloads] = await Promise.all([
    startTestSystem(),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    mkdtemp(join(tmpdir(), 'ditty-e2e-dl-')),
  ]);
  page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

/** Waits for a locator; on timeout the error carries what the channel showed, to say why. */
async function appear(locator: ReturnType<Page['locator']>, timeout = 30_000): Promise<void> {
  try {
    await locator.waitFor({ timeout });
  } catch (e) {
    const shown = await page.locator('#log').innerText().catch(() => '(page gone)');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nThe channel showed:\n${shown}\nPage errors: ${pageErrors.join('; ')}`);
  }
}

async function send(text: string): Promise<void> {
  await page.fill('#command-input', text);
  await page.press('#command-input', 'Enter');
}

describe('local chat in a browser', () => {
  it('GIVEN a name and /generate THEN progress, a playable track, a star, /stats and a good file', async () => {
    // `npm start` sends a new user to the root: the gallery, whose first control opens the chat.
    await page.goto(system.url);
    await page.getByRole('link', { name: 'Open the chat' }).click();
    await page.waitForURL(`${system.url}/chat`);

    // A name is required first; an invalid one is refused in place.
    await page.fill('#name-input', 'x'.repeat(33));
    await page.click('#name-form button[type=submit]');
    expect(await page.textContent('#name-error')).toContain('1 to 32');
    await page.fill('#name-input', NAME);
    await page.click('#name-form button[type=submit]');
    expect(await page.textContent('#who-name')).toBe(NAME);
    expect(await page.locator('img').count()).toBe(0);
    await page.waitForSelector('#connection[data-state="live"]');

    // A refusal is a message in the channel, not a crash; the text comes back to be fixed.
    await send('/generate lo-fi piano 500s');
    await page.locator('li.msg.error', { hasText: 'Duration "500s" is not valid' }).waitFor();
    expect(await page.inputValue('#command-input')).toBe('/generate lo-fi piano 500s');
    await page.fill('#command-input', '');
    await page.press('#command-input', 'ArrowUp');
    expect(await page.inputValue('#command-input')).toBe('/generate lo-fi piano 500s');

    // Record every status line the card shows, so fast stages are not missed by polling.
    // Browser-side code as strings: this project's TypeScript has no DOM types.
    await page.evaluate(`{
      const seen = (window.statuses = []);
      new MutationObserver(() => {
        for (const s of document.querySelectorAll('li.track .status')) {
          if (seen.at(-1) !== s.textContent) seen.push(s.textContent);
        }
      }).observe(document.getElementById('log'), { subtree: true, childList: true, characterData: true });
    }`);
    await send(`/generate ${PROMPT} 5s seed:7`);
    const card = page.locator('li.track', { hasText: PROMPT });
    await appear(card);
    expect(await card.locator('.params').textContent()).toMatch(/80 bpm.*5 s · seed 7/);

    const audio = card.locator('audio');
    await appear(audio, 60_000);
    const statuses = (await page.evaluate('window.statuses')) as string[];
    expect(statuses.some((s) => /^Queued/.test(s))).toBe(true);
    expect(statuses.some((s) => /^Rendering · \d+%/.test(s))).toBe(true);
    expect(statuses.at(-1)).toMatch(/^Done/);

    // Playable: the source answers with audio, and the browser decodes its duration.
    const src = await audio.getAttribute('src');
    expect(src).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+\/audio$/);
    const head = await page.evaluate(async (url) => {
      const res = await fetch(url, { headers: { range: 'bytes=0-99' } });
      return { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
    }, src!);
    expect([200, 206]).toContain(head.status);
    expect(head.type).toMatch(/^audio\//);
    expect(head.bytes).toBeGreaterThan(0);
    const id = await card.getAttribute('data-generation-id');
    const playPosted = page.waitForResponse((r) => r.url().endsWith(`/api/chat/tracks/${id}/plays`));
    playPosted.catch(() => undefined); // awaited below; a closed page must not leave it unhandled
    const duration = (await page.evaluate(`(async () => {
      const a = document.querySelector('li.track[data-generation-id="${id}"] audio');
      if (a.readyState < 1) await new Promise((r) => a.addEventListener('loadedmetadata', r, { once: true }));
      await a.play();
      a.pause();
      return a.duration;
    })()`)) as number;
    expect(Math.abs(duration - 5)).toBeLessThan(0.1);
    expect((await playPosted).status()).toBe(204);

    // Star it: the count comes back from the core.
    const star = card.locator('button.star');
    expect(await star.textContent()).toBe('☆ 0');
    await star.click();
    await card.locator('button.star[aria-pressed="true"]', { hasText: '★ 1' }).waitFor();

    // /stats: the track leads with its star and the play; the creator is listed by name, as text.
    await send('/stats');
    const stats = page.locator('li.stats').last();
    await stats.waitFor();
    const topTrack = stats.locator('table').first().locator('tr').nth(1);
    await topTrack.waitFor();
    expect(await topTrack.locator('td').allTextContents()).toEqual(['1', PROMPT, '1', '1', NAME]);
    expect(await stats.locator('.totals').textContent()).toMatch(/^1 track \(1 done, 0 failed, 100% success\) · 1 star · 1 play/);

    // /search finds it by its words (Postgres full text through the core).
    await send('/search piano');
    await appear(page.locator('li.recent', { hasText: 'Tracks matching “piano”' }).locator('li', { hasText: PROMPT }));

    // A reload keeps the channel: history comes from the core, stars from this browser.
    await page.reload();
    const again = page.locator('li.track', { hasText: PROMPT });
    await again.locator('audio').waitFor();
    expect(await again.locator('button.star').textContent()).toBe('★ 1');

    // The download is the real file: Opus, 5 s within 0.1 s, not silent.
    const [download] = await Promise.all([page.waitForEvent('download'), again.locator('a.download').click()]);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^ditty-lo-fi-piano.*\.ogg$/);
    const probed = await probe(file);
    expect(probed.codec).toBe('opus');
    expect(Math.abs(probed.durationS - 5)).toBeLessThanOrEqual(0.1);
    expect(await meanVolumeDb(file)).toBeGreaterThan(-50);

    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('GIVEN two people on the channel THEN each sees the other\'s track arrive live and stars update live', async () => {
    const context = await browser.newContext();
    const other = await context.newPage();
    other.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await other.goto(`${system.url}/chat`);
      await other.fill('#name-input', 'Grace Hopper');
      await other.click('#name-form button[type=submit]');
      await other.waitForSelector('#connection[data-state="live"]');

      // Ada (the first page) asks; Grace sees the card appear and finish without reloading.
      await send('/generate ambient pads in D minor 5s seed:11');
      const onOther = other.locator('li.track', { hasText: 'ambient pads in D minor' });
      await onOther.locator('audio').waitFor({ timeout: 60_000 });
      expect(await onOther.locator('.author').textContent()).toBe(NAME);

      // Grace stars it; Ada's count follows.
      await onOther.locator('button.star').click();
      await onOther.locator('button.star[aria-pressed="true"]', { hasText: '★ 1' }).waitFor();
      const onAda = page.locator('li.track', { hasText: 'ambient pads in D minor' });
      await appear(onAda.locator('button.star[aria-pressed="false"]', { hasText: '☆ 1' }));
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('GIVEN a long track THEN its creator can cancel it while it renders and it is never posted', async () => {
    await send('/generate slow cinematic strings 120s');
    const card = page.locator('li.track', { hasText: 'slow cinematic strings' });
    await appear(card.locator('button.cancel'));
    await card.locator('button.cancel').click();
    await appear(card.locator('.status', { hasText: 'Cancelled' }));
    expect(await card.locator('button.cancel').count()).toBe(0);
    const id = await card.getAttribute('data-generation-id');
    // The core agrees, and the worker never delivers it.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await system.runtime.core.track(id!))?.status).toBe('cancelled');
    expect(await card.locator('audio').count()).toBe(0);
  }, 60_000);
});
