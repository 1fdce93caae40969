/**
 * The web role: the HTTP app for a runtime, listening on HTTP_HOST:HTTP_PORT, with the local chat
 * fed when LOCAL_CHAT is on. `app/system.ts` starts it as part of a process; `npm run web` runs
 * it alone (the worker then runs elsewhere and meets it through Postgres and Redis).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exposureProblem, loadConfig } from '../../core/config.ts';
import { loadEnvFile } from '../../core/env-file.ts';
import { getAnalysis, getGenerationByToken, recordDownload, type GenerationRow } from '../../core/db/index.ts';
import { measuredLine, mismatch } from '../../core/analysis.ts';
import { createLogger } from '../../core/log.ts';
import { firstListen, webListener } from '../../core/listens.ts';
import { createRuntime, type Runtime } from '../../core/runtime.ts';
import { buildWebApp, startLocalChat } from './app.ts';
import { gallerySource } from './gallery-source.ts';
import { apiPlugin } from './api/index.ts';
import { startApiBackground } from './api/background.ts';
import { healthPlugin } from './health.ts';
import { opsPlugin } from './ops.ts';
import type { TrackFile, TrackGone, TracksPluginOptions } from './tracks.ts';

export interface WebServer {
  /** Where the server listens (the real port when HTTP_PORT is 0). */
  url: string;
  close(): Promise<void>;
}

/** How long closing waits for responses still being sent before it cuts their connections. */
export const CLOSE_GRACE_MS = 3_000;

export async function startWebServer(runtime: Runtime, opts: { localChat: boolean }): Promise<WebServer> {
  const { config } = runtime;
  // Checked here too, not only by scripts/start.ts: every way of starting the web role refuses.
  const refusal = exposureProblem({ ...config, localChat: opts.localChat });
  if (refusal) throw new Error(refusal);
  const tracks = trackSource(runtime);
  const app = await buildWebApp({ runtime, tracks, log: runtime.log, localChat: opts.localChat, chatToken: config.localChatToken, adminToken: config.adminToken, gallery: gallerySource(runtime), trustProxy: config.http.trustProxy, allowedHosts: config.http.allowedHosts });
  await app.register(healthPlugin, { runtime, adminToken: config.adminToken });
  await app.register(opsPlugin, { runtime, adminToken: config.adminToken });
  await app.register(apiPlugin, { runtime, tracks });
  await app.listen({ host: config.http.host, port: config.http.port });
  let chat: { close(): Promise<void> } | null = null;
  let api: { close(): Promise<void> } | null = null;
  try {
    if (opts.localChat) chat = await startLocalChat(runtime);
    api = await startApiBackground(runtime);
  } catch (err) {
    await chat?.close();
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return {
    url: `http://${host}:${port}`,
    async close() {
      // Stop taking deliveries first, so none is posted to pages that are going away.
      await chat?.close();
      await api?.close();
      // Responses in flight get a grace, then their sockets close: a download its client paused
      // (bench chat reads only an audio file's first bytes) held the close for 60 s.
      const grace = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
      }
    },
  };
}

/** The track page's analysis lines; a failed read leaves them out rather than failing the page. */
async function measuredOf(runtime: Runtime, row: GenerationRow): Promise<{ measured: string | null; mismatch: string | null }> {
  const a = await getAnalysis(runtime.orm.em.fork(), row.id).catch(() => null);
  if (a?.state !== 'done') return { measured: null, mismatch: null };
  return { measured: measuredLine(row.params, a.analysis), mismatch: mismatch(row.params, a.analysis).sentence };
}

const MIME: Record<string, string> = { ogg: 'audio/ogg', opus: 'audio/ogg', mp3: 'audio/mpeg', wav: 'audio/wav' };
/** Statuses whose file is stored and final (delivering: encoded, being posted to its channel). */
const SERVABLE = new Set(['delivering', 'completed']);

/** The tracks plugin's view of the database: a token resolves to a stored, finished file. */
export function trackSource(runtime: Runtime): TracksPluginOptions {
  const byToken = async (token: string): Promise<GenerationRow | null> => {
    const row = await getGenerationByToken(runtime.orm.em.fork(), token);
    return row && row.storagePath && SERVABLE.has(row.status) ? row : null;
  };
  return {
    async lookup(token): Promise<TrackFile | TrackGone | null> {
      const row = await byToken(token);
      if (!row) {
        const any = await getGenerationByToken(runtime.orm.em.fork(), token);
        if (any?.deletedAt) return { gone: 'deleted' };
        if (any?.expiredAt) return { gone: 'expired' };
        return null;
      }
      if (!row.storagePath) return null;
      const ext = path.extname(row.storagePath).slice(1).toLowerCase();
      const p = row.params;
      const durationS = row.actualDurationS ?? row.requestedDurationS;
      return {
        path: row.storagePath,
        mime: MIME[ext] ?? 'application/octet-stream',
        filename: `ditty-${slug(row.prompt)}.${ext || 'bin'}`,
        title: [...row.prompt].slice(0, 80).join(''),
        prompt: row.prompt,
        description: `${p.genre} · ${p.bpm} bpm · ${p.key} ${p.mode} · ${Math.round(durationS)} s · seed ${p.seed}`,
        durationS,
        sizeBytes: row.sizeBytes ?? 0,
        ...(await measuredOf(runtime, row)),
      };
    },
    async onPlay(token, req) {
      const row = await byToken(token);
      if (row) await runtime.core.recordPlay(row.id, null, 'web', undefined, webListener(req.ip, req.headers['user-agent']));
    },
    async onDownload(token, req) {
      const row = await byToken(token);
      if (!row) return;
      // One download per listener per track per hour, like plays.
      if (!(await firstListen(runtime.redis, runtime.config.queuePrefix, 'download', row.id, webListener(req.ip, req.headers['user-agent'])))) return;
      await recordDownload(runtime.orm.em.fork(), row.id);
    },
  };
}

/** A file-name-safe slice of the prompt: ASCII letters and digits, dashes between words. */
function slug(prompt: string): string {
  const s = prompt.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 40).replace(/-+$/, '') || 'track';
}

if (import.meta.main) {
  loadEnvFile();
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const runtime = await createRuntime(config, log);
  const server = await startWebServer(runtime, { localChat: config.localChat });
  log.info({ url: server.url }, config.localChat ? 'local chat ready' : 'web server ready');
  const stop = () => {
    server.close().then(() => runtime.close()).then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
