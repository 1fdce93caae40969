/**
 * Takes fault injection: renders silence (fast) for every seed but FAIL_SEED, whose render
 * throws as a broken engine would; the worker retries it and then fails that take alone.
 */
import type { RenderTask, RenderTaskResult } from '../../../worker/render-thread.ts';
import { silence } from './silence.ts';

/** The one seed whose render fails. */
export const FAIL_SEED = 66_601;

export default async function failSeed(task: RenderTask): Promise<RenderTaskResult> {
  if (task.input.params.seed === FAIL_SEED) throw new Error(`injected render failure for seed ${FAIL_SEED}`);
  return silence(task);
}
