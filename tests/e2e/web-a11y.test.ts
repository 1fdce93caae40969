/**
 * The web pages as an outsider measures them, in headless Chromium over the real system (core,
 * Postgres, Redis, worker, ffmpeg): axe-core finds no serious or critical violation on the chat,
 * the gallery pages and the player page, in the light and the dark scheme; at 360 px nothing
 * sticks out of the screen and no table cell wraps a word letter by letter (measured in the
 * browser from the laid-out text); keyboard focus stays on star, Variation and Extend after each
 * press; and the chat shows core's describeParams text for the prompt (key spelling, style names,
 * structure words), not a formatting of its own.
 */
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeParams, parsePrompt } from '../../core/prompt/parse.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const NAME = 'Ada Lovelace';

let system: TestSystem;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startTestSystem(),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  await page.goto(`${system.url}${path}`);
  return page;
}

async function joinChat(page: Page, name = NAME): Promise<void> {
  await page.fill('#name-input', name);
  await page.click('#name-form button[type=submit]');
  await page.waitForSelector('#connection[data-state="live"]');
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#command-input', text);
  await page.press('#command-input', 'Enter');
}

/** A finished track's card, waiting for the render. */
async function finishedCard(page: Page, prompt: string) {
  const card = page.locator('li.track[data-stage="completed"]', { hasText: prompt }).last();
  await card.locator('audio').waitFor({ timeout: 90_000 });
  return card;
}

/** Serious and critical axe violations, as "rule: target" lines (empty when the page passes). */
/** The focused element as "<generation id> <class>", to check focus stayed where the user was. */
const focused = (page: Page) => page.evaluate(`(() => {
  const el = document.activeElement;
  return (el?.closest('li.track')?.dataset.generationId ?? '-') + ' ' + (el?.className ?? '');
})()`);

async function axeProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} ${n.failureSummary ?? ''}`.slice(0, 300)));
}

/**
 * Layout problems at the page's current width, measured from the rendered boxes:
 * - an element whose box reaches past the viewport's right edge (or the page scrolls sideways);
 * - a table cell whose text breaks inside a word although the word would fit the cell's width
 *   (letter-by-letter wrapping: each line holds a fragment of a word that is narrower than the cell),
 *   or whose column is narrower than an everyday word in it (15 characters or fewer).
 * Browser code as a string: this project's TypeScript has no DOM types.
 */
const LAYOUT_PROBE = `(() => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) problems.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.position === 'absolute' && r.right < 0) continue;
    if (el.closest('.visually-hidden')) continue;
    if (r.right > vw + 1) problems.push('overflows: ' + el.tagName.toLowerCase() + '.' + el.className + ' right=' + Math.round(r.right) + ' > ' + vw);
  }
  const canvas = document.createElement('canvas').getContext('2d');
  for (const cell of document.querySelectorAll('td, th')) {
    const style = getComputedStyle(cell);
    canvas.font = style.font;
    const width = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    // Lines needed if breaks happen only between words (a word wider than the cell may break).
    let needed = 1, line = 0;
    for (const word of cell.textContent.trim().split(/\\s+/)) {
      const w = canvas.measureText(word).width;
      const add = line === 0 ? w : canvas.measureText(' ').width + w;
      if (line > 0 && line + add > width) { needed += 1; line = w; } else line += add;
      if (w > width) {
        needed += Math.ceil(w / width) - 1;
        // An everyday word (a header like "received") must fit its column; only a long run
        // without spaces (a pasted hash, a hostile name) may break.
        if (word.length <= 15 && w > width + 0.5) problems.push('word does not fit its cell: "' + word + '" ' + Math.round(w) + ' px > ' + Math.round(width) + ' px');
      }
    }
    if (lines > needed) problems.push('cell wraps inside words: "' + cell.textContent.trim().slice(0, 40) + '" ' + lines + ' lines in ' + Math.round(width) + ' px (needs ' + needed + ')');
  }
  return problems;
})()`;

describe('the web pages, measured in a browser', () => {
  let trackPath = '';
  let similarPath = '';
  let chat: Page;
  let context: BrowserContext;

  it('GIVEN "d-Moll ambient" in the chat THEN the card shows core\'s describeParams text (names, spelling, structure)', async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    chat = await open(context, '/chat');
    await joinChat(chat);
    for (const prompt of ['d-Moll ambient intro drop', 'b-Moll lofi', 'dnb 174']) {
      await send(chat, `/generate ${prompt} 5s seed:3`);
      const card = chat.locator('li.track', { hasText: prompt }).last();
      await card.waitFor();
      const expected = describeParams(parsePrompt(prompt, 3));
      await expect.poll(() => card.locator('.params').textContent()).toBe(`Understood: ${expected} · 5 s · seed 3`);
    }
    const dMoll = await chat.locator('li.track', { hasText: 'd-Moll ambient' }).locator('.params').textContent();
    expect(dMoll).toContain('D minor');
    expect(dMoll).toContain('intro → drop');
    expect(await chat.locator('li.track', { hasText: 'b-Moll lofi' }).locator('.params').textContent()).toContain('Bb minor');
    // Genre names, not ids: "drum & bass" style labels come from core's table.
    expect(await chat.locator('li.track', { hasText: 'dnb 174' }).locator('.params').textContent()).not.toMatch(/Understood: dnb /);

    const card = await finishedCard(chat, 'd-Moll ambient');
    expect(await card.locator('.status').textContent()).not.toContain('0.0 s');
    trackPath = new URL(String(await card.locator('a.player-link').getAttribute('href'))).pathname;
    similarPath = `/similar/${await card.getAttribute('data-generation-id')}`;
    await finishedCard(chat, 'b-Moll lofi');
    await finishedCard(chat, 'dnb 174');
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('GIVEN a name chosen in the open chat THEN "My tracks" and "My favorites" opened by their address show that name\'s pages', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`/me: ${e.message}`));
    await page.goto(`${system.url}/me`);
    await page.waitForURL(`${system.url}/me?name=${encodeURIComponent(NAME)}`);
    await page.locator('main .meta', { hasText: `As ${NAME} in the local chat.` }).waitFor();
    expect(await page.locator('main li.track', { hasText: 'd-Moll ambient' }).count()).toBe(1);
    await page.goto(`${system.url}/me/favorites`);
    await page.waitForURL(`${system.url}/me/favorites?name=${encodeURIComponent(NAME)}`);
    // A name the address gives is the page's, even an empty one: the form, filled in, no loop.
    await page.goto(`${system.url}/me?name=`);
    expect(await page.inputValue('#me-name')).toBe(NAME);
    expect(new URL(page.url()).search).toBe('?name=');
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('GIVEN star, Variation, Extend, Cancel and Delete pressed from the keyboard THEN focus stays on the button (or its card) and each does its job', async () => {
    const card = await finishedCard(chat, 'b-Moll lofi');
    const star = card.locator('button.star');
    await star.focus();
    await chat.keyboard.press('Enter');
    const id = await card.getAttribute('data-generation-id');
    await card.locator('button.star[aria-pressed="true"]', { hasText: '★ 1' }).waitFor();
    expect(await focused(chat)).toBe(`${id} star`);
    expect(await star.isDisabled()).toBe(false);

    const tracksBefore = await chat.locator('li.track').count();
    const variation = card.locator('button.variation');
    await variation.focus();
    await chat.keyboard.press('Enter');
    await expect.poll(() => chat.locator('li.track').count()).toBe(tracksBefore + 1);
    expect(await focused(chat)).toBe(`${id} variation link`);
    // Same prompt, a new seed.
    const varied = chat.locator('li.track').last();
    expect(await varied.locator('.prompt').textContent()).toBe('b-Moll lofi');
    expect(await varied.locator('.params').textContent()).not.toMatch(/seed 3$/);

    const extend = card.locator('button.extend');
    await extend.focus();
    await chat.keyboard.press('Enter');
    await expect.poll(() => chat.locator('li.track').count()).toBe(tracksBefore + 2);
    expect(await focused(chat)).toBe(`${id} extend link`);
    expect(await chat.locator('li.track').last().locator('.params').textContent()).toMatch(/· 35 s · seed 3$/);

    // Cancel: the button goes away with the work, and focus stays on its card, not the page top.
    await send(chat, '/generate slow cinematic strings 120s');
    const long = chat.locator('li.track', { hasText: 'slow cinematic strings' }).last();
    const longId = await long.getAttribute('data-generation-id');
    await long.locator('button.cancel').focus();
    await chat.keyboard.press('Enter');
    await long.locator('.status', { hasText: 'Cancelled' }).waitFor();
    expect(await focused(chat)).toBe(`${longId} msg track`);

    // Delete: the card goes away, and focus moves to the next track's card.
    const doomed = await finishedCard(chat, 'dnb 174');
    const doomedId = await doomed.getAttribute('data-generation-id');
    await doomed.locator('button.delete').focus();
    await chat.keyboard.press('Enter');
    await chat.locator(`li.track[data-generation-id="${doomedId}"]`).waitFor({ state: 'detached' });
    expect(await focused(chat)).toMatch(/^[0-9a-f-]{36} msg track$/);

    // /stats answers with the bots' chart and the default period of the bots (this week).
    await send(chat, '/stats');
    const stats = chat.locator('li.stats').last();
    await stats.waitFor();
    expect(await stats.locator('h3').textContent()).toContain('this week');
    await stats.locator('figure.chart img').waitFor();
    const chartWidth = () => chat.evaluate(`(() => {
      const img = [...document.querySelectorAll('li.stats figure.chart img')].at(-1);
      return img && img.complete ? img.naturalWidth : 0;
    })()`);
    await expect.poll(chartWidth).toBe(600);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  for (const scheme of ['light', 'dark'] as const) {
    it(`GIVEN the ${scheme} scheme THEN axe finds no serious or critical violation on the chat, gallery and player pages`, async () => {
      const ctx = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      try {
        const page = await open(ctx, '/chat');
        await joinChat(page);
        await send(page, '/stats');
        await page.locator('li.stats table').first().waitFor();
        await send(page, '/help');
        await page.locator('li.help').waitFor();
        await page.locator('li.track button.star').first().waitFor();
        const found: Record<string, string[]> = { '/chat': await axeProblems(page) };
        // Named in the address: this browser chose a name in the chat, so a bare /me would go on
        // to the name's page while axe reads it ('/me?name=' is the name form).
        for (const path of ['/', '/recent', '/popular', '/favorites', '/search?q=lofi', '/servers', '/servers/local/local', `/me?name=${encodeURIComponent(NAME)}`, `/me/favorites?name=${encodeURIComponent(NAME)}`, '/me?name=', similarPath, trackPath]) {
          await page.goto(`${system.url}${path}`);
          found[path] = await axeProblems(page);
        }
        expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      } finally {
        await ctx.close();
      }
    }, 120_000);
  }

  it('GIVEN a 360 px wide screen THEN no element overflows and no table cell wraps letter by letter', async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const page = await open(ctx, '/chat');
      await joinChat(page, 'Grace Brewster Murray Hopper');
      // A long prompt and a long name in the leaderboard, as people write them.
      await send(page, '/generate melancholic cinematic strings with a slow piano intro 5s seed:5');
      await finishedCard(page, 'melancholic cinematic strings');
      await send(page, '/stats');
      await page.locator('li.stats table').first().waitFor();
      await page.locator('li.stats figure.chart img').waitFor();
      const found: Record<string, string[]> = { '/chat': (await page.evaluate(LAYOUT_PROBE)) as string[] };
      for (const path of ['/', '/servers/local/local', '/search?q=strings', similarPath, trackPath]) {
        await page.goto(`${system.url}${path}`);
        found[path] = (await page.evaluate(LAYOUT_PROBE)) as string[];
      }
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      expect(pageErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 180_000);
});
