/**
 * Takes: a batch of 2-4 generations of one prompt with distinct seeds, answered in one reply.
 * Every take is an ordinary generation row (its own slot or place in line, its own render, its own
 * favorites), tied to its batch by batch_id and take_index. The takes are written in one
 * transaction: a batch that would break a limit (the line's caps) is refused whole, never half
 * written. The batch is posted once, when no take is still being made (see core/delivery.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../chat.ts';
import type { MusicParams } from '../music.ts';
import { isGenerationId, MAX_TAKES, MIN_TAKES } from '../validate.ts';
import { createGeneration, getGeneration, upsertUser, type CreateGenerationInput, type GenerationRow } from './repo.ts';
import { exec, run } from './sql.ts';
import type { Admitted } from './turns.ts';


export interface CreateBatchInput extends Omit<CreateGenerationInput, 'params' | 'requestKey' | 'parentId'> {
  /** One set of parameters per take (each with its own seed), in take order. */
  takes: readonly MusicParams[];
  /** Platform interaction id: a repeat of the same request returns the first batch. */
  requestKey?: string;
}

export interface CreatedBatch {
  batchId: string;
  /** The takes in order (take_index 1..n). */
  generations: GenerationRow[];
  duplicate: boolean;
  /** Rows given a slot by this call: enqueue them after commit. */
  admitted: Admitted[];
  /** Per take id: its place when it waits in the server's line. */
  places: Map<string, number | null>;
}

export interface BatchRow {
  id: string;
  platform: string;
  guildId: string;
  channelId: string;
  takes: number;
  deliveredRef: string | null;
  /** Steps its post recorded so far (see DeliverySteps). */
  deliverySteps: Record<string, string>;
}

/** Thrown inside the transaction to roll it back when another request won the same request_key. */
class DuplicateBatch extends Error {}

export async function getBatch(em: EntityManager, batchId: string): Promise<BatchRow | null> {
  if (!isGenerationId(batchId)) return null;
  const [r] = await exec(em, `select * from generation_batches where id = ?`, [batchId]);
  return r ? toBatchRow(r) : null;
}

async function batchByRequestKey(em: EntityManager, requestKey: string): Promise<CreatedBatch | null> {
  const [r] = await exec(em, `select id from generation_batches where request_key = ?`, [requestKey]);
  if (!r) return null;
  return { batchId: String(r.id), generations: await batchTakes(em, String(r.id)), duplicate: true, admitted: [], places: new Map() };
}

/** Writes the batch and its takes in one transaction, each take admitted or placed in line as a lone track would be. */
export async function createBatch(em: EntityManager, input: CreateBatchInput): Promise<CreatedBatch> {
  if (input.takes.length < MIN_TAKES || input.takes.length > MAX_TAKES) throw new Error(`a batch holds ${MIN_TAKES}-${MAX_TAKES} takes`);
  if (input.requestKey) {
    const existing = await batchByRequestKey(em, input.requestKey);
    if (existing) return existing;
  }
  try {
    return await em.transactional(async (tx) => {
      const now = input.now ?? new Date();
      const user = await upsertUser(tx, input.actor, now);
      const batchId = randomUUID();
      const inserted = await exec(
        tx,
        `insert into generation_batches (id, user_id, platform, guild_id, channel_id, takes, request_key, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (request_key) do nothing returning id`,
        [batchId, user.id, input.actor.platform, input.actor.guildId, input.channelId, input.takes.length, input.requestKey ?? null, now],
      );
      if (inserted.length === 0) throw new DuplicateBatch();
      const admitted = new Map<string, Admitted>();
      const places = new Map<string, number | null>();
      const ids: string[] = [];
      for (const [i, params] of input.takes.entries()) {
        // Nested: each take runs the lone track's path (slot or line, caps, totals) as a savepoint
        // of this transaction, so a refusal of any take rolls back the whole batch.
        const created = await createGeneration(tx, {
          ...input, params, now,
          requestKey: input.requestKey ? `${input.requestKey}#take${i + 1}` : undefined,
        });
        const id = created.generation.id;
        await run(tx, `update generations set batch_id = ?, take_index = ? where id = ?`, [batchId, i + 1, id]);
        for (const a of created.admitted) admitted.set(a.id, a);
        places.set(id, created.place);
        ids.push(id);
      }
      // A later take may have been placed in line ahead of an earlier one's admission: re-read places lazily in the core.
      const generations = await batchTakes(tx, batchId);
      return { batchId, generations, duplicate: false, admitted: [...admitted.values()], places };
    });
  } catch (e) {
    if (!(e instanceof DuplicateBatch)) throw e;
    const existing = await batchByRequestKey(em, input.requestKey!);
    if (!existing) throw new Error('request_key conflicted but no batch holds it');
    return existing;
  }
}

/** The ids of a batch's takes in take order (cheap: for links, not for posting). */
export async function batchTakeIds(em: EntityManager, batchId: string): Promise<string[]> {
  if (!isGenerationId(batchId)) return [];
  const rows = await exec(em, `select id from generations where batch_id = ? order by take_index`, [batchId]);
  return rows.map((r) => String(r.id));
}

/** The takes of a batch in take order. */
export async function batchTakes(em: EntityManager, batchId: string): Promise<GenerationRow[]> {
  const out: GenerationRow[] = [];
  for (const id of await batchTakeIds(em, batchId)) {
    const g = await getGeneration(em, id);
    if (g) out.push(g);
  }
  return out;
}

/**
 * True when no take of the batch is still being made: each is finished and waiting to be posted
 * ('delivering'), or ended ('completed', 'failed', 'cancelled'). Then the batch can be posted.
 */
export function batchReady(takes: readonly Pick<GenerationRow, 'status'>[]): boolean {
  return takes.length > 0 && takes.every((t) => t.status === 'delivering' || t.status === 'completed' || t.status === 'failed' || t.status === 'cancelled');
}

/** Records a step of the batch's post (the platform side effect it names has happened). */
export async function recordBatchStep(em: EntityManager, batchId: string, step: string, ref: string): Promise<void> {
  if (!isGenerationId(batchId)) return;
  await run(em, `update generation_batches set delivery_steps = delivery_steps || jsonb_build_object(?::text, ?::text) where id = ?`, [step, ref, batchId]);
}

/** Records a step of the batch's post unless a run already did: true only for the first. */
export async function claimBatchStep(em: EntityManager, batchId: string, step: string, ref: string): Promise<boolean> {
  if (!isGenerationId(batchId)) return false;
  return (await run(
    em,
    `update generation_batches set delivery_steps = delivery_steps || jsonb_build_object(?::text, ?::text) where id = ? and (delivery_steps -> ?::text) is null`,
    [step, ref, batchId, step],
  )) > 0;
}

/** Records the one message that holds the batch; false when another run recorded it first. */
export async function markBatchDelivered(em: EntityManager, batchId: string, ref: string): Promise<boolean> {
  return (await run(em, `update generation_batches set delivered_ref = ?, delivered_at = now() where id = ? and delivered_ref is null`, [ref, batchId])) > 0;
}

/**
 * Batches not yet posted whose takes have all ended (none is still being made), older than
 * `olderThanMs`: the reconciler posts them in case the event that should have done so was lost.
 */
export async function readyUndeliveredBatches(em: EntityManager, olderThanMs: number, limit = 100): Promise<Array<{ id: string; platform: Actor['platform']; firstTakeId: string }>> {
  const rows = await exec(
    em,
    `select b.id, b.platform, (select g.id from generations g where g.batch_id = b.id order by g.take_index limit 1) as first_take
     from generation_batches b
     where b.delivered_ref is null and b.created_at < ?
       and not exists (select 1 from generations g where g.batch_id = b.id and g.status in ('queued', 'rendering', 'encoding'))
       and exists (select 1 from generations g where g.batch_id = b.id)
       and b.created_at > now() - interval '1 day'
     order by b.created_at limit ?`,
    [new Date(Date.now() - olderThanMs), Math.max(1, Math.floor(limit))],
  );
  return rows.map((r) => ({ id: String(r.id), platform: r.platform as Actor['platform'], firstTakeId: String(r.first_take) }));
}

function toBatchRow(r: Record<string, unknown>): BatchRow {
  return {
    id: String(r.id),
    platform: String(r.platform),
    guildId: String(r.guild_id),
    channelId: String(r.channel_id),
    takes: Number(r.takes),
    deliveredRef: r.delivered_ref === null || r.delivered_ref === undefined ? null : String(r.delivered_ref),
    deliverySteps: (r.delivery_steps ?? {}) as Record<string, string>,
  };
}
