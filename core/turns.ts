/**
 * Hands free server slots to the tracks waiting in line (see db/turns.ts) and starts them: the
 * admission is one transaction, the render jobs follow it. Whoever frees a slot calls `admit` for
 * that server so the next track starts at once; the reconciler calls `admitEverywhere` on every
 * pass, so a missed call (a crash between the two) only delays a turn, never loses it.
 */
import type { MikroORM } from './db/index.ts';
import { admitTurns, linePlaces, serversWithLine, type Admitted, type TurnLimits } from './db/turns.ts';
import type { Platform, ProgressEvent } from './jobs.ts';
import type { Logger } from './log.ts';
import { enqueueRender, type Queues } from './queue.ts';

export interface TurnsDeps {
  orm: MikroORM;
  queues: Queues;
  limits: TurnLimits;
  log: Logger;
  publish(event: ProgressEvent): void;
}

export interface Turns {
  /** Gives one server's free slots to its line; returns how many tracks started. */
  admit(platform: Platform, guildId: string): Promise<number>;
  /** Enqueues rows already admitted (by createGeneration) and tells the line its new places. */
  started(admitted: readonly Admitted[], platform: Platform, guildId: string): Promise<void>;
  admitEverywhere(): Promise<number>;
}

export function createTurns(deps: TurnsDeps): Turns {
  const { orm, queues, log } = deps;

  async function enqueue(admitted: readonly Admitted[]): Promise<void> {
    for (const a of admitted) {
      try {
        await enqueueRender(queues, a.id, { priority: a.priority });
      } catch (err) {
        // The row is admitted in Postgres; the reconciler enqueues it once Redis answers.
        log.warn({ err, generationId: a.id }, 'enqueue of an admitted track failed; left for the reconciler');
      }
    }
  }

  async function tellLine(platform: Platform, guildId: string): Promise<void> {
    try {
      for (const place of await linePlaces(orm.em.fork(), platform, guildId, 25)) {
        deps.publish({ generationId: place.id, platform: place.platform, stage: 'queued', progress: 0, position: place.position, waiting: true });
      }
    } catch (err) {
      log.warn({ err, platform, guildId }, 'line places not published');
    }
  }

  async function started(admitted: readonly Admitted[], platform: Platform, guildId: string): Promise<void> {
    await enqueue(admitted);
    // Not awaited: a chat command's reply must not wait on telling everyone else their place.
    if (admitted.length > 0) void tellLine(platform, guildId);
  }

  async function admit(platform: Platform, guildId: string): Promise<number> {
    const admitted = await admitTurns(orm.em.fork(), platform, guildId, deps.limits);
    await started(admitted, platform, guildId);
    if (admitted.length) log.info({ platform, guildId, admitted: admitted.map((a) => a.id) }, 'tracks admitted from the line');
    return admitted.length;
  }

  return {
    admit,
    started,
    async admitEverywhere() {
      let n = 0;
      for (const { platform, guildId } of await serversWithLine(orm.em.fork())) n += await admit(platform, guildId);
      return n;
    },
  };
}
