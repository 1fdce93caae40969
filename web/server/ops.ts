/**
 * What an operator reads: `GET /metrics` (Prometheus) and the queue dashboard (bull-board) at
 * `/admin/queues`. /metrics is open on a loopback bind and wants the ADMIN_TOKEN elsewhere (no
 * token set: not served off loopback); the dashboard always wants the ADMIN_TOKEN and exists only
 * when it is set.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { isLoopbackHost } from '../../core/config.ts';
import { QueueName } from '../../core/jobs.ts';
import { metrics, renderMetrics } from '../../core/metrics.ts';
import { queueOptions } from '../../core/queue.ts';
import type { Runtime } from '../../core/runtime.ts';
import { isAdmin, requireAdmin } from './admin-auth.ts';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Counts every response with status >= 400 by route; call on the root app so it sees every route. */
export function countHttpErrors(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode < 400) return;
    // The route pattern, never the raw URL: track tokens must not become label values.
    metrics.httpErrors.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
}

export interface OpsPluginOptions {
  runtime: Runtime;
  adminToken?: string;
  /** Serve /metrics without a token whatever the bind (the worker's internal METRICS_PORT). */
  openMetrics?: boolean;
  /** Mount the queue dashboard. @defaultValue true */
  dashboard?: boolean;
}

export async function opsPlugin(app: FastifyInstance, opts: OpsPluginOptions): Promise<void> {
  const { runtime, adminToken } = opts;
  const metricsOpen = opts.openMetrics === true || isLoopbackHost(runtime.config.http.host);
  if (metricsOpen || adminToken) {
    app.get('/metrics', async (req, reply) => {
      if (!metricsOpen && !isAdmin(req, adminToken!)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'Send the ADMIN_TOKEN as a bearer token.' });
      }
      const { body, contentType } = await renderMetrics();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  }
  if (!adminToken || opts.dashboard === false) return;

  // Every queue of the contract, so one added there (a dead-letter queue) shows up here too.
  const own = [runtime.queues.render, ...Object.values(runtime.queues.deliver)];
  const extra: Queue[] = [];
  const queues = Object.values(QueueName).map((name) => {
    const existing = own.find((q) => q.name === name);
    if (existing) return existing;
    const q = new Queue(name, queueOptions(runtime.redis, runtime.config.queuePrefix));
    extra.push(q);
    return q;
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter, options: { uiConfig: { boardTitle: 'ditty queues' } } });
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin(adminToken));
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
  app.addHook('onClose', async () => {
    await Promise.all(extra.map((q) => q.close()));
  });
}
