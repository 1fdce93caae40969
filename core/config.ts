import { z } from 'zod';
import { parseKey } from './secret-box.ts';

/**
 * Every setting ditty reads from the environment, validated once at start-up.
 * A bad value fails start-up with a message that names each bad variable.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Where the Slack app serves the OAuth redirect (bots/slack); SLACK_REDIRECT_URI must point here. */
export const SLACK_REDIRECT_PATH = '/slack/oauth_redirect';

const envSchema = z.object({
  DATABASE_URL: z.url().default('postgresql://postgres@127.0.0.1:5432/ditty'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** Prefix of every BullMQ key and pub/sub channel, so several deployments can share a Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]{1,40}$/).default('ditty'),
  DATA_DIR: z.string().min(1).default('./data'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: int(0, 65535).default(8080),
  /** Behind a reverse proxy: its address(es), comma-separated, or `true`; client addresses then come from X-Forwarded-For. */
  TRUST_PROXY: z.string().regex(/^[0-9a-fA-F.:/,\s]+$|^true$/, 'must be true or comma-separated addresses/CIDRs').optional(),
  /** Base of the links posted in chat (player pages, downloads). Defaults to the bound address. */
  PUBLIC_URL: z.url().optional(),
  ENGINE: z.enum(['embedded', 'musicgen']).default('embedded'),
  /** Folder of the MusicGen ONNX export (MUSICGEN_DIR is accepted as an older name). */
  MODEL_DIR: z.string().optional(),
  MUSICGEN_DIR: z.string().optional(),
  /** auto: CUDA when its execution provider is installed, else CPU (ONNX_DEVICE: older name). */
  DEVICE: z.enum(['auto', 'cpu', 'cuda']).optional(),
  ONNX_DEVICE: z.enum(['auto', 'cpu', 'cuda']).optional(),
  MODEL_PRECISION: z.enum(['fp32', 'fp16', 'q8']).optional(),
  FFMPEG_PATH: z.string().optional(),
  WORKER_CONCURRENCY: int(1, 64).default(2),
  DEFAULT_DURATION_S: int(5, 120).default(15),
  MAX_DURATION_S: int(5, 120).default(120),
  RATE_LIMIT_PER_MINUTE: int(1, 10_000).default(10),
  SERVER_CONCURRENCY: int(1, 1000).default(4),
  /** Render slots one user may hold in a server at once (the rest of their tracks wait in line). */
  USER_CONCURRENCY: int(1, 1000).default(4),
  /** Tracks that may wait in one server's line for a free slot, and per user; past them, refused. */
  SERVER_LINE_MAX: int(0, 100_000).default(100),
  USER_LINE_MAX: int(0, 10_000).default(20),
  RECONCILE_INTERVAL_S: int(1, 86_400).default(30),
  /** Render bound: 30 s plus this many seconds per second of requested audio (default 2 embedded, 20 MusicGen). */
  RENDER_TIMEOUT_PER_S: z.coerce.number().min(0.01).max(1000).optional(),
  /** Encode bound: this many seconds per second of audio, at least 10 s (a 30 s track: 60 s). */
  ENCODE_TIMEOUT_PER_S: z.coerce.number().min(0.01).max(1000).default(2),
  /** A track still queued after this long fails with a plain message. */
  MAX_QUEUE_S: int(10, 7 * 86_400).default(600),
  /** Renders are refused while DATA_DIR has less free space than this. */
  MIN_FREE_DISK_MB: int(0, 10_000_000).default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOCAL_CHAT: bool.default(true),
  /** Shared access token for the local chat's login; required to serve the chat on a non-loopback address. */
  LOCAL_CHAT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How long start-up waits for Postgres and Redis before giving up (exit 1). */
  STARTUP_TIMEOUT_S: int(0, 3600).default(60),
  /** SIGTERM/SIGINT to exit, at most; active renders get all but the last 4 s of it, then go back to the queue. */
  SHUTDOWN_TIMEOUT_S: int(4, 3600).default(10),
  /** A separate port for /healthz and /metrics (workers serve nothing else); unset = none. */
  METRICS_PORT: int(0, 65535).optional(),
  /** Stored audio older than this is removed (favorited tracks: the FAVORITE setting); unset = kept. */
  RETENTION_MAX_AGE_DAYS: z.coerce.number().positive().max(36_500).optional(),
  RETENTION_FAVORITE_MAX_AGE_DAYS: z.coerce.number().positive().max(36_500).optional(),
  /** Oldest stored audio is removed past this total (favorited tracks last); unset = no cap. */
  RETENTION_MAX_TOTAL_GB: z.coerce.number().positive().max(1_000_000).optional(),
  RETENTION_SWEEP_INTERVAL_S: int(10, 86_400).default(600),
  /** Bearer token for the web admin endpoints (engine reload); unset = no admin endpoints. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: z.string().regex(/^\d{5,25}$/).optional(),
  DISCORD_DEV_GUILD_ID: z.string().regex(/^\d{5,25}$/).optional(),
  DISCORD_API_BASE: z.url().optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  /** OAuth for many workspaces: all three, from the app's Basic Information (state secret: any long random string). */
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  SLACK_STATE_SECRET: z.string().min(16).optional(),
  SLACK_REDIRECT_URI: z.url().optional(),
  /** AES-256-GCM key for stored Slack tokens (32 bytes, base64); previous keys still open old values. */
  SLACK_TOKEN_KEY: z.string().optional(),
  SLACK_TOKEN_KEY_PREVIOUS: z.string().optional(),
  SLACK_PORT: int(0, 65535).default(3000),
  /** Public API: origins allowed to call /api/v1 from a browser (comma-separated); unset = no CORS. */
  API_CORS_ORIGINS: z.string().regex(/^\s*https?:\/\/[^\s,]+(\s*,\s*https?:\/\/[^\s,]+)*\s*$/, 'must be comma-separated http(s) origins').optional(),
  /** Public API requests per key per minute (generations also count against RATE_LIMIT_PER_MINUTE). */
  API_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(120),
  /** Public API requests per client address per minute, with or without a key. */
  API_IP_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(300),
  /**
   * Let completion callbacks reach private and loopback addresses. Unset: only while the server
   * is reachable from this machine alone (see webhookPrivateDefault); otherwise off (SSRF protection).
   */
  API_WEBHOOK_ALLOW_PRIVATE: bool.optional(),
  /** One callback request may take this long (connect to last byte). */
  API_WEBHOOK_TIMEOUT_S: int(1, 120).default(10),
  /** Callback attempts in all, with exponential backoff from 2 s (8: about 4 minutes). */
  API_WEBHOOK_ATTEMPTS: int(1, 20).default(8),
});

export type Env = z.infer<typeof envSchema>;

/** Every variable ditty reads (the compose file must pass each on, or say why not: tests/unit/compose-file.test.ts). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  dataDir: string;
  /** allowedHosts: with PUBLIC_URL set, the Host headers the web server answers (plus loopback names). */
  http: { host: string; port: number; publicUrl: string; trustProxy?: true | string[]; allowedHosts?: string[] };
  engine: { name: 'embedded' | 'musicgen'; modelDir?: string; device: 'auto' | 'cpu' | 'cuda'; precision?: 'fp32' | 'fp16' | 'q8' };
  ffmpegPath?: string;
  worker: {
    concurrency: number;
    reconcileIntervalMs: number;
    /** Render bound = renderTimeoutBaseS + renderTimeoutPerS × requested seconds. */
    renderTimeoutBaseS: number;
    renderTimeoutPerS: number;
    /** Encode bound = max(encodeTimeoutMinS, encodeTimeoutPerS × seconds of audio). */
    encodeTimeoutMinS: number;
    encodeTimeoutPerS: number;
    minFreeDiskBytes: number;
  };
  /** Longest a generation may stay queued before it fails. */
  maxQueueMs: number;
  limits: {
    defaultDurationS: number;
    maxDurationS: number;
    ratePerMinute: number;
    serverConcurrency: number;
    userConcurrency: number;
    serverLineMax: number;
    userLineMax: number;
  };
  logLevel: Env['LOG_LEVEL'];
  localChat: boolean;
  /** Set: the local chat wants a login with this shared token. */
  localChatToken?: string;
  startupTimeoutMs: number;
  metricsPort?: number;
  retention: { maxAgeDays?: number; favoriteMaxAgeDays?: number; maxTotalBytes?: number; sweepIntervalMs: number };
  shutdownTimeoutMs: number;
  adminToken?: string;
  /** The public HTTP API (/api/v1; web/server/api). */
  api: ApiSettings;
  discord?: { token: string; applicationId: string; devGuildId?: string; apiBase?: string };
  slack?: SlackSettings;
}

export interface ApiSettings {
  /** Origins allowed by CORS; empty = no CORS headers at all. */
  corsOrigins: string[];
  ratePerMinute: number;
  ipRatePerMinute: number;
  webhook: {
    allowPrivate: boolean;
    timeoutMs: number;
    attempts: number;
    /** First retry delay; each further one doubles. */
    backoffMs: number;
  };
}

export interface SlackSettings {
  /** One workspace: its bot token. Ignored when `oauth` is set (each workspace's token comes from its install). */
  botToken?: string;
  signingSecret: string;
  appToken?: string;
  apiUrl?: string;
  port: number;
  /** Many workspaces installing through OAuth, installations kept in Postgres. */
  /** redirectUri: named in install links and token exchanges, for an app with several redirect URLs. */
  oauth?: { clientId: string; clientSecret: string; stateSecret: string; redirectUri?: string };
  /** SLACK_TOKEN_KEY first, then SLACK_TOKEN_KEY_PREVIOUS: the keys sealing installations at rest. */
  tokenKeys?: Buffer[];
}

export class ConfigError extends Error {
  readonly variables: string[];
  constructor(variables: string[], details: string[]) {
    // One line, so it reads as one clear sentence in a container log.
    super(`Invalid configuration: ${details.join('; ')}`);
    this.name = 'ConfigError';
    this.variables = variables;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings come from compose files and .env templates: treat them as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const vars = parsed.error.issues.map((i) => String(i.path[0]));
    // Values are never echoed: a mistyped token must not land in a log.
    throw new ConfigError(vars, parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message.replace(/\s+/g, ' ')}`));
  }
  const e = parsed.data;
  const problems: Array<[string, string]> = [];
  if (e.DEFAULT_DURATION_S > e.MAX_DURATION_S) problems.push(['DEFAULT_DURATION_S', 'must not exceed MAX_DURATION_S']);
  if (e.ENGINE === 'musicgen' && !(e.MODEL_DIR ?? e.MUSICGEN_DIR)) problems.push(['MODEL_DIR', 'is required when ENGINE=musicgen']);
  if (e.DISCORD_TOKEN && !e.DISCORD_APPLICATION_ID) problems.push(['DISCORD_APPLICATION_ID', 'is required when DISCORD_TOKEN is set']);
  const oauthVars = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
  const oauthSet = oauthVars.filter((v) => e[v] !== undefined);
  if (oauthSet.length > 0 && oauthSet.length < oauthVars.length) {
    for (const v of oauthVars) if (e[v] === undefined) problems.push([v, `is required for Slack OAuth (set all of ${oauthVars.join(', ')}, or none)`]);
  }
  const slackOauth = oauthSet.length === oauthVars.length;
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET) problems.push(['SLACK_SIGNING_SECRET', 'is required when SLACK_BOT_TOKEN is set']);
  else if (slackOauth && !e.SLACK_SIGNING_SECRET) problems.push(['SLACK_SIGNING_SECRET', 'is required when Slack OAuth is configured']);
  if (e.SLACK_REDIRECT_URI !== undefined) {
    if (!slackOauth) problems.push(['SLACK_REDIRECT_URI', 'only applies with Slack OAuth (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET)']);
    else if (new URL(e.SLACK_REDIRECT_URI).pathname !== SLACK_REDIRECT_PATH) problems.push(['SLACK_REDIRECT_URI', `must end in ${SLACK_REDIRECT_PATH}, where ditty serves the redirect`]);
  }
  const tokenKeys: Buffer[] = [];
  for (const [name, list] of [['SLACK_TOKEN_KEY', e.SLACK_TOKEN_KEY], ['SLACK_TOKEN_KEY_PREVIOUS', e.SLACK_TOKEN_KEY_PREVIOUS]] as const) {
    for (const text of list?.split(',').map((k) => k.trim()).filter(Boolean) ?? []) {
      const key = parseKey(text);
      if (key) tokenKeys.push(key);
      else problems.push([name, 'must be 32 random bytes in base64 (openssl rand -base64 32)']);
    }
  }
  if (e.SLACK_TOKEN_KEY_PREVIOUS && !e.SLACK_TOKEN_KEY) problems.push(['SLACK_TOKEN_KEY', 'is required when SLACK_TOKEN_KEY_PREVIOUS is set']);
  if (slackOauth && !e.SLACK_TOKEN_KEY) problems.push(['SLACK_TOKEN_KEY', 'is required with Slack OAuth: installations hold bot tokens, stored encrypted (openssl rand -base64 32)']);
  if (problems.length) throw new ConfigError(problems.map((p) => p[0]), problems.map((p) => `${p[0]}: ${p[1]}`));

  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    dataDir: e.DATA_DIR,
    http: {
      host: e.HTTP_HOST,
      port: e.HTTP_PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://${e.HTTP_HOST}:${e.HTTP_PORT}`).replace(/\/$/, ''),
      allowedHosts: e.PUBLIC_URL ? [new URL(e.PUBLIC_URL).host.toLowerCase()] : undefined,
      trustProxy: e.TRUST_PROXY === undefined ? undefined : e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean),
    },
    engine: { name: e.ENGINE, modelDir: e.MODEL_DIR ?? e.MUSICGEN_DIR, device: e.DEVICE ?? e.ONNX_DEVICE ?? 'auto', precision: e.MODEL_PRECISION },
    ffmpegPath: e.FFMPEG_PATH,
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      reconcileIntervalMs: e.RECONCILE_INTERVAL_S * 1000,
      renderTimeoutBaseS: 30,
      // MusicGen on a CPU renders slower than real time; the embedded engine hundreds of times faster.
      renderTimeoutPerS: e.RENDER_TIMEOUT_PER_S ?? (e.ENGINE === 'musicgen' ? 20 : 2),
      encodeTimeoutMinS: 10,
      encodeTimeoutPerS: e.ENCODE_TIMEOUT_PER_S,
      minFreeDiskBytes: e.MIN_FREE_DISK_MB * 1024 * 1024,
    },
    maxQueueMs: e.MAX_QUEUE_S * 1000,
    limits: {
      defaultDurationS: e.DEFAULT_DURATION_S,
      maxDurationS: e.MAX_DURATION_S,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
      serverConcurrency: e.SERVER_CONCURRENCY,
      userConcurrency: e.USER_CONCURRENCY,
      serverLineMax: e.SERVER_LINE_MAX,
      userLineMax: e.USER_LINE_MAX,
    },
    logLevel: e.LOG_LEVEL,
    localChat: e.LOCAL_CHAT,
    localChatToken: e.LOCAL_CHAT_TOKEN,
    startupTimeoutMs: e.STARTUP_TIMEOUT_S * 1000,
    metricsPort: e.METRICS_PORT,
    retention: {
      maxAgeDays: e.RETENTION_MAX_AGE_DAYS,
      // Favorites live longer: twice the age by default, and never shorter than the rest.
      favoriteMaxAgeDays: e.RETENTION_MAX_AGE_DAYS === undefined ? undefined
        : Math.max(e.RETENTION_MAX_AGE_DAYS, e.RETENTION_FAVORITE_MAX_AGE_DAYS ?? e.RETENTION_MAX_AGE_DAYS * 2),
      maxTotalBytes: e.RETENTION_MAX_TOTAL_GB === undefined ? undefined : Math.round(e.RETENTION_MAX_TOTAL_GB * 1024 ** 3),
      sweepIntervalMs: e.RETENTION_SWEEP_INTERVAL_S * 1000,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_S * 1000,
    adminToken: e.ADMIN_TOKEN,
    api: {
      corsOrigins: e.API_CORS_ORIGINS?.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean) ?? [],
      ratePerMinute: e.API_RATE_LIMIT_PER_MINUTE,
      ipRatePerMinute: e.API_IP_RATE_LIMIT_PER_MINUTE,
      webhook: { allowPrivate: e.API_WEBHOOK_ALLOW_PRIVATE ?? webhookPrivateDefault(e), timeoutMs: e.API_WEBHOOK_TIMEOUT_S * 1000, attempts: e.API_WEBHOOK_ATTEMPTS, backoffMs: 2_000 },
    },
    discord: e.DISCORD_TOKEN
      ? { token: e.DISCORD_TOKEN, applicationId: e.DISCORD_APPLICATION_ID!, devGuildId: e.DISCORD_DEV_GUILD_ID, apiBase: e.DISCORD_API_BASE }
      : undefined,
    slack: e.SLACK_BOT_TOKEN || slackOauth
      ? {
          botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET!, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL, port: e.SLACK_PORT,
          oauth: slackOauth
            ? { clientId: e.SLACK_CLIENT_ID!, clientSecret: e.SLACK_CLIENT_SECRET!, stateSecret: e.SLACK_STATE_SECRET!, redirectUri: e.SLACK_REDIRECT_URI }
            : undefined,
          tokenKeys: tokenKeys.length ? tokenKeys : undefined,
        }
      : undefined,
  };
}

/**
 * Whether callbacks may reach private addresses when API_WEBHOOK_ALLOW_PRIVATE is unset: yes only
 * on a loopback bind with no PUBLIC_URL and no trusted proxy, where every API caller is a process
 * of this machine, which can reach those addresses itself (refusing protects nothing, and a
 * script's receiver on localhost is the common case). Anything reachable from a network, or
 * published through a proxy, keeps the SSRF protection.
 */
export function webhookPrivateDefault(e: Pick<Env, 'HTTP_HOST' | 'PUBLIC_URL' | 'TRUST_PROXY'>): boolean {
  return isLoopbackHost(e.HTTP_HOST) && e.PUBLIC_URL === undefined && e.TRUST_PROXY === undefined;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * The local chat must not be open to a network: on a non-loopback bind it needs LOCAL_CHAT_TOKEN.
 * Returns the one-line reason to refuse start-up, or null when the web role may start.
 */
export function exposureProblem(config: Pick<Config, 'localChat' | 'localChatToken' | 'http'>): string | null {
  if (!config.localChat || config.localChatToken || isLoopbackHost(config.http.host)) return null;
  return `Refusing to start: HTTP_HOST=${config.http.host} is reachable from the network and the local chat has no login. ` +
    'Set LOCAL_CHAT_TOKEN (16+ characters) to require one, set LOCAL_CHAT=false, or bind HTTP_HOST=127.0.0.1.';
}
