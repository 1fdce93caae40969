import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks wherever they appear in a logged object: tokens never reach a log line. */
const SECRET_PATHS = [
  'token', '*.token', '*.*.token', '*.botToken', '*.*.botToken', '*.appToken', '*.*.appToken',
  '*.signingSecret', '*.*.signingSecret', '*.password', '*.authorization', 'headers.authorization',
  '*.clientSecret', '*.*.clientSecret', '*.stateSecret', '*.*.stateSecret', '*.*.*.clientSecret', '*.*.*.stateSecret',
  '*.interactionToken', 'reply', '*.reply', 'databaseUrl', 'redisUrl', 'adminToken', '*.adminToken', '*.databaseUrl', '*.redisUrl',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'ditty', destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
