import { Migration } from '@mikro-orm/migrations';

export class Migration20261123131534_initial extends Migration {

  override name = 'Migration20261123131534_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "prompts" ("id" serial primary key, "normalized" text not null, "used_count" int not null default 0, "first_used_at" timestamptz not null default now(), "last_used_at" timestamptz not null default now());`);
    this.addSql(`alter table "prompts" add constraint "prompts_normalized_unique" unique ("normalized");`);

    this.addSql(`create table "server_settings" ("id" serial primary key, "platform" text not null, "guild_id" varchar(64) not null, "allowed_channels" text[] not null default '{}', "max_duration_s" int null, "rate_limit_per_minute" int null, "concurrency" int null, "blocked_words" text[] not null default '{}', "favorite_emoji" varchar(64) not null default '⭐', "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "server_settings" add constraint "server_settings_platform_guild_id_unique" unique ("platform", "guild_id");`);
    this.addSql(`alter table "server_settings" add constraint "server_settings_platform_check" check ("platform" in ('local', 'discord', 'slack'));`);

    this.addSql(`create table "stat_totals" ("platform" varchar(16) not null, "guild_id" varchar(64) not null, "period" text not null, "bucket" date not null, "generations" int not null default 0, "completed" int not null default 0, "failed" int not null default 0, "render_ms_sum" bigint not null default '0', "rendered" int not null default 0, "favorites" int not null default 0, "plays" int not null default 0, primary key ("platform", "guild_id", "period", "bucket"));`);
    this.addSql(`alter table "stat_totals" add constraint "stat_totals_period_check" check ("period" in ('day', 'week', 'month', 'all'));`);

    this.addSql(`create table "users" ("id" serial primary key, "platform" text not null, "platform_user_id" varchar(64) not null, "guild_id" varchar(64) not null, "display_name" varchar(100) not null, "created_at" timestamptz not null default now(), "last_active_at" timestamptz not null default now(), "preferences" jsonb not null default '{}');`);
    this.addSql(`alter table "users" add constraint "users_platform_guild_id_platform_user_id_unique" unique ("platform", "guild_id", "platform_user_id");`);
    this.addSql(`alter table "users" add constraint "users_platform_check" check ("platform" in ('local', 'discord', 'slack'));`);

    this.addSql(`create table "generations" ("id" uuid not null, "user_id" int not null, "prompt" text not null, "prompt_id" int not null, "params" jsonb not null, "seed" bigint not null, "requested_duration_s" int not null, "actual_duration_s" double precision null, "engine" varchar(40) not null, "engine_version" varchar(80) not null, "device" varchar(16) null, "precision" varchar(8) null, "status" text not null default 'queued', "progress" real not null default 0, "error_code" varchar(40) null, "error_message" text null, "created_at" timestamptz not null, "created_day" date not null, "started_at" timestamptz null, "completed_at" timestamptz null, "render_ms" int null, "encode_ms" int null, "realtime_factor" double precision null, "format" varchar(8) null, "bitrate_kbps" int null, "sample_rate" int null, "channels" smallint null, "size_bytes" bigint null, "sha256" varchar(64) null, "storage_path" text null, "public_token" varchar(64) not null, "platform" text not null, "guild_id" varchar(64) not null, "channel_id" varchar(64) not null, "request_key" varchar(200) null, "reply" jsonb not null, "size_limit_bytes" bigint not null, "fits_inline" boolean null, "delivered_ref" varchar(100) null, "delivered_at" timestamptz null, "favorites_count" int not null default 0, "plays_count" int not null default 0, "downloads_count" int not null default 0, primary key ("id"));`);
    this.addSql(`create index "generations_user_id_index" on "generations" ("user_id");`);
    this.addSql(`create index "generations_prompt_id_index" on "generations" ("prompt_id");`);
    this.addSql(`alter table "generations" add constraint "generations_public_token_unique" unique ("public_token");`);
    this.addSql(`alter table "generations" add constraint "generations_request_key_unique" unique ("request_key");`);
    this.addSql(`create index "generations_status_created_at_idx" on "generations" ("status", "created_at");`);
    this.addSql(`create index "generations_active_idx" on "generations" ("platform", "guild_id") where status in ('queued', 'rendering', 'encoding');`);
    this.addSql(`create index "generations_recent_idx" on "generations" ("platform", "guild_id", "completed_at" DESC) where status = 'completed';`);
    this.addSql(`create index "generations_top_server_day_idx" on "generations" ("platform", "guild_id", "created_day", "favorites_count" DESC, "plays_count" DESC, "id") where status = 'completed';`);
    this.addSql(`create index "generations_top_server_all_idx" on "generations" ("platform", "guild_id", "favorites_count" DESC, "plays_count" DESC, "id") where status = 'completed';`);
    this.addSql(`create index "generations_top_global_day_idx" on "generations" ("created_day", "favorites_count" DESC, "plays_count" DESC, "id") where status = 'completed';`);
    this.addSql(`create index "generations_top_global_all_idx" on "generations" ("favorites_count" DESC, "plays_count" DESC, "id") where status = 'completed';`);
    this.addSql(`create index "generations_prompt_fts_idx" on "generations" using gin (to_tsvector('simple', "prompt"));`);
    this.addSql(`alter table "generations" add constraint "generations_status_check" check ("status" in ('queued', 'rendering', 'encoding', 'delivering', 'completed', 'failed', 'cancelled'));`);
    this.addSql(`alter table "generations" add constraint "generations_platform_check" check ("platform" in ('local', 'discord', 'slack'));`);

    this.addSql(`create table "plays" ("id" bigserial primary key, "generation_id" uuid not null, "user_id" int null, "source" text not null, "played_at" timestamptz not null, "seconds_played" real null);`);
    this.addSql(`create index "plays_generation_id_index" on "plays" ("generation_id");`);
    this.addSql(`create index "plays_user_id_index" on "plays" ("user_id");`);
    this.addSql(`alter table "plays" add constraint "plays_source_check" check ("source" in ('web', 'download', 'discord', 'slack', 'local'));`);

    this.addSql(`create table "favorites" ("user_id" int not null, "generation_id" uuid not null, "created_at" timestamptz not null, primary key ("user_id", "generation_id"));`);
    this.addSql(`create index "favorites_generation_id_index" on "favorites" ("generation_id");`);

    this.addSql(`create table "creator_stats" ("user_id" int not null, "period" text not null, "bucket" date not null, "platform" text not null, "guild_id" varchar(64) not null, "generations" int not null default 0, "favorites_received" int not null default 0, primary key ("user_id", "period", "bucket"));`);
    this.addSql(`create index "creator_stats_server_top_idx" on "creator_stats" ("platform", "guild_id", "period", "bucket", "favorites_received" DESC, "generations" DESC, "user_id");`);
    this.addSql(`create index "creator_stats_global_top_idx" on "creator_stats" ("period", "bucket", "favorites_received" DESC, "generations" DESC, "user_id");`);
    this.addSql(`alter table "creator_stats" add constraint "creator_stats_period_check" check ("period" in ('day', 'week', 'month', 'all'));`);
    this.addSql(`alter table "creator_stats" add constraint "creator_stats_platform_check" check ("platform" in ('local', 'discord', 'slack'));`);

    this.addSql(`alter table "generations" add constraint "generations_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "generations" add constraint "generations_prompt_id_foreign" foreign key ("prompt_id") references "prompts" ("id");`);

    this.addSql(`alter table "plays" add constraint "plays_generation_id_foreign" foreign key ("generation_id") references "generations" ("id");`);
    this.addSql(`alter table "plays" add constraint "plays_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "favorites" add constraint "favorites_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "favorites" add constraint "favorites_generation_id_foreign" foreign key ("generation_id") references "generations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "creator_stats" add constraint "creator_stats_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
  }

}
