import type { EntityManager } from '@mikro-orm/postgresql';

export type Raw = Record<string, unknown>;

/**
 * Runs SQL with `?` placeholders through the EntityManager (inside its transaction, if any).
 * MikroORM escapes values into the statement itself (as libpq's escapeLiteral does), so values are
 * normalized first: instants as ISO strings, objects as JSON; an array expands to a comma list,
 * to be used as `array[?]::text[]` or `in (?)`.
 */
export function exec(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<Raw[]> {
  return em.execute<Raw[]>(sql, params.map(normalize), 'all');
}

/** Like exec, for statements whose rows are not needed; returns the affected row count. */
export async function run(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<number> {
  const res = await em.execute<{ affectedRows: number }>(sql, params.map(normalize), 'run');
  return res.affectedRows;
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('Refusing to write a non-finite number');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
