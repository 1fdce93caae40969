/**
 * The Slack frontend: a real Bolt App (HTTP with signing-secret checks, or Socket Mode when an
 * app token is configured) that turns commands, buttons and reactions into ChatCore calls, and
 * posts progress and finished tracks. Transport only: no database, no worker imports (OAuth
 * installations arrive as an InstallationStore from the caller).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, webApi, type AppOptions, type InstallationStore } from '@slack/bolt';
import { InstallProvider } from '@slack/oauth';
import type { FrontendRuntime } from '../../core/chat.ts';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/log.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { metrics } from '../../core/metrics.ts';
import { statusBlocks } from './blocks.ts';
import { boltLogger } from './bolt-logger.ts';
import { RecentSet } from '../../core/recent-set.ts';
import { refuseBadText, textProperties } from './request-text.ts';
import type { SlackDeps } from './deps.ts';
import { findStatusTs, slackDeliveryHandler } from './delivery.ts';
import { slackBatchDeliveryHandler } from './takes.ts';
import { registerButtons } from './listeners/buttons.ts';
import { registerGenerate } from './listeners/generate.ts';
import { registerHelp } from './listeners/help.ts';
import { registerReactions } from './listeners/reactions.ts';
import { registerSearch } from './listeners/search.ts';
import { registerSimilar } from './listeners/similar.ts';
import { registerSettings } from './listeners/settings.ts';
import { registerStats } from './listeners/stats.ts';
import { registerUninstall } from './listeners/uninstall.ts';
import {
  BOT_SCOPES, INSTALL_PATH, installedWorkspaceClients, notifyingStore, REDIRECT_PATH, singleWorkspaceClients, type TeamRef, type WorkspaceClients,
} from './oauth.ts';
import { SlackFavoriteCounts } from './favorite-count.ts';
import { ProgressUpdater, slackEditBudget, type StatusTarget } from './progress.ts';
import { slackErrorCode, TOKEN_DEAD } from './replies.ts';
import { SettingsCache } from './server-settings.ts';
import { normalizeEmoji } from './text.ts';

export type SlackConfig = NonNullable<Config['slack']>;

export interface SlackAppOptions {
  /**
   * Reaction that favorites a track where the workspace chose none (`/ditty settings
   * favorite-emoji`), or when the core cannot say. @defaultValue 'star'
   */
  favoriteEmoji?: string;
  /**
   * How long a workspace's settings (its favorite emoji) are reused before being read again. A
   * change made through this process applies at once. @defaultValue 30000
   */
  settingsTtlMs?: number;
  /** Smallest gap between progress edits of one message. @defaultValue 2000 */
  progressIntervalMs?: number;
  /**
   * Least time between two edits in one channel, and in one workspace, shared by all progress
   * messages and favorite counts there. @defaultValue { channelIntervalMs: 1000, workspaceIntervalMs: 1200 }
   */
  editBudget?: { channelIntervalMs?: number; workspaceIntervalMs?: number };
  /** Largest file uploaded; bigger tracks are posted as a link. Slack's own cap is 1 GB. @defaultValue 1_000_000_000 */
  sizeLimitBytes?: number;
  /**
   * With one bot token (no OAuth): how often auth.test checks that the token still works, for
   * /healthz. @defaultValue 60000
   */
  healthProbeMs?: number;
}

/** What the Slack app needs from the process beyond the frontend runtime. */
export interface SlackAppServices {
  /**
   * Where OAuth installations live; required when `config.oauth` is set (app/system.ts passes the
   * Postgres store from oauth.ts).
   */
  installationStore?: InstallationStore;
}

export interface SlackApp {
  app: App;
  /** Port of the HTTP receiver; 0 in Socket Mode (nothing listens). */
  port: number;
  stop(): Promise<void>;
}

/** Slack answers most failures with 200 and ok:false; the HTTP status still shows 429s and outages. */
const countedFetch: webApi.FetchFunction = async (url, init) => {
  try {
    const res = await fetch(url, init as RequestInit);
    metrics.platformCalls.inc({ platform: 'slack', outcome: res.status === 429 ? 'rate_limited' : res.status >= 400 ? 'error' : 'ok' });
    return res;
  } catch (err) {
    metrics.platformCalls.inc({ platform: 'slack', outcome: 'error' });
    throw err;
  }
};

export async function startSlackApp(
  config: SlackConfig, runtime: FrontendRuntime, options: SlackAppOptions = {}, services: SlackAppServices = {},
): Promise<SlackApp> {
  const log = runtime.log.child({ module: 'slack' });
  const socketMode = Boolean(config.appToken);
  // The WebClient reads no environment variable for its base URL: tests and proxies set it here.
  // Every client (the app's, each installation's) counts its calls through this fetch.
  const clientOptions = {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    fetch: countedFetch,
  };
  const makeClient = (token: string) => new webApi.WebClient(token, { ...clientOptions, logger: boltLogger(log) });
  // Progress and delivery run outside any Slack request: each needs its workspace's token.
  // Writes and deletes drop that workspace's cached client, so a reinstall's token applies at once.
  let forget: (team: TeamRef) => void = () => undefined;
  const store = config.oauth && services.installationStore ? notifyingStore(services.installationStore, (team) => forget(team)) : undefined;
  const installed = config.oauth && store
    ? installedWorkspaceClients(
      new InstallProvider({
        clientId: config.oauth.clientId, clientSecret: config.oauth.clientSecret, stateSecret: config.oauth.stateSecret,
        installationStore: store, clientOptions, logger: boltLogger(log),
      }),
      makeClient,
    )
    : null;
  if (installed) forget = (team) => installed.forget(team);
  const auth = authOptions(config, store, clientOptions, log);
  const app = new App({
    ...auth,
    signingSecret: config.signingSecret,
    ...(socketMode ? { socketMode: true, appToken: config.appToken } : { receiver: httpReceiver(config, auth, clientOptions, log) }),
    clientOptions,
    logger: boltLogger(log),
    // init() runs auth.test and throws on a bad token, instead of every request failing later.
    deferInitialization: true,
  });
  await app.init();

  const clients: WorkspaceClients = installed ?? singleWorkspaceClients(app.client);

  // Health for /healthz: the socket's state in Socket Mode, else the last working Web API call.
  // With one token, a dead token is fatal (red, one plain line); with OAuth it is one workspace's
  // uninstall, which the uninstall listener handles.
  const health = runtime.connections;
  const tokenDead = (code: string): void => {
    if (config.oauth) return;
    const line = `${TOKEN_DEAD[code] ?? `Slack refused ditty's bot token (${code})`}: reinstall the app to the workspace, put its new bot token in SLACK_BOT_TOKEN and restart.`;
    if (health?.snapshot().slack?.state !== 'fatal') log.fatal({ code }, line);
    health?.set('slack', 'fatal', line);
  };
  health?.set('slack', 'ready');
  let probe: NodeJS.Timeout | null = null;
  if (!config.oauth) {
    probe = setInterval(() => {
      app.client.auth.test().then(() => health?.ok('slack'), (err: unknown) => {
        const code = slackErrorCode(err);
        if (code && code in TOKEN_DEAD) tokenDead(code);
        else health?.set('slack', 'down', `auth.test failed: ${code ?? (err instanceof Error ? err.message : 'unknown error')}`);
      });
    }, options.healthProbeMs ?? 60_000);
    probe.unref();
  }
  // Bolt keeps its receiver private; the Socket Mode receiver's client is the socket whose state we report.
  const socket = (app as unknown as { receiver?: { client?: { on(event: string, fn: () => void): void } } }).receiver?.client;
  if (socketMode && socket) {
    health?.set('slack-socket', 'connecting');
    socket.on('connected', () => health?.set('slack-socket', 'ready'));
    socket.on('reconnecting', () => health?.set('slack-socket', 'reconnecting'));
    socket.on('disconnected', () => health?.set('slack-socket', 'down'));
  }

  const editBudget = slackEditBudget(options.editBudget);
  // Generations older than this process were started by an earlier one: their status messages are adopted.
  const startedAt = Date.now();
  const progress = new ProgressUpdater(
    async (target: StatusTarget, event: ProgressEvent) => {
      const client = await clients.clientFor({ teamId: target.teamId ?? '', enterpriseId: target.enterpriseId });
      await client.chat.update({ channel: target.channel, ts: target.ts, ...statusBlocks(target, event) });
    },
    log,
    { intervalMs: options.progressIntervalMs, budget: editBudget, adopt: (event) => adoptStatus(runtime, clients, event, startedAt) },
  );
  const favoriteEmoji = normalizeEmoji(options.favoriteEmoji ?? 'star');
  const settings = new SettingsCache(runtime.core, log, favoriteEmoji, { ttlMs: options.settingsTtlMs });
  const deps: SlackDeps = {
    runtime,
    log,
    progress,
    editBudget,
    clients,
    favoriteEmoji,
    settings,
    favoriteCounts: new SlackFavoriteCounts({ runtime, editBudget, settings, log }),
    sizeLimitBytes: options.sizeLimitBytes ?? 1_000_000_000,
    tokenDead,
    seenEvents: new RecentSet(10_000),
    messageGenerations: new Map(),
    statusMessages: new Map(),
    userNames: new Map(),
  };

  // Before every listener: text that is not text never reaches one.
  app.use(refuseBadText(log));
  registerGenerate(app, deps);
  registerHelp(app, deps);
  registerStats(app, deps);
  registerSearch(app, deps);
  registerSimilar(app, deps);
  registerSettings(app, deps);
  registerButtons(app, deps);
  registerReactions(app, deps);
  if (store) registerUninstall(app, deps, store);
  app.error(async (err) => {
    log.error({ err }, 'slack listener failed');
  });

  const unsubscribe = runtime.onProgress('slack', (event) => progress.handle(event));
  const delivery = await runtime.startDelivery('slack', slackDeliveryHandler(deps), slackBatchDeliveryHandler(deps));

  let port = 0;
  try {
    if (socketMode) {
      await app.start();
    } else {
      const server = (await app.start(config.port)) as Server;
      port = (server.address() as AddressInfo).port;
    }
  } catch (err) {
    unsubscribe();
    await delivery.close();
    throw err;
  }
  log.info({ port, socketMode, oauth: Boolean(config.oauth) }, 'slack app listening');

  return {
    app,
    port,
    async stop() {
      if (probe) clearInterval(probe);
      unsubscribe();
      await delivery.close();
      deps.favoriteCounts.close();
      await progress.close();
      await app.stop();
    },
  };
}

/**
 * The HTTP receiver Bolt would build from the same options, plus the raw-body text check
 * (request-text.ts) that Bolt's own options cannot add.
 */
function httpReceiver(config: SlackConfig, auth: Partial<AppOptions>, clientOptions: object, log: Logger): HTTPReceiver {
  return new HTTPReceiver({
    signingSecret: config.signingSecret,
    logger: boltLogger(log),
    clientId: auth.clientId, clientSecret: auth.clientSecret, stateSecret: auth.stateSecret, redirectUri: auth.redirectUri,
    installationStore: auth.installationStore, scopes: auth.scopes,
    // App adds its client options to the installer's; a receiver of our own must do the same.
    installerOptions: { clientOptions, ...auth.installerOptions },
    customPropertiesExtractor: textProperties,
  });
}

/**
 * One workspace: its bot token. Many: Bolt's OAuth installer (install page, redirect, state
 * cookie) and the installation store, which Bolt asks for each request's token.
 */
function authOptions(
  config: SlackConfig, installationStore: InstallationStore | undefined, clientOptions: { slackApiUrl?: string }, log: Logger,
): Partial<AppOptions> {
  if (!config.oauth) return { token: config.botToken };
  if (!installationStore) throw new Error('Slack OAuth is configured but startSlackApp was given no installation store');
  // Bolt refuses a token beside OAuth options; every workspace's token comes from its install.
  if (config.botToken) log.warn('SLACK_BOT_TOKEN is ignored: Slack OAuth is configured, each workspace uses the token of its install');
  return {
    clientId: config.oauth.clientId,
    clientSecret: config.oauth.clientSecret,
    stateSecret: config.oauth.stateSecret,
    // Named in the install link and the token exchange only when set: an app with one redirect
    // URL needs none, Slack uses that one.
    ...(config.oauth.redirectUri ? { redirectUri: config.oauth.redirectUri } : {}),
    scopes: [...BOT_SCOPES],
    installationStore,
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      // The install link goes straight to Slack's consent screen (the state cookie still guards it).
      directInstall: true,
      clientOptions,
      // Socket Mode has no HTTP receiver: Bolt serves the install pages on their own port.
      ...(config.appToken ? { port: config.port } : {}),
    },
  };
}

/**
 * The status message of a generation created before this process started (it restarted
 * mid-render): found by its block id in the channel, so progress keeps moving on it.
 */
async function adoptStatus(runtime: FrontendRuntime, clients: WorkspaceClients, event: ProgressEvent, startedAt: number): Promise<StatusTarget | null> {
  const found = await runtime.core.replyOf(event.generationId);
  if (!found || found.track.origin.platform !== 'slack' || Date.parse(found.track.createdAt) >= startedAt) return null;
  const { track, reply } = found;
  if (!reply.channel) return null;
  const teamId = reply.teamId ?? track.origin.guildId;
  const client = await clients.clientFor({ teamId, enterpriseId: reply.enterpriseId });
  const ts = await findStatusTs(client, reply.channel, track);
  if (!ts) return null;
  return {
    channel: reply.channel, ts, teamId, enterpriseId: reply.enterpriseId, generationId: track.id, prompt: track.prompt,
    userId: reply.userId ?? track.creator.platformUserId, params: track.params, durationS: track.durationS,
  };
}
