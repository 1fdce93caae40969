/**
 * `npm start [-- role...]`: runs ditty. With no roles, everything: migrations, the render worker,
 * the web server with the local chat, and the Discord/Slack frontends whose tokens are set.
 *
 * Operator contract: signal handlers are installed before anything else is loaded (a container's
 * PID 1 ignores SIGTERM without one, and loading the app takes seconds on a busy host); a
 * dependency that is down at start gives one plain line per retry and exit 1 after
 * STARTUP_TIMEOUT_S; a bad setting is one line and exit 2; SIGTERM/SIGINT stop the process within
 * SHUTDOWN_TIMEOUT_S whatever state Redis and Postgres are in.
 */
import { ROLES, type Role } from '../app/roles.ts';
import type { System } from '../app/system.ts';
import type { Config } from '../core/config.ts';

let system: System | undefined;
let config: Config | undefined;
let stopping = false;
const startup = new AbortController();

function shutdown(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  startup.abort();
  const limitMs = config?.shutdownTimeoutMs ?? 10_000;
  // The last word: whatever hangs (a drain with Redis gone, a socket that never closes), exit in time.
  // Two seconds early: on a loaded machine the timer itself, the exit and the reaping run late.
  setTimeout(() => {
    console.error(`ditty: still stopping near SHUTDOWN_TIMEOUT_S (${limitMs / 1000} s); exiting now.`);
    process.exit(1);
  }, limitMs - 2_000).unref();
  if (!system) {
    console.error(`ditty: ${signal} during start-up; stopping.`);
    process.exit(0);
  }
  system.runtime.log.info({ signal }, 'shutting down: draining active work');
  system.stop().then(() => process.exit(0), (err: unknown) => {
    system!.runtime.log.error({ err }, 'shutdown failed');
    process.exit(1);
  });
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

const args = process.argv.slice(2);
const unknown = args.filter((a) => !(ROLES as readonly string[]).includes(a));
if (unknown.length) {
  console.error(`Unknown role(s): ${unknown.join(', ')}. Roles: ${ROLES.join(', ')} (none = all).`);
  process.exit(2);
}
const roles: Role[] = args.length ? (args as Role[]) : [...ROLES];

// Everything else is loaded only now, with the handlers in place (static imports would run first).
const { loadEntryConfig, reportFailure } = await import('../core/entry.ts');
const { exposureProblem } = await import('../core/config.ts');
config = loadEntryConfig();
if (roles.includes('web')) {
  const refusal = exposureProblem(config);
  if (refusal) {
    console.error(refusal);
    process.exit(2);
  }
}

try {
  const { postgresDependency, redisDependency, waitForDependencies } = await import('../app/dependencies.ts');
  await waitForDependencies([postgresDependency(config.databaseUrl), redisDependency(config.redisUrl)], {
    timeoutMs: config.startupTimeoutMs, signal: startup.signal,
  });
  // Loaded after the wait so an unreachable service never shows a module's stack.
  const { createLogger } = await import('../core/log.ts');
  const { startSystem } = await import('../app/system.ts');
  const log = createLogger(config.logLevel);
  const started = await startSystem(config, log, { roles, drainTimeoutMs: Math.max(1_000, config.shutdownTimeoutMs - 4_000) });
  if (stopping) {
    await started.stop();
    process.exit(0);
  }
  system = started;
  if (system.url && config.localChat) {
    console.log(`\n  ditty is running. Open ${system.url} (the gallery) and press "Open the chat", or go straight to ${system.url}/chat.\n`);
  }
} catch (err) {
  if (stopping) process.exit(0);
  // One line an operator can act on; the stack adds nothing for a connection that was refused.
  reportFailure('ditty: start-up failed', err);
  process.exit(1);
}
