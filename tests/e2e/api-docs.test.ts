/**
 * docs/api.md's examples, run as written: every ```sh block of its Examples section, in order, as
 * one bash script (set -euo pipefail, so any failing curl -f fails the test) against a started
 * server with the real worker, with DITTY_URL and DITTY_KEY set as the guide says.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../core/api-keys.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

let sys: TestSystem;
let dir: string;

beforeAll(async () => {
  sys = await startTestSystem({ roles: ['worker', 'web'] });
  dir = await mkdtemp(join(tmpdir(), 'ditty-api-docs-'));
}, 60_000);

afterAll(async () => {
  await sys?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('docs/api.md', () => {
  it('GIVEN a started server THEN every curl example in the guide runs and says what the guide says', async () => {
    const md = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const examples = md.slice(md.indexOf('## Examples'), md.indexOf('\n## ', md.indexOf('## Examples') + 5));
    const blocks = [...examples.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const key = await createApiKey(sys.runtime.orm.em.fork(), { name: 'docs reader' });
    const { code, out, err } = await run(blocks.join('\n'), { DITTY_URL: sys.url, DITTY_KEY: key.key });
    expect(err, out).toBe('');
    expect(code, out).toBe(0);
    expect(out).toMatch(/"ok":true/);
    expect(out).toMatch(/queued [0-9a-f-]{36}/);
    expect(out).toMatch(/event: generation/);
    expect(out).toMatch(/"status": "completed"/);
    expect(out).toMatch(/"understood": "lo-fi hip hop · 80 bpm/);
    expect(out).toMatch(/^304$/m);
    expect(out).toMatch(/"code": "duration_invalid"/);
    const files = await readdir(dir);
    expect(files.some((f) => /^ditty-lo-fi-piano-at-80-bpm\.mp3$/.test(f))).toBe(true);
    expect((await readFile(join(dir, 'first-kib.bin'))).length).toBe(1024);
  }, 180_000);
});

describe('/api/docs', () => {
  it('GIVEN a browser with no way out THEN the docs page shows every operation, loading nothing from elsewhere, on loopback and under another name over plain http', async () => {
    // ditty.test is this server under a name that is not loopback, as a LAN address or a compose
    // service name is: a browser treats plain http there as insecure (and upgrades requests if
    // the page's policy says upgrade-insecure-requests, which then go nowhere).
    const port = new URL(sys.url).port;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--host-resolver-rules=MAP ditty.test 127.0.0.1'],
    });
    try {
      const doc = (await (await fetch(`${sys.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      for (const base of [sys.url, `http://ditty.test:${port}`]) {
        const page = await browser.newPage();
        const elsewhere: string[] = [];
        // Offline: anything not served by ditty itself is refused, as on a machine without internet.
        await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : (elsewhere.push(route.request().url()), route.abort())));
        await page.goto(`${base}/api/docs`);
        await page.waitForSelector('.opblock', { timeout: 30_000 });
        expect(await page.locator('.opblock').count(), base).toBe(operations);
        expect(await page.locator('.title').first().textContent()).toContain('ditty API');
        expect(elsewhere, base).toEqual([]);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 90_000);
});
