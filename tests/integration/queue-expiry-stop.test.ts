import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, type MikroORM } from '../../core/db/index.ts';
import { createQueueExpiry } from '../../core/expiry.ts';
import { createLogger } from '../../core/log.ts';
import type { Queues } from '../../core/queue.ts';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.ts';

// A system stops its loops and then closes the connections they use (a test then drops its
// schema): a queue-expiry pass still running at that moment queried a dropped schema or a closed
// pool, and logged "relation generations does not exist" as bench chat stopped.
describe('stopping the queue-expiry loop', () => {
  let db: TestDb;
  let locker: MikroORM;
  beforeAll(async () => {
    db = await createTestDb('expiry');
    locker = await createOrm({ databaseUrl: TEST_DATABASE_URL, schema: db.schema });
  });
  afterAll(async () => {
    await locker.close();
    await db.close();
  });

  it('GIVEN a pass in flight WHEN the loop stops THEN stop resolves only after that pass has ended', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // Another connection holds the table, so the pass's select waits on it.
    const holder = locker.em.fork().transactional(async (em) => {
      await em.getConnection().execute('lock table generations in access exclusive mode', [], 'run', em.getTransactionContext());
      locked();
      await released;
    });
    await isLocked;
    const warnings: unknown[] = [];
    const log = createLogger('silent');
    log.warn = ((obj: unknown) => void warnings.push(obj)) as typeof log.warn;
    // (the queues are not reached: the pass finds no stale rows once the lock is gone)
    const expiry = createQueueExpiry({ orm: db.orm, queues: {} as Queues, log, publish: () => {}, maxQueueMs: 1_000 });
    expiry.start();
    await new Promise((r) => setTimeout(r, 1_300)); // the first tick starts a pass, which blocks
    let stopped = false;
    const stopping = Promise.resolve(expiry.stop()).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false);
    release();
    await holder;
    await stopping;
    expect(stopped).toBe(true);
    expect(warnings).toEqual([]);
  });
});
