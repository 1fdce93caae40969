/**
 * Reads `.env` from the project folder into process.env, for `npm start` and every other entry
 * point (docs say "put it in .env"). Variables already set win, so a shell or container setting
 * overrides the file. No file, no change.
 */
import { fileURLToPath } from 'node:url';

export const ENV_FILE = fileURLToPath(new URL('../.env', import.meta.url));

export function loadEnvFile(file: string = ENV_FILE): boolean {
  try {
    process.loadEnvFile(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`Could not read ${file}: ${(err as Error).message}`);
  }
}
