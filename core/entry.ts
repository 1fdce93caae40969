/**
 * What every entry point (npm start, migrate, jobs, apikey, analyse, engine:reload, slack:rekey,
 * discord:deploy) does first: read `.env` from the project folder, then the configuration. A bad
 * setting is one line naming the variable and exit 2, never a module's stack.
 */
import { ConfigError, loadConfig, type Config } from './config.ts';
import { loadEnvFile } from './env-file.ts';

export function loadEntryConfig(): Config {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `Invalid configuration: ${(err as Error).message}`);
    process.exit(2);
  }
}

/**
 * A failure as one line an operator can act on: the first line of its message, URLs hidden (they
 * may carry a password). The stack adds nothing for a refused connection; LOG_LEVEL=debug shows it.
 */
export function failureLine(prefix: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${prefix}: ${message.replace(/\w+:\/\/\S+/g, '[url]')}`.split('\n')[0]!;
}

/** Prints failureLine (and the stack at LOG_LEVEL=debug or trace). */
export function reportFailure(prefix: string, err: unknown): void {
  console.error(failureLine(prefix, err));
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') console.error(err);
}
