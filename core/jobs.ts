/**
 * The queue contract: every queue, job name and payload that an enqueuer and a consumer share.
 * Payloads carry ids only; Postgres holds the truth, so a replayed job reads current state.
 */
/** `api`: the public HTTP API (/api/v1), where each API key is its own user. */
export type Platform = 'local' | 'discord' | 'slack' | 'api';
export const PLATFORMS: readonly Platform[] = ['local', 'discord', 'slack', 'api'];

export const QueueName = {
  Render: 'render',
  DeliverLocal: 'deliver-local',
  DeliverDiscord: 'deliver-discord',
  DeliverSlack: 'deliver-slack',
  DeliverApi: 'deliver-api',
} as const;

/**
 * Completion callbacks of the public API (web/server/api/webhooks.ts). Not in QueueName: only
 * the web role uses it, and every QueueName member costs each web process a dashboard queue.
 */
export const API_WEBHOOK_QUEUE = 'api-webhook';
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export function deliverQueueFor(platform: Platform): QueueName {
  switch (platform) {
    case 'local': return QueueName.DeliverLocal;
    case 'discord': return QueueName.DeliverDiscord;
    case 'slack': return QueueName.DeliverSlack;
    case 'api': return QueueName.DeliverApi;
  }
}

export const JobName = {
  Render: 'render',
  Deliver: 'deliver',
  Webhook: 'webhook',
} as const;

export interface RenderJob { name: typeof JobName.Render; data: { generationId: string } }
/** `batchId` (takes): post the whole batch in one message; `generationId` is then its first take. */
export interface DeliverJob { name: typeof JobName.Deliver; data: { generationId: string; platform: Platform; batchId?: string } }
/** One completion callback: the URL and signing key are read from the generation's row, never carried here. */
export interface WebhookJob { name: typeof JobName.Webhook; data: { generationId: string } }
export type AnyJob = RenderJob | DeliverJob | WebhookJob;
export type JobData<N extends AnyJob['name']> = Extract<AnyJob, { name: N }>['data'];

/**
 * Render attempts per generation in all: BullMQ retries, stalls after a worker died, reconciler
 * re-enqueues and drains all count (generations.attempts), so a poison job ends `failed`.
 */
export const MAX_RENDER_ATTEMPTS = 3;

export const renderJobOptions = {
  attempts: MAX_RENDER_ATTEMPTS,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export const deliverJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export type Stage = 'queued' | 'rendering' | 'encoding' | 'delivering' | 'completed' | 'failed' | 'cancelled';

/** Published on `${prefix}:progress:${platform}` while a generation moves. */
export interface ProgressEvent {
  generationId: string;
  platform: Platform;
  stage: Stage;
  /** 0..1 within the render stage; 1 once encoded. */
  progress: number;
  /** 1-based place in the queue while queued. */
  position?: number;
  /** True while the track waits in its server's line for a free slot (all slots taken). */
  waiting?: boolean;
  etaS?: number;
  errorCode?: string;
  message?: string;
}

export function progressChannel(prefix: string, platform: Platform): string {
  return `${prefix}:progress:${platform}`;
}
