/**
 * `npm run slack:rekey`: re-seals every stored Slack installation with SLACK_TOKEN_KEY. Run it
 * after a rotation (new key in SLACK_TOKEN_KEY, old one in SLACK_TOKEN_KEY_PREVIOUS), then drop
 * the old key; or once after first setting a key, to encrypt rows stored before.
 */
import { createOrm, resealSlackInstallations } from '../core/db/index.ts';
import { loadEntryConfig } from '../core/entry.ts';
import { createSecretBox } from '../core/secret-box.ts';

const config = loadEntryConfig();
const keys = config.slack?.tokenKeys;
if (!keys) {
  console.error('Set SLACK_TOKEN_KEY (and SLACK_TOKEN_KEY_PREVIOUS for the key being replaced) first.');
  process.exit(2);
}
const box = createSecretBox(keys);
const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: 2 });
try {
  const n = await resealSlackInstallations(orm.em.fork(), box);
  console.log(`Re-sealed ${n} Slack installation(s) with key ${box.keyId}. SLACK_TOKEN_KEY_PREVIOUS can now be removed.`);
} finally {
  await orm.close(true);
}
