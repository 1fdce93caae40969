import { Migration } from '@mikro-orm/migrations';

/**
 * Retention and deletion: a track whose audio the sweeper removed is `expired_at`; one its creator
 * or a server admin deleted is `deleted_at` (hidden everywhere). Either way storage_path goes null.
 * The index serves the sweeper: stored files, oldest first.
 */
export class Migration20261204163000_retention extends Migration {

  override name = 'Migration20261204163000_retention';

  override up(): void | Promise<void> {
    this.addSql(`alter table "generations" add column "expired_at" timestamptz null, add column "deleted_at" timestamptz null;`);
    this.addSql(`create index "generations_stored_idx" on "generations" ("created_at") where storage_path is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "generations_stored_idx";`);
    this.addSql(`alter table "generations" drop column if exists "expired_at", drop column if exists "deleted_at";`);
  }

}
