/**
 * The public HTTP API, /api/v1, over the same core as the bots and the local chat: routes only
 * translate HTTP to core calls (web/server/api/routes/*), so every rule (limits, quotas, fair
 * turns, validation, text cleaning, describeParams, deletion, metrics) is the core's.
 *
 * Layout: schemas.ts (zod: validation, serialization and the OpenAPI document), guard.ts (keys
 * and rate limits), problem.ts (errors as RFC 9457), representation.ts (a track as the API shows
 * it), webhooks.ts (signed completion callbacks), background.ts (the api platform's delivery and
 * callbacks), routes/*.ts (one file per resource). Adding a route: a file in routes/ exporting an
 * ApiRoutes function, listed in ROUTES below; it wants a key unless listed in PUBLIC_ROUTES.
 */
import fastifyCors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Runtime } from '../../../core/runtime.ts';
import type { TracksPluginOptions } from '../tracks.ts';
import type { ApiContext, ApiRoutes } from './context.ts';
import { installGuard } from './guard.ts';
import { apiErrorHandler, sendProblem } from './problem.ts';
import { API_PREFIX } from './representation.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { generationRoutes } from './routes/generations.ts';
import { mediaRoutes } from './routes/media.ts';
import { systemRoutes } from './routes/system.ts';

export { API_PREFIX };
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;
export const DOCS_PATH = '/api/docs';

const ROUTES: readonly ApiRoutes[] = [generationRoutes, mediaRoutes, catalogRoutes, systemRoutes];

/** Routes anyone may call: health checks and the API's own description. */
const PUBLIC_ROUTES = new Set([`${API_PREFIX}/health`, OPENAPI_PATH]);

/** Drops components.schemas entries that no $ref reaches (following refs between schemas too). */
function pruneUnusedSchemas<T>(doc: T): T {
  const d = doc as { components?: { schemas?: Record<string, unknown> } };
  const schemas = d.components?.schemas;
  if (!schemas) return doc;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        const name = v.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(v);
    }
  };
  visit({ ...d, components: { ...d.components, schemas: {} } });
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  return doc;
}

export interface ApiPluginOptions {
  runtime: Runtime;
  tracks: TracksPluginOptions;
}

export async function apiPlugin(app: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  const { runtime } = opts;
  const { config } = runtime;
  const ctx: ApiContext = { runtime, tracks: opts.tracks, publicUrl: config.http.publicUrl };

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ditty API',
        version: '1.0.0',
        description: 'Text-to-music: queue a track from a prompt, follow it, play and download it, favorite it, read the leaderboards. ' +
          'Every request but /health and this document wants an API key (`npm run apikey -- create NAME`) as `Authorization: Bearer <key>`. ' +
          'Errors are RFC 9457 problem details with the same codes as the chat frontends. Guide with examples: docs/api.md.',
      },
      servers: [{ url: config.http.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: ditty_<prefix>_<secret>.' } } },
    },
    transform: jsonSchemaTransform,
    // The zod provider emits an input and an output variant of every named schema; keep those used.
    transformObject: (doc) => pruneUnusedSchemas(jsonSchemaTransformObject(doc)),
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    // Served from the installed package: the docs page works with no internet.
    uiConfig: { url: OPENAPI_PATH, deepLinking: true },
    staticCSP: true,
    // The package's policy ends in upgrade-insecure-requests: served over plain http under any
    // name but localhost (a LAN address, a compose service name), the browser would then fetch
    // the page's own scripts over https and show nothing. Kept only where PUBLIC_URL is https.
    transformStaticCSP: (header) => config.http.publicUrl.startsWith('https:') ? header : header.replace(/\s*upgrade-insecure-requests;?/g, ''),
  });

  await app.register(async (v1) => {
    v1.setValidatorCompiler(validatorCompiler);
    v1.setSerializerCompiler(serializerCompiler);
    v1.setErrorHandler(apiErrorHandler);
    v1.setNotFoundHandler((req, reply) => sendProblem(reply, req, 404, 'not_found', 'No such API route; see /api/docs.'));
    v1.addHook('onSend', async (_req, reply, payload) => {
      reply.header('x-content-type-options', 'nosniff');
      // Answers about someone's key are not for shared caches; routes that may be cached say so.
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
    // Browsers only where the operator said so (API_CORS_ORIGINS); keys are bearer tokens, never cookies.
    if (config.api.corsOrigins.length > 0) {
      await v1.register(fastifyCors, {
        origin: config.api.corsOrigins,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
        allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-none-match', 'range', 'last-event-id'],
        exposedHeaders: ['ratelimit', 'ratelimit-policy', 'retry-after', 'etag', 'location', 'content-range'],
        maxAge: 600,
      });
    }
    await v1.register(fastifyStatic, { serve: false });
    installGuard(v1, {
      orm: runtime.orm, redis: runtime.redis, prefix: config.queuePrefix,
      perKeyPerMinute: config.api.ratePerMinute, perIpPerMinute: config.api.ipRatePerMinute, publicRoutes: PUBLIC_ROUTES,
    });
    const typed = v1.withTypeProvider<ZodTypeProvider>();
    typed.get('/openapi.json', { schema: { hide: true } }, async (_req, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()));
    for (const routes of ROUTES) await routes(typed, ctx);
  }, { prefix: API_PREFIX });
}
