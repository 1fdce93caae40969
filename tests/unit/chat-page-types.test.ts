/**
 * The page is plain JavaScript with `// @ts-check` (no build step); the repo's `tsc -p .` does not
 * see it, so this checks it against the server's types (ChatReply, ChatEvent, TrackView) here.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('../../web/public/tsconfig.json', import.meta.url));

it('GIVEN web/public/chat.js THEN it type-checks against the server types', async () => {
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project, '--pretty', 'false']).then(
    () => ({ code: 0, output: '' }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, output: e.stdout ?? '' }),
  );
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
}, 60_000);
