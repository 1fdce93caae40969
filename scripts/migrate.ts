/** `npm run migrate`: creates the database if needed and runs pending migrations. */
import { loadConfig } from '../core/config.ts';
import { createOrm, ensureDatabase, migrateUp } from '../core/db/index.ts';
import { loadEnvFile } from '../core/env-file.ts';
import { createLogger } from '../core/log.ts';

loadEnvFile();
const config = loadConfig();
const log = createLogger(config.logLevel, 'migrate');
await ensureDatabase(config.databaseUrl);
const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: 2 });
try {
  const ran = await migrateUp(orm);
  log.info({ ran }, ran.length ? `ran ${ran.length} migration(s)` : 'database is up to date');
} finally {
  await orm.close();
}
