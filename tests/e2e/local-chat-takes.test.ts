/**
 * Takes in the local chat, in headless Chromium over the real system (worker with a render fault
 * injected for one seed): `/generate … x3` shows three cards side by side in one message, in take
 * order with their seeds; the made takes become players with their own star, the failed one says
 * why; a star on one take favorites that take only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FAIL_SEED } from '../helpers/render-threads/fail-seed.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let system: TestSystem;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startTestSystem({
      env: { WORKER_CONCURRENCY: '2' },
      worker: { poolOptions: { filename: new URL('../helpers/render-threads/fail-seed.ts', import.meta.url).href, killGraceMs: 500 } },
    }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('takes in the local chat', () => {
  it('GIVEN /generate … 5s seed:66600 x3 THEN three cards side by side, two players with their own star and the failed take told', async () => {
    await page.goto(`${system.url}/chat`);
    await page.fill('#name-input', 'Tess');
    await page.click('#name-form button[type=submit]');
    await page.waitForSelector('#connection[data-state="live"]');
    await page.fill('#command-input', `/generate lo-fi piano 5s seed:${FAIL_SEED - 1} x3`);
    await page.press('#command-input', 'Enter');

    const group = page.locator('li.msg.takes');
    await group.waitFor({ timeout: 15_000 });
    const cards = group.locator('.takes-row > li.track');
    await waitFor(async () => ((await cards.count()) === 3 ? true : undefined), 15_000, 'three take cards');
    expect(await group.count()).toBe(1);
    expect(await cards.locator('.take').allInnerTexts()).toEqual(['Take 1 of 3', 'Take 2 of 3', 'Take 3 of 3']);
    for (const [i, seed] of [FAIL_SEED - 1, FAIL_SEED, FAIL_SEED + 1].entries()) {
      expect(await cards.nth(i).locator('.params').innerText()).toContain(`seed ${seed}`);
    }
    // Side by side: one row, left to right in take order.
    const boxes = await Promise.all([0, 1, 2].map((i) => cards.nth(i).boundingBox()));
    expect(Math.abs(boxes[0]!.y - boxes[1]!.y)).toBeLessThan(2);
    expect(Math.abs(boxes[1]!.y - boxes[2]!.y)).toBeLessThan(2);
    expect(boxes[0]!.x).toBeLessThan(boxes[1]!.x);
    expect(boxes[1]!.x).toBeLessThan(boxes[2]!.x);

    // Takes 1 and 3 become players with their own star; take 2 says why it failed.
    await cards.nth(0).locator('audio').waitFor({ timeout: 60_000 });
    await cards.nth(2).locator('audio').waitFor({ timeout: 60_000 });
    await waitFor(async () => (/engine failed/i.test(await cards.nth(1).locator('.status').innerText()) ? true : undefined), 60_000, 'take 2 failure told');
    expect(await cards.nth(1).locator('audio').count()).toBe(0);

    const id = async (i: number) => (await cards.nth(i).getAttribute('data-generation-id'))!;
    await cards.nth(2).locator('button.star').click();
    const favorites = async (i: number) => ((await (await fetch(`${system.url}/api/chat/tracks/${await id(i)}`)).json()) as { favorites: number }).favorites;
    await waitFor(async () => ((await favorites(2)) === 1 ? true : undefined), 15_000, 'take 3 starred');
    expect(await favorites(0)).toBe(0);
  }, 150_000);
});
