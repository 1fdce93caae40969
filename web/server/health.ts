/**
 * `GET /healthz`: Postgres, Redis, every render worker's engine (from the statuses workers
 * publish to Redis), and this process's chat connections (Discord gateway, Slack socket or Web API). `POST /admin/engine/reload` asks workers to reload their engine; it exists
 * only when ADMIN_TOKEN is set, and wants it as a bearer token.
 */
import type { FastifyInstance } from 'fastify';
import { NO_WORKER_NOTICE, readEngineStatuses, renderersOf, requestEngineReload } from '../../core/engine-status.ts';
import type { Runtime } from '../../core/runtime.ts';
import { requireAdmin } from './admin-auth.ts';

export interface HealthPluginOptions {
  runtime: Runtime;
  adminToken?: string;
}

export async function healthPlugin(app: FastifyInstance, { runtime, adminToken }: HealthPluginOptions): Promise<void> {
  const prefix = runtime.config.queuePrefix;
  app.get('/healthz', async (_req, reply) => {
    const [db, redis, workers] = await Promise.all([
      runtime.orm.em.fork().execute('select 1').then(() => true, () => false),
      runtime.redis.ping().then((r) => r === 'PONG', () => false),
      readEngineStatuses(runtime.redis, prefix).catch(() => []),
    ]);
    // A chat connection no retry can fix (revoked token) makes the process unhealthy.
    const ok = db && redis && runtime.connections.healthy;
    // Every worker refreshes its status every 10 s and it expires 30 s later: none means no worker
    // has reported for 30 s. Tracks are still accepted (they wait), so this is a warning, not a 503.
    const renderers = renderersOf(workers).length;
    const warnings = redis && renderers === 0 ? [NO_WORKER_NOTICE] : [];
    return reply.code(ok ? 200 : 503).send({ ok, db, redis, renderers, warnings, workers, connections: runtime.connections.snapshot() });
  });
  if (!adminToken) return;
  app.post('/admin/engine/reload', { preHandler: requireAdmin(adminToken) }, async (_req, reply) => {
    const receivers = await requestEngineReload(runtime.redis, prefix);
    return reply.code(202).send({ requested: true, receivers });
  });
}
