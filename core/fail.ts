/**
 * Ending a generation in `failed` and telling its user, once: the status transition is the
 * guard (of two processes failing the same row, exactly one wins and publishes).
 */
import type { MikroORM } from './db/index.ts';
import { getGeneration, transitionGeneration, type GenerationRow, type GenerationStatus } from './db/index.ts';
import type { ProgressEvent } from './jobs.ts';

export interface FailDeps {
  orm: MikroORM;
  publish(event: ProgressEvent): void;
}

export interface Failure {
  code: string;
  /** Plain words for the chat channel: never a stack trace or an internal path. */
  message: string;
  /** `cancelled` for a cancel; everything else ends `failed`. */
  status?: 'failed' | 'cancelled';
}

/** Moves the generation from one of `from` to its terminal state; its row when this call did it, else null. */
export async function failGeneration(deps: FailDeps, id: string, from: readonly GenerationStatus[], failure: Failure): Promise<GenerationRow | null> {
  const status = failure.status ?? 'failed';
  const moved = await transitionGeneration(deps.orm.em.fork(), id, from, {
    status, errorCode: failure.code, errorMessage: failure.message, completedAt: new Date(),
  });
  if (!moved) return null;
  const row = await getGeneration(deps.orm.em.fork(), id);
  if (row) deps.publish({ generationId: id, platform: row.platform, stage: status, progress: 0, errorCode: failure.code, message: failure.message });
  return row;
}
