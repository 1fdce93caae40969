/**
 * A migrated schema of its own for one test file: test files run in parallel against one Postgres.
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../../core/chat.ts';
import { createOrm, dropSchema, ensureDatabase, migrateUp, type EntityManager, type MikroORM } from '../../core/db/index.ts';
import type { MusicParams } from '../../core/music.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ditty_test';

export interface TestDb {
  orm: MikroORM;
  schema: string;
  /** A fresh fork per call, as the app forks one per job or interaction. */
  em(): EntityManager;
  close(): Promise<void>;
}

export async function createTestDb(prefix = 't', opts: { poolMax?: number } = {}): Promise<TestDb> {
  await ensureDatabase(TEST_DATABASE_URL);
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const orm = await createOrm({ databaseUrl: TEST_DATABASE_URL, schema, poolMax: opts.poolMax });
  await migrateUp(orm);
  return {
    orm,
    schema,
    em: () => orm.em.fork(),
    async close() {
      await dropSchema(orm, schema);
      await orm.close();
    },
  };
}

export function actor(name: string, guildId = 'g1', platform: Actor['platform'] = 'discord'): Actor {
  return { platform, platformUserId: `u-${name}`, guildId, displayName: name };
}

export function params(seed = 1): MusicParams {
  return {
    bpm: 90, key: 'C', mode: 'minor', genre: 'lofi', mood: null, instruments: ['piano'], excluded: [], structure: [],
    seed, explicit: [],
  };
}
