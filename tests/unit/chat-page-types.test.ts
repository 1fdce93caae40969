/**
 * The pages are plain JavaScript modules with `// @ts-check` (no build step); the repo's `tsc -p .`
 * does not see them, so this checks them against the server's types (ChatReply, ChatEvent, TrackView) here.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('../../web/public/tsconfig.json', import.meta.url));

it('GIVEN the modules of web/public (chat/*.js, gallery.js) THEN they type-check against the server types', async () => {
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project, '--pretty', 'false']).then(
    () => ({ code: 0, output: '' }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, output: e.stdout ?? '' }),
  );
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
  // tsc over the page and the server types it imports: tens of seconds on a loaded 2-core machine.
}, 180_000);
