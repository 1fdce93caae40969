/**
 * The real render thread, except that a prompt containing "poison" kills the whole worker
 * process (SIGKILL from inside, as a native crash would): the poison job of issue 12.
 */
import renderTask, { type RenderTask, type RenderTaskResult } from '../../../worker/render-thread.ts';

export default async function poison(task: RenderTask): Promise<RenderTaskResult> {
  if (task.input.prompt.includes('poison')) process.kill(process.pid, 'SIGKILL');
  return renderTask(task);
}
