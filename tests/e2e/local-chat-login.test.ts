/**
 * The local chat page behind LOCAL_CHAT_TOKEN, in headless Chromium: the login form asks for the
 * token, a wrong one is refused in place, the right one opens the channel as the logged-in name
 * (the session cookie is HttpOnly: the page's script cannot read it), a reload keeps the session,
 * and a finished track offers its creator Delete, which removes it for every open page. The
 * gallery at `/` sits behind the same login: without a session it leads to the chat's form. A page
 * whose event stream is refused (503: its client holds too many) retries by itself and goes live.
 */
import { get as httpGet, type ClientRequest } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'browser-login-token-0123456789';
const ADMIN_TOKEN = 'browser-admin-token-0123456789';

let system: TestSystem;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  [system, browser] = await Promise.all([
    startTestSystem({ env: { LOCAL_CHAT_TOKEN: TOKEN, ADMIN_TOKEN } }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function newPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

async function login(page: Page, name: string, token: string): Promise<void> {
  await page.fill('#name-input', name);
  await page.fill('#token-input', token);
  await page.click('#name-form button[type=submit]');
}

describe('local chat login in a browser', () => {
  it('GIVEN the token login THEN wrong tokens are refused, the right one opens the channel, and the session survives a reload', async () => {
    const page = await newPage();
    // The gallery shows server content: without a session, / leads to the chat's login form.
    await page.goto(system.url);
    expect(new URL(page.url()).pathname).toBe('/chat');
    await page.locator('#token-input').waitFor({ state: 'visible' });
    expect(await page.isDisabled('#command-input')).toBe(true);

    await login(page, 'Ada', 'wrong-token-wrong-token');
    await page.locator('#name-error', { hasText: 'not right' }).waitFor();
    expect(await page.isHidden('#who')).toBe(true);

    await login(page, 'Ada', TOKEN);
    await page.locator('#who-name', { hasText: 'Ada' }).waitFor();
    await page.waitForSelector('#connection[data-state="live"]');
    // HttpOnly: the page's script never sees the session.
    expect(await page.evaluate('document.cookie')).not.toContain('ditty_chat');

    await page.reload();
    await page.locator('#who-name', { hasText: 'Ada' }).waitFor();
    await page.waitForSelector('#connection[data-state="live"]');

    // Logged in, the gallery opens, as the session's name.
    await page.click('a.gallery-link');
    await page.waitForURL(`${system.url}/`);
    expect(await page.locator('.site .who').innerText()).toContain('Ada');
    await page.goto(`${system.url}/me`);
    expect(await page.locator('main').innerText()).toContain('As Ada in the local chat');
    expect(pageErrors).toEqual([]);
  });

  it('GIVEN a finished track THEN its creator and the admin see Delete, another user does not, and deleting removes it from both pages', async () => {
    const ada = await newPage();
    await ada.goto(`${system.url}/chat`);
    await login(ada, 'Ada', TOKEN);
    await ada.waitForSelector('#connection[data-state="live"]');
    const bob = await newPage();
    await bob.goto(`${system.url}/chat`);
    await login(bob, 'Bob', TOKEN);
    await bob.waitForSelector('#connection[data-state="live"]');

    await ada.fill('#command-input', '/generate calm ambient pads 5s seed:9');
    await ada.press('#command-input', 'Enter');
    const adaCard = ada.locator('li.msg.track[data-stage="completed"]', { hasText: 'calm ambient pads' }).last();
    await adaCard.waitFor({ timeout: 60_000 });
    const id = await adaCard.getAttribute('data-generation-id');
    const bobCard = bob.locator(`li.msg.track[data-generation-id="${id}"][data-stage="completed"]`);
    await bobCard.waitFor({ timeout: 30_000 });
    expect(await bobCard.locator('button.delete').count()).toBe(0);
    // The operator, logged in with ADMIN_TOKEN, is offered Delete on everyone's tracks.
    const operator = await newPage();
    await operator.goto(`${system.url}/chat`);
    await login(operator, 'Operator', ADMIN_TOKEN);
    await operator.locator(`li.msg.track[data-generation-id="${id}"][data-stage="completed"] button.delete`).waitFor({ timeout: 30_000 });
    await bob.goto(`${system.url}/recent`);
    expect(await bob.locator(`li.track[data-track-id="${id}"]`).count()).toBe(1);
    await bob.goto(`${system.url}/chat`);
    await bobCard.waitFor({ timeout: 30_000 });

    await adaCard.locator('button.delete').click();
    await ada.locator(`li.msg.track[data-generation-id="${id}"]`).waitFor({ state: 'detached' });
    await bob.locator(`li.msg.track[data-generation-id="${id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    // Deleted tracks never appear in the gallery.
    for (const path of ['/', '/recent', '/me']) {
      await ada.goto(`${system.url}${path}`);
      expect(await ada.locator(`li.track[data-track-id="${id}"]`).count(), path).toBe(0);
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('GIVEN the client already holds its 6 event streams THEN the page is refused (503), shows reconnecting, and goes live by itself once one closes', async () => {
    const res = await fetch(`${system.url}/api/chat/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Streams', token: TOKEN }),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const held: ClientRequest[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const status = await new Promise<number | undefined>((resolve, reject) => {
          const req = httpGet(`${system.url}/api/chat/events`, { headers: { cookie } }, (r) => resolve(r.statusCode));
          req.on('error', reject);
          held.push(req);
        });
        expect(status).toBe(200);
      }
      const page = await newPage();
      const refused = page.waitForResponse((r) => r.url().includes('/api/chat/events') && r.status() === 503);
      await page.goto(`${system.url}/chat`);
      await login(page, 'Streams', TOKEN);
      await refused;
      await page.waitForSelector('#connection[data-state="down"]');
      expect(await page.locator('#connection').innerText()).toContain('reconnecting');
      held.pop()!.destroy();
      // The page's own retry (about 2 s, then backing off), not a reload.
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 30_000 });
    } finally {
      for (const req of held) req.destroy();
    }
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
