import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_GRACE_MS } from '../../web/server/main.ts';
import { generateInLocalChat } from '../helpers/local-chat.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

// A listener who pauses a download keeps its response in flight: closing the web server waited for
// it (60 s when bench chat read only a file's first bytes), so a stop or a deploy hung on one client.
describe('closing the web server with a download paused by its client', () => {
  let system: TestSystem | undefined;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('GIVEN an audio download its client stopped reading THEN the system stops within the grace', async () => {
    const url = system!.url;
    const track = await generateInLocalChat(url, 'slow reader', '/generate ambient 120s seed:3');
    // A client that reads the first chunk and then nothing: the server's send stalls on a full socket.
    const firstChunk = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}${track.audioUrl}`, (response) => {
        response.once('data', (chunk: Buffer) => {
          response.pause();
          resolve(chunk.length);
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstChunk).toBeGreaterThan(0);
    const started = performance.now();
    await system!.stop();
    system = undefined;
    expect(performance.now() - started).toBeLessThan(CLOSE_GRACE_MS + 2_000);
  });
});
