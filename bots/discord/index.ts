/**
 * ditty's Discord bot: transport only. Interactions and reactions become ChatCore calls; progress
 * events and deliveries become edits of the interaction reply. Only non-privileged intents.
 */
import { Client, Events, GatewayIntentBits, InteractionWebhook, MessageFlags, Partials, type Interaction } from 'discord.js';
import { DM_REFUSAL } from '../../core/direct-messages.ts';
import { helpContent } from '../../core/help.ts';
import { helpEmbed } from './messages.ts';
import type { Config } from '../../core/config.ts';
import type { FrontendRuntime } from '../../core/chat.ts';
import type { ProgressEvent } from '../../core/jobs.ts';
import { metrics } from '../../core/metrics.ts';
import { fromReplyMap, tokenUsable } from './ids.ts';
import { createButtonHandler } from './buttons.ts';
import { CommandName } from './commands.ts';
import type { BotContext } from './context.ts';
import { createDeliveryHandler } from './delivery.ts';
import { createBatchDeliveryHandler } from './takes.ts';
import { generate, generateInputOf } from './generate.ts';
import { discordEditBudget, ProgressEditor } from './progress.ts';
import { FavoriteCounts } from './favorite-count.ts';
import { createReactionHandler } from './reactions.ts';
import { handleSearch } from './search.ts';
import { handleSimilarCommand } from './similar.ts';
import { SettingsCache } from './server-settings.ts';
import { handleDitty } from './settings.ts';
import { handleRecent, handleStats } from './stats.ts';

export type DiscordConfig = NonNullable<Config['discord']>;

export interface DiscordBotOptions {
  /**
   * Least time between two progress edits of one reply. Discord rate-limits webhook edits per
   * token; one edit every 2 s stays clear of it.
   * @defaultValue 2000
   */
  progressIntervalMs?: number;
  /**
   * Least time between two progress edits in one channel, shared by every reply there (Discord
   * allows about five edits per five seconds per channel). @defaultValue 1000
   */
  channelEditIntervalMs?: number;
  /**
   * Favorite reaction used when the core cannot say what the server chose (servers choose with
   * `/ditty settings favorite-emoji`; the core's default is ⭐).
   * @defaultValue '⭐'
   */
  favoriteEmoji?: string;
  /**
   * How long a server's settings (its favorite emoji) are reused before being read again. A
   * change made through this process applies at once.
   * @defaultValue 30000
   */
  settingsTtlMs?: number;
  /**
   * How long a core call may take before the user is told ditty is unavailable.
   * @defaultValue 10000
   */
  coreTimeoutMs?: number;
  /**
   * Called once when Discord closes the gateway for good (4004 revoked token, 4010-4014): health
   * is already red and one plain line logged. app/system.ts exits a bots-only process non-zero.
   */
  onFatal?: (code: number, line: string) => void;
}

/** Gateway close codes no reconnect can fix, with what an operator should do. */
export const FATAL_CLOSE: Readonly<Record<number, string>> = {
  4004: 'Discord refused the bot token (gateway close 4004): it was reset or revoked. Put a new token from the Developer Portal (Bot, Reset Token) in DISCORD_TOKEN and restart.',
  4010: 'Discord refused the shard settings (gateway close 4010): check the shard count and restart.',
  4011: 'Discord requires sharding for this bot (gateway close 4011): it is in too many servers for one connection; run it sharded.',
  4012: 'Discord refused the gateway API version (gateway close 4012): update discord.js and restart.',
  4013: 'Discord refused the gateway intents (gateway close 4013): this ditty build asks for invalid intents; update it and restart.',
  4014: 'Discord refused a privileged intent (gateway close 4014): ditty needs none, so check the app\'s intents in the Developer Portal and restart.',
};

export interface DiscordBot {
  client: Client;
  stop(): Promise<void>;
}

export function createClient(config: DiscordConfig): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    // Reactions on messages from before a restart arrive for uncached messages: partials let
    // discord.js emit them, and the handler fetches what it needs.
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel],
    // REST waits out 429s itself (retry-after, per-route buckets, the global limit). The timeout is
    // raised from 15 s because a 10 MiB upload over a slow uplink can take longer.
    rest: { ...(config.apiBase ? { api: config.apiBase.replace(/\/$/, '') } : {}), timeout: 60_000 },
    // Every message sets its own allowed mentions too; this is the backstop.
    allowedMentions: { parse: [] },
  });
  client.rest.on('response', (_req, res) => {
    metrics.platformCalls.inc({ platform: 'discord', outcome: res.status === 429 ? 'rate_limited' : res.status >= 400 ? 'error' : 'ok' });
  });
  return client;
}

export async function startDiscordBot(config: DiscordConfig, runtime: FrontendRuntime, options: DiscordBotOptions = {}): Promise<DiscordBot> {
  const client = createClient(config);
  const log = runtime.log.child({ frontend: 'discord' });
  const favoriteEmoji = options.favoriteEmoji ?? '⭐';
  const coreTimeoutMs = options.coreTimeoutMs ?? 10_000;
  // One budget per channel for every edit ditty makes there: progress and favorite counts.
  const editBudget = discordEditBudget(options.channelEditIntervalMs);
  const settings = new SettingsCache(runtime.core, log, favoriteEmoji, { ttlMs: options.settingsTtlMs, timeoutMs: coreTimeoutMs });
  // Nothing reads the client before ClientReady: interactions, reactions and deliveries start after it.
  const ready = client as Client<true>;
  const ctx: BotContext = {
    client: ready,
    runtime,
    log,
    progress: new ProgressEditor(options.progressIntervalMs ?? 2000, log, (ev) => adoptReply(client, runtime, ev), editBudget),
    favoriteEmoji,
    settings,
    coreTimeoutMs,
    favoriteCounts: new FavoriteCounts({ client: ready, runtime, settings, log }, editBudget),
  };

  const onButton = createButtonHandler(ctx);
  const onReaction = createReactionHandler(ctx);

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    void dispatch(ctx, interaction, onButton).catch((err: unknown) => log.error({ err, interactionId: interaction.id }, 'discord interaction handler crashed'));
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => void onReaction(reaction, user, true));
  client.on(Events.MessageReactionRemove, (reaction, user) => void onReaction(reaction, user, false));
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  const health = runtime.connections;
  health?.set('discord', 'connecting');
  client.on(Events.ShardReady, () => health?.set('discord', 'ready'));
  client.on(Events.ShardResume, () => health?.set('discord', 'ready'));
  client.on(Events.ShardReconnecting, () => health?.set('discord', 'reconnecting'));
  // discord.js emits this only when the shard will not reconnect.
  client.on(Events.ShardDisconnect, (event, shardId) => {
    const line = FATAL_CLOSE[event.code];
    if (!line) {
      health?.set('discord', 'down', `gateway closed with ${event.code}`);
      log.warn({ code: event.code, shardId }, 'discord gateway disconnected');
      return;
    }
    health?.set('discord', 'fatal', line);
    log.fatal({ code: event.code, shardId }, line);
    options.onFatal?.(event.code, line);
  });

  const unsubscribe = runtime.onProgress('discord', (ev) => ctx.progress.onEvent(ev));
  let delivery: { close(): Promise<void> } | null = null;
  try {
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(config.token);
    await ready;
    // Deliveries start only once the client can post, or the first jobs would fail and retry.
    delivery = await runtime.startDelivery('discord', createDeliveryHandler(ctx), createBatchDeliveryHandler(ctx));
  } catch (err) {
    unsubscribe();
    await client.destroy();
    throw err;
  }
  log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord bot ready');

  return {
    client,
    async stop() {
      unsubscribe();
      await delivery?.close();
      ctx.favoriteCounts.close();
      await ctx.progress.closeAll();
      await client.destroy();
    },
  };
}

async function dispatch(ctx: BotContext, interaction: Interaction, onButton: ReturnType<typeof createButtonHandler>): Promise<void> {
  if (interaction.isButton()) return onButton(interaction);
  if (!interaction.isChatInputCommand()) return;
  if (interaction.commandName === CommandName.Help) {
    await interaction.reply({ embeds: [helpEmbed(helpContent('discord', ctx.runtime.publicUrl))], flags: MessageFlags.Ephemeral })
      .catch((err: unknown) => ctx.log.warn({ err }, 'discord /help reply failed'));
    return;
  }
  if (!interaction.inGuild()) {
    // Commands are registered for servers only; a DM (or a user-installed context) gets one sentence.
    await interaction.reply({ content: DM_REFUSAL, flags: MessageFlags.Ephemeral }).catch((err: unknown) => ctx.log.warn({ err }, 'discord DM refusal failed'));
    return;
  }
  switch (interaction.commandName) {
    case CommandName.Generate:
      // generate() acknowledges within its budget however slow the core is.
      return generate(ctx, interaction, async () => generateInputOf(interaction));
    case CommandName.Stats:
      return handleStats(ctx, interaction);
    case CommandName.Recent:
      return handleRecent(ctx, interaction);
    case CommandName.Search:
      return handleSearch(ctx, interaction);
    case CommandName.Similar:
      return handleSimilarCommand(ctx, interaction);
    case CommandName.Ditty:
      return handleDitty(ctx, interaction);
    default:
      ctx.log.debug({ command: interaction.commandName }, 'discord unknown command ignored');
  }
}

/**
 * The reply of a generation this process did not see asked, when it is this process's to edit:
 * a process that restarted mid-render picks up its progress and failure edits from the next event.
 * Only the process serving the guild takes it (with several shards, the others ignore it), and only
 * while the interaction token lives; the finished track goes out through delivery either way.
 */
async function adoptReply(client: Client, runtime: FrontendRuntime, ev: ProgressEvent): Promise<{ webhook: InteractionWebhook; prompt: string; channelId?: string } | null | 'later'> {
  // events flow before the gateway is up: which guilds are ours is not known yet
  if (!client.isReady()) return 'later';
  const found = await runtime.core.replyOf(ev.generationId);
  // A take's reply shows its whole batch: a process that did not see it asked leaves it to the batch's post.
  if (!found || found.track.origin.platform !== 'discord' || found.track.take) return null;
  const ref = fromReplyMap(found.reply);
  if (!ref.guildId || !client.guilds.cache.has(ref.guildId) || !tokenUsable(ref, Date.now())) return null;
  return { webhook: new InteractionWebhook(client, ref.applicationId!, ref.interactionToken!), prompt: found.track.prompt, channelId: ref.channelId };
}
