/**
 * Command-line options for the npm scripts: node's parseArgs, plus what a person at a terminal
 * expects of it. `--help` prints the usage and exits 0; an unknown or malformed option is one
 * line and the usage on stderr, exit 2, instead of parseArgs' stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function parseCli<T extends ParseArgsConfig>(usage: string, config: T, args: string[] = process.argv.slice(2)): ReturnType<typeof parseArgs<T>> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs<T>({ ...config, args });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw err;
    // parseArgs' messages suggest '--' escapes meant for programmers; the first sentence is the fact.
    const fact = (err as Error).message.split('. ')[0]!.replace(/\.$/, '');
    process.stderr.write(`${fact}\n${usage}\n`);
    process.exit(2);
  }
}
