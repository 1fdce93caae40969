/**
 * Completion callbacks end to end: a real render, a local receiver that fails the first two
 * attempts, then checks the Standard Webhooks signature exactly as a receiver would (its own
 * HMAC from the key's whsec_ secret over id.timestamp.body). Plus the SSRF refusals.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, webhookSecretFor, type CreatedApiKey } from '../../core/api-keys.ts';
import { isPrivateAddress, postWebhook, signWebhook } from '../../web/server/api/webhooks.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

interface Hit {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let sys: TestSystem;
let key: CreatedApiKey;
let receiver: Server;
let receiverUrl: string;
const hits: Hit[] = [];
/** Answers to give, in order; then 200. */
const answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/ditty?token=abc`;
  sys = await startTestSystem({
    roles: ['worker', 'web'],
    env: { API_WEBHOOK_ALLOW_PRIVATE: 'true', API_WEBHOOK_ATTEMPTS: '4', API_WEBHOOK_TIMEOUT_S: '2' },
    configure: (c) => {
      c.api.webhook.backoffMs = 300;
    },
  });
  key = await createApiKey(sys.runtime.orm.em.fork(), { name: 'hooks' });
}, 60_000);

afterAll(async () => {
  await sys?.stop();
  await new Promise((r) => receiver?.close(r));
});

/** What a receiver does: recompute the signature with its own secret and compare. */
function verify(secret: string, h: Hit): boolean {
  const id = String(h.headers['webhook-id']);
  const ts = String(h.headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${ts}.${h.body}`).digest('base64');
  return String(h.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

describe('completion webhooks', () => {
  it('GIVEN a callback that fails twice THEN it is retried with growing delays and the third, signed, attempt lands', async () => {
    answers.push(500, 503);
    const res = await fetch(`${sys.url}/api/v1/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'house at 124 bpm', duration: 5, callback_url: receiverUrl }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(() => (hits.length >= 3 ? true : undefined), 90_000, 'three callback attempts');
    const [a, b, c] = hits;
    // exponential backoff: at least 300 ms, then at least 600 ms (lower bounds: a loaded machine only adds)
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(280);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(580);
    for (const h of hits) {
      expect(h.headers['content-type']).toBe('application/json');
      // the receiver derives the secret from the key it holds; the CLI printed the same one
      expect(key.webhookSecret).toBe(webhookSecretFor(key.key));
      expect(verify(key.webhookSecret, h)).toBe(true);
      expect(verify(webhookSecretFor('ditty_aaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrongwrongwro'), h)).toBe(false);
      expect(Math.abs(Number(h.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(h.headers['webhook-id']).toBe(`gen_${id}_completed`);
    }
    const payload = JSON.parse(c!.body) as { type: string; data: { id: string; status: string; links: { audio: string } } };
    expect(payload.type).toBe('generation.completed');
    expect(payload.data.id).toBe(id);
    expect(payload.data.status).toBe('completed');
    // a tampered body fails verification
    expect(verify(key.webhookSecret, { ...c!, body: c!.body.replace('completed', 'failed') })).toBe(false);
    // and nothing more: the delivered callback is not repeated
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hits).toHaveLength(3);
  }, 120_000);

  it('GIVEN a receiver that never succeeds THEN attempts stop at API_WEBHOOK_ATTEMPTS', async () => {
    hits.length = 0;
    answers.push(500, 500, 500, 500, 500, 500, 500, 500);
    const res = await fetch(`${sys.url}/api/v1/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'techno', duration: 5, callback_url: receiverUrl }),
    });
    expect(res.status).toBe(202);
    await waitFor(() => (hits.length >= 4 ? true : undefined), 90_000, 'four attempts');
    // 300 + 600 + 1200 ms of backoff have passed; a fifth would have come 2.4 s later
    await new Promise((r) => setTimeout(r, 4_000));
    expect(hits).toHaveLength(4);
    answers.length = 0;
  }, 120_000);

  it('GIVEN a receiver that hangs THEN the attempt is cut at the timeout', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
    const started = Date.now();
    await expect(postWebhook(url, signWebhook('whsec_AAAA', 'x', 1, '{}') as unknown as Record<string, string>, '{}', { timeoutMs: 500, allowPrivate: true })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
    hang.closeAllConnections();
    await new Promise((r) => hang.close(r));
  });

  it('GIVEN private addresses and SSRF protection on THEN neither literal nor resolved private hosts are called', async () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0', '100.64.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
    hits.length = 0;
    // "localhost" resolves to loopback: refused at connect time, never reaching the receiver
    const port = new URL(receiverUrl).port;
    await expect(postWebhook(`http://localhost:${port}/x`, {}, '{}', { timeoutMs: 2_000, allowPrivate: false })).rejects.toThrow(/private/);
    await expect(postWebhook(`http://127.0.0.1:${port}/x`, {}, '{}', { timeoutMs: 2_000, allowPrivate: false })).rejects.toThrow(/private/);
    expect(hits).toHaveLength(0);
  });
});

describe('callbacks of tracks that do not finish', () => {
  it('GIVEN a track cancelled before it renders THEN its callback says generation.cancelled, once', async () => {
    // No worker in this system: the track stays queued until it is cancelled. No
    // API_WEBHOOK_ALLOW_PRIVATE either: on a loopback bind without PUBLIC_URL (npm start as it
    // comes) a receiver on localhost is called.
    const web = await startTestSystem({ roles: ['web'] });
    try {
      hits.length = 0;
      const k = await createApiKey(web.runtime.orm.em.fork(), { name: 'canceller' });
      const auth = { authorization: `Bearer ${k.key}` };
      const res = await fetch(`${web.url}/api/v1/generations`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'ambient', duration: 5, callback_url: receiverUrl }),
      });
      const { id } = (await res.json()) as { id: string };
      expect((await fetch(`${web.url}/api/v1/generations/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
      await waitFor(() => (hits.length >= 1 ? true : undefined), 30_000, 'the cancelled callback');
      const payload = JSON.parse(hits[0]!.body) as { type: string; data: { status: string } };
      expect(payload.type).toBe('generation.cancelled');
      expect(hits[0]!.headers['webhook-id']).toBe(`gen_${id}_cancelled`);
      expect(verify(k.webhookSecret, hits[0]!)).toBe(true);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(hits).toHaveLength(1);
    } finally {
      await web.stop();
    }
  }, 60_000);
});
