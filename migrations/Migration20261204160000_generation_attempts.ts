import { Migration } from '@mikro-orm/migrations';

/** Render attempts per generation, counted in Postgres so a cap survives Redis, stalls and the reconciler. */
export class Migration20261204160000_generation_attempts extends Migration {

  override name = 'Migration20261204160000_generation_attempts';

  override up(): void | Promise<void> {
    this.addSql(`alter table "generations" add column "attempts" smallint not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "generations" drop column "attempts";`);
  }

}
