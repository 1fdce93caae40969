/**
 * METRICS_PORT: a small HTTP server with `/healthz` and `/metrics` for processes an orchestrator
 * must probe and Prometheus must scrape, such as a worker, which serves nothing else. Meant for a
 * private network (compose does not publish it), so /metrics here wants no token.
 */
import type { AddressInfo } from 'node:net';
import fastify, { type FastifyBaseLogger } from 'fastify';
import type { Runtime } from '../core/runtime.ts';
import { healthPlugin } from '../web/server/health.ts';
import { opsPlugin } from '../web/server/ops.ts';

export async function startOpsServer(runtime: Runtime, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const app = fastify({ loggerInstance: runtime.log.child({ component: 'ops' }) as FastifyBaseLogger, disableRequestLogging: true });
  await app.register(healthPlugin, { runtime });
  await app.register(opsPlugin, { runtime, openMetrics: true, dashboard: false });
  await app.listen({ host: runtime.config.http.host, port });
  const { port: bound } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, close: () => app.close() };
}
