import { Migration } from '@mikro-orm/migrations';

/**
 * The web gallery's cross-server lists (core/db/browse.ts): newest and most played playable
 * tracks. Without these, each page sorted every finished row: 1.15 s (recent) and 1.23 s (most
 * played) p50 at 200k generations (npm run bench -- gallery). Partial on "playable", as the lists
 * are. Most favorited already has generations_top_global_all_idx.
 */
export class Migration20261204182900_gallery_lists extends Migration {

  override name = 'Migration20261204182900_gallery_lists';

  override up(): void | Promise<void> {
    this.addSql(`create index "generations_browse_recent_idx" on "generations" ("completed_at" desc, "id") where status = 'completed' and deleted_at is null and expired_at is null;`);
    this.addSql(`create index "generations_browse_plays_idx" on "generations" ("plays_count" desc, "favorites_count" desc, "completed_at" desc, "id") where status = 'completed' and deleted_at is null and expired_at is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "generations_browse_plays_idx";`);
    this.addSql(`drop index if exists "generations_browse_recent_idx";`);
  }

}
