import { fileURLToPath } from 'node:url';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Postgres identifiers we create from configuration: refuse anything odd instead of quoting it into SQL. */
function checkIdentifier(kind: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(name)) throw new Error(`Invalid ${kind} name: ${JSON.stringify(name)}`);
  return name;
}

/** Creates the database named in the URL when it does not exist yet (via the `postgres` maintenance database). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  checkIdentifier('database', decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')));
  const orm = await MikroORM.init({ clientUrl: databaseUrl, entities: [], discovery: { warnWhenNoEntities: false } });
  try {
    await orm.schema.ensureDatabase();
  } catch (e) {
    // Two processes starting together may race to create it; losing that race is fine.
    if (!/already exists|duplicate key/.test(String((e as Error).message))) throw e;
  } finally {
    await orm.close();
  }
}

/** Longest wait for a Postgres connection, new or from the pool. */
export const PG_CONNECT_TIMEOUT_MS = 20_000;

export interface CreateOrmOptions {
  databaseUrl: string;
  /** Put every table (and the migrations table) in this schema, created when absent. Tests use one each. */
  schema?: string;
  debug?: boolean;
  /** Pool size; the default suits one process of the bot or worker. */
  poolMax?: number;
}

export function ormConfig(opts: CreateOrmOptions): Options {
  const schema = opts.schema ? checkIdentifier('schema', opts.schema) : undefined;
  return {
    clientUrl: opts.databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    debug: opts.debug ?? false,
    schema,
    pool: { max: opts.poolMax ?? 10 },
    // Repository SQL names tables without a schema: a search_path set at connect time sends it to
    // the right one, and survives the `reset all` MikroORM issues when it reserves a connection.
    // A bounded wait for a connection (pg-pool waits forever by default): with Postgres down or
    // the pool exhausted, a request fails in seconds with a clear "try again" instead of hanging.
    driverOptions: { connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, ...(schema ? { options: `-c search_path=${quoteIdent(schema)}` } : {}) },
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).ts',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
      tableName: 'mikro_orm_migrations',
      ...(schema ? { schema } : {}),
    },
  };
}

/** Connects (without migrating). With `schema`, the schema is created first. */
export async function createOrm(opts: CreateOrmOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(opts));
  if (opts.schema) {
    const connection = orm.em.getConnection();
    // "if not exists" still races with a concurrent creator; the migration lock serializes them.
    await connection.transactional(async (trx) => {
      await connection.execute('select pg_advisory_xact_lock(hashtext(?))', [migrationLockKey(opts.schema!)], 'all', trx);
      await connection.execute(`create schema if not exists ${quoteIdent(opts.schema!)}`, [], 'run', trx);
    });
  }
  return orm;
}

const migrationLockKey = (schema: string | undefined) => `ditty:migrate:${schema ?? 'public'}`;

/**
 * Runs pending migrations from `migrations/`; returns the names it ran (none on a second run).
 * The web server and the worker both migrate at start-up: a transaction-scoped advisory lock
 * makes the second wait for the first and then find nothing to do.
 */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const connection = orm.em.getConnection();
  return connection.transactional(async (trx) => {
    await connection.execute('select pg_advisory_xact_lock(hashtext(?))', [migrationLockKey(orm.config.get('schema'))], 'all', trx);
    const ran = await orm.migrator.up({ transaction: trx });
    return ran.map((m) => m.name);
  });
}

/** Drops a schema made by `createOrm({ schema })`, for tests and benchmarks. */
export async function dropSchema(orm: MikroORM, schema: string): Promise<void> {
  await orm.em.getConnection().execute(`drop schema if exists ${quoteIdent(checkIdentifier('schema', schema))} cascade`);
}
