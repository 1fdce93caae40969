import { Migration } from '@mikro-orm/migrations';

/**
 * Fair turns: a queued generation with no admitted_at waits in its server's line (no render job
 * yet); admission gives it a slot. Rows that exist already were all enqueued, so they count as admitted.
 */
export class Migration20261204150000_turns extends Migration {

  override name = 'Migration20261204150000_turns';

  override up(): void | Promise<void> {
    this.addSql(`alter table "generations" add column "admitted_at" timestamptz null;`);
    this.addSql(`update "generations" set "admitted_at" = "created_at";`);
    this.addSql(`create index "generations_line_idx" on "generations" ("platform", "guild_id", "created_at") where status = 'queued' and admitted_at is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "generations_line_idx";`);
    this.addSql(`alter table "generations" drop column if exists "admitted_at";`);
  }

}
