import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFetchError, fetchMusicgen } from '../../scripts/fetch-musicgen.ts';
import { makeTinyMusicgen } from '../../scripts/make-tiny-musicgen.ts';
import { availableVariants } from '../../worker/engines/musicgen/folder.ts';

/** Own helper: tests/helpers/system.ts pulls in the whole app, which this test does not need. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('model:fetch', () => {
  let root: string;
  let server: Server;
  let endpoint: string;
  const requested: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ditty-musicgen-fetch-'));
    // A stand-in hub serving a tiny export under /<owner>/<name>/resolve/main/<file>.
    const { dir } = await makeTinyMusicgen(join(root, 'hub'), { externalData: true });
    server = createServer((req, res) => {
      const m = /^\/ditty\/tiny\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      requested.push(m?.[1] ?? req.url ?? '');
      const file = m ? normalize(m[1]!) : '';
      if (!m || file.startsWith('..')) { res.writeHead(404).end(); return; }
      readFile(join(dir, file)).then((body) => res.writeHead(200).end(body), () => res.writeHead(404).end());
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('GIVEN a reachable hub THEN downloads every file, skips absent optional ones, and validates', async () => {
    const dest = join(root, 'fetched');
    const lines: string[] = [];
    await fetchMusicgen({ dir: dest, repo: 'ditty/tiny', endpoint, log: (l) => lines.push(l) });
    expect(await availableVariants(dest)).toEqual(['fp32']);
    expect(lines).toContain('ok  onnx/decoder_model_merged.onnx_data');
    expect(lines).toContain('--  onnx/text_encoder.onnx_data (not in ditty/tiny)');
    expect(lines.at(-1)).toContain('is ready');
    // A second run keeps what is there and asks the hub only for what was missing.
    requested.length = 0;
    await fetchMusicgen({ dir: dest, repo: 'ditty/tiny', endpoint, log: () => {} });
    expect(requested).toEqual(['onnx/text_encoder.onnx_data', 'onnx/encodec_decode.onnx_data']);
  });

  it('GIVEN no route to the hub THEN fails with a message saying what to do', async () => {
    const port = await freePort(); // nothing listens there
    const e = await fetchMusicgen({ dir: join(root, 'offline'), endpoint: `http://127.0.0.1:${port}`, log: () => {} }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ModelFetchError);
    expect((e as Error).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ .*copy the folder to MODEL_DIR/);
  });
});
