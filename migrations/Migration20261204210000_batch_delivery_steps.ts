import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery steps of a batch (takes): what its post has already done on the platform (Slack: the
 * thread's parent; Discord: the message that holds every take), so a batch delivery run again
 * after its process died resumes instead of posting twice. Each take's own steps (its card and
 * file in the Slack thread) live on its generation row, as a lone track's do.
 */
export class Migration20261204210000_batch_delivery_steps extends Migration {

  override name = 'Migration20261204210000_batch_delivery_steps';

  override up(): void | Promise<void> {
    this.addSql(`alter table "generation_batches" add "delivery_steps" jsonb not null default '{}';`);
    // Batches not yet posted may be half posted by the code before steps: marked, so their post
    // looks in the thread for what is already there, as it always did then.
    this.addSql(`update "generation_batches" set "delivery_steps" = '{"legacy":"1"}' where "delivered_ref" is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "generation_batches" drop column if exists "delivery_steps";`);
  }

}
