import { Migration } from '@mikro-orm/migrations';

/** Takes: several seeds of one prompt as one batch, answered in one reply (`generation_batches`). */
export class Migration20261204174100_generation_batches extends Migration {

  override name = 'Migration20261204174100_generation_batches';

  override up(): void | Promise<void> {
    this.addSql(`create table "generation_batches" ("id" uuid not null, "user_id" int not null, "platform" text check ("platform" in ('local', 'discord', 'slack')) not null, "guild_id" varchar(64) not null, "channel_id" varchar(64) not null, "takes" smallint not null, "request_key" varchar(200) null, "created_at" timestamptz not null, "delivered_ref" varchar(100) null, "delivered_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "generation_batches_user_id_index" on "generation_batches" ("user_id");`);
    this.addSql(`alter table "generation_batches" add constraint "generation_batches_request_key_unique" unique ("request_key");`);
    this.addSql(`alter table "generation_batches" add constraint "generation_batches_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "generations" add "batch_id" uuid null, add "take_index" smallint null;`);
    this.addSql(`alter table "generations" add constraint "generations_batch_id_foreign" foreign key ("batch_id") references "generation_batches" ("id") on delete cascade;`);
    this.addSql(`create index "generations_batch_id_index" on "generations" ("batch_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "generations" drop constraint if exists "generations_batch_id_foreign";`);
    this.addSql(`drop index if exists "generations_batch_id_index";`);
    this.addSql(`alter table "generations" drop column if exists "batch_id", drop column if exists "take_index";`);
    this.addSql(`drop table if exists "generation_batches" cascade;`);
  }

}
