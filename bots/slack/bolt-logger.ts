/** Bolt and its WebClient log through ours (pino, with secrets redacted) instead of the console. */
import { format } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { scrubSecrets, type Logger } from '../../core/log.ts';

export function boltLogger(log: Logger): BoltLogger {
  const levelFromPino = (): LogLevel => {
    switch (log.level) {
      case 'trace':
      case 'debug':
        return LogLevel.DEBUG;
      case 'info':
        return LogLevel.INFO;
      case 'warn':
        return LogLevel.WARN;
      default:
        return LogLevel.ERROR;
    }
  };
  // Bolt passes printf-style lists of anything; pino wants one message string. Secrets inside the
  // text are masked by the logger's own last pass (core/log.ts scrubSecrets) and here already.
  const line = (msg: unknown[]): string => scrubSecrets(format(...msg));
  return {
    debug: (...msg: unknown[]) => log.debug(line(msg)),
    info: (...msg: unknown[]) => log.info(line(msg)),
    warn: (...msg: unknown[]) => log.warn(line(msg)),
    error: (...msg: unknown[]) => log.error(line(msg)),
    // pino's level is set once from LOG_LEVEL; Bolt's own setLevel would fight it.
    setLevel: () => undefined,
    getLevel: levelFromPino,
    setName: () => undefined,
  };
}
