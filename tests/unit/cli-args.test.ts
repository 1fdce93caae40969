/** The npm scripts' options: a typo is one plain line and the usage, never parseArgs' stack. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPTS = ['render', 'jobs', 'analyse', 'apikey', 'examples', 'faults'];

const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, [`scripts/${script}.ts`, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

describe('npm script options', () => {
  for (const script of SCRIPTS) {
    it(`GIVEN npm run ${script} -- --bogus THEN one line names the option, the usage follows, exit 2`, () => {
      const r = run(script, ['--bogus']);
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toBe("Unknown option '--bogus'");
      expect(lines[1]).toMatch(new RegExp(`^usage: npm run ${script} -- `));
      expect(lines).toHaveLength(2);
    });

    it(`GIVEN npm run ${script} -- --help THEN the usage on stdout, exit 0, nothing run`, () => {
      const r = run(script, ['--help']);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toMatch(new RegExp(`^usage: npm run ${script} -- `));
      expect(r.stderr).toBe('');
    });
  }
});
