import { Migration } from '@mikro-orm/migrations';

/**
 * Track analyses (issue 16): one row per analysed generation, its embedding searched as a `cube`
 * through a GiST index. `cube` is a contrib extension; extensions belong to the database, not a
 * schema, so it is created once in `public` (every reference is qualified `public.`), under an
 * advisory lock because test files migrate their own schemas in parallel and two concurrent
 * CREATE EXTENSIONs race. `down` leaves the extension: other schemas may use it.
 */
export class Migration20261204173500_track_analyses extends Migration {

  override name = 'Migration20261204173500_track_analyses';

  override up(): void | Promise<void> {
    this.addSql(`select pg_advisory_xact_lock(hashtext('ditty:extension:cube'));`);
    this.addSql(`create extension if not exists cube with schema public;`);
    this.addSql(`create table "track_analyses" (
      "generation_id" uuid not null,
      "version" smallint not null,
      "tempo_bpm" double precision null,
      "tempo_confidence" real null,
      "key_pc" smallint null,
      "mode" varchar(5) null,
      "key_confidence" real null,
      "loudness_lufs" double precision null,
      "true_peak_dbtp" double precision null,
      "centroid_hz" real null,
      "energy" real null,
      "onsets_per_s" real null,
      "embedding" double precision[] null,
      "analysed_ms" real null,
      "error" text null,
      "created_at" timestamptz not null default now(),
      constraint "track_analyses_pkey" primary key ("generation_id"));`);
    this.addSql(`alter table "track_analyses" add constraint "track_analyses_generation_id_foreign" foreign key ("generation_id") references "generations" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "track_analyses_embedding_idx" on "track_analyses" using gist (public.cube("embedding")) where "embedding" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "track_analyses" cascade;`);
  }

}
