/**
 * Registers ditty's slash commands: `npm run discord:deploy`. With DISCORD_DEV_GUILD_ID set the
 * commands go to that one server and appear at once (development); with `--global`, or without a
 * dev guild, they go to every server the bot is in (Discord may take a while to show them).
 * A PUT replaces the whole set, so running it twice is harmless.
 */
import { REST, Routes } from 'discord.js';
import type { Config } from '../../core/config.ts';
import { loadEntryConfig } from '../../core/entry.ts';
import { createLogger } from '../../core/log.ts';
import { commandDefinitions } from './commands.ts';

export interface DeployResult {
  scope: 'guild' | 'global';
  guildId?: string;
  names: string[];
}

export async function deployCommands(config: NonNullable<Config['discord']>, opts: { global?: boolean } = {}): Promise<DeployResult> {
  const rest = new REST(config.apiBase ? { api: config.apiBase.replace(/\/$/, '') } : {}).setToken(config.token);
  const body = commandDefinitions();
  const guildId = opts.global ? undefined : config.devGuildId;
  const route = guildId ? Routes.applicationGuildCommands(config.applicationId, guildId) : Routes.applicationCommands(config.applicationId);
  const saved = (await rest.put(route, { body })) as Array<{ name: string }>;
  return { scope: guildId ? 'guild' : 'global', guildId, names: saved.map((c) => c.name) };
}

if (import.meta.main) {
  const config = loadEntryConfig();
  const log = createLogger(config.logLevel, 'discord-deploy');
  try {
    if (!config.discord) throw new Error('Set DISCORD_TOKEN and DISCORD_APPLICATION_ID first (see docs/discord.md).');
    const result = await deployCommands(config.discord, { global: process.argv.includes('--global') });
    log.info(result, result.scope === 'guild' ? 'commands registered for the dev server' : 'commands registered globally');
  } catch (err) {
    log.error({ err }, 'discord command deploy failed');
    process.exitCode = 1;
  }
}
