import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { generateInLocalChat } from '../helpers/local-chat.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

// bench chat logged "finished track not announced ... relation generations does not exist" while
// its second system stopped: the first system's announcement fallback (a look-up 3 s after each
// delivery) outlived its stop, reopened the closed pool and queried the schema dropped with it.
describe('stopping a system right after a local chat track is delivered', () => {
  const lines: string[] = [];
  let system: TestSystem | undefined;
  beforeAll(async () => {
    const log = createLogger('warn', 'ditty-test', { write: (line: string) => void lines.push(line) });
    system = await startTestSystem({ log });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('GIVEN a track just delivered WHEN the system stops and its schema is dropped THEN nothing looks the track up afterwards', async () => {
    const url = system!.url;
    await generateInLocalChat(url, 'ada', '/generate lo-fi piano 5s seed:1');
    await system!.stop();
    system = undefined;
    // Past the 3 s fallback (web/server/chat.ts, ANNOUNCE_FALLBACK_MS) of the delivery just made.
    await new Promise((r) => setTimeout(r, 3_500));
    const notAnnounced = lines.filter((l) => l.includes('finished track not announced'));
    expect(notAnnounced).toEqual([]);
  });
});
