import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery steps: what a platform's delivery has already done for a generation (Slack: the card's
 * ts, the upload's file id, the file shared; Discord: the posted message), so a delivery run again
 * after its process died resumes from the last recorded step instead of posting twice.
 */
export class Migration20261204181000_delivery_steps extends Migration {

  override name = 'Migration20261204181000_delivery_steps';

  override up(): void | Promise<void> {
    this.addSql(`alter table "generations" add "delivery_steps" jsonb not null default '{}';`);
    // Rows mid-delivery during the upgrade have done steps that were never recorded: marked, so
    // their delivery checks the channel the old way before posting.
    this.addSql(`update "generations" set "delivery_steps" = '{"legacy":"1"}' where "status" = 'delivering';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "generations" drop column if exists "delivery_steps";`);
  }

}
