/**
 * `npm start [-- role...]`: runs ditty. With no roles, everything: migrations, the render worker,
 * the web server with the local chat, and the Discord/Slack frontends whose tokens are set.
 */
import { startSystem, ROLES, type Role } from '../app/system.ts';
import { ConfigError, loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';

const log = createLogger(process.env.LOG_LEVEL ?? 'info');
const args = process.argv.slice(2);
const unknown = args.filter((a) => !(ROLES as readonly string[]).includes(a));
if (unknown.length) {
  console.error(`Unknown role(s): ${unknown.join(', ')}. Roles: ${ROLES.join(', ')} (none = all).`);
  process.exit(2);
}
const roles: Role[] = args.length ? (args as Role[]) : [...ROLES];

try {
  const config = loadConfig();
  const system = await startSystem(config, log, { roles });
  if (system.url && config.localChat) {
    console.log(`\n  ditty is running. Open ${system.url} to try the local chat.\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining active work');
    system.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  log.fatal({ err }, 'start-up failed');
  process.exit(1);
}
