/**
 * The page across a web restart (issue 12, point 6), in a real browser: the stream drops, the page
 * reconnects on its own to the new process (which answers "reset", the page reloads its history),
 * and a track finished after the restart reaches the page as exactly one event.
 */
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BEFORE = 'soft rain piano';
const AFTER = 'warm jazz trio';

let first: TestSystem;
let second: TestSystem | undefined;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
/** Every message the page's EventSource received, as Chromium saw it on the wire. */
const received: Array<{ eventName: string; eventId: string; data: string }> = [];

beforeAll(async () => {
  [first, browser] = await Promise.all([
    startTestSystem({ roles: ['web'] }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
  page = await browser.newPage();
  cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.eventSourceMessageReceived', (e) => received.push({ eventName: e.eventName, eventId: e.eventId, data: e.data }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await second?.stop();
  await first?.stop({ keepData: true });
});

const card = (prompt: string) => page.locator('li.msg.track', { hasText: prompt });

describe('local chat across a web restart', () => {
  it('GIVEN the web process restarts THEN the page reconnects by itself, catches up from the history, and hears of a later track once', async () => {
    await page.goto(`${first.url}/chat`);
    await page.fill('#name-input', 'Ada');
    await page.click('#name-form button[type=submit]');
    await page.waitForSelector('#connection[data-state="live"]');
    await page.fill('#command-input', `/generate ${BEFORE} 5s`);
    await page.press('#command-input', 'Enter');
    await card(BEFORE).locator('.status', { hasText: 'Queued' }).waitFor();
    const idsBefore = received.filter((m) => m.eventId).map((m) => m.eventId);
    expect(idsBefore.length).toBeGreaterThan(0);

    await first.stop({ keepData: true });
    await page.waitForSelector('#connection[data-state="down"]', { timeout: 10_000 });

    // The same port, database, queue and files: a restarted web process, with a worker this time.
    second = await startTestSystem({
      roles: ['web', 'worker'], schema: first.schema,
      env: { HTTP_PORT: String(first.config.http.port), QUEUE_PREFIX: first.config.queuePrefix, DATA_DIR: first.config.dataDir },
    });
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 30_000 });
    // The new process cannot replay the old one's events: it says so, once, and the page reloads.
    await expect.poll(() => received.filter((m) => m.eventName === 'reset').length, { timeout: 10_000 }).toBe(1);
    // The track queued before the restart is finished by the new worker and shown once, playable.
    await card(BEFORE).locator('audio').waitFor({ timeout: 90_000 });
    expect(await card(BEFORE).count()).toBe(1);

    await page.fill('#command-input', `/generate ${AFTER} 5s`);
    await page.press('#command-input', 'Enter');
    await card(AFTER).locator('audio').waitFor({ timeout: 90_000 });
    expect(await card(AFTER).count()).toBe(1);

    const trackEvents = received.filter((m) => m.eventName === 'track').map((m) => (JSON.parse(m.data) as { track: { id: string; prompt: string } }).track);
    expect(new Set(trackEvents.map((t) => t.id)).size).toBe(trackEvents.length); // no track announced twice
    // The later track by its event, exactly once; the earlier one may have finished while the page
    // was away, and then came with the history instead.
    expect(trackEvents.filter((t) => t.prompt === AFTER)).toHaveLength(1);
    expect(trackEvents.filter((t) => t.prompt === BEFORE).length).toBeLessThanOrEqual(1);
    const ids = received.filter((m) => m.eventId && m.eventName !== 'hello').map((m) => m.eventId);
    expect(new Set(ids).size).toBe(ids.length); // no event delivered twice
  });
});
