/** A rendered result of silence, shaped as the real render thread returns it. */
import { threadId } from 'node:worker_threads';
import type { RenderTask, RenderTaskResult } from '../../../worker/render-thread.ts';

export function silence(task: RenderTask): RenderTaskResult {
  const sampleRate = 44_100;
  return {
    engine: { name: 'embedded', version: 'test-thread', device: 'cpu', precision: 'fp32' },
    sampleRate, channels: 2, pcm: new Float32Array(2 * Math.round(sampleRate * task.input.durationS)), renderMs: 1, threadId,
  };
}
