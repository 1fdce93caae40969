/**
 * Generations: create one (POST), read one (GET, with ETag), delete or cancel it, favorite it,
 * count a play. Everything goes through the core the chat frontends call.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { API_CHANNEL_ID, apiActor, webhookSecretFor } from '../../../../core/api-keys.ts';
import { isUserError, UserError, UserErrorCode } from '../../../../core/errors.ts';
import { BEARER, withProblems, type ApiRoutes } from '../context.ts';
import { bearerOf, keyOf, rateLimitHeaders } from '../guard.ts';
import { toApiGeneration, visibleGeneration, type ApiGeneration } from '../representation.ts';
import { CreateGenerationSchema, FavoriteSchema, GenerationSchema, GenerationWithAnalysisSchema, IdParamsSchema, PlaySchema, SimilarSchema } from '../schemas.ts';
import { keyLabel } from '../../../../core/analysis.ts';
import { checkCallbackUrl } from '../webhooks.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** API tracks are fetched by link, never posted inline: no size limit forces a lower bitrate or another format. */
const API_SIZE_LIMIT_BYTES = 1024 ** 3;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,100}$/;
/** The RateLimit policy of the core's generations a minute per key (RATE_LIMIT_PER_MINUTE). */
const GENERATIONS_POLICY = 'generations';

/** Weak, because the JSON is generated: equal content, equal tag. */
export function etagOf(body: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

/** True (and a 304 sent) when the client's copy is current. */
export function notModified(req: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('etag', etag).header('cache-control', 'private, no-cache');
  const given = req.headers['if-none-match'];
  if (typeof given !== 'string') return false;
  const tags = given.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etag.replace(/^W\//, ''));
}

export const generationRoutes: ApiRoutes = (app, ctx) => {
  const { core } = ctx.runtime;
  const em = () => ctx.runtime.orm.em.fork();

  app.post('/generations', {
    schema: {
      operationId: 'createGeneration',
      summary: 'Queue a track',
      description: 'Queues a track from a prompt, under the same limits as the chat frontends: RATE_LIMIT_PER_MINUTE generations a minute per key, ' +
        'render slots shared round-robin across keys, the line caps; the answer\'s RateLimit headers carry the `generations` policy. Send an `Idempotency-Key` header to make a retried request safe: ' +
        'the same key returns the first request\'s generation (200) instead of queueing another (202).',
      tags: ['generations'],
      security: BEARER,
      headers: z.object({ 'idempotency-key': z.string().optional().describe('Up to 100 of A-Z a-z 0-9 _ . : -') }),
      body: CreateGenerationSchema,
      response: withProblems({ 200: GenerationSchema.describe('A repeat of an earlier request (same Idempotency-Key)'), 202: GenerationSchema.describe('Queued') }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const idem = req.headers['idempotency-key'];
    if (idem !== undefined && (typeof idem !== 'string' || !IDEMPOTENCY_KEY.test(idem))) {
      throw new UserError(UserErrorCode.TextInvalid, 'Idempotency-Key must be 1 to 100 of A-Z a-z 0-9 _ . : -');
    }
    const body = req.body;
    const replyData: Record<string, string> = {};
    if (typeof idem === 'string') replyData.requestKey = `api:${key.prefix}:${idem}`;
    if (body.callback_url !== undefined) {
      replyData.callbackUrl = checkCallbackUrl(body.callback_url, ctx.runtime.config.api.webhook.allowPrivate);
      // Derived from the key this request presented: the key itself is never stored.
      replyData.webhookSecret = webhookSecretFor(bearerOf(req)!);
    }
    let accepted;
    try {
      accepted = await core.generate({
        actor: apiActor(key),
        channelId: API_CHANNEL_ID,
        prompt: body.prompt,
        durationS: body.duration,
        seed: body.seed,
        takes: body.takes,
        format: body.format,
        sizeLimitBytes: API_SIZE_LIMIT_BYTES,
        reply: replyData,
      });
    } catch (err) {
      // Refused by the generations-a-minute limit: the RateLimit header names that policy, spent.
      if (isUserError(err) && err.code === UserErrorCode.RateLimited && typeof err.context.perMinute === 'number' && typeof err.context.waitS === 'number') {
        rateLimitHeaders(reply, GENERATIONS_POLICY, { limit: err.context.perMinute, remaining: 0, resetS: err.context.waitS });
      }
      throw err;
    }
    if (accepted.quota) rateLimitHeaders(reply, GENERATIONS_POLICY, accepted.quota);
    const row = await visibleGeneration(em(), key, accepted.generationId);
    const out = await toApiGeneration(em(), row, apiActor(key), ctx.publicUrl);
    reply.header('location', out.links.self).header('cache-control', 'no-store');
    return reply.code(accepted.duplicate ? 200 : 202).send(out);
  });

  app.get('/generations/:id', {
    schema: {
      operationId: 'getGeneration',
      summary: 'A track: status, progress, place in line, what was understood, engine facts, counts, links',
      description: 'Sends an ETag; with If-None-Match and an unchanged track the answer is 304 with no body.',
      tags: ['generations'],
      security: BEARER,
      params: IdParamsSchema,
      response: withProblems({ 200: GenerationWithAnalysisSchema, 304: z.undefined().describe('Not modified') }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const row = await visibleGeneration(em(), key, req.params.id);
    const base: ApiGeneration = await toApiGeneration(em(), row, apiActor(key), ctx.publicUrl);
    const a = await core.analysis(row.id);
    const m = a?.analysis ?? null;
    const out = {
      ...base,
      analysis: {
        state: a?.state ?? 'pending',
        tempo_bpm: m?.tempoBpm ?? null,
        key: m && m.keyPitchClass !== null && m.mode ? keyLabel(m.keyPitchClass, m.mode) : null,
        loudness_lufs: m?.loudnessLufs ?? null,
        true_peak_dbtp: m?.truePeakDbtp ?? null,
        brightness_hz: m?.centroidHz ?? null,
        energy: m?.energy ?? null,
        onsets_per_s: m?.onsetsPerS ?? null,
        tempo_match: a?.mismatch?.tempo?.match ?? null,
        key_match: a?.mismatch?.key?.match ?? null,
        mismatch: a?.mismatch?.sentence ?? null,
      },
    };
    if (notModified(req, reply, etagOf(out))) return reply.code(304).send();
    return reply.send(out);
  });

  app.get('/generations/:id/similar', {
    schema: {
      operationId: 'getSimilarGenerations',
      summary: 'More like this: the nearest finished tracks by measured tempo, key and sound, with the reasons',
      tags: ['generations'],
      security: BEARER,
      params: IdParamsSchema,
      response: withProblems({ 200: SimilarSchema }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const row = await visibleGeneration(em(), key, req.params.id);
    // Within the track's own server (for an API key: the API's tracks), never another's.
    const result = await core.similar(row.platform, row.guildId, row.id, 10);
    const viewer = apiActor(key);
    const items = [];
    for (const t of result.tracks) {
      const g = await visibleGeneration(em(), key, t.track.id).catch(() => null);
      if (g) items.push({ generation: await toApiGeneration(em(), g, viewer, ctx.publicUrl), distance: t.distance, reasons: t.reasons });
    }
    return reply.header('cache-control', 'no-store').send({ of: row.id, analysed: result.analysed, items });
  });

  app.delete('/generations/:id', {
    schema: {
      operationId: 'deleteGeneration',
      summary: 'Delete your finished track, or cancel your unfinished one',
      description: 'Only the key that made a track may (admin keys too). A deleted track\'s audio is removed and it leaves every list; its links answer 410.',
      tags: ['generations'],
      security: BEARER,
      params: IdParamsSchema,
      response: withProblems({ 204: z.undefined().describe('Deleted or cancelled') }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const row = await visibleGeneration(em(), key, req.params.id);
    const actor = apiActor(key);
    const finished = row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled';
    // The core decides who may: the creator, or (isAdmin) an admin key in the same server.
    const done = finished
      ? await core.deleteTrack(actor, row.id, { isAdmin: key.admin })
      : await core.cancel(actor, row.id);
    if (!done) throw new UserError(UserErrorCode.NotAllowed, finished ? 'That track is already deleted.' : 'Too late to cancel: that track is already done; delete it instead.');
    return reply.code(204).header('cache-control', 'no-store').send(undefined);
  });

  for (const [method, on] of [['PUT', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/generations/:id/favorite',
      schema: {
        operationId: on ? 'favoriteGeneration' : 'unfavoriteGeneration',
        summary: on ? 'Favorite a track (idempotent)' : 'Take back a favorite (idempotent)',
        tags: ['generations'],
        security: BEARER,
        params: IdParamsSchema,
        response: withProblems({ 200: FavoriteSchema }),
      },
      handler: async (req, reply) => {
        const key = keyOf(req);
        const row = await visibleGeneration(em(), key, req.params.id);
        const result = await core.setFavorite(apiActor(key), row.id, on);
        return reply.header('cache-control', 'no-store').send({ favorited: on, changed: result.changed, favorites: result.favorites });
      },
    });
  }

  app.post('/generations/:id/plays', {
    schema: {
      operationId: 'recordPlay',
      summary: 'Count a play',
      description: 'Counts once per key per track per hour, like a chat user\'s plays; further calls in the hour are accepted and not counted.',
      tags: ['generations'],
      security: BEARER,
      params: IdParamsSchema,
      body: PlaySchema.nullish(),
      response: withProblems({ 204: z.undefined().describe('Accepted') }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const row = await visibleGeneration(em(), key, req.params.id);
    if (row.status !== 'completed') throw new UserError(UserErrorCode.NotAllowed, 'That track is not finished yet; count a play once it is.');
    await core.recordPlay(row.id, apiActor(key), 'api', req.body?.seconds);
    return reply.code(204).header('cache-control', 'no-store').send(undefined);
  });
};
