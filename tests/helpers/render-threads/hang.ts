/**
 * A render thread that hangs in a loop that never yields (as a render stuck inside native code
 * would), so it never reads its cancel message; only terminating the thread stops it. The
 * warm-up render answers with silence so the worker comes up.
 */
import type { RenderTask, RenderTaskResult } from '../../../worker/render-thread.ts';
import { silence } from './silence.ts';

export default async function hang(task: RenderTask): Promise<RenderTaskResult> {
  if (task.input.prompt === 'warm up') return silence(task);
  for (;;) {
    // Spin: the event loop never turns, so the cancel message is never read.
  }
}
