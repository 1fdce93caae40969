/**
 * `npm run apikey -- create NAME [--admin] [--json]`, `list [--json]`, `revoke PREFIX|ID`: keys of
 * the public API (/api/v1). `create` prints the key and its webhook signing secret once; only a
 * hash of the key is stored, so a lost key is revoked and replaced, never recovered.
 */
import { createApiKey, listApiKeys, revokeApiKey } from '../core/api-keys.ts';
import { createOrm, ensureDatabase, migrateUp } from '../core/db/index.ts';
import { loadEntryConfig } from '../core/entry.ts';
import { isUserError } from '../core/errors.ts';
import { parseCli } from './cli-args.ts';

const USAGE = 'usage: npm run apikey -- create NAME [--admin] [--json] | list [--json] | revoke PREFIX|ID';

const { positionals, values } = parseCli(USAGE, {
  allowPositionals: true,
  options: { admin: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, schema: { type: 'string' } },
});
const [command, arg] = positionals;
if (!['create', 'list', 'revoke'].includes(command ?? '') || (command !== 'list' && !arg)) {
  console.error(USAGE);
  process.exit(2);
}
const config = loadEntryConfig();
await ensureDatabase(config.databaseUrl);
// --schema: the tests' own Postgres schema (every test file has one); operators never need it.
const orm = await createOrm({ databaseUrl: config.databaseUrl, schema: values.schema });
let code = 0;
try {
  await migrateUp(orm);
  const em = orm.em.fork();
  if (command === 'create') {
    const created = await createApiKey(em, { name: arg!, admin: values.admin });
    if (values.json) {
      console.log(JSON.stringify({ id: created.id, name: created.name, prefix: created.prefix, admin: created.admin, key: created.key, webhookSecret: created.webhookSecret }));
    } else {
      console.log(`Created ${created.admin ? 'admin ' : ''}key ${created.prefix} (${created.name}), id ${created.id}.`);
      console.log('Key (shown once; send it as "Authorization: Bearer <key>"):');
      console.log(`  ${created.key}`);
      console.log('Webhook signing secret (derived from the key; see docs/api.md):');
      console.log(`  ${created.webhookSecret}`);
    }
  } else if (command === 'list') {
    const keys = await listApiKeys(em);
    if (values.json) console.log(JSON.stringify(keys));
    else if (keys.length === 0) console.log('no API keys');
    else {
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'live';
        console.log(`${String(k.id).padStart(4)}  ${k.prefix}  ${k.admin ? 'admin' : 'user '}  ${state.padEnd(32)}  last used ${k.lastUsedAt?.toISOString() ?? 'never'}  ${JSON.stringify(k.name)}`);
      }
    }
  } else {
    const revoked = await revokeApiKey(em, arg!);
    console.log(revoked ? `Revoked ${arg}.` : `No live key ${arg}.`);
    if (!revoked) code = 1;
  }
} catch (err) {
  console.error(isUserError(err) ? err.message : err);
  code = 1;
} finally {
  await orm.close(true);
}
process.exit(code);
