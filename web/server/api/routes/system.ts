/** Health (no key), the render engines' state, and (admin keys) an engine reload. */
import { z } from 'zod';
import { NO_WORKER_NOTICE, readEngineStatuses, renderersOf, requestEngineReload } from '../../../../core/engine-status.ts';
import { BEARER, withProblems, type ApiRoutes } from '../context.ts';
import { keyOf, requireAdminKey } from '../guard.ts';
import { HealthSchema, WorkerSchema } from '../schemas.ts';

export const systemRoutes: ApiRoutes = (app, ctx) => {
  const { runtime } = ctx;
  const prefix = runtime.config.queuePrefix;

  app.get('/health', {
    schema: {
      operationId: 'health',
      summary: 'Whether ditty can take work (no key needed)',
      description: '200 when Postgres and Redis answer, else 503. `renderers` counts render workers; with none, tracks wait and `warnings` says so.',
      tags: ['system'],
      response: withProblems({ 200: HealthSchema, 503: HealthSchema }),
    },
  }, async (_req, reply) => {
    const [db, redis, workers] = await Promise.all([
      runtime.orm.em.fork().execute('select 1').then(() => true, () => false),
      runtime.redis.ping().then((r) => r === 'PONG', () => false),
      readEngineStatuses(runtime.redis, prefix).catch(() => []),
    ]);
    const renderers = renderersOf(workers).length;
    const ok = db && redis;
    return reply.code(ok ? 200 : 503).header('cache-control', 'no-store')
      .send({ ok, db, redis, renderers, warnings: redis && renderers === 0 ? [NO_WORKER_NOTICE] : [] });
  });

  app.get('/model/status', {
    schema: {
      operationId: 'modelStatus',
      summary: 'Every render worker\'s engine: state, version, device, precision, load time, load error',
      tags: ['system'],
      security: BEARER,
      response: withProblems({ 200: z.object({ engine: z.string(), workers: z.array(WorkerSchema) }).meta({ id: 'ModelStatus' }) }),
    },
  }, async (req, reply) => {
    keyOf(req);
    const workers = await readEngineStatuses(runtime.redis, prefix);
    return reply.header('cache-control', 'no-store').send({
      engine: runtime.config.engine.name,
      workers: workers.map((w) => ({ state: w.state, engine: w.engine, version: w.version, device: w.device, precision: w.precision, load_ms: w.loadMs, error: w.error, since: w.since })),
    });
  });

  app.post('/model/reload', {
    schema: {
      operationId: 'modelReload',
      summary: 'Ask every render worker to reload its engine (admin keys only)',
      tags: ['system'],
      security: BEARER,
      response: withProblems({ 202: z.object({ requested: z.boolean(), receivers: z.number().int().describe('Processes that heard the request.') }).meta({ id: 'ReloadRequested' }) }),
    },
  }, async (req, reply) => {
    requireAdminKey(req);
    const receivers = await requestEngineReload(runtime.redis, prefix);
    return reply.code(202).header('cache-control', 'no-store').send({ requested: true, receivers });
  });
};
