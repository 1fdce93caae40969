/**
 * The render pool's threads on the real embedded engine: a cancelled render stops promptly and
 * leaves its thread (and loaded engine) alive. Terminating a thread mid-render instead could
 * stop it inside onnxruntime's native code and abort the whole process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { createRenderPool, type RenderPool } from '../../worker/render-pool.ts';

let pool: RenderPool;
beforeAll(async () => {
  pool = createRenderPool({ name: 'embedded', device: 'cpu' }, 1);
  await pool.warm();
}, 60_000);
afterAll(async () => pool?.close());

const input = (seed: number) => ({ prompt: 'lofi hip hop', durationS: 60, params: parsePrompt('lofi hip hop', seed) });

describe('render pool', () => {
  it('GIVEN renders cancelled at random moments THEN each rejects promptly, and the next render runs on the same thread', async () => {
    const first = await pool.render(input(1), {});
    for (let i = 0; i < 25; i++) {
      const controller = new AbortController();
      let progressed = false;
      const render = pool.render(input(i), {
        signal: controller.signal,
        onProgress: () => {
          // cancel once the render is under way, inside its chunk loop
          if (!progressed) (progressed = true), setTimeout(() => controller.abort(new Error('cancelled')), i % 5);
        },
      });
      const started = performance.now();
      await expect(render).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(5_000);
    }
    const after = await pool.render(input(2), {});
    expect(after.pcm.length).toBe(2 * 60 * 44_100);
    expect(after.threadId).toBe(first.threadId);
  });

  it('GIVEN a signal already aborted THEN the render is refused without reaching a thread', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(pool.render(input(3), { signal: controller.signal })).rejects.toThrow('too late');
  });
});
