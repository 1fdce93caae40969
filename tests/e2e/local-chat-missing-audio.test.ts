/**
 * A track whose audio file is gone from the server (a lost data directory, a hand-deleted file)
 * must not leave a player that silently does nothing: the chat card, the track's player page and
 * the gallery say so in a sentence.
 */
import { rm } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO_UNAVAILABLE_TEXT } from '../../core/track-view.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PROMPT = 'calm ambient pads';

let sys: TestSystem;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem(), chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })]);
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

const card = () => page.locator('li.msg.track', { hasText: PROMPT });

describe('local chat, a track whose audio is gone', () => {
  it('GIVEN a finished track whose file was removed THEN its card says the audio could not be loaded instead of a dead player', async () => {
    await page.goto(`${sys.url}/chat`);
    await page.fill('#name-input', 'Ada');
    await page.click('#name-form button[type=submit]');
    await page.waitForSelector('#connection[data-state="live"]');
    await page.fill('#command-input', `/generate ${PROMPT} 5s`);
    await page.press('#command-input', 'Enter');
    await card().locator('audio').waitFor({ timeout: 60_000 });
    // while the file is there, the player loads it
    await expect.poll(() => card().locator('audio').evaluate((a) => (a as unknown as { readyState: number }).readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);

    const rows = (await sys.runtime.orm.em.fork().getConnection().execute(`select storage_path, public_token from generations where storage_path is not null`)) as Array<{ storage_path: string; public_token: string }>;
    expect(rows).toHaveLength(1);
    await rm(rows[0]!.storage_path);

    await page.reload();
    await page.waitForSelector('#connection[data-state="live"]');
    await card().locator('p', { hasText: AUDIO_UNAVAILABLE_TEXT }).waitFor({ timeout: 15_000 });
    expect(await card().locator('audio').count()).toBe(0);
    // the rest of the card stays usable
    expect(await card().locator('a', { hasText: 'Player page' }).count()).toBe(1);

    await page.goto(`${sys.url}/t/${rows[0]!.public_token}`);
    await page.locator('p', { hasText: AUDIO_UNAVAILABLE_TEXT }).waitFor({ timeout: 15_000 });
    expect(await page.locator('audio').count()).toBe(0);

    // the gallery loads nothing until asked (preload none): pressing play finds the file gone
    await page.goto(`${sys.url}/`);
    const track = page.locator('li.track', { hasText: PROMPT }).first();
    await track.locator('audio').evaluate((a) => (a as unknown as { play(): Promise<void> }).play().catch(() => undefined));
    await track.locator('p', { hasText: AUDIO_UNAVAILABLE_TEXT }).waitFor({ timeout: 15_000 });
    expect(await track.locator('audio').count()).toBe(0);
  }, 120_000);
});
