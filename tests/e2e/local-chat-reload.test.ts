/**
 * A page opened while a track is still being made shows it at once, and follows it to the end:
 * the web role runs alone first (nothing renders, the track stays queued), the page is reloaded,
 * then a worker joins the same database and queue and finishes the track.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PROMPT = 'calm ambient pads';

let web: TestSystem;
let worker: TestSystem | undefined;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [web, browser] = await Promise.all([
    startTestSystem({ roles: ['web'] }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop({ keepData: true });
  await web?.stop();
});

const card = () => page.locator('li.msg.track', { hasText: PROMPT });

describe('local chat reloaded mid-generation', () => {
  it('GIVEN a queued track THEN a reloaded page shows it queued, and it turns playable when a worker finishes it', async () => {
    await page.goto(`${web.url}/chat`);
    await page.fill('#name-input', 'Ada');
    await page.click('#name-form button[type=submit]');
    await page.waitForSelector('#connection[data-state="live"]');
    await page.fill('#command-input', `/generate ${PROMPT} 5s`);
    await page.press('#command-input', 'Enter');
    await card().locator('.status', { hasText: 'Queued' }).waitFor();

    await page.reload();
    await page.waitForSelector('#connection[data-state="live"]');
    // shown from the history, not from an event: no worker runs, so none comes
    await card().locator('.status', { hasText: 'Queued' }).waitFor({ timeout: 5_000 });
    expect(await card().count()).toBe(1);

    worker = await startTestSystem({
      roles: ['worker'], schema: web.schema, env: { QUEUE_PREFIX: web.config.queuePrefix, DATA_DIR: web.config.dataDir },
    });
    await card().locator('audio').waitFor({ timeout: 60_000 });
    expect(await card().locator('.status').textContent()).toMatch(/^Done/);
    expect(await card().count()).toBe(1);
  });
});
