/**
 * `npm run analyse -- --backfill [--limit N] [--retry-failed] [--redo-old]`: analyses finished
 * tracks that have none yet (made before analysis existed, or skipped when the worker's analysis
 * queue was full), oldest first, with a progress bar. Resumable: analysed tracks are skipped, so a
 * stopped run (Ctrl-C finishes the current track) continues where it stopped. Bounded: each
 * decode and analysis has a time limit, and a track that fails is recorded and not retried
 * unless --retry-failed.
 *
 * `npm run analyse -- FILE` prints one file's analysis as JSON (no database).
 */
import { createOrm } from '../core/db/index.ts';
import { loadEntryConfig } from '../core/entry.ts';
import { createLogger } from '../core/log.ts';
import { backfill, DECODE_TIMEOUT_MS } from '../worker/analysis/backfill.ts';
import { createAnalyser } from '../worker/analysis/pool.ts';
import { decodeFile } from '../worker/analysis/decode.ts';
import { locateFfmpeg } from '../worker/audio/ffmpeg.ts';
import { parseCli } from './cli-args.ts';

const USAGE = 'usage: npm run analyse -- --backfill [--limit N] [--retry-failed] [--redo-old] | FILE';

const { positionals, values } = parseCli(USAGE, {
  allowPositionals: true,
  options: {
    backfill: { type: 'boolean', default: false },
    limit: { type: 'string' },
    'retry-failed': { type: 'boolean', default: false },
    'redo-old': { type: 'boolean', default: false },
  },
});

const ffmpeg = (await locateFfmpeg()).ffmpeg;

if (!values.backfill) {
  const file = positionals[0];
  if (!file) {
    console.error(USAGE);
    process.exit(2);
  }
  const { analyse } = await import('../worker/analysis/analyse.ts');
  const audio = await decodeFile(ffmpeg, file, { timeoutMs: DECODE_TIMEOUT_MS });
  console.log(JSON.stringify(analyse(audio), null, 2));
  process.exit(0);
}

const limit = values.limit === undefined ? undefined : Math.max(1, Math.floor(Number(values.limit)) || 1);
const config = loadEntryConfig();
const orm = await createOrm({ databaseUrl: config.databaseUrl });
const analyser = createAnalyser({ orm, log: createLogger('warn') });

let stopping = false;
process.once('SIGINT', () => {
  stopping = true;
  process.stderr.write('\nstopping after the current track (run again to continue)\n');
});

let bar: ReturnType<typeof progressBar> | undefined;
try {
  const result = await backfill({
    orm, analyser, ffmpeg, limit, retryFailed: values['retry-failed'], redoOld: values['redo-old'],
    onStart: (total) => {
      bar = progressBar(total);
    },
    onProgress: (i, bad) => bar?.update(i, bad),
    shouldStop: () => stopping,
  });
  bar?.finish();
  const left = result.total - result.analysed - result.failed;
  console.log(`${result.analysed} analysed, ${result.failed} failed${left > 0 ? `, ${left} left (run again to continue)` : ''}`);
} finally {
  await analyser.close();
  await orm.close();
}

/** A one-line bar on a terminal; a line per 10% elsewhere (CI logs, pipes). */
function progressBar(n: number) {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  const line = (i: number, bad: number) => {
    const frac = n ? i / n : 1;
    const rate = i / Math.max(0.001, (Date.now() - started) / 1000);
    const eta = rate > 0 ? Math.round((n - i) / rate) : 0;
    const width = 30;
    const fill = Math.round(frac * width);
    return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${i}/${n} ${(frac * 100).toFixed(1)}% ${rate.toFixed(1)}/s eta ${eta}s${bad ? ` (${bad} failed)` : ''}`;
  };
  return {
    update(i: number, bad: number) {
      if (tty) process.stderr.write(`\r${line(i, bad)}`);
      else if (Math.floor((i / Math.max(1, n)) * 10) > lastDecile) {
        lastDecile = Math.floor((i / Math.max(1, n)) * 10);
        process.stderr.write(`${line(i, bad)}\n`);
      }
    },
    finish() {
      if (tty) process.stderr.write('\n');
    },
  };
}
