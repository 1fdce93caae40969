/**
 * The ChatCore every frontend calls: validation, limits, the generation row, the queue.
 * The row is written before the job is enqueued; if Redis refuses the job, the reconciler
 * enqueues it later from the row, so an accepted request is never lost.
 */
import type { EntityManager, MikroORM } from './db/index.ts';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { keyLabel, mismatch } from './analysis.ts';
import type { AcceptedTake, Actor, AnalysisView, ChatCore, DeletedTrack, GenerateAccepted, GenerateRequest, GenerationQuota, SimilarResult, Stats, StatsQuery, TrackView } from './chat.ts';
import type { Config } from './config.ts';
import {
  batchTakes, createBatch, createGeneration, getAnalysis, getGeneration, getServerSettings, similarTracks, inProgress, linePlaces, queuedBefore, recent, recordPlay,
  isFavorite, searchGenerations, setFavorite, stats, transitionGeneration, updateServerSettings,
} from './db/index.ts';
import { createWorkerPresence, NO_WORKER_NOTICE } from './engine-status.ts';
import { UserError, UserErrorCode } from './errors.ts';
import { PLATFORMS, type Platform, type ProgressEvent } from './jobs.ts';
import { actorListener, firstListen } from './listens.ts';
import { deleteGenerationAudio } from './retention.ts';
import type { Logger } from './log.ts';
import { isOutage, UNAVAILABLE_MESSAGE } from './outage.ts';
import { parsePrompt } from './prompt/parse.ts';
import { cancelChannel, type Queues } from './queue.ts';
import { createTurns } from './turns.ts';
import { toTrackView } from './track-view.ts';
import { cleanName, cleanPrompt, findBlockedWord, isGenerationId, parseDuration, parseFormat, parseSeed, parseTakes, SEED_MAX } from './validate.ts';

export interface CoreDeps {
  config: Config;
  orm: MikroORM;
  queues: Queues;
  redis: Redis;
  log: Logger;
  publish(event: ProgressEvent): void;
}

/** Discord's default upload limit; frontends pass their own. */
export const DEFAULT_SIZE_LIMIT_BYTES = 10 * 1024 * 1024;
const PLATFORM_ID = /^[\p{L}\p{N}_.:@-]{1,64}$/u;

export function validateActor(actor: Actor): Actor {
  if (!PLATFORMS.includes(actor.platform)) throw new UserError(UserErrorCode.NotAllowed, 'Unknown platform.');
  const platformUserId = cleanName(actor.platformUserId, 64);
  const guildId = cleanName(actor.guildId, 64);
  if (!PLATFORM_ID.test(platformUserId) || !PLATFORM_ID.test(guildId)) {
    throw new UserError(UserErrorCode.NameInvalid, 'That user or server id is not valid.');
  }
  return { platform: actor.platform, platformUserId, guildId, displayName: cleanName(actor.displayName, 100) };
}

export function createChatCore(deps: CoreDeps): ChatCore {
  const { config, orm, queues, log } = deps;
  const turns = createTurns({ orm, queues, limits: config.limits, log, publish: deps.publish });
  const anyRenderer = createWorkerPresence(deps.redis, config.queuePrefix);
  /** Infrastructure failures become one clear refusal for the user and a full log line for us. */
  async function unavailableOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UserError) throw err;
      log.error({ err }, 'core call failed');
      throw unavailable(err);
    }
  }
  const limiters = new Map<number, RateLimiterRedis>();
  const limiterFor = (perMinute: number) => {
    let limiter = limiters.get(perMinute);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: deps.redis, keyPrefix: `${config.queuePrefix}:rl:${perMinute}`, points: perMinute, duration: 60,
        // Refuse at once while Redis is away, instead of queueing the command.
        rejectIfRedisNotReady: true,
      });
      limiters.set(perMinute, limiter);
    }
    return limiter;
  };

  async function generate(req: GenerateRequest): Promise<GenerateAccepted> {
    const actor = validateActor(req.actor);
    const channelId = cleanName(req.channelId, 64);
    const em = orm.em.fork();
    const parent = req.extend ? await extendable(em, actor, req.extend.generationId) : null;
    const prompt = parent ? parent.prompt : cleanPrompt(req.prompt);
    const settings = await unavailableOnError(() => getServerSettings(em, actor.platform, actor.guildId));
    if (settings.allowedChannels.length > 0 && !settings.allowedChannels.includes(channelId)) {
      throw new UserError(UserErrorCode.ChannelNotAllowed, 'ditty is not enabled in this channel; ask an admin which channels it may use.');
    }
    const blocked = findBlockedWord(prompt, settings.blockedWords);
    if (blocked) {
      throw new UserError(UserErrorCode.PromptBlocked, `This server does not allow the word "${blocked}" in prompts; rephrase and try again.`);
    }
    const maxDuration = Math.min(settings.maxDurationS ?? config.limits.maxDurationS, config.limits.maxDurationS);
    const durationS = parent
      ? extendedDuration(parent.requestedDurationS, req.extend?.seconds, maxDuration)
      : parseDuration(req.durationS, Math.min(config.limits.defaultDurationS, maxDuration), maxDuration);
    const seed = parent ? parent.params.seed : parseSeed(req.seed);
    // Takes apply to a new prompt; an Extend continues one track.
    const takes = parent ? 1 : parseTakes(req.takes);
    const format = parent ? parent.requestedFormat : parseFormat(req.format);

    const limiterKey = `${actor.platform}:${actor.guildId}:${actor.platformUserId}`;
    const limiter = limiterFor(settings.rateLimitPerMinute ?? config.limits.ratePerMinute);
    let spent: RateLimiterRes;
    try {
      // Each take is one generation of the quota: a batch takes all its points or none.
      spent = await limiter.consume(limiterKey, takes);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        const waitS = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        if (takes > 1) {
          // The refused batch gives its points back, so asking for fewer takes works at once.
          await limiter.reward(limiterKey, takes).catch(() => undefined);
          const left = Math.max(0, limiter.points - (e.consumedPoints - takes));
          throw new UserError(UserErrorCode.RateLimited, takesRefusal(takes, left, limiter.points, waitS), { waitS, left, takes, perMinute: limiter.points });
        }
        throw new UserError(UserErrorCode.RateLimited, `You have reached ${limiter.points} generations a minute; try again in ${waitS} s.`, { waitS, perMinute: limiter.points });
      }
      log.error({ err: e }, 'rate limiter unavailable');
      throw unavailable(e);
    }
    // A repeated request gets its points back below, so it reports the budget as it was.
    const quota = (duplicate: boolean): GenerationQuota => ({
      limit: limiter.points,
      remaining: Math.min(limiter.points, Math.max(0, spent.remainingPoints) + (duplicate ? takes : 0)),
      resetS: Math.max(0, Math.ceil(spent.msBeforeNext / 1000)),
    });
    if (takes > 1) {
      return generateTakes({ req, actor, channelId, prompt, durationS, seed, takes, format, limiter, limiterKey, quota });
    }
    // An extension keeps what the parent was made from, even if the parser has changed since.
    const params = parent ? parent.params : parsePrompt(prompt, seed);
    let created;
    try {
      // The slot (or the place in line) is taken in the same transaction as the row.
      created = await unavailableOnError(() => createGeneration(em, {
        actor, channelId, prompt, params, durationS, parentId: parent?.id, format,
        engine: config.engine.name, engineVersion: 'pending',
        sizeLimitBytes: req.sizeLimitBytes ?? DEFAULT_SIZE_LIMIT_BYTES,
        reply: req.reply ?? {},
        requestKey: req.reply?.requestKey,
        turns: config.limits,
      }));
    } catch (err) {
      await limiter.reward(limiterKey).catch(() => undefined);
      throw err;
    }
    const { generation, duplicate, admitted } = created;
    const waiting = generation.status === 'queued' && generation.admittedAt === null;
    // The place is read before the job exists, so the "queued" event always goes out before the
    // worker can announce "rendering".
    const position = generation.status !== 'queued' ? 0 : created.place ?? (await placeOf(generation.id, generation.admittedAt, actor));
    // Accepted anyway: the track starts when a worker comes (or fails at MAX_QUEUE_S), and says so.
    const notice = generation.status === 'queued' && !(await anyRenderer()) ? NO_WORKER_NOTICE : undefined;
    if (duplicate) {
      await limiter.reward(limiterKey).catch(() => undefined);
    } else {
      deps.publish({ generationId: generation.id, platform: actor.platform, stage: 'queued', progress: 0, position, waiting, ...(notice ? { message: notice } : {}) });
      await turns.started(admitted, actor.platform, actor.guildId);
    }
    log.info({ generationId: generation.id, platform: actor.platform, guildId: actor.guildId, durationS, duplicate }, 'generation accepted');
    return { generationId: generation.id, position, waiting, params: generation.params, durationS: generation.requestedDurationS, duplicate, ...(notice ? { notice } : {}), quota: quota(duplicate) };
  }

  interface TakesInput {
    req: GenerateRequest;
    actor: Actor;
    channelId: string;
    prompt: string;
    durationS: number;
    seed: number;
    takes: number;
    /** Validated by parseFormat; null = the default. */
    format: string | null;
    limiter: RateLimiterRedis;
    limiterKey: string;
    quota: (duplicate: boolean) => GenerationQuota;
  }

  /** Takes: 2-4 seeds of one prompt as one batch; every take is admitted or waits in line as a lone track would. */
  async function generateTakes(t: TakesInput): Promise<GenerateAccepted> {
    const { actor } = t;
    const seeds = takeSeeds(t.seed, t.takes);
    let created;
    try {
      created = await unavailableOnError(() => createBatch(orm.em.fork(), {
        actor, channelId: t.channelId, prompt: t.prompt, durationS: t.durationS,
        takes: seeds.map((s) => parsePrompt(t.prompt, s)),
        engine: config.engine.name, engineVersion: 'pending',
        sizeLimitBytes: t.req.sizeLimitBytes ?? DEFAULT_SIZE_LIMIT_BYTES,
        reply: t.req.reply ?? {},
        requestKey: t.req.reply?.requestKey,
        turns: config.limits,
        format: t.format,
      }));
    } catch (err) {
      await t.limiter.reward(t.limiterKey, t.takes).catch(() => undefined);
      if (err instanceof UserError && err.code === UserErrorCode.ServerBusy) {
        // The caps count every take: say so, so the user knows fewer takes may fit.
        throw new UserError(err.code, `${err.message} (${t.takes} takes count as ${t.takes} tracks; none of them was queued.)`, { ...err.context, takes: t.takes });
      }
      throw err;
    }
    const { generations, duplicate, admitted } = created;
    if (duplicate) await t.limiter.reward(t.limiterKey, t.takes).catch(() => undefined);
    const anyQueued = generations.some((g) => g.status === 'queued');
    const notice = anyQueued && !(await anyRenderer()) ? NO_WORKER_NOTICE : undefined;
    const accepted: AcceptedTake[] = [];
    for (const g of generations) {
      const waiting = g.status === 'queued' && g.admittedAt === null;
      const position = g.status !== 'queued' ? 0 : created.places.get(g.id) ?? (await placeOf(g.id, g.admittedAt, actor));
      accepted.push({ generationId: g.id, take: g.takeIndex ?? accepted.length + 1, seed: g.params.seed, position, waiting });
      if (!duplicate) deps.publish({ generationId: g.id, platform: actor.platform, stage: 'queued', progress: 0, position, waiting, ...(notice ? { message: notice } : {}) });
    }
    if (!duplicate) await turns.started(admitted, actor.platform, actor.guildId);
    const first = generations[0]!;
    log.info({ batchId: created.batchId, generationIds: generations.map((g) => g.id), platform: actor.platform, guildId: actor.guildId, durationS: t.durationS, duplicate }, 'batch of takes accepted');
    return {
      generationId: first.id, position: accepted[0]!.position, waiting: accepted[0]!.waiting, params: first.params,
      durationS: first.requestedDurationS, duplicate, ...(notice ? { notice } : {}),
      batch: { id: created.batchId, takes: accepted },
      quota: t.quota(duplicate),
    };
  }

  /** 1-based: in the render queue once admitted, else in the server's line. */
  async function placeOf(id: string, admittedAt: Date | null, actor: Actor): Promise<number> {
    try {
      return await placeInLine(orm.em.fork(), { id, admittedAt, platform: actor.platform, guildId: actor.guildId });
    } catch {
      return 1;
    }
  }

  /** The finished track of this server that an Extend asks to continue; refusals say why. */
  async function extendable(em: ReturnType<typeof orm.em.fork>, actor: Actor, generationId: string) {
    if (!isGenerationId(generationId)) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    const row = await unavailableOnError(() => getGeneration(em, generationId));
    // Another server's track is not this server's to extend: it does not exist here.
    if (!row || row.platform !== actor.platform || row.guildId !== actor.guildId) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    if (row.status !== 'completed') throw new UserError(UserErrorCode.NotAllowed, 'Only a finished track can be extended; try again once it is posted.');
    return row;
  }

  async function cancel(actorIn: Actor, generationId: string): Promise<boolean> {
    const actor = validateActor(actorIn);
    if (!isGenerationId(generationId)) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    const em = orm.em.fork();
    const row = await getGeneration(em, generationId);
    if (!row) throw new UserError(UserErrorCode.NotFound, 'No such track.');
    if (row.platform !== actor.platform || row.creator.platformUserId !== actor.platformUserId || row.guildId !== actor.guildId) {
      throw new UserError(UserErrorCode.NotAllowed, 'Only the person who asked for a track can cancel it.');
    }
    const cancelled = await transitionGeneration(em, generationId, ['queued', 'rendering', 'encoding'], {
      status: 'cancelled', errorCode: 'cancelled', errorMessage: 'Cancelled by its creator.', completedAt: new Date(),
    });
    if (!cancelled) return false;
    await queues.render.remove(generationId).catch(() => 0); // only succeeds while waiting
    await deps.redis.publish(cancelChannel(config.queuePrefix), generationId).catch(() => 0);
    deps.publish({ generationId, platform: row.platform, stage: 'cancelled', progress: 0 });
    // Its slot (or place in line) is free: the next track in line starts now.
    await turns.admit(row.platform, row.guildId).catch((err: unknown) => log.warn({ err }, 'admission after cancel failed; the reconciler will retry'));
    return true;
  }

  async function track(generationId: string): Promise<TrackView | null> {
    if (!isGenerationId(generationId)) return null;
    const row = await getGeneration(orm.em.fork(), generationId);
    // A deleted track is gone for every frontend; its links answer 410 on their own.
    return row && !row.deletedAt ? toTrackView(row, config.http.publicUrl) : null;
  }

  return guardOutages(log, {
    generate,
    cancel,
    track,
    async batch(batchId) {
      const rows = await batchTakes(orm.em.fork(), batchId);
      return rows.filter((r) => !r.deletedAt).map((r) => toTrackView(r, config.http.publicUrl));
    },
    async setFavorite(actorIn, generationId, on) {
      const actor = validateActor(actorIn);
      if (!isGenerationId(generationId)) throw new UserError(UserErrorCode.NotFound, 'No such track.');
      const result = await setFavorite(orm.em.fork(), actor, generationId, on);
      return result;
    },
    async recordPlay(generationId, actorIn, source, secondsPlayed, listener) {
      if (!isGenerationId(generationId)) throw new UserError(UserErrorCode.NotFound, 'No such track.');
      const actor = actorIn ? validateActor(actorIn) : null;
      const who = actor ? actorListener(actor) : listener;
      if (who && !(await firstListen(deps.redis, config.queuePrefix, 'play', generationId, who))) return;
      await recordPlay(orm.em.fork(), generationId, actor, source, secondsPlayed);
    },
    async deleteTrack(actorIn, generationId, { isAdmin }): Promise<DeletedTrack | null> {
      const actor = validateActor(actorIn);
      if (!isGenerationId(generationId)) throw new UserError(UserErrorCode.NotFound, 'No such track.');
      const em = orm.em.fork();
      const row = await getGeneration(em, generationId);
      if (!row || row.deletedAt) throw new UserError(UserErrorCode.NotFound, 'No such track (it may already be deleted).');
      const sameServer = row.platform === actor.platform && row.guildId === actor.guildId;
      const creator = sameServer && row.creator.platformUserId === actor.platformUserId;
      if (!creator && !(sameServer && isAdmin)) {
        throw new UserError(UserErrorCode.NotAllowed, 'Only the person who made a track, or an admin of this server, can delete it.');
      }
      if (!(await deleteGenerationAudio(em, generationId, log))) return null;
      log.info({ generationId, by: creator ? 'creator' : 'admin' }, 'track deleted');
      const after = (await getGeneration(orm.em.fork(), generationId)) ?? row;
      return { track: toTrackView(after, config.http.publicUrl), messageRef: row.deliveredRef, channelId: row.channelId, deliverySteps: row.deliverySteps };
    },
    async recent(platform, guildId, limit = 10) {
      const rows = await recent(orm.em.fork(), platform, guildId, Math.min(Math.max(1, limit), 50));
      return rows.map((r) => toTrackView(r, config.http.publicUrl));
    },
    async replyOf(generationId) {
      if (!isGenerationId(generationId)) return null;
      const row = await getGeneration(orm.em.fork(), generationId);
      return row ? { track: toTrackView(row, config.http.publicUrl), reply: row.reply } : null;
    },
    async inProgress(platform, guildId, limit = 10) {
      const rows = await inProgress(orm.em.fork(), platform, cleanName(guildId, 64), Math.min(Math.max(1, limit), 50));
      return rows.map((r) => toTrackView(r, config.http.publicUrl));
    },
    async stats(query: StatsQuery): Promise<Stats> {
      return stats(orm.em.fork(), { ...query, limit: Math.min(Math.max(1, query.limit ?? 5), 25) });
    },
    async search(platform, guildId, query, limit = 10) {
      const text = cleanPrompt(query, 200);
      const rows = await searchGenerations(orm.em.fork(), platform, cleanName(guildId, 64), text, Math.min(Math.max(1, limit), 25));
      return rows.map((r) => toTrackView(r, config.http.publicUrl));
    },
    async similar(platform, guildId, generationId, limit = 5): Promise<SimilarResult> {
      const em = orm.em.fork();
      const row = isGenerationId(generationId) ? await getGeneration(em, generationId) : null;
      if (!row || row.deletedAt || row.platform !== platform || row.guildId !== cleanName(guildId, 64)) {
        throw new UserError(UserErrorCode.NotFound, 'No such track in this server.');
      }
      const found = await similarTracks(em, { platform, guildId: row.guildId }, generationId, Math.min(Math.max(1, limit), 10));
      return {
        of: toTrackView(row, config.http.publicUrl),
        analysed: found !== null,
        tracks: (found?.tracks ?? []).map((t) => ({
          track: toTrackView(t.generation, config.http.publicUrl),
          distance: Math.round(t.distance * 1000) / 1000,
          reasons: t.reasons,
          measured: {
            tempoBpm: t.analysis.tempoBpm,
            key: t.analysis.keyPitchClass !== null && t.analysis.mode ? keyLabel(t.analysis.keyPitchClass, t.analysis.mode) : null,
          },
        })),
      };
    },
    async analysis(generationId): Promise<AnalysisView | null> {
      if (!isGenerationId(generationId)) return null;
      const em = orm.em.fork();
      const row = await getGeneration(em, generationId);
      if (!row || row.deletedAt) return null;
      const a = await getAnalysis(em, generationId);
      if (a.state === 'done') return { state: 'done', analysis: a.analysis, mismatch: mismatch(row.params, a.analysis) };
      return { state: a.state === 'failed' ? 'failed' : 'pending', analysis: null, mismatch: null };
    },
    async isFavorite(actorIn, generationId) {
      const actor = validateActor(actorIn);
      if (!isGenerationId(generationId)) return false;
      return isFavorite(orm.em.fork(), actor, generationId);
    },
    async settings(platform, guildId) {
      return getServerSettings(orm.em.fork(), platform, cleanName(guildId, 64));
    },
    async updateSettings(actorIn, patch, { isAdmin }) {
      const actor = validateActor(actorIn);
      if (!isAdmin) throw new UserError(UserErrorCode.NotAllowed, 'Only server admins can change ditty settings.');
      const row = await updateServerSettings(orm.em.fork(), actor.platform, actor.guildId, patch);
      log.info({ platform: actor.platform, guildId: actor.guildId, by: actor.platformUserId, fields: Object.keys(patch) }, 'server settings changed');
      return row;
    },
  });
}

/**
 * Every core call answers an outage of Postgres or Redis with one UserError (Unavailable) that
 * frontends show as "try again": a 503 in the local chat, a plain reply in Discord and Slack.
 */
function guardOutages(log: Logger, core: ChatCore): ChatCore {
  const guarded: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(core) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof UserError || !isOutage(err)) throw err;
        log.warn({ err, call: name }, 'core call refused: a backing service is down');
        throw unavailable(err);
      }
    };
  }
  // Same keys, same signatures: each method is wrapped one for one above.
  return guarded as unknown as ChatCore;
}

/**
 * Distinct seeds, one per take, each shown with its take so it can be made again with `seed:`.
 * The first seed (given, or random) starts the run, so take 1 is exactly the track that seed makes
 * alone, and the rest follow it.
 */
export function takeSeeds(first: number, takes: number): number[] {
  return Array.from({ length: takes }, (_, i) => (first + i) % (SEED_MAX + 1));
}

/** Why a batch was refused by the per-minute limit, with what would fit now. */
export function takesRefusal(takes: number, left: number, perMinute: number, waitS: number): string {
  if (left <= 0) return `You have reached ${perMinute} generations a minute; try again in ${waitS} s.`;
  const fewer = left === 1 ? 'one track' : `${left} takes`;
  return `${takes} takes count as ${takes} generations, and you have ${left} of ${perMinute} left this minute: ask for ${fewer} now, or all ${takes} in ${waitS} s. Nothing was queued.`;
}

/** Seconds an Extend adds when the request names none. */
export const EXTEND_DEFAULT_S = 30;

/** Parent length plus what an Extend adds, within the server's longest track. */
export function extendedDuration(parentS: number, addS: number | undefined, maxS: number): number {
  const add = addS === undefined ? EXTEND_DEFAULT_S : addS;
  if (!Number.isInteger(add) || add < 5 || add > maxS) {
    throw new UserError(UserErrorCode.DurationInvalid, `An extension adds 5 to ${maxS} seconds.`, { addS });
  }
  // Adding less than a few seconds would not be worth a new track.
  if (parentS + 5 > maxS) {
    throw new UserError(UserErrorCode.DurationInvalid, `This track is already ${parentS} s, and tracks here are at most ${maxS} s, so it cannot be extended.`, { maxS });
  }
  return Math.min(maxS, parentS + add);
}

/**
 * A queued generation's 1-based place: in the render queue once admitted (it holds a slot), else
 * in its server's line. What every frontend tells a waiting user.
 */
export async function placeInLine(
  em: EntityManager,
  g: { id: string; admittedAt: Date | null; platform: Platform; guildId: string },
): Promise<number> {
  if (g.admittedAt) return (await queuedBefore(em, g.admittedAt)) + 1;
  const place = (await linePlaces(em, g.platform, g.guildId, 10_000)).find((p) => p.id === g.id);
  return place?.position ?? 1;
}

function unavailable(err: unknown): UserError {
  return new UserError(UserErrorCode.Unavailable, UNAVAILABLE_MESSAGE, { cause: String(err) });
}
