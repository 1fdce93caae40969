/** What every route module of the public API receives, and the typed app it registers on. */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Runtime } from '../../../core/runtime.ts';
import type { TracksPluginOptions } from '../tracks.ts';
import { ProblemSchema } from './schemas.ts';

export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface ApiContext {
  runtime: Runtime;
  /** The track links' file lookup and counters (web/server/main.ts trackSource), shared with /t/:token. */
  tracks: TracksPluginOptions;
  /** PUBLIC_URL without a trailing slash: the base of every link the API returns. */
  publicUrl: string;
}

/** A route module: registers its routes on the /api/v1 scope. */
export type ApiRoutes = (app: ApiApp, ctx: ApiContext) => void | Promise<void>;

/** A response that is a problem; a route names one with its own status to describe when it comes. */
export function problemResponse(description = 'An error, as RFC 9457 problem details.') {
  return { description, content: { 'application/problem+json': { schema: ProblemSchema } } } as const;
}

const problem = problemResponse();

/** A route's responses plus the problem responses every route may give. */
export function withProblems<T extends Record<string, unknown>>(ok: T) {
  return { ...ok, '4xx': problem, '5xx': problem };
}

/** `security` for routes that want a key (all but PUBLIC_ROUTES). */
export const BEARER = [{ bearer: [] }];
