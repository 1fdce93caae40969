/**
 * What the web role runs for the API besides routes: the `api` platform's delivery queue (an API
 * track is "posted" by being marked completed: clients poll, stream events or get a callback) and
 * the completion callbacks. Failures and cancellations come as progress events; every web process
 * hears them, and the callback job's id (the generation's) makes one callback of them.
 */
import type { Runtime } from '../../../core/runtime.ts';
import { startWebhooks } from './webhooks.ts';

export async function startApiBackground(runtime: Runtime): Promise<{ close(): Promise<void> }> {
  const webhooks = startWebhooks(runtime);
  const enqueue = (generationId: string) => {
    webhooks.enqueue(generationId).catch((err: unknown) => runtime.log.warn({ err, generationId }, 'webhook not queued'));
  };
  const unsubscribe = runtime.onProgress('api', (event) => {
    if (event.stage === 'failed' || event.stage === 'cancelled') {
      void runtime.core.replyOf(event.generationId).then((r) => {
        if (r?.reply.callbackUrl) enqueue(event.generationId);
      }, () => undefined);
    }
  });
  let delivery: { close(): Promise<void> };
  try {
    delivery = await runtime.startDelivery('api', async ({ track, reply }) => {
      if (reply.callbackUrl) await webhooks.enqueue(track.id);
      return { messageRef: track.id };
    });
  } catch (err) {
    unsubscribe();
    await webhooks.close();
    throw err;
  }
  return {
    async close() {
      unsubscribe();
      await delivery.close();
      await webhooks.close();
    },
  };
}
