import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newPublicToken } from '../../core/storage.ts';
import { PLAY_HEADER } from '../../web/server/player-page.ts';
import { attachmentDisposition, tracksPlugin, type TrackFile } from '../../web/server/tracks.ts';

let dir: string;
let app: FastifyInstance;
const token = newPublicToken();
const bytes = randomBytes(100_000);
const lookups: string[] = [];
const plays: string[] = [];
const downloads: string[] = [];
let track: TrackFile;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ditty-tracks-'));
  const file = path.join(dir, 'ab', 'cd', 'track.ogg');
  await rm(path.dirname(file), { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
  await writeFile(file, bytes);
  track = {
    path: file,
    mime: 'audio/ogg',
    filename: 'ditty-café «lofi».ogg',
    title: 'Lofi "night" <b>drive</b>',
    prompt: '<script>alert(1)</script> & "quotes" \'single\' <img src=x onerror=alert(2)>',
    description: '90 bpm · A minor',
    durationS: 75.4,
    sizeBytes: bytes.length,
  };
  app = Fastify();
  await app.register(tracksPlugin, {
    lookup: async (t) => {
      lookups.push(t);
      return t === token ? track : null;
    },
    onPlay: async (t) => {
      plays.push(t);
    },
    onDownload: async (t) => {
      downloads.push(t);
    },
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  lookups.length = 0;
  plays.length = 0;
  downloads.length = 0;
});

describe('GET /t/:token/audio', () => {
  it('GIVEN a range THEN 206 with exactly those bytes, Content-Range and the track mime', async () => {
    const res = await app.inject({ method: 'GET', url: `/t/${token}/audio`, headers: { range: 'bytes=1000-1999' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-type']).toBe('audio/ogg');
    expect(res.rawPayload.equals(bytes.subarray(1000, 2000))).toBe(true);
    expect(downloads).toEqual([]);
  });

  it('GIVEN a suffix range THEN the last bytes', async () => {
    const res = await app.inject({ method: 'GET', url: `/t/${token}/audio`, headers: { range: 'bytes=-10' } });
    expect(res.statusCode).toBe(206);
    expect(res.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
  });

  it('GIVEN no range THEN 200 with the whole file and Accept-Ranges', async () => {
    const res = await app.inject({ method: 'GET', url: `/t/${token}/audio` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(Number(res.headers['content-length'])).toBe(bytes.length);
    expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(res.headers['content-disposition']).toBeUndefined();
  });

  it('GIVEN a range past the end THEN 416', async () => {
    const res = await app.inject({ method: 'GET', url: `/t/${token}/audio`, headers: { range: `bytes=${bytes.length + 5}-` } });
    expect(res.statusCode).toBe(416);
  });
});

describe('tokens', () => {
  const bad = [
    'short',
    `${token}x`,
    `${token.slice(0, 42)}.`,
    `${token.slice(0, 42)}B`,
    '..%2F..%2F..%2Fetc%2Fpasswd',
    `${token.slice(0, 41)}%00`,
    encodeURIComponent(`${token.slice(0, 42)}é`),
    '3fa2c9d1-7b4e-4c1a-9f00-1234567890ab',
  ];
  for (const t of bad) {
    it(`GIVEN malformed token ${JSON.stringify(t)} THEN 404 on every route without a lookup`, async () => {
      for (const [method, suffix] of [['GET', ''], ['GET', '/audio'], ['GET', '/download'], ['POST', '/play']] as const) {
        const res = await app.inject({ method, url: `/t/${t}${suffix}`, headers: { [PLAY_HEADER]: '1' } });
        expect(res.statusCode, `${method} ${suffix}`).toBe(404);
      }
      expect(lookups).toEqual([]);
      expect(plays).toEqual([]);
      expect(downloads).toEqual([]);
    });
  }

  it('GIVEN a well-formed but unknown token THEN 404 after one lookup each, nothing counted', async () => {
    const other = newPublicToken();
    const page = await app.inject({ method: 'GET', url: `/t/${other}` });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Track not found');
    expect((await app.inject({ method: 'GET', url: `/t/${other}/download` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/t/${other}/play`, headers: { [PLAY_HEADER]: '1' } })).statusCode).toBe(404);
    expect(lookups).toEqual([other, other, other]);
    expect(plays).toEqual([]);
    expect(downloads).toEqual([]);
  });
});

describe('counting', () => {
  it('GIVEN two downloads THEN onDownload twice, attachment with the UTF-8 file name', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: 'GET', url: `/t/${token}/download` });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(bytes)).toBe(true);
      expect(res.headers['content-disposition']).toBe(attachmentDisposition(track.filename));
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ditty-caf_ _lofi_\.ogg"; filename\*=UTF-8''ditty-caf%C3%A9%20%C2%ABlofi%C2%BB\.ogg$/);
    }
    expect(downloads).toEqual([token, token]);
  });

  it('GIVEN HEAD or a resumed range on download THEN not counted again', async () => {
    expect((await app.inject({ method: 'HEAD', url: `/t/${token}/download` })).statusCode).toBe(200);
    const resumed = await app.inject({ method: 'GET', url: `/t/${token}/download`, headers: { range: 'bytes=50000-' } });
    expect(resumed.statusCode).toBe(206);
    expect(resumed.rawPayload.equals(bytes.subarray(50_000))).toBe(true);
    expect(downloads).toEqual([]);
  });

  it('GIVEN one play beacon THEN onPlay exactly once, 204', async () => {
    const res = await app.inject({ method: 'POST', url: `/t/${token}/play`, headers: { [PLAY_HEADER]: '1' } });
    expect(res.statusCode).toBe(204);
    expect(plays).toEqual([token]);
  });

  it('GIVEN a play POST without the beacon header (a cross-site form) THEN 400, not counted', async () => {
    const res = await app.inject({ method: 'POST', url: `/t/${token}/play` });
    expect(res.statusCode).toBe(400);
    expect(plays).toEqual([]);
  });

  it('GIVEN the player page or the audio THEN no play is counted (only the beacon counts)', async () => {
    await app.inject({ method: 'GET', url: `/t/${token}` });
    await app.inject({ method: 'GET', url: `/t/${token}/audio` });
    expect(plays).toEqual([]);
    expect(downloads).toEqual([]);
  });
});

describe('GET /t/:token (player page)', () => {
  it('GIVEN a hostile prompt and title THEN they appear only escaped, under a nonce CSP', async () => {
    const res = await app.inject({ method: 'GET', url: `/t/${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>drive</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39; &lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('Lofi &quot;night&quot; &lt;b&gt;drive&lt;/b&gt;');
    // Exactly one script element: ours, carrying the nonce the CSP names.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    const nonce = /nonce="([^"]+)"/.exec(scripts[0]!)?.[1];
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('GIVEN the page THEN it links the audio and download by token only, and posts the play on the audio play event', async () => {
    const html = (await app.inject({ method: 'GET', url: `/t/${token}` })).body;
    expect(html).toContain(`<source src="/t/${token}/audio" type="audio/ogg">`);
    expect(html).toContain(`href="/t/${token}/download"`);
    expect(html).toContain(`data-play-url="/t/${token}/play"`);
    expect(html).toMatch(/addEventListener\('play'/);
    expect(html).not.toContain(dir);
    expect(html).toContain('1:15');
  });

  it('GIVEN two pages THEN each gets its own nonce', async () => {
    const a = (await app.inject({ method: 'GET', url: `/t/${token}` })).headers['content-security-policy'];
    const b = (await app.inject({ method: 'GET', url: `/t/${token}` })).headers['content-security-policy'];
    expect(a).not.toBe(b);
  });
});

describe('missing file', () => {
  it('GIVEN a track whose file is gone THEN 404, not a crash or a path leak', async () => {
    const gone = Fastify();
    const t = newPublicToken();
    await gone.register(tracksPlugin, {
      lookup: async () => ({ ...track, path: path.join(dir, 'nope', 'missing.ogg') }),
      onPlay: async () => {},
      onDownload: async () => {},
    });
    const res = await gone.inject({ method: 'GET', url: `/t/${t}/audio` });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(dir);
    await gone.close();
  });
});
