/**
 * `npm run jobs -- failed [--limit 50] [--json]`: the dead-letter list for operators, the one
 * place that has them all. Every generation that ended `failed` (newest first) with its error
 * code, attempts and the message its user was told, read from Postgres, plus the render queue's
 * own counts. BullMQ's failed set (what the queue dashboard shows) holds only renders that failed
 * in a worker: expired tracks' jobs are removed and lost jobs were never there. `npm run jobs --
 * stuck` lists rows past a stage for over 10 minutes, which should always be empty.
 */
import { createOrm, listFailed, listStuck } from '../core/db/index.ts';
import { loadEntryConfig } from '../core/entry.ts';
import { connectRedis, createQueues } from '../core/queue.ts';
import { parseCli } from './cli-args.ts';

const USAGE = 'usage: npm run jobs -- failed [--limit 50] [--json] | stuck';

const { positionals, values } = parseCli(USAGE, {
  allowPositionals: true,
  options: { limit: { type: 'string', default: '50' }, json: { type: 'boolean', default: false } },
});
const command = positionals[0] ?? 'failed';
if (command !== 'failed' && command !== 'stuck') {
  console.error(USAGE);
  process.exit(2);
}
const limit = Math.min(Math.max(1, Number(values.limit) || 50), 1000);
const config = loadEntryConfig();
const orm = await createOrm({ databaseUrl: config.databaseUrl });
const redis = connectRedis(config.redisUrl, 'ditty-jobs-cli', { failFast: true });
try {
  if (command === 'failed') {
    const rows = await listFailed(orm.em.fork(), limit);
    const queues = createQueues(redis, config.queuePrefix);
    const counts = await Promise.race([
      queues.render.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
      new Promise<null>((r) => setTimeout(() => r(null), 3_000).unref()),
    ]).catch(() => null);
    await queues.close();
    if (values.json) {
      console.log(JSON.stringify({ failed: rows, renderQueue: counts }, null, 2));
    } else {
      console.log(`${rows.length} failed generation(s), newest first${rows.length === limit ? ` (first ${limit}; --limit N for more)` : ''}`);
      for (const r of rows) {
        console.log(`${r.failedAt?.toISOString() ?? '-'}  ${r.id}  ${r.platform}/${r.guildId}  ${r.errorCode ?? '-'}  attempts ${r.attempts}`);
        console.log(`    prompt: ${JSON.stringify(r.prompt.slice(0, 100))}`);
        console.log(`    told:   ${r.errorMessage ?? '-'}`);
      }
      // Fewer failed there than above is expected: expiries and lost jobs are only in Postgres.
      console.log(counts ? `render queue (BullMQ, what the dashboard shows): ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}` : 'render queue: Redis did not answer');
    }
  } else {
    const ids = await listStuck(orm.em.fork(), ['queued', 'rendering', 'encoding', 'delivering'], 10 * 60_000, limit);
    console.log(values.json ? JSON.stringify({ stuck: ids }) : ids.length ? ids.join('\n') : 'nothing stuck');
  }
} catch (err) {
  // An operator's tool: one plain line, not a driver stack.
  console.error(`could not read the generations: ${err instanceof Error ? err.message : String(err)} (is DATABASE_URL right, and migrated: npm run migrate?)`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
  await orm.close(true);
}
