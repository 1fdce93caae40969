import { Migration } from '@mikro-orm/migrations';

/**
 * "More like this" at scale: a GiST index over the full 64-dimension embedding is no index at
 * all (at 100k tracks a nearest-neighbour scan read every page of it: 9130 buffers, slower than
 * a sequential scan). Nearest-neighbour search is now two-stage: the GiST index holds a
 * 9-dimension summary of each embedding (`ditty_coarse`: the chroma's position on the circle of
 * fifths, low/mid/high spectrum shape, band movement, tempo, onset density, brightness), which
 * finds 200 candidates (756 buffers in the same test); they are re-ranked by the full distance.
 * The summary is an orthonormal projection of the embedding, so its distance never exceeds the
 * full one. Like the cube type, the function lives in `public` (created under the same lock, and
 * left there by `down`): tests migrate one schema per file, and the schema comparison would
 * otherwise count it as drift.
 */
export class Migration20261204182500_track_analyses_coarse extends Migration {

  override name = 'Migration20261204182500_track_analyses_coarse';

  override up(): void | Promise<void> {
    this.addSql(`select pg_advisory_xact_lock(hashtext('ditty:extension:cube'));`);
    this.addSql(`create or replace function public.ditty_coarse(e float8[]) returns public.cube
      language sql immutable parallel safe strict
      as $$ select public.cube(array[
        e[1] * 0.408248 + e[2] * -0.353553 + e[3] * 0.204124 + e[4] * -0.000000 + e[5] * -0.204124 + e[6] * 0.353553 + e[7] * -0.408248 + e[8] * 0.353553 + e[9] * -0.204124 + e[10] * -0.000000 + e[11] * 0.204124 + e[12] * -0.353553,
        e[2] * -0.204124 + e[3] * 0.353553 + e[4] * -0.408248 + e[5] * 0.353553 + e[6] * -0.204124 + e[8] * 0.204124 + e[9] * -0.353553 + e[10] * 0.408248 + e[11] * -0.353553 + e[12] * 0.204124,
        (e[13] + e[14] + e[15] + e[16] + e[17] + e[18] + e[19] + e[20]) * 0.353553,
        (e[21] + e[22] + e[23] + e[24] + e[25] + e[26] + e[27] + e[28]) * 0.353553,
        (e[29] + e[30] + e[31] + e[32] + e[33] + e[34] + e[35] + e[36]) * 0.353553,
        (e[37] + e[38] + e[39] + e[40] + e[41] + e[42] + e[43] + e[44] + e[45] + e[46] + e[47] + e[48]) * 0.288675,
        e[58],
        e[59],
        e[61]
      ]::float8[]) $$;`);
    this.addSql(`drop index if exists "track_analyses_embedding_idx";`);
    this.addSql(`create index "track_analyses_coarse_idx" on "track_analyses" using gist (public.ditty_coarse("embedding")) where "embedding" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "track_analyses_coarse_idx";`);
    this.addSql(`create index "track_analyses_embedding_idx" on "track_analyses" using gist (public.cube("embedding")) where "embedding" is not null;`);
  }

}
