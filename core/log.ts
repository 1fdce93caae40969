import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks wherever they appear in a logged object: tokens never reach a log line. */
const SECRET_PATHS = [
  '*.token', '*.botToken', '*.appToken', '*.signingSecret', '*.password', '*.authorization',
  '*.interactionToken', 'token', 'headers.authorization', 'config.discord.token', 'config.slack.botToken',
  'config.slack.signingSecret', 'config.slack.appToken', 'databaseUrl', 'redisUrl', '*.databaseUrl', '*.redisUrl',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'ditty'): Logger {
  return pino({ name, level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } });
}
