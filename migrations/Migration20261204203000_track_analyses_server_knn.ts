import { Migration } from '@mikro-orm/migrations';

/**
 * "More like this" for servers of every size (issue 16: p95 < 20 ms at 100k tracks). The summary
 * index held every server's tracks in one tree, so for a server with 1% of them the planner
 * either walked the nearest tracks of all servers or, as it chose, read the server's ~1000 rows
 * and computed `ditty_coarse` (an SQL function of 50 array reads, ~30 us) for each: 24 ms p95.
 *
 * Now the server is in the index: a multi-column GiST index (btree_gist for the text columns)
 * over the track's platform and server, copied from its generation (a track never changes
 * server), and the summary, stored as a generated column so neither the index nor the query's
 * ordering evaluates the function again. One scan walks only the server's part of the tree,
 * nearest first. Like cube, btree_gist lives in `public`, created under the same lock.
 */
export class Migration20261204203000_track_analyses_server_knn extends Migration {

  override name = 'Migration20261204203000_track_analyses_server_knn';

  override up(): void | Promise<void> {
    this.addSql(`select pg_advisory_xact_lock(hashtext('ditty:extension:cube'));`);
    this.addSql(`create extension if not exists btree_gist with schema public;`);
    this.addSql(`alter table "track_analyses" add column "platform" text null, add column "guild_id" varchar(64) null,
      add column "coarse" public.cube generated always as (public.ditty_coarse("embedding")) stored;`);
    this.addSql(`update "track_analyses" a set "platform" = g."platform", "guild_id" = g."guild_id" from "generations" g where g."id" = a."generation_id";`);
    this.addSql(`drop index if exists "track_analyses_coarse_idx";`);
    this.addSql(`create index "track_analyses_server_coarse_idx" on "track_analyses" using gist ("guild_id", "platform", "coarse") where "coarse" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "track_analyses_server_coarse_idx";`);
    this.addSql(`alter table "track_analyses" drop column "coarse", drop column "guild_id", drop column "platform";`);
    this.addSql(`create index "track_analyses_coarse_idx" on "track_analyses" using gist (public.ditty_coarse("embedding")) where "embedding" is not null;`);
  }

}
