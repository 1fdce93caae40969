/**
 * The HTTP boundary (issue 12, point 9): broken UTF-8 and NUL in a body or an address are refused
 * in words, and a client that sends its request too slowly is cut off.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrontendRuntime } from '../../core/chat.ts';
import { createLogger } from '../../core/log.ts';
import { buildWebApp } from '../../web/server/app.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

/** Sends raw bytes and resolves with everything the server answered once it closes (or after `waitMs`). */
function raw(port: number, bytes: Buffer, waitMs = 5_000): Promise<{ text: string; ms: number; closed: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve({ text: Buffer.concat(chunks).toString('latin1'), ms: performance.now() - started, closed: false }); }, waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => { clearTimeout(timer); resolve({ text: Buffer.concat(chunks).toString('latin1'), ms: performance.now() - started, closed: true }); });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

function post(path: string, body: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
    body,
  ]);
}

describe('bad bytes on the real system', () => {
  let sys: TestSystem;
  let port: number;
  beforeAll(async () => {
    sys = await startTestSystem({ roles: ['web'] });
    port = Number(new URL(sys.url).port);
  });
  afterAll(async () => sys?.stop());

  it.each([
    ['an invalid UTF-8 byte', Buffer.concat([Buffer.from('{"name":"ada","text":"/generate lo-fi '), Buffer.from([0xff, 0xfe]), Buffer.from(' piano"}')])],
    ['an overlong encoding', Buffer.concat([Buffer.from('{"name":"ada","text":"/generate '), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
    ['a NUL escape in the prompt', Buffer.from('{"name":"ada","text":"/generate lo-fi\\u0000 piano"}')],
    ['a NUL escape in the name', Buffer.from('{"name":"a\\u0000da","text":"/help"}')],
    ['an unpaired surrogate escape', Buffer.from('{"name":"ada","text":"/generate \\ud800 piano"}')],
  ])('GIVEN a body with %s THEN 400 text_invalid in words, and nothing is queued', async (_what, body) => {
    const before = await sys.runtime.queues.render.count();
    const res = await raw(port, post('/api/chat/commands', body));
    expect(res.text).toMatch(/^HTTP\/1\.1 400/);
    expect(res.text).toContain('"code":"text_invalid"');
    expect(res.text).toContain('contains a NUL byte or characters that are not valid UTF-8');
    expect(await sys.runtime.queues.render.count()).toBe(before);
  });

  it('GIVEN valid UTF-8 (accents, emoji) THEN the same command is accepted', async () => {
    const res = await raw(port, post('/api/chat/commands', Buffer.from('{"name":"adé","text":"/generate lo-fi 🎹 piano"}')));
    expect(res.text).toMatch(/^HTTP\/1\.1 200/);
  });

  it.each([
    ['a NUL escape', '/api/chat/history?name=a%00b'],
    ['broken UTF-8', '/api/chat/history?name=%FF%FE'],
  ])('GIVEN an address with %s THEN 400 in words', async (_what, path) => {
    const res = await fetch(`${sys.url}${path}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('text_invalid');
  });
});

describe('slow clients', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    const runtime = {} as FrontendRuntime; // the local chat is off: nothing reads the runtime
    app = await buildWebApp({
      runtime, localChat: false, log: createLogger('silent'),
      tracks: { lookup: async () => null, onPlay: async () => undefined, onDownload: async () => undefined },
      httpLimits: { requestTimeoutMs: 600, headersTimeoutMs: 400, idleTimeoutMs: 5_000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => app?.close());

  it('GIVEN headers that never finish THEN the connection is closed within the headers timeout', async () => {
    const res = await raw(port, Buffer.from('GET /t/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '), 5_000);
    expect(res.closed).toBe(true);
    expect(res.ms).toBeLessThan(3_000);
  });

  it('GIVEN a body that never finishes THEN 408 and the connection is closed within the request timeout', async () => {
    const res = await raw(port, Buffer.from('POST /t/x/play HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":'), 5_000);
    expect(res.closed).toBe(true);
    expect(res.text).toMatch(/^HTTP\/1\.1 408/);
    expect(res.ms).toBeLessThan(3_000);
  });
});
