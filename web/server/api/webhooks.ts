/**
 * Completion callbacks: when an API generation finishes (completed, failed or cancelled) and asked
 * for a `callback_url`, the web role POSTs the generation to it, signed the Standard Webhooks way
 * (https://www.standardwebhooks.com): headers `webhook-id`, `webhook-timestamp` (Unix seconds)
 * and `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`, where the
 * secret is the key's `whsec_…` (core/api-keys.ts webhookSecretFor). Receivers reject timestamps
 * older than a few minutes (replays) and dedupe on webhook-id.
 *
 * Bounded: each request has API_WEBHOOK_TIMEOUT_S from connect to last byte; a non-2xx answer or
 * a network error is retried with exponential backoff from 2 s, API_WEBHOOK_ATTEMPTS in all, then
 * dropped with a log line. Redirects are not followed.
 *
 * SSRF: only http(s) URLs without credentials; by default the address actually connected to must
 * be public (checked on the resolved address at connect time, so DNS rebinding cannot slip a
 * private address in after the check). API_WEBHOOK_ALLOW_PRIVATE=true lifts that for networks
 * where the receiver is internal.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { getGeneration } from '../../../core/db/index.ts';
import { UserError, UserErrorCode } from '../../../core/errors.ts';
import { API_WEBHOOK_QUEUE, JobName, type WebhookJob } from '../../../core/jobs.ts';
import { queueOptions } from '../../../core/queue.ts';
import type { Runtime } from '../../../core/runtime.ts';
import { closeWorker, jobsInFlight, within } from '../../../core/worker-close.ts';
import { toApiGeneration } from './representation.ts';

const MAX_URL_CHARS = 2048;

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

/** Loopback, private, link-local, shared, documentation, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family === 6) return PRIVATE.check(bare, 'ipv6');
  return true; // not an address at all: refuse rather than guess
}

/**
 * The callback URL as it will be stored, or a refusal (url_invalid). Hostnames are checked again
 * when called: what they resolve to can change.
 */
export function checkCallbackUrl(raw: string, allowPrivate: boolean): string {
  const refuse = (why: string) => new UserError(UserErrorCode.UrlInvalid, `callback_url ${why}`);
  if (raw.length > MAX_URL_CHARS) throw refuse(`is longer than ${MAX_URL_CHARS} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not a URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be http or https.');
  if (url.username || url.password) throw refuse('must not carry a user name or password; put a token in the path if the receiver needs one.');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    throw refuse('points at a private or loopback address, which ditty does not call (set API_WEBHOOK_ALLOW_PRIVATE=true to allow it).');
  }
  url.hash = '';
  return url.toString();
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses private addresses: the check is on what the socket connects to. */
function publicOnlyLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { family: typeof options.family === 'number' ? options.family : 0, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      const refused: NodeJS.ErrnoException = new Error('callback host resolves to a private address');
      refused.code = 'EPRIVATEADDRESS';
      return callback(refused, []);
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Standard Webhooks signature of `body` with a `whsec_<base64>` secret. */
export function signWebhook(secret: string, id: string, timestampS: number, body: string): SignedHeaders {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': `v1,${signature}` };
}

export interface PostResult {
  status: number;
}

/** One POST, bounded by `timeoutMs` from start to the last byte; the response body is drained and dropped. */
export function postWebhook(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<PostResult> {
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && isIP(literal) !== 0 && isPrivateAddress(literal)) {
    return Promise.reject(new UnrecoverableError('callback address is private'));
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'ditty-webhooks/1' },
      signal: AbortSignal.timeout(opts.timeoutMs),
      ...(opts.allowPrivate ? {} : { lookup: publicOnlyLookup as unknown as typeof dnsLookup }),
    }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EPRIVATEADDRESS' ? new UnrecoverableError(err.message) : err));
    req.end(body);
  });
}

/** What the receiver gets: the event type and the generation as GET /generations/{id} shows it to the key. */
export interface WebhookPayload {
  type: `generation.${'completed' | 'failed' | 'cancelled'}`;
  timestamp: string;
  data: Awaited<ReturnType<typeof toApiGeneration>>;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const WORKER_START_DELAY_MS = 2_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** How long a job waits for a delivered row to be marked completed before it retries later. */
const SETTLE_WAIT_MS = 5_000;

export interface Webhooks {
  /** Queues the callback of a generation (once: the job id is the generation's). */
  enqueue(generationId: string): Promise<void>;
  close(): Promise<void>;
}

export function startWebhooks(runtime: Runtime): Webhooks {
  const { config, log } = runtime;
  const settings = config.api.webhook;
  // The runtime's command connection: already connected, and it refuses at once while Redis is
  // away (a new connection would start BullMQ's set-up commands before it is even open).
  const queue = new Queue<WebhookJob['data'], unknown, WebhookJob['name']>(API_WEBHOOK_QUEUE, queueOptions(runtime.redis, config.queuePrefix));
  queue.on('error', (err: Error) => log.warn({ err: err.message }, 'webhook queue error'));

  const processor = async (job: Job<WebhookJob['data']>): Promise<number> => {
    const em = runtime.orm.em.fork();
    let row = await getGeneration(em, job.data.generationId);
    // The delivery step queues the callback just before the row is marked completed.
    for (const until = Date.now() + SETTLE_WAIT_MS; row && !TERMINAL.has(row.status) && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 200));
      row = await getGeneration(runtime.orm.em.fork(), job.data.generationId);
    }
    if (!row) throw new UnrecoverableError('generation is gone');
    if (!TERMINAL.has(row.status)) throw new Error(`generation still ${row.status}`);
    const url = row.reply.callbackUrl;
    const secret = row.reply.webhookSecret;
    if (!url || !secret) return 0;
    const creator = { platform: row.platform, guildId: row.guildId, platformUserId: row.creator.platformUserId, displayName: row.creator.displayName };
    const payload: WebhookPayload = {
      type: `generation.${row.status as 'completed' | 'failed' | 'cancelled'}`,
      timestamp: new Date().toISOString(),
      data: await toApiGeneration(em, row, creator, config.http.publicUrl),
    };
    const body = JSON.stringify(payload);
    const headers = signWebhook(secret, `gen_${row.id}_${row.status}`, Math.floor(Date.now() / 1000), body);
    const { status } = await postWebhook(url, { ...headers }, body, { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate });
    if (status < 200 || status >= 300) throw new Error(`callback answered HTTP ${status}`);
    return status;
  };
  const jobs = jobsInFlight();
  const worker = new Worker<WebhookJob['data'], number, WebhookJob['name']>(API_WEBHOOK_QUEUE, jobs.wrap(processor), {
    connection: runtime.connect('api-webhook-worker'),
    prefix: config.queuePrefix,
    concurrency: 8,
    autorun: false,
  });
  // Started a moment after the web role is up, so its Redis set-up does not compete with the
  // first requests on a busy machine; callbacks queued meanwhile simply wait.
  const start = setTimeout(() => {
    worker.run().catch((err: unknown) => log.error({ err }, 'webhook worker stopped'));
  }, WORKER_START_DELAY_MS);
  start.unref();
  worker.on('error', (err) => log.error({ err }, 'webhook worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    // Never the URL: it may carry the receiver's own token.
    log[final ? 'warn' : 'info']({ generationId: job.data.generationId, attempt: job.attemptsMade, err: err.message }, final ? 'webhook given up' : 'webhook failed; will retry');
  });

  return {
    async enqueue(generationId) {
      await queue.add(JobName.Webhook, { generationId }, {
        jobId: `wh-${generationId}`,
        attempts: settings.attempts,
        backoff: { type: 'exponential', delay: settings.backoffMs },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    async close() {
      clearTimeout(start);
      // Bounded whatever Redis does (core/worker-close.ts); a callback cut short is retried by its job.
      await closeWorker(worker, jobs, { drainMs: CLOSE_TIMEOUT_MS });
      await within(queue.close(), CLOSE_TIMEOUT_MS);
    },
  };
}
