/**
 * The web server as deployed: the local chat behind LOCAL_CHAT_TOKEN (identity from the login; the
 * operator logs in with ADMIN_TOKEN to delete anyone's track),
 * event-stream caps, the Host allow-list from PUBLIC_URL, /metrics after a real generation, and
 * the queue dashboard behind ADMIN_TOKEN.
 */
import { access } from 'node:fs/promises';
import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../core/db/index.ts';
import { SESSION_COOKIE } from '../../web/server/chat-auth.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const CHAT_TOKEN = 'chat-token-0123456789abcdef';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem({
    env: { LOCAL_CHAT_TOKEN: CHAT_TOKEN, ADMIN_TOKEN, PUBLIC_URL: 'https://ditty.example.com' },
  });
}, 60_000);
afterAll(async () => {
  await sys?.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sys.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function login(name: string): Promise<string> {
  const res = await post('/api/chat/login', { name, token: CHAT_TOKEN });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0]!;
}

describe('local chat login (LOCAL_CHAT_TOKEN)', () => {
  it('GIVEN no session THEN the API answers 401 login_required, and the page itself still loads', async () => {
    const res = await post('/api/chat/commands', { name: 'Mallory', text: '/help' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('login_required');
    expect((await fetch(`${sys.url}/api/chat/history`)).status).toBe(401);
    expect((await fetch(`${sys.url}/api/chat/events`)).status).toBe(401);
    expect((await fetch(`${sys.url}/`)).status).toBe(200);
    expect(await (await fetch(`${sys.url}/api/chat/session`)).json()).toEqual({ mode: 'token', name: null, admin: false });
  });

  it('GIVEN a wrong token THEN login is refused and no cookie is set', async () => {
    const res = await post('/api/chat/login', { name: 'Mallory', token: 'not-the-token-at-all' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('GIVEN a login THEN the cookie is HttpOnly, SameSite=Strict, Secure, and commands act as the logged-in name, not a typed one', async () => {
    const res = await post('/api/chat/login', { name: 'Ada', token: CHAT_TOKEN });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Secure');
    const cookie = setCookie.split(';')[0]!;
    expect(await (await fetch(`${sys.url}/api/chat/session`, { headers: { cookie } })).json()).toEqual({ mode: 'token', name: 'Ada', admin: false });

    const cmd = await post('/api/chat/commands', { name: 'Grace', text: '/generate calm ambient pads 5s' }, { cookie });
    expect(cmd.status).toBe(200);
    const reply = (await cmd.json()) as { creator: { displayName: string } };
    expect(reply.creator.displayName).toBe('Ada');
  });

  it('GIVEN a tampered cookie THEN it is not a session', async () => {
    const cookie = await login('Ada');
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ n: 'Admin', iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    expect(payload).not.toBe(forged);
    const res = await post('/api/chat/commands', { text: '/help' }, { cookie: `${name}=${forged}.${mac}` });
    expect(res.status).toBe(401);
  });
});

describe('local chat admin (ADMIN_TOKEN)', () => {
  it('GIVEN someone else\'s finished track THEN another user may not delete it; the operator logged in with ADMIN_TOKEN may: file gone, link says deleted', async () => {
    const maker = await login('Maker');
    const res = await post('/api/chat/commands', { text: '/generate calm piano 5s seed:12' }, { cookie: maker });
    const { generationId } = (await res.json()) as { generationId: string };
    await waitFor(async () => {
      const t = (await (await fetch(`${sys.url}/api/chat/tracks/${generationId}`, { headers: { cookie: maker } })).json()) as { status: string };
      return t.status === 'completed' ? true : undefined;
    }, 60_000, 'completed');
    const row = await getGeneration(sys.runtime.orm.em.fork(), generationId);
    const file = row!.storagePath!;
    await access(file);
    // The page's links are relative to this server.
    const playerPath = ((await (await fetch(`${sys.url}/api/chat/tracks/${generationId}`, { headers: { cookie: maker } })).json()) as { playerUrl: string }).playerUrl;
    expect(playerPath).toMatch(/^\/t\//);

    const other = await login('Bystander');
    expect((await post(`/api/chat/tracks/${generationId}/delete`, {}, { cookie: other })).status).toBe(403);
    const session = (await (await fetch(`${sys.url}/api/chat/session`, { headers: { cookie: other } })).json()) as { admin: boolean };
    expect(session.admin).toBe(false);

    const asAdmin = await post('/api/chat/login', { name: 'Operator', token: ADMIN_TOKEN });
    expect(asAdmin.status).toBe(200);
    expect(await asAdmin.json()).toEqual({ name: 'Operator', admin: true });
    const operator = (asAdmin.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(((await (await fetch(`${sys.url}/api/chat/session`, { headers: { cookie: operator } })).json()) as { admin: boolean }).admin).toBe(true);
    expect((await post(`/api/chat/tracks/${generationId}/delete`, {}, { cookie: operator })).status).toBe(200);
    await expect(access(file)).rejects.toThrow();
    const page = await fetch(`${sys.url}${playerPath}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('deleted');
  }, 90_000);
});

describe('event streams', () => {
  it('GIVEN one client with 6 open streams THEN the 7th gets 503 with Retry-After, and another client still gets one', async () => {
    const cookie = await login('Streamer');
    const open: ClientRequest[] = [];
    const openStream = (c: string) => new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpGet(`${sys.url}/api/chat/events`, { headers: { cookie: c } }, resolve);
      req.on('error', reject);
      open.push(req);
    });
    try {
      for (let i = 0; i < 6; i++) expect((await openStream(cookie)).statusCode).toBe(200);
      const refused = await openStream(cookie);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('10');
      expect((await openStream(await login('Other'))).statusCode).toBe(200);
      const metrics = await (await fetch(`${sys.url}/metrics`)).text();
      expect(metrics).toMatch(/^ditty_sse_clients 7$/m);
    } finally {
      for (const req of open) req.destroy();
    }
    // Closed streams free their places.
    await waitFor(async () => ((await openStream(cookie)).statusCode === 200 ? true : undefined), 5_000, 'a freed stream');
    for (const req of open) req.destroy();
  });
});

describe('Host allow-list (PUBLIC_URL)', () => {
  const withHost = (host: string) => new Promise<number>((resolve, reject) => {
    httpGet(`${sys.url}/healthz`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });

  it('GIVEN a request for another host THEN 421; PUBLIC_URL host and loopback are answered', async () => {
    expect(await withHost('evil.example')).toBe(421);
    expect(await withHost('ditty.example.com.evil.example')).toBe(421);
    expect(await withHost('ditty.example.com')).toBe(200);
    expect(await withHost('127.0.0.1:8080')).toBe(200);
    expect(await withHost('localhost')).toBe(200);
  });
});

describe('metrics and the queue dashboard', () => {
  it('GIVEN a finished generation THEN /metrics shows it: jobs, render/encode/deliver histograms, real-time factor, queue depth, stored audio', async () => {
    const cookie = await login('Metric');
    const res = await post('/api/chat/commands', { text: '/generate lo-fi piano at 80 bpm 5s seed:3' }, { cookie });
    const { generationId } = (await res.json()) as { generationId: string };
    await waitFor(async () => {
      const t = (await (await fetch(`${sys.url}/api/chat/tracks/${generationId}`, { headers: { cookie } })).json()) as { status: string };
      return t.status === 'completed' ? true : undefined;
    }, 60_000, 'completed');
    const text = await waitFor(async () => {
      const body = await (await fetch(`${sys.url}/metrics`)).text();
      return /ditty_render_seconds_count [1-9]/.test(body) ? body : undefined;
    }, 10_000, 'render metrics');
    expect(text).toMatch(/^ditty_jobs_total\{queue="render",outcome="completed",code=""\} [1-9]/m);
    expect(text).toMatch(/^ditty_jobs_total\{queue="deliver-local",outcome="completed",code=""\} [1-9]/m);
    expect(text).toMatch(/^ditty_encode_seconds_count [1-9]/m);
    expect(text).toMatch(/^ditty_deliver_seconds_count\{platform="local"\} [1-9]/m);
    expect(text).toMatch(/^ditty_render_realtime_factor_count [1-9]/m);
    expect(text).toMatch(/^ditty_queue_jobs\{queue="render",state="waiting"\} \d+/m);
    expect(Number(/^ditty_audio_bytes (\d+)/m.exec(text)?.[1])).toBeGreaterThan(1000);
    expect(Number(/^ditty_audio_files (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^ditty_http_errors_total\{route="\/api\/chat\/commands",status="401"\} [1-9]/m);
    expect(text).toContain('ditty_process_resident_memory_bytes');
  }, 90_000);

  it('GIVEN a web server bound to every interface THEN /metrics wants the ADMIN_TOKEN (open only on loopback binds)', async () => {
    const open = await startTestSystem({ roles: ['web'], env: { HTTP_HOST: '0.0.0.0', LOCAL_CHAT: 'false', ADMIN_TOKEN } });
    try {
      const url = `http://127.0.0.1:${open.config.http.port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${'y'.repeat(ADMIN_TOKEN.length)}` } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('ditty_jobs_total');
    } finally {
      await open.stop();
    }
  });

  it('GIVEN no admin token THEN /admin/queues is 401 with a Basic challenge; with it (Basic or Bearer) the dashboard answers', async () => {
    const none = await fetch(`${sys.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await fetch(`${sys.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${'x'.repeat(ADMIN_TOKEN.length)}` } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(`${sys.url}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    expect(await basic.text()).toContain('<html');
    const api = await fetch(`${sys.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['render', 'deliver-local', 'deliver-discord', 'deliver-slack']));
  });
});
