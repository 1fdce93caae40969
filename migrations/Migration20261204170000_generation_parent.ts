import { Migration } from '@mikro-orm/migrations';

/** Extend: a generation may continue a finished one (`parent_id`, kept null when the parent goes). */
export class Migration20261204170000_generation_parent extends Migration {

  override name = 'Migration20261204170000_generation_parent';

  override up(): void | Promise<void> {
    this.addSql(`alter table "generations" add "parent_id" uuid null;`);
    this.addSql(`alter table "generations" add constraint "generations_parent_id_foreign" foreign key ("parent_id") references "generations" ("id") on delete set null;`);
    this.addSql(`create index "generations_parent_id_index" on "generations" ("parent_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "generations" drop constraint if exists "generations_parent_id_foreign";`);
    this.addSql(`drop index if exists "generations_parent_id_index";`);
    this.addSql(`alter table "generations" drop column if exists "parent_id";`);
  }

}
