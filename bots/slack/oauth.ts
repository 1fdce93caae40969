/**
 * Many workspaces: Bolt's OAuth installer keeps installations in Postgres through this store, and
 * work that happens outside a Slack request (progress edits, delivery) finds each workspace's
 * bot token through `WorkspaceClients`. In single-workspace mode every team gets the one client.
 */
import { webApi, type Installation, type InstallationQuery, type InstallationStore } from '@slack/bolt';
import type { InstallProvider } from '@slack/oauth';
import {
  deleteSlackInstallation, findSlackInstallation, saveSlackInstallation, type EntityManager, type SlackInstallationQuery,
} from '../../core/db/index.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { rememberBounded } from '../../core/recent-set.ts';

/** The bot scopes of the manifests (a unit test keeps them equal), asked for at install. */
export const BOT_SCOPES = ['commands', 'chat:write', 'files:write', 'reactions:read', 'users:read', 'channels:history', 'groups:history'] as const;
export const INSTALL_PATH = '/slack/install';
export { SLACK_REDIRECT_PATH as REDIRECT_PATH } from '../../core/config.ts';

/**
 * Bolt's InstallationStore over core/db, with a fresh EntityManager per call (calls come from
 * concurrent requests; a shared one would mix their identity maps).
 */
/** `box`: seals tokens at rest (SLACK_TOKEN_KEY); see core/secret-box.ts. */
export function postgresInstallationStore(em: () => EntityManager, box?: SecretBox): InstallationStore {
  return {
    async storeInstallation(installation) {
      const bot = installation.bot;
      // ditty works through its bot user; an install that granted only user scopes serves nothing.
      if (!bot?.token) throw new Error('Slack installation has no bot token: the app must be installed with its bot scopes');
      const isEnterpriseInstall = installation.isEnterpriseInstall === true;
      await saveSlackInstallation(em(), {
        teamId: isEnterpriseInstall ? null : (installation.team?.id ?? null),
        enterpriseId: installation.enterprise?.id ?? null,
        isEnterpriseInstall,
        botToken: bot.token,
        botUserId: bot.userId,
        botId: bot.id,
        scopes: bot.scopes ?? [],
        installerUserId: installation.user?.id ?? null,
        installation: installation as unknown as Record<string, unknown>,
      }, box);
    },
    async fetchInstallation(query) {
      const row = await findSlackInstallation(em(), toQuery(query), box);
      // Bolt turns a throw into "not authorized": the request is refused without a token.
      if (!row) throw new Error(`No Slack installation for team ${query.teamId ?? '-'} / enterprise ${query.enterpriseId ?? '-'}`);
      return row.installation as unknown as Installation;
    },
    async deleteInstallation(query) {
      await deleteSlackInstallation(em(), toQuery(query));
    },
  };
}

function toQuery(q: InstallationQuery<boolean>): SlackInstallationQuery {
  return { teamId: q.teamId ?? null, enterpriseId: q.enterpriseId ?? null, isEnterpriseInstall: q.isEnterpriseInstall };
}

/**
 * The same store, calling `changed` after each write or delete, so cached clients of that
 * workspace are dropped and a reinstall's new token is used at once.
 */
export function notifyingStore(store: InstallationStore, changed: (team: TeamRef) => void): InstallationStore {
  const teamOf = (teamId: string | undefined, enterpriseId: string | undefined): TeamRef => ({ teamId: teamId ?? '', enterpriseId });
  return {
    async storeInstallation(installation, logger) {
      await store.storeInstallation(installation, logger);
      changed(teamOf(installation.team?.id, installation.enterprise?.id));
    },
    fetchInstallation: (query, logger) => store.fetchInstallation(query, logger),
    async deleteInstallation(query, logger) {
      await store.deleteInstallation?.(query, logger);
      changed(teamOf(query.teamId, query.enterpriseId));
    },
  };
}

export interface TeamRef {
  teamId: string;
  enterpriseId?: string;
}

/** A Web API client carrying the bot token of a given workspace. */
export interface WorkspaceClients {
  clientFor(team: TeamRef): Promise<webApi.WebClient>;
  /** Drops a cached client after an uninstall or a revoked token. */
  forget(team: TeamRef): void;
}

export function singleWorkspaceClients(client: webApi.WebClient): WorkspaceClients {
  return { clientFor: async () => client, forget: () => undefined };
}

/** How long before its expiry a rotating token stops being handed out from the cache. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Clients from stored installations, for work outside Slack requests (progress edits, delivery).
 * The token comes from @slack/oauth's `authorize`, as Bolt gets it for requests: with token
 * rotation on, it refreshes a token that expires within two hours and stores the new one.
 * A client is reused for `ttlMs` (a burst of progress edits costs one lookup), never past its
 * token's expiry; a reinstall (new token) is picked up when the entry expires.
 */
export function installedWorkspaceClients(
  installer: Pick<InstallProvider, 'authorize'>,
  makeClient: (token: string) => webApi.WebClient,
  ttlMs = 60_000,
): WorkspaceClients {
  const cache = new Map<string, { client: webApi.WebClient; until: number }>();
  const key = (t: TeamRef) => `${t.enterpriseId ?? ''}/${t.teamId}`;
  return {
    async clientFor(team) {
      const hit = cache.get(key(team));
      if (hit && Date.now() < hit.until) return hit.client;
      const auth = await installer.authorize({ teamId: team.teamId, enterpriseId: team.enterpriseId, isEnterpriseInstall: false });
      if (!auth.botToken) throw new Error(`The Slack installation of team ${team.teamId} has no bot token`);
      const client = makeClient(auth.botToken);
      const expiresAt = auth.botTokenExpiresAt === undefined ? Infinity : auth.botTokenExpiresAt * 1000 - EXPIRY_MARGIN_MS;
      rememberBounded(cache, key(team), { client, until: Math.min(Date.now() + ttlMs, expiresAt) }, 1000);
      return client;
    },
    forget(team) {
      if (team.enterpriseId && !team.teamId) {
        for (const k of cache.keys()) if (k.startsWith(`${team.enterpriseId}/`)) cache.delete(k);
      }
      cache.delete(key(team));
    },
  };
}
