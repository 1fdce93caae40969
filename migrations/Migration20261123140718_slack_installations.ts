import { Migration } from '@mikro-orm/migrations';

export class Migration20261123140718_slack_installations extends Migration {

  override name = 'Migration20261123140718_slack_installations';

  override up(): void | Promise<void> {
    this.addSql(`create table "slack_installations" ("id" serial primary key, "install_key" varchar(80) not null, "team_id" varchar(64) null, "enterprise_id" varchar(64) null, "is_enterprise_install" boolean not null default false, "bot_token" text not null, "bot_user_id" varchar(64) not null, "bot_id" varchar(64) not null, "scopes" text[] not null default '{}', "installer_user_id" varchar(64) null, "installed_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "installation" jsonb not null);`);
    this.addSql(`alter table "slack_installations" add constraint "slack_installations_install_key_unique" unique ("install_key");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "slack_installations" cascade;`);
  }

}
