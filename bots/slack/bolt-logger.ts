/** Bolt and its WebClient log through ours (pino, with secrets redacted) instead of the console. */
import { format } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/log.ts';

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
  // Bolt passes printf-style lists of anything; pino wants one message string. pino's redaction
  // sees only object keys, so secrets inside the text are masked here.
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

/**
 * The WebClient logs request bodies at debug level, and oauth.v2.access carries the client secret
 * in its body; tokens can appear in error texts. Masks every Slack token shape and secret field.
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  [/((?:client_secret|refresh_token|access_token|token)\\?"\s*:\s*\\?")[^"\\]*/g, '$1[redacted]'],
  [/((?:client_secret|refresh_token|access_token|token)=)[^&\s]*/g, '$1[redacted]'],
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
