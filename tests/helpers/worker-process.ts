/**
 * A render worker in a process of its own, for tests and the fault suite that kill it (-9).
 * Configured from the environment like `npm start -- worker`, plus short BullMQ locks so a dead
 * process's job comes back in seconds. Usage: node tests/helpers/worker-process.ts <schema|-> [poison|hang]
 */
import { startSystem } from '../../app/system.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/log.ts';

const [schemaArg, threads] = process.argv.slice(2);
const config = loadConfig(process.env);
const log = createLogger(config.logLevel, 'ditty-worker-process');
const filename = threads === 'poison' || threads === 'hang' ? new URL(`./render-threads/${threads}.ts`, import.meta.url).href : undefined;
const system = await startSystem(config, log, {
  roles: ['worker'],
  schema: schemaArg && schemaArg !== '-' ? schemaArg : undefined,
  worker: { poolOptions: filename ? { filename, killGraceMs: 1_000 } : undefined, lockDurationMs: 2_000, stalledIntervalMs: 1_000 },
});
process.send?.('ready');
const stop = () => void system.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
