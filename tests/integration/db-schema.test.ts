import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, migrateUp } from '../../core/db/index.ts';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.ts';

const MIGRATIONS = ['Migration20261123131534_initial', 'Migration20261123140718_slack_installations', 'Migration20261204150000_turns', 'Migration20261204160000_generation_attempts', 'Migration20261204163000_retention', 'Migration20261204170000_generation_parent', 'Migration20261204173500_track_analyses', 'Migration20261204174100_generation_batches', 'Migration20261204181000_delivery_steps', 'Migration20261204182500_track_analyses_coarse', 'Migration20261204182900_gallery_lists', 'Migration20261204184500_public_api', 'Migration20261204203000_track_analyses_server_knn', 'Migration20261204210000_batch_delivery_steps'];

/**
 * The entity/database diff for one schema. MikroORM lists the tables of every schema in the
 * database before filtering, so another test file dropping its schema at that moment fails the
 * read with "does not exist" (or "could not open relation with OID"); that is a race with a neighbour, not a difference, so read again.
 */
async function schemaDiff(db: TestDb): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.orm.schema.getUpdateSchemaSQL({ wrap: false, schema: db.schema });
    } catch (err) {
      if (attempt >= 5 || !/does not exist|could not open relation/.test(String((err as Error).message))) throw err;
    }
  }
}

describe('migrations', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb('schema');
  });
  afterAll(async () => {
    await db.em().execute(`drop schema if exists "${db.schema}_race" cascade`, [], 'run');
    await db.close();
  });

  it('GIVEN a migrated schema THEN a second run applies nothing', async () => {
    expect(await migrateUp(db.orm)).toEqual([]);
    const executed = await db.orm.migrator.getExecuted();
    expect(executed.map((m) => m.name)).toEqual(MIGRATIONS);
  });

  it('GIVEN several processes migrating a fresh schema at once THEN the migration runs exactly once', async () => {
    const schema = `${db.schema}_race`;
    const orms = await Promise.all(Array.from({ length: 3 }, () => createOrm({ databaseUrl: TEST_DATABASE_URL, schema, poolMax: 2 })));
    try {
      const ran = await Promise.all(orms.map((orm) => migrateUp(orm)));
      expect(ran.flat()).toEqual(MIGRATIONS);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
  });

  it('GIVEN a migrated schema THEN every table lives in the test schema, none in public', async () => {
    const rows = await db.em().execute<Array<{ table_schema: string; table_name: string }>>(
      `select table_schema, table_name from information_schema.tables
       where table_name in ('users', 'generations', 'prompts', 'plays', 'favorites', 'server_settings', 'stat_totals', 'creator_stats', 'slack_installations', 'track_analyses', 'mikro_orm_migrations')
         and table_schema = ?`,
      [db.schema],
    );
    expect(rows).toHaveLength(11);
  });

  it('GIVEN the entity definitions THEN the migrated schema matches them exactly', async () => {
    expect(await schemaDiff(db)).toBe('');
  });

  it('GIVEN a schema that drifted from the entities THEN the comparison notices', async () => {
    // Guards the test above: an empty diff must mean agreement, not a comparison that sees nothing.
    const em = db.em();
    await em.execute('drop index generations_top_server_all_idx', [], 'run');
    await em.execute('alter table plays drop column seconds_played', [], 'run');
    try {
      const diff = await schemaDiff(db);
      expect(diff).toContain('generations_top_server_all_idx');
      expect(diff).toContain('seconds_played');
    } finally {
      await em.execute(`alter table plays add column seconds_played real null`, [], 'run');
      await em.execute(
        `create index generations_top_server_all_idx on generations (platform, guild_id, favorites_count desc, plays_count desc, id) where status = 'completed'`,
        [], 'run',
      );
    }
    expect(await schemaDiff(db)).toBe('');
  });
});
