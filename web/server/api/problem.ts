/**
 * Every error of the public API as RFC 9457 problem details (application/problem+json), with the
 * same codes and sentences as the chat frontends (core/errors.ts, web/server/boundary.ts): a user
 * error keeps its code and message; an outage is 503 `unavailable`; a bug is a 500 that says
 * nothing internal.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isUserError, UserErrorCode } from '../../../core/errors.ts';
import { isOutage, UNAVAILABLE_MESSAGE } from '../../../core/outage.ts';
import { statusForUserError } from '../boundary.ts';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  retry_after_s?: number;
}

/** Codes that only HTTP has (the rest are core's UserErrorCode values). */
export const HttpCode = {
  BadRequest: 'bad_request',
  Internal: 'internal',
  Expired: 'expired',
  Deleted: 'deleted',
  RangeNotSatisfiable: 'range_not_satisfiable',
} as const;

const TITLES: Record<string, string> = {
  bad_request: 'Bad request',
  internal: 'Internal error',
  expired: 'Track expired',
  deleted: 'Track deleted',
  range_not_satisfiable: 'Range not satisfiable',
  unauthorized: 'Unauthorized',
  not_found: 'Not found',
  not_allowed: 'Not allowed',
  rate_limited: 'Too many requests',
  server_busy: 'Too many tracks waiting',
  unavailable: 'Service unavailable',
};

function titleOf(code: string): string {
  return TITLES[code] ?? code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Thrown by routes for an HTTP-only condition (a gone track, a bad cursor). */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = code;
  }
}

/** Request fields whose schema refusals carry the core's own code for that field. */
const FIELD_CODES: Record<string, string> = {
  prompt: UserErrorCode.PromptEmpty,
  duration: UserErrorCode.DurationInvalid,
  seed: UserErrorCode.SeedInvalid,
  format: UserErrorCode.FormatInvalid,
  takes: UserErrorCode.TakesInvalid,
};

export function sendProblem(reply: FastifyReply, req: FastifyRequest, status: number, code: string, detail: string, retryAfterS?: number): FastifyReply {
  const body: Problem = { type: `urn:ditty:problem:${code}`, title: titleOf(code), status, detail, code, instance: req.url.split('?')[0]!.slice(0, 200) };
  if (retryAfterS !== undefined) {
    body.retry_after_s = retryAfterS;
    reply.header('retry-after', String(retryAfterS));
  }
  reply.header('cache-control', 'no-store');
  return reply.code(status).type(PROBLEM_TYPE).send(body);
}

export function apiErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiProblem) return sendProblem(reply, req, err.status, err.code, err.message);
  if (isUserError(err)) {
    req.log.info({ code: err.code }, 'api request refused');
    const status = statusForUserError(err.code);
    const waitS = typeof err.context.waitS === 'number' ? err.context.waitS : undefined;
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="ditty"');
    return sendProblem(reply, req, status, err.code, err.message, waitS ?? (status === 503 ? 5 : undefined));
  }
  if (isOutage(err)) {
    req.log.warn({ err }, 'api request refused: a backing service is down');
    return sendProblem(reply, req, 503, UserErrorCode.Unavailable, UNAVAILABLE_MESSAGE, 5);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0];
    const field = String(issue?.instancePath ?? '').split('/').filter(Boolean)[0] ?? '';
    const where = err.validationContext ?? 'body';
    const code = where === 'body' && FIELD_CODES[field] ? FIELD_CODES[field] : HttpCode.BadRequest;
    const detail = `${where}${field ? `.${field}` : ''}: ${issue?.message ?? 'invalid'}`.slice(0, 300);
    return sendProblem(reply, req, 400, code, `That request does not match the API: ${detail}. See /api/docs.`);
  }
  const status = (err as FastifyError).statusCode ?? 500;
  if (status === 416) {
    // From @fastify/send: a Range past the end of the file. Its Content-Range (bytes */size)
    // tells the client what it may ask for.
    const range = (err as { headers?: Record<string, unknown> }).headers?.['Content-Range'];
    if (typeof range === 'string') reply.header('content-range', range);
    return sendProblem(reply, req, 416, HttpCode.RangeNotSatisfiable, 'That range is outside the file; Content-Range gives its size.');
  }
  if (status >= 400 && status < 500) {
    const detail = status === 413 ? 'That request body is too large.'
      : status === 415 ? 'Send the body as application/json.'
      : status === 408 ? 'That request took too long to arrive.'
      : 'That request was malformed (is the body valid JSON?).';
    return sendProblem(reply, req, status, HttpCode.BadRequest, detail);
  }
  req.log.error({ err }, 'api request failed');
  return sendProblem(reply, req, 500, HttpCode.Internal, 'Something went wrong on our side. Try again in a moment.');
}
