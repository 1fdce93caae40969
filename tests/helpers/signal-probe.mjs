/**
 * Preload (`node --import`) for the start-up test: when the process loads its first npm package,
 * prints how many SIGTERM handlers it has by then. As a container's PID 1, a process without a
 * handler ignores SIGTERM, and loading the app's packages takes seconds on a busy host.
 */
import { registerHooks } from 'node:module';

let reported = false;
registerHooks({
  load(url, context, nextLoad) {
    if (!reported && url.includes('/node_modules/')) {
      reported = true;
      process.stderr.write(`signal-probe: first package ${url.replace(/^.*\/node_modules\//, '')} loaded with ${process.listenerCount('SIGTERM')} SIGTERM handler(s)\n`);
    }
    return nextLoad(url, context);
  },
});
