/**
 * `npm run migrate`: creates the database if needed and runs pending migrations; exits 0 on an
 * empty and on an up-to-date database. Like `npm start`, it waits for Postgres with one plain line
 * per retry, gives up after STARTUP_TIMEOUT_S (exit 1), and reports a bad setting in one line (exit 2).
 */
import { postgresDependency, waitForDependencies } from '../app/dependencies.ts';
import { createOrm, ensureDatabase, migrateUp } from '../core/db/index.ts';
import { loadEntryConfig, reportFailure } from '../core/entry.ts';
import { createLogger } from '../core/log.ts';

const config = loadEntryConfig();
const log = createLogger(config.logLevel, 'migrate');
try {
  await waitForDependencies([postgresDependency(config.databaseUrl)], { timeoutMs: config.startupTimeoutMs });
  await ensureDatabase(config.databaseUrl);
  const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: 2 });
  try {
    const ran = await migrateUp(orm);
    log.info({ ran }, ran.length ? `ran ${ran.length} migration(s)` : 'database is up to date');
  } finally {
    await orm.close();
  }
} catch (err) {
  reportFailure('migrate failed', err);
  process.exit(1);
}
