import { Migration } from '@mikro-orm/migrations';

/**
 * The public HTTP API (issue 15): API keys (only a hash of each secret is stored), the `api`
 * platform (each key acts as its own user of it), and the format a request may ask for.
 */
export class Migration20261204184500_public_api extends Migration {

  override name = 'Migration20261204184500_public_api';

  override up(): void | Promise<void> {
    this.addSql(`create table "api_keys" ("id" serial primary key, "name" varchar(100) not null, "prefix" varchar(16) not null, "secret_hash" varchar(64) not null, "admin" boolean not null default false, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null);`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix");`);
    for (const table of ['server_settings', 'users', 'generations', 'creator_stats', 'generation_batches']) {
      this.addSql(`alter table "${table}" drop constraint "${table}_platform_check";`);
      this.addSql(`alter table "${table}" add constraint "${table}_platform_check" check ("platform" in ('local', 'discord', 'slack', 'api'));`);
    }
    this.addSql(`alter table "generations" add "requested_format" varchar(8) null;`);
    this.addSql(`alter table "plays" drop constraint "plays_source_check";`);
    this.addSql(`alter table "plays" add constraint "plays_source_check" check ("source" in ('web', 'download', 'discord', 'slack', 'local', 'api'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);
    this.addSql(`alter table "generations" drop column if exists "requested_format";`);
    for (const table of ['server_settings', 'users', 'generations', 'creator_stats', 'generation_batches']) {
      this.addSql(`alter table "${table}" drop constraint "${table}_platform_check";`);
      this.addSql(`alter table "${table}" add constraint "${table}_platform_check" check ("platform" in ('local', 'discord', 'slack'));`);
    }
    this.addSql(`alter table "plays" drop constraint "plays_source_check";`);
    this.addSql(`alter table "plays" add constraint "plays_source_check" check ("source" in ('web', 'download', 'discord', 'slack', 'local'));`);
  }

}
