/**
 * OAuth mode: when a workspace (or an org) uninstalls ditty or revokes its bot token, its stored
 * installation goes, so nothing keeps a dead token. Bolt delivers these two events without
 * authorizing them, since the token is already gone.
 */
import type { App, InstallationStore } from '@slack/bolt';
import type { SlackDeps } from '../deps.ts';
import { isSlackId } from '../text.ts';

export function registerUninstall(app: App, deps: SlackDeps, store: InstallationStore): void {
  const remove = async (body: { team_id?: string; enterprise_id?: string; is_enterprise_install?: boolean }, why: string) => {
    const teamId = isSlackId(body.team_id) ? body.team_id : undefined;
    const enterpriseId = isSlackId(body.enterprise_id) ? body.enterprise_id : undefined;
    const isEnterpriseInstall = body.is_enterprise_install === true;
    if (!(isEnterpriseInstall ? enterpriseId : teamId)) return;
    await store.deleteInstallation?.({ teamId, enterpriseId, isEnterpriseInstall });
    deps.log.info({ teamId, enterpriseId, isEnterpriseInstall, why }, 'slack installation removed');
  };

  app.event('app_uninstalled', async ({ body }) => {
    await remove(body, 'app_uninstalled');
  });
  app.event('tokens_revoked', async ({ body, event }) => {
    // Only the bot token matters: ditty never asks for user tokens.
    if ((event.tokens.bot ?? []).length > 0) await remove(body, 'tokens_revoked');
  });
}
