/**
 * A track's audio (GET, with ranges, for players), its download (counted, as the public link's
 * download is) and its live events (Server-Sent Events until it finishes).
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { apiActor } from '../../../../core/api-keys.ts';
import { UserError, UserErrorCode } from '../../../../core/errors.ts';
import type { ProgressEvent } from '../../../../core/jobs.ts';
import { addSseSource } from '../../../../core/metrics.ts';
import { sendTrackFile, startsAtFirstByte } from '../../tracks.ts';
import { BEARER, problemResponse, withProblems, type ApiRoutes } from '../context.ts';
import { keyOf } from '../guard.ts';
import { ApiProblem, HttpCode } from '../problem.ts';
import { toApiGeneration, visibleGeneration } from '../representation.ts';
import { IdParamsSchema } from '../schemas.ts';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** Open event streams: in all, and per key (each holds a socket). */
const MAX_STREAMS = 200;
const MAX_STREAMS_PER_KEY = 10;
const HEARTBEAT_MS = 15_000;
/** A stream whose track never finishes (stuck queue) still ends; the client reconnects if it cares. */
const MAX_STREAM_MS = 30 * 60_000;
const MAX_STREAM_BACKLOG_BYTES = 1 << 20;

/** A range past the end of the file: a problem, with a Content-Range header that names the file's size. */
const RANGE_NOT_SATISFIABLE = problemResponse('Range not satisfiable: the Content-Range header gives the file\'s size as `bytes */<size>`.');

const audioResponse = (what: string) => ({
  description: what,
  content: { 'audio/ogg': { schema: z.string().meta({ format: 'binary' }) }, 'audio/mpeg': { schema: z.string().meta({ format: 'binary' }) }, 'audio/wav': { schema: z.string().meta({ format: 'binary' }) } },
});

export const mediaRoutes: ApiRoutes = (app, ctx) => {
  const em = () => ctx.runtime.orm.em.fork();

  /** The stored file of a visible, finished track; 410 when its audio was removed. */
  async function fileOf(keyId: Parameters<typeof visibleGeneration>[1], id: string) {
    const row = await visibleGeneration(em(), keyId, id);
    const file = await ctx.tracks.lookup(row.publicToken);
    if (file && 'gone' in file) {
      throw new ApiProblem(410, file.gone === 'expired' ? HttpCode.Expired : HttpCode.Deleted,
        file.gone === 'expired' ? 'This track has expired; its audio was removed.' : 'This track was deleted.');
    }
    if (!file) throw new UserError(UserErrorCode.NotAllowed, 'That track is not finished yet; its audio comes once it is.');
    return { row, file };
  }

  app.get('/generations/:id/audio', {
    schema: {
      operationId: 'getAudio',
      summary: 'The audio, for players (HTTP ranges; not counted as a download)',
      tags: ['media'],
      security: BEARER,
      params: IdParamsSchema,
      response: withProblems({ 200: audioResponse('The whole file'), 206: audioResponse('The requested range'), 304: z.undefined(), 416: RANGE_NOT_SATISFIABLE }),
    },
  }, async (req, reply) => {
    const { file } = await fileOf(keyOf(req), req.params.id);
    return sendTrackFile(reply, file, false);
  });

  app.get('/generations/:id/download', {
    schema: {
      operationId: 'downloadAudio',
      summary: 'The audio as a download (counted once per client per hour; resumed ranges are the same download)',
      tags: ['media'],
      security: BEARER,
      params: IdParamsSchema,
      response: withProblems({ 200: audioResponse('The whole file'), 206: audioResponse('The requested range'), 304: z.undefined(), 416: RANGE_NOT_SATISFIABLE }),
    },
  }, async (req, reply) => {
    const { row, file } = await fileOf(keyOf(req), req.params.id);
    if (req.method === 'GET' && startsAtFirstByte(req.headers.range)) {
      // A lost count must not cost the client the file.
      await ctx.tracks.onDownload(row.publicToken, req).catch((err: unknown) => req.log.warn({ err }, 'download count failed'));
    }
    return sendTrackFile(reply, file, true);
  });

  const streams = new Set<ServerResponse>();
  const perKey = new Map<string, number>();
  const removeSseSource = addSseSource(() => streams.size);
  app.addHook('onClose', async () => removeSseSource());
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  app.get('/generations/:id/events', {
    schema: {
      operationId: 'streamEvents',
      summary: 'Live progress as Server-Sent Events, until the track finishes',
      description: 'Events: `generation` (the whole track, first and last), `progress` (stage, progress 0..1, queue position, eta_s), ' +
        'then the stream ends after the final `generation` event. A comment line every 15 s keeps proxies from closing it.',
      tags: ['generations'],
      security: BEARER,
      params: IdParamsSchema,
      response: withProblems({ 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } } }),
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const viewer = apiActor(key);
    const first = await visibleGeneration(em(), key, req.params.id);
    const mine = perKey.get(key.prefix) ?? 0;
    if (streams.size >= MAX_STREAMS || mine >= MAX_STREAMS_PER_KEY) {
      throw new UserError(UserErrorCode.RateLimited, mine >= MAX_STREAMS_PER_KEY
        ? `This key has ${MAX_STREAMS_PER_KEY} event streams open; close one first.`
        : 'Too many event streams are open right now; poll GET /generations/{id} instead, or try again shortly.', { waitS: 10 });
    }
    perKey.set(key.prefix, mine + 1);
    const origin = reply.getHeaders();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...Object.fromEntries(Object.entries(origin).filter(([k]) => k.startsWith('ratelimit') || k.startsWith('access-control'))),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    streams.add(res);
    let seq = 0;
    let closed = false;
    const write = (event: string, data: unknown): void => {
      if (closed) return;
      if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
        res.destroy();
        return;
      }
      res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const finish = async (): Promise<void> => {
      const row = await visibleGeneration(em(), key, first.id).catch(() => null);
      if (row) write('generation', await toApiGeneration(em(), row, viewer, ctx.publicUrl));
      res.end();
    };
    let ending = false;
    // Events that come before the first snapshot is written wait for it, so the stream starts with the track.
    let pending: ProgressEvent[] | null = [];
    const onEvent = (event: ProgressEvent): void => {
      if (event.generationId !== first.id || ending) return;
      if (pending) {
        pending.push(event);
        return;
      }
      write('progress', {
        stage: event.stage, progress: event.progress, queue_position: event.position ?? null,
        waiting_for_slot: event.waiting ?? false, eta_s: event.etaS ?? null, message: event.message ?? null,
      });
      if (TERMINAL.has(event.stage)) {
        ending = true;
        void finish().catch(() => res.end());
      }
    };
    // Subscribed before the first read, so nothing between the read and the subscription is lost.
    const unsubscribe = ctx.runtime.onProgress(first.platform, onEvent);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const limit = setTimeout(() => res.end(), MAX_STREAM_MS);
    limit.unref();
    res.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(limit);
      unsubscribe();
      if (streams.delete(res)) {
        const left = (perKey.get(key.prefix) ?? 1) - 1;
        if (left > 0) perKey.set(key.prefix, left);
        else perKey.delete(key.prefix);
      }
    });
    res.write('retry: 3000\n\n');
    try {
      const now = await visibleGeneration(em(), key, first.id);
      write('generation', await toApiGeneration(em(), now, viewer, ctx.publicUrl));
      if (TERMINAL.has(now.status)) {
        ending = true;
        res.end();
        return;
      }
      const missed = pending;
      pending = null;
      for (const event of missed) onEvent(event);
    } catch (err) {
      // The headers are out: a failure can only end the stream (the client reconnects or polls).
      req.log.warn({ err }, 'api event stream failed');
      res.end();
    }
  });
};
