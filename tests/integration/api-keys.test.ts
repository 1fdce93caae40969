/**
 * API keys and limits: the `npm run apikey` CLI as an operator runs it (only a hash stored, the
 * key shown once, revoke works), and the per-key, per-address and per-user generation limits
 * with their RateLimit / Retry-After headers, against real Postgres and Redis.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../core/api-keys.ts';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const run = promisify(execFile);

describe('npm run apikey', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb('apikey');
  });
  afterAll(async () => {
    await db?.close();
  });
  const cli = (...args: string[]) => run(process.execPath, ['scripts/apikey.ts', ...args, '--schema', db.schema], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'silent' },
  });

  it('GIVEN create, list, revoke THEN the key is shown once, stored only as a hash, and revoked keys are marked', async () => {
    const { stdout } = await cli('create', 'ci bot', '--admin', '--json');
    const created = JSON.parse(stdout) as { id: number; prefix: string; key: string; admin: boolean; webhookSecret: string };
    expect(created.key).toMatch(/^ditty_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/);
    expect(created.admin).toBe(true);
    expect(created.webhookSecret).toMatch(/^whsec_/);
    const rows = await db.em().execute<Array<Record<string, unknown>>>('select * from api_keys');
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(created.key.slice('ditty_'.length + 11)); // the secret part (it may itself contain '_')
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    const human = await cli('create', 'second');
    expect(human.stdout).toMatch(/shown once/);
    const list = JSON.parse((await cli('list', '--json')).stdout) as Array<{ prefix: string; revokedAt: string | null; name: string }>;
    expect(list.map((k) => k.name)).toEqual(['ci bot', 'second']);
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect((await cli('revoke', created.prefix)).stdout).toMatch(/Revoked/);
    const [after] = await db.em().execute<Array<{ revoked_at: Date | null }>>('select revoked_at from api_keys where prefix = ?', [created.prefix]);
    expect(after!.revoked_at).not.toBeNull();
    await expect(cli('revoke', created.prefix)).rejects.toMatchObject({ code: 1 });
    await expect(cli('frobnicate')).rejects.toMatchObject({ code: 2 });
    // each run starts Node and checks migrations: slow on a loaded machine, hence the long bound
  }, 240_000);
});

describe('rate limits', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // No worker: tracks stay queued, which is all the limits need.
    sys = await startTestSystem({ roles: ['web'], env: { API_RATE_LIMIT_PER_MINUTE: '4', API_IP_RATE_LIMIT_PER_MINUTE: '9', RATE_LIMIT_PER_MINUTE: '2' } });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });
  const get = (key: string) => fetch(`${sys.url}/api/v1/recent`, { headers: { authorization: `Bearer ${key}` } });

  it('GIVEN a key past its requests a minute THEN 429 problem with Retry-After; another key goes on until the address limit', async () => {
    const em = () => sys.runtime.orm.em.fork();
    const a = await createApiKey(em(), { name: 'a' });
    const b = await createApiKey(em(), { name: 'b' });
    const remaining: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await get(a.key);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"ip";q=9;w=60, "key";q=4;w=60');
      remaining.push(/"key";r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')![1]!);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const refused = await get(a.key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    const problem = (await refused.json()) as { code: string; retry_after_s: number };
    expect(problem.code).toBe('rate_limited');
    expect(problem.retry_after_s).toBe(wait);
    // b has its own budget, but the address has 9 in all: 5 used by a
    for (let i = 0; i < 4; i++) expect((await get(b.key)).status).toBe(200);
    const byIp = await get(b.key);
    expect(byIp.status).toBe(429);
    expect(((await byIp.json()) as { detail: string }).detail).toMatch(/from this address/);
    // without a key, the address limit still answers first: guessing keys is limited too
    expect((await fetch(`${sys.url}/api/v1/recent`)).status).toBe(429);
  });

  it('GIVEN generations past RATE_LIMIT_PER_MINUTE THEN the core refuses in the chat\'s words, per key', async () => {
    // A fresh minute for this system's address limit only (its own key prefix; the Redis is shared).
    const stale = await sys.runtime.redis.keys(`${sys.config.queuePrefix}:api-rl:ip:*`);
    if (stale.length) await sys.runtime.redis.del(...stale);
    const c = await createApiKey(sys.runtime.orm.em.fork(), { name: 'c' });
    const post = () => fetch(`${sys.url}/api/v1/generations`, {
      method: 'POST', headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'jazz', duration: 5 }),
    });
    // The generations budget is a policy of its own in the RateLimit headers, beside the request limits.
    const generations = (res: Response) => /"generations";r=(\d+);t=(\d+)/.exec(res.headers.get('ratelimit') ?? '');
    for (const left of ['1', '0']) {
      const ok = await post();
      expect(ok.status).toBe(202);
      expect(ok.headers.get('ratelimit-policy')).toMatch(/, "generations";q=2;w=60$/);
      expect(generations(ok)?.[1]).toBe(left);
    }
    const third = await post();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The refusal names the spent policy, and when it refills is the Retry-After.
    expect(third.headers.get('ratelimit-policy')).toMatch(/"generations";q=2;w=60/);
    expect(generations(third)?.slice(1)).toEqual(['0', third.headers.get('retry-after')]);
    const problem = (await third.json()) as { code: string; detail: string };
    expect(problem.code).toBe('rate_limited');
    expect(problem.detail).toMatch(/^You have reached 2 generations a minute; try again in \d+ s\.$/);
  });
});

describe('CORS', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ roles: ['web'], env: { API_CORS_ORIGINS: 'https://app.example.com, https://other.example.org' } });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });
  const preflight = (url: string, origin: string) => fetch(url, {
    method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

  it('GIVEN API_CORS_ORIGINS THEN only those origins are allowed, and only on /api/v1', async () => {
    const ok = await preflight(`${sys.url}/api/v1/generations`, 'https://app.example.com');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await preflight(`${sys.url}/api/v1/generations`, 'https://evil.example.net');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${sys.url}/api/v1/health`, { headers: { origin: 'https://other.example.org' } });
    expect(health.headers.get('access-control-allow-origin')).toBe('https://other.example.org');
    expect(health.headers.get('access-control-expose-headers')).toMatch(/ratelimit/);
    // the chat and the track links are not part of the API: no CORS there
    const chat = await fetch(`${sys.url}/healthz`, { headers: { origin: 'https://app.example.com' } });
    expect(chat.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('GIVEN no API_CORS_ORIGINS THEN no CORS headers at all', async () => {
    const plain = await startTestSystem({ roles: ['web'] });
    try {
      const res = await preflight(`${plain.url}/api/v1/generations`, 'https://app.example.com');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const get = await fetch(`${plain.url}/api/v1/health`, { headers: { origin: 'https://app.example.com' } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.stop();
    }
  }, 60_000);
});
