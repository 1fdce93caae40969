/**
 * Queues on a fail-fast connection survive a slow Redis at their creation. BullMQ asks Redis for
 * its version (INFO) once, when a queue is made; on a connection with the 700 ms command timeout a
 * stall then (a loaded host at start-up, a Redis busy saving) rejected that one-time promise, and
 * every later call on the queue failed with it: the web process could no longer enqueue (tracks
 * waited for the reconciler) and its /metrics had no queue depth, until it was restarted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, createQueues, enqueueRender } from '../../core/queue.ts';
import { deleteKeys, uniqueName } from '../helpers/system.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

const prefix = uniqueName('qinit').toLowerCase();
afterAll(async () => {
  await deleteKeys(prefix);
});

describe('queues made while Redis stalls', () => {
  it('GIVEN Redis silent for a second as the queues are made THEN they work once it answers again', async () => {
    const proxy = await TcpProxy.open(6379);
    const connection = connectRedis(`redis://127.0.0.1:${proxy.port}`, 'queue-init-test', { failFast: true });
    connection.on('error', () => {});
    try {
      await waitFor(() => (connection.status === 'ready' ? true : undefined), 10_000, 'connection ready');
      proxy.freeze();
      const queues = createQueues(connection, prefix);
      try {
        // Longer than the fail-fast command timeout: the queues' first commands time out.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        // A stalled connection is cut (its replies are out of step); the client reconnects.
        await proxy.stop();
        await proxy.start();
        const counts = await waitFor(
          () => queues.render.getJobCounts('waiting', 'active').catch(() => undefined),
          15_000, 'the render queue to answer after the stall',
        );
        expect(counts).toEqual({ waiting: 0, active: 0 });
        await enqueueRender(queues, 'probe-1');
        expect(await queues.render.getJobCounts('waiting')).toEqual({ waiting: 1 });
      } finally {
        await Promise.race([queues.close(), new Promise((resolve) => setTimeout(resolve, 3_000))]);
      }
    } finally {
      connection.disconnect();
      await proxy.stop();
    }
  }, 40_000);
});
