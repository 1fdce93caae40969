/**
 * Public track links: a player page, the audio itself (with range requests, so players can
 * seek) and a download. URLs carry only the generation's random public token; its shape is
 * checked before any lookup, and the token is the only thing the lookup receives.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPublicToken } from '../../core/storage.ts';
import { gonePage, NOT_FOUND_PAGE, PLAY_HEADER, playerPageCsp, renderPlayerPage } from './player-page.ts';

export interface TrackFile {
  /** Absolute path of the encoded file. */
  path: string;
  mime: string;
  /** Name offered to the browser for downloads, e.g. "ditty-rainy-lofi.ogg". */
  filename: string;
  title: string;
  prompt: string;
  description: string;
  durationS: number;
  sizeBytes: number;
  /** What the analyser measured, one line ("Measured: 121.9 bpm, A minor, -14.1 LUFS..."); absent until analysed. */
  measured?: string | null;
  /** When the measured tempo or key is off from the request beyond tolerance: both, in one sentence. */
  mismatch?: string | null;
}

/** A track that existed but whose audio is gone (410 with the reason). */
export interface TrackGone {
  gone: 'expired' | 'deleted';
}

export interface TracksPluginOptions {
  /** Resolves a well-formed token to its track, `{ gone }` when its audio was removed (410), or null (404). */
  lookup: (token: string) => Promise<TrackFile | TrackGone | null>;
  /** Called once per POST /t/:token/play (the page sends one per view, when audio starts). */
  onPlay: (token: string, req: FastifyRequest) => Promise<void>;
  /** Called once per download that starts at the first byte (resumed ranges do not count again). */
  onDownload: (token: string, req: FastifyRequest) => Promise<void>;
}

interface TokenParams {
  token: string;
}

/** Browsers and chat clients may cache the audio; the token, not the cache, guards access. */
const AUDIO_CACHE_CONTROL = 'private, max-age=86400';

function gone(reply: FastifyReply, g: TrackGone): FastifyReply {
  const message = g.gone === 'expired' ? 'This track has expired; its audio was removed.' : 'This track was deleted.';
  return reply.code(410).header('cache-control', 'no-store').send({ error: g.gone, message });
}

const isGone = (t: TrackFile | TrackGone | null): t is TrackGone => t !== null && 'gone' in t;

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found', message: 'No such track.' });
}

/** A resumed download (Range not starting at byte 0) is the same download, not a new one. */
export function startsAtFirstByte(range: string | undefined): boolean {
  if (!range) return true;
  return /^bytes=0-/.test(range.trim());
}

/**
 * RFC 6266 attachment header: an ASCII fallback for old clients plus the exact UTF-8 name.
 * (@fastify/static's download() would do this, but its types do not allow a per-call root.)
 */
export function attachmentDisposition(filename: string): string {
  const clean = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'track';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, "'");
  const utf8 = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/**
 * Sends a track's file with range requests, conditional requests and 206/416 (@fastify/send);
 * the scope needs @fastify/static's sendFile decorator. Also the public API's audio and download.
 */
export function sendTrackFile(reply: FastifyReply, track: TrackFile, asDownload: boolean): FastifyReply {
  // Headers are set once the file is found: a missing file falls through to the JSON 404,
  // which must not go out labelled audio/ogg.
  const onFile = () => {
    reply
      .header('content-type', track.mime)
      .header('cache-control', AUDIO_CACHE_CONTROL)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox");
    if (asDownload) reply.header('content-disposition', attachmentDisposition(track.filename));
  };
  return reply.sendFile(path.basename(track.path), path.dirname(track.path), { contentType: false, cacheControl: false, dotfiles: 'deny', onFile });
}

export async function tracksPlugin(app: FastifyInstance, opts: TracksPluginOptions): Promise<void> {
  const { lookup, onPlay, onDownload } = opts;

  // Range parsing, conditional requests and 206/416 come from @fastify/send through sendFile.
  // The decorators may already exist when the host app serves static files itself.
  if (!app.hasReplyDecorator('sendFile')) {
    await app.register(fastifyStatic, { serve: false });
  }

  /** Validates the token's shape first so junk never reaches the database. */
  async function resolve(req: FastifyRequest<{ Params: TokenParams }>): Promise<TrackFile | TrackGone | null> {
    const { token } = req.params;
    if (!isPublicToken(token)) return null;
    return lookup(token);
  }

  const sendAudio = sendTrackFile;

  app.get<{ Params: TokenParams }>('/t/:token', async (req, reply) => {
    const track = await resolve(req);
    if (isGone(track)) {
      return reply.code(410).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store')
        .header('content-security-policy', "default-src 'none'").send(gonePage(track.gone));
    }
    if (!track) {
      return reply.code(404).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store')
        .header('content-security-policy', "default-src 'none'; img-src data:").send(NOT_FOUND_PAGE);
    }
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', playerPageCsp(nonce))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-store')
      .send(renderPlayerPage({ ...track, token: req.params.token, nonce }));
  });

  app.get<{ Params: TokenParams }>('/t/:token/audio', async (req, reply) => {
    const track = await resolve(req);
    if (isGone(track)) return gone(reply, track);
    if (!track) return notFound(reply);
    return sendAudio(reply, track, false);
  });

  app.get<{ Params: TokenParams }>('/t/:token/download', async (req, reply) => {
    const track = await resolve(req);
    if (isGone(track)) return gone(reply, track);
    if (!track) return notFound(reply);
    // HEAD (auto-generated by fastify) and resumed ranges fetch the same download: count once.
    if (req.method === 'GET' && startsAtFirstByte(req.headers.range)) {
      try {
        await onDownload(req.params.token, req);
      } catch (err) {
        // A lost count must not cost the user the file.
        req.log.warn({ err }, 'download count failed');
      }
    }
    return sendAudio(reply, track, true);
  });

  app.post<{ Params: TokenParams }>('/t/:token/play', async (req, reply) => {
    const track = await resolve(req);
    if (isGone(track)) return gone(reply, track);
    if (!track) return notFound(reply);
    if (req.headers[PLAY_HEADER] !== '1') {
      return reply.code(400).send({ error: 'bad_request', message: `missing ${PLAY_HEADER} header` });
    }
    await onPlay(req.params.token, req);
    return reply.code(204).header('cache-control', 'no-store').send();
  });
}
