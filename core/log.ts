import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks wherever they appear in a logged object: tokens never reach a log line. */
const SECRET_PATHS = [
  'token', '*.token', '*.*.token', '*.botToken', '*.*.botToken', '*.appToken', '*.*.appToken',
  '*.signingSecret', '*.*.signingSecret', '*.password', '*.authorization', 'headers.authorization',
  '*.clientSecret', '*.*.clientSecret', '*.stateSecret', '*.*.stateSecret', '*.*.*.clientSecret', '*.*.*.stateSecret',
  '*.interactionToken', 'reply', '*.reply', 'databaseUrl', 'redisUrl', 'adminToken', '*.adminToken', '*.databaseUrl', '*.redisUrl',
];

/**
 * Secrets that travel inside text, where key paths cannot see them: a library's error carries the
 * URL it called (discord.js's DiscordAPIError.url holds the interaction token in
 * /webhooks/{app}/{token}/… and /interactions/{id}/{token}/callback), Slack's response URLs end in
 * a secret, the Web API logs request bodies at debug level (oauth.v2.access carries the client
 * secret), and connection strings carry passwords. Every written line passes through these, so a
 * field nobody thought of is covered too.
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  [/((?:client_secret|refresh_token|access_token|token)\\?"\s*:\s*\\?")[^"\\]*/g, '$1[redacted]'],
  [/((?:client_secret|refresh_token|access_token|token)=)[^&\s"\\]*/g, '$1[redacted]'],
  [/(\/(?:webhooks|interactions)\/\d{5,25}\/)[A-Za-z0-9_.-]+/g, '$1[redacted]'],
  [/(hooks\.slack\.com\/(?:commands|actions|services|workflows|triggers)\/)[^\s"\\?#]+/g, '$1[redacted]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"\\]*:)[^\s@/"\\]+@/gi, '$1[redacted]@'],
  [/\b(Bearer|Bot|Basic)( +)[A-Za-z0-9._~+/=-]{12,}/g, '$1$2[redacted]'],
];

/** Masks every token shape above in one piece of text (a log line, a library's message). */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'ditty', destination?: DestinationStream): Logger {
  const options = {
    name, level, redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    // The last look at each line before it is written (the replacements keep it valid JSON).
    hooks: { streamWrite: scrubSecrets },
  };
  return destination ? pino(options, destination) : pino(options);
}
