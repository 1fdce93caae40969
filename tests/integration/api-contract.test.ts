/**
 * The public API against its own OpenAPI document, with the real worker (embedded engine,
 * ffmpeg), Postgres and Redis: every response below, errors included, is validated against the
 * document the server serves (tests/helpers/openapi-contract.ts), and at the end every operation
 * in the document must have been called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey, type CreatedApiKey } from '../../core/api-keys.ts';
import { loadContract, type Contract } from '../helpers/openapi-contract.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

type Gen = { id: string; status: string; links: Record<string, string | null>; plays: number; downloads: number; favorites: number; favorited: boolean; last_played_at: string | null; size_bytes: number | null; format: string | null; realtime_factor: number | null; understood: { text: string; notes: string | null }; queue_position: number | null };
type Page = { items: Gen[]; next_cursor: string | null };
type Problem = { type: string; title: string; status: number; detail: string; code: string };

let sys: TestSystem;
let api: Contract;
let user: CreatedApiKey;
let other: CreatedApiKey;
let admin: CreatedApiKey;

beforeAll(async () => {
  // SSRF protection on, as on a server reachable from a network: the refusals below check it.
  sys = await startTestSystem({ roles: ['worker', 'web'], env: { RATE_LIMIT_PER_MINUTE: '100', API_RATE_LIMIT_PER_MINUTE: '5000', API_IP_RATE_LIMIT_PER_MINUTE: '10000', API_WEBHOOK_ALLOW_PRIVATE: 'false' } });
  const em = () => sys.runtime.orm.em.fork();
  user = await createApiKey(em(), { name: 'contract user' });
  other = await createApiKey(em(), { name: 'other user' });
  admin = await createApiKey(em(), { name: 'contract admin', admin: true });
  api = await loadContract(sys.url);
}, 60_000);

afterAll(async () => {
  await sys?.stop();
});

async function finished(id: string, key = user.key): Promise<Gen> {
  return waitFor(async () => {
    const { body } = await api.call(`/api/v1/generations/${id}`, { key });
    const g = body as Gen;
    if (['completed', 'failed', 'cancelled'].includes(g.status)) return g;
    await new Promise((r) => setTimeout(r, 200));
    return undefined;
  }, 90_000, `generation ${id} to finish`);
}

describe('public API contract', () => {
  it('GIVEN no key THEN only health, the document and the docs page answer; the rest is 401 problem+json', async () => {
    const health = await api.call('/api/v1/health');
    expect(health.res.status).toBe(200);
    expect(health.res.headers.get('ratelimit-policy')).toMatch(/"ip";q=\d+;w=60/);
    const docs = await fetch(`${sys.url}/api/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    for (const [method, path] of [['GET', '/api/v1/recent'], ['POST', '/api/v1/generations'], ['GET', '/api/v1/model/status'], ['GET', '/api/v1/stats']] as const) {
      const { res, body } = await api.call(path, { method, ...(method === 'POST' ? { body: '{"prompt":"x"}' } : {}) });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((body as Problem).code).toBe('unauthorized');
    }
    const wrong = await api.call('/api/v1/recent', { key: `${user.key.slice(0, -3)}abc` });
    expect(wrong.res.status).toBe(401);
  });

  it('GIVEN a prompt THEN it is queued, rendered and served: audio with ranges, counted download, plays, favorites, ETag', async () => {
    const created = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: JSON.stringify({ prompt: 'd-Moll ambient with piano', duration: 6, seed: 7, format: 'mp3' }) });
    expect(created.res.status).toBe(202);
    const g0 = created.body as Gen;
    expect(created.res.headers.get('location')).toBe(g0.links.self);
    // core's describe text: the key keeps its spelling and the style its name
    expect(g0.understood.text).toMatch(/^ambient · \d+ bpm · D minor/);

    // the same Idempotency-Key again: the first generation, not a second one
    const idem = { method: 'POST', key: user.key, headers: { 'idempotency-key': 'contract-1' }, body: JSON.stringify({ prompt: 'jazz trio', duration: 5 }) };
    const first = await api.call('/api/v1/generations', idem);
    const repeat = await api.call('/api/v1/generations', idem);
    expect([first.res.status, repeat.res.status]).toEqual([202, 200]);
    expect((repeat.body as Gen).id).toBe((first.body as Gen).id);
    expect((await api.call('/api/v1/generations', { ...idem, headers: { 'idempotency-key': 'no spaces allowed' } })).res.status).toBe(400);

    const g = await finished(g0.id);
    expect(g.status).toBe('completed');
    expect(g.format).toBe('mp3');
    expect(g.size_bytes).toBeGreaterThan(1000);
    expect(g.realtime_factor).toBeGreaterThan(0);

    const whole = await fetch(g.links.audio!, { headers: { authorization: `Bearer ${user.key}` } });
    const bytes = Buffer.from(await whole.arrayBuffer());
    api.check('GET', g.links.audio!, whole, '');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/mpeg');
    expect(bytes.length).toBe(g.size_bytes);
    const part = await fetch(g.links.audio!, { headers: { authorization: `Bearer ${user.key}`, range: 'bytes=100-199' } });
    const partBytes = Buffer.from(await part.arrayBuffer());
    api.check('GET', g.links.audio!, part, '');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${g.size_bytes}`);
    expect(partBytes.equals(bytes.subarray(100, 200))).toBe(true);
    // A range past the end, as a player with a stale length asks: a problem saying so, not a 500.
    for (const link of [g.links.audio!, g.links.download!]) {
      const past = await fetch(link, { headers: { authorization: `Bearer ${user.key}`, range: `bytes=${g.size_bytes! + 10}-` } });
      const pastBody = api.check('GET', link, past, await past.text()) as Problem;
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${g.size_bytes}`);
      expect(pastBody.code).toBe('range_not_satisfiable');
    }

    const dl = await fetch(g.links.download!, { headers: { authorization: `Bearer ${user.key}` } });
    await dl.arrayBuffer();
    api.check('GET', g.links.download!, dl, '');
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="ditty-d-moll-ambient-with-piano\.mp3"/);

    expect((await api.call(`/api/v1/generations/${g.id}/plays`, { method: 'POST', key: user.key, body: JSON.stringify({ seconds: 5 }) })).res.status).toBe(204);
    // once per key per hour, like a chat user's plays
    expect((await api.call(`/api/v1/generations/${g.id}/plays`, { method: 'POST', key: user.key })).res.status).toBe(204);
    expect((await api.call(`/api/v1/generations/${g.id}/plays`, { method: 'POST', key: other.key })).res.status).toBe(204);

    const fav = await api.call(`/api/v1/generations/${g.id}/favorite`, { method: 'PUT', key: other.key });
    expect(fav.body).toEqual({ favorited: true, changed: true, favorites: 1 });
    expect((await api.call(`/api/v1/generations/${g.id}/favorite`, { method: 'PUT', key: other.key })).body).toEqual({ favorited: true, changed: false, favorites: 1 });

    // Analysis (issue 16): measured after delivery; the read carries it, and /similar answers from it.
    // Waited for before the ETag checks: its arrival changes the track, and so its tag.
    const analysed = await waitFor(async () => {
      const r = (await api.call(`/api/v1/generations/${g.id}`, { key: other.key })).body as Gen & { analysis: { state: string; tempo_bpm: number | null; loudness_lufs: number | null } };
      return r.analysis.state === 'done' ? r : undefined;
    }, 20_000, 'the analysis');
    const read = await api.call(`/api/v1/generations/${g.id}`, { key: other.key });
    const after = read.body as Gen;
    expect(after.plays).toBe(2);
    expect(after.downloads).toBe(1);
    expect(after.favorites).toBe(1);
    expect(after.favorited).toBe(true);
    expect(after.last_played_at).not.toBeNull();
    const etag = read.res.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const again = await api.call(`/api/v1/generations/${g.id}`, { key: other.key, headers: { 'if-none-match': etag } });
    expect(again.res.status).toBe(304);
    expect(again.text).toBe('');
    // the tag follows the content: a change makes the old tag stale
    expect((await api.call(`/api/v1/generations/${g.id}/favorite`, { method: 'DELETE', key: other.key })).body).toEqual({ favorited: false, changed: true, favorites: 0 });
    expect((await api.call(`/api/v1/generations/${g.id}`, { key: other.key, headers: { 'if-none-match': etag } })).res.status).toBe(200);

    expect(analysed.analysis.loudness_lufs).toBeLessThan(-8);
    const similar = await api.call(`/api/v1/generations/${g.id}/similar`, { key: other.key });
    expect(similar.body).toMatchObject({ of: g.id, analysed: true });
    expect((similar.body as { items: Array<{ generation: { id: string } }> }).items.map((i) => i.generation.id)).not.toContain(g.id);
  }, 120_000);

  it('GIVEN several finished tracks THEN recent, most-played and search page through them with cursors, each once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: JSON.stringify({ prompt: `rainy lofi number ${i}`, duration: 5, seed: i }) });
      ids.push((body as Gen).id);
    }
    for (const id of ids) await finished(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const { body } = await api.call(`/api/v1/recent?limit=2${q}`, { key: user.key });
      const page = body as Page;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    expect(seen.indexOf(ids[2]!)).toBeLessThan(seen.indexOf(ids[0]!)); // newest first

    const most = await api.call('/api/v1/most-played?limit=1', { key: user.key });
    const top = (most.body as Page).items[0]!;
    expect(top.plays).toBe(2);
    expect((most.body as Page).next_cursor).not.toBeNull();

    const found = await api.call('/api/v1/search?q=rainy&limit=2', { key: user.key });
    const fp = found.body as Page;
    expect(fp.items).toHaveLength(2);
    const rest = await api.call(`/api/v1/search?q=rainy&limit=2&cursor=${encodeURIComponent(fp.next_cursor!)}`, { key: user.key });
    expect([...fp.items, ...(rest.body as Page).items].map((t) => t.id).sort()).toEqual([...ids].sort());

    const bad = await api.call('/api/v1/recent?cursor=bm9wZQ', { key: user.key });
    expect(bad.res.status).toBe(400);
    expect((bad.body as Problem).code).toBe('bad_request');

    const stats = await api.call('/api/v1/stats?period=all', { key: user.key });
    expect((stats.body as { totals: { completed: number } }).totals.completed).toBeGreaterThanOrEqual(4);
    expect((await api.call('/api/v1/stats?server=global', { key: user.key })).res.status).toBe(200);
  }, 180_000);

  it('GIVEN bad input THEN problem+json with the chat errors\' codes and sentences', async () => {
    const post = (body: unknown, key = user.key) => api.call('/api/v1/generations', { method: 'POST', key, body: JSON.stringify(body) });
    const cases: Array<[unknown, number, string]> = [
      [{ prompt: '   ' }, 400, 'prompt_empty'],
      [{ prompt: 'x'.repeat(1001) }, 400, 'prompt_too_long'],
      [{ prompt: 'jazz', duration: 4 }, 400, 'duration_invalid'],
      [{ prompt: 'jazz', duration: '30s' }, 400, 'duration_invalid'],
      [{ prompt: 'jazz', seed: -1 }, 400, 'seed_invalid'],
      [{ prompt: 'jazz', format: 'flac' }, 400, 'format_invalid'],
      [{ prompt: 'jazz', takes: 5 }, 400, 'takes_invalid'],
      [{ prompt: 'jazz', takes: 'two' }, 400, 'takes_invalid'],
      [{ prompt: 'jazz', callback_url: 'ftp://example.com/x' }, 400, 'url_invalid'],
      [{ prompt: 'jazz', callback_url: 'http://127.0.0.1:9/hook' }, 400, 'url_invalid'],
      [{ prompt: 'jazz', callback_url: 'http://[::1]/hook' }, 400, 'url_invalid'],
      [{ prompt: 'jazz', callback_url: 'http://user:pw@example.com/hook' }, 400, 'url_invalid'],
    ];
    for (const [body, status, code] of cases) {
      const { res, body: problem } = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect((problem as Problem).code).toBe(code);
      expect((problem as Problem).type).toBe(`urn:ditty:problem:${code}`);
    }
    // the same sentence the chats give
    expect(((await post({ prompt: 'jazz', duration: 4 })).body as Problem).detail).toMatch(/^Duration must be a whole number of seconds from 5 to 120/);
    const notJson = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(notJson.res.status).toBe(400);
    const nul = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: JSON.stringify({ prompt: 'a\u0000b' }) });
    expect((nul.body as Problem).code).toBe('text_invalid');
    const missing = await api.call('/api/v1/generations/00000000-0000-4000-8000-000000000000', { key: user.key });
    expect(missing.res.status).toBe(404);
    expect((missing.body as Problem).code).toBe('not_found');
    expect((await api.call('/api/v1/generations/not-a-uuid/audio', { key: user.key })).res.status).toBe(404);
    expect((await api.call('/api/v1/no-such-route', { key: user.key })).res.status).toBe(404);
    // admin-only
    const reload = await api.call('/api/v1/model/reload', { method: 'POST', key: user.key });
    expect(reload.res.status).toBe(403);
    expect((reload.body as Problem).code).toBe('not_allowed');
    expect((await api.call('/api/v1/model/reload', { method: 'POST', key: admin.key })).res.status).toBe(202);
    expect((await api.call('/api/v1/recent?server=discord:123', { key: user.key })).res.status).toBe(403);
    expect((await api.call('/api/v1/recent?server=discord:123', { key: admin.key })).res.status).toBe(200);
    const status = await api.call('/api/v1/model/status', { key: user.key });
    expect((status.body as { workers: unknown[] }).workers.length).toBeGreaterThan(0);
    // a key in the address is refused (and never used)
    const inUrl = await api.call(`/api/v1/recent?api_key=${user.key}`);
    expect(inUrl.res.status).toBe(401);
  }, 60_000);

  it('GIVEN a track THEN its events stream ends with the finished track; DELETE removes it from every list', async () => {
    const { body } = await api.call('/api/v1/generations', { method: 'POST', key: other.key, body: JSON.stringify({ prompt: 'chiptune boss fight', duration: 5 }) });
    const id = (body as Gen).id;
    const res = await fetch(`${sys.url}/api/v1/generations/${id}/events`, { headers: { authorization: `Bearer ${other.key}` } });
    const text = await res.text(); // the server ends the stream once the track is finished
    api.check('GET', `/api/v1/generations/${id}/events`, res, text);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = text.split('\n\n').filter((b) => b.includes('event: ')).map((b) => ({ name: /event: (\w+)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]!) as Record<string, unknown> }));
    expect(events[0]!.name).toBe('generation');
    const last = events[events.length - 1]!;
    expect(last.name).toBe('generation');
    expect(last.data.status).toBe('completed');

    // only its creator may delete it
    expect((await api.call(`/api/v1/generations/${id}`, { method: 'DELETE', key: user.key })).res.status).toBe(403);
    expect((await api.call(`/api/v1/generations/${id}`, { method: 'DELETE', key: other.key })).res.status).toBe(204);
    expect((await api.call(`/api/v1/generations/${id}`, { key: other.key })).res.status).toBe(404);
    const recent = (await api.call('/api/v1/recent?limit=50', { key: other.key })).body as Page;
    expect(recent.items.map((t) => t.id)).not.toContain(id);
  }, 120_000);

  it('GIVEN takes: 3 THEN one batch: take 1 answers with every take\'s id; the takes have seeds s, s+1, s+2 and the asked format', async () => {
    const created = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: JSON.stringify({ prompt: 'bossa nova guitar', duration: 5, seed: 40, takes: 3, format: 'mp3' }) });
    expect(created.res.status).toBe(202);
    const first = created.body as Gen & { seed: number; batch: { id: string; take: number; of: number; generation_ids: string[] } | null };
    expect(first.batch).not.toBeNull();
    expect(first.batch!.take).toBe(1);
    expect(first.batch!.of).toBe(3);
    expect(first.batch!.generation_ids).toHaveLength(3);
    expect(new Set(first.batch!.generation_ids).size).toBe(3);
    expect(first.batch!.generation_ids[0]).toBe(first.id);
    const takes = [];
    for (const id of first.batch!.generation_ids) takes.push((await finished(id)) as Gen & { seed: number; batch: { id: string; take: number } });
    expect(takes.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(takes.map((t) => t.seed)).toEqual([40, 41, 42]);
    expect(takes.map((t) => t.batch.take)).toEqual([1, 2, 3]);
    expect(new Set(takes.map((t) => t.batch.id))).toEqual(new Set([first.batch!.id]));
    expect(takes.map((t) => t.format)).toEqual(['mp3', 'mp3', 'mp3']);
    // a lone track carries no batch
    const lone = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: JSON.stringify({ prompt: 'bossa nova guitar', duration: 5, seed: 40 }) });
    expect((lone.body as { batch: unknown }).batch).toBeNull();
  }, 180_000);

  it('GIVEN a track whose audio retention removed THEN it says expired, offers no audio link, and its audio answers 410 expired', async () => {
    const { body } = await api.call('/api/v1/generations', { method: 'POST', key: user.key, body: JSON.stringify({ prompt: 'old radio jingle', duration: 5 }) });
    const g = await finished((body as Gen).id);
    expect(g).toMatchObject({ status: 'completed', expired: false });
    const audio = g.links.audio!;
    // What the retention sweeper does to a row (core/retention.ts claim): the file goes, the row says when.
    await sys.runtime.orm.em.fork().getConnection().execute('update generations set storage_path = null, expired_at = now() where id = ?', [g.id]);
    const after = (await api.call(`/api/v1/generations/${g.id}`, { key: user.key })).body as Gen & { expired: boolean };
    expect(after.expired).toBe(true);
    expect(after.links.audio).toBeNull();
    expect(after.links.download).toBeNull();
    const gone = await api.call(audio, { key: user.key });
    expect(gone.res.status).toBe(410);
    expect((gone.body as Problem).code).toBe('expired');
  }, 60_000);

  it('GIVEN a revoked key THEN it opens nothing', async () => {
    const key = await createApiKey(sys.runtime.orm.em.fork(), { name: 'short-lived' });
    expect((await api.call('/api/v1/recent', { key: key.key })).res.status).toBe(200);
    expect(await revokeApiKey(sys.runtime.orm.em.fork(), key.prefix)).toBe(true);
    expect((await api.call('/api/v1/recent', { key: key.key })).res.status).toBe(401);
  });

  it('THEN every operation in the document was called', () => {
    expect(api.untested()).toEqual([]);
  });
});
