/**
 * ChatCore refusals on real Postgres and Redis, with no worker running: every refusal is a
 * UserError that says what to change, and nothing is queued for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../core/chat.ts';
import { updateServerSettings } from '../../core/db/index.ts';
import { UserError } from '../../core/errors.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const actor = (name: string, guildId = 'g1'): Actor => ({ platform: 'discord', platformUserId: name, guildId, displayName: name });

async function refusal(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('ChatCore.generate refusals', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ roles: [], env: { RATE_LIMIT_PER_MINUTE: '3', SERVER_CONCURRENCY: '4' } });
  });
  afterAll(async () => sys?.stop());

  it('the per-user rate limit refuses the request after the limit, with the wait in the message', async () => {
    const core = sys.runtime.core;
    for (let i = 0; i < 3; i++) await core.generate({ actor: actor('rate', 'g-rate'), channelId: 'c', prompt: `song ${i}`, durationS: 5 });
    const err = await refusal(core.generate({ actor: actor('rate', 'g-rate'), channelId: 'c', prompt: 'one more', durationS: 5 }));
    expect(err.code).toBe('rate_limited');
    expect(err.message).toMatch(/3 generations a minute; try again in \d+ s/);
    // Another user in the same server is not affected.
    await expect(core.generate({ actor: actor('other', 'g-rate'), channelId: 'c', prompt: 'mine', durationS: 5 })).resolves.toBeTruthy();
  });

  it('per-server concurrency: past the slots a track waits in line instead of being refused', async () => {
    const core = sys.runtime.core;
    for (let i = 0; i < 4; i++) expect((await core.generate({ actor: actor(`u${i}`, 'g-busy'), channelId: 'c', prompt: 'x', durationS: 5 })).waiting).toBe(false);
    const fifth = await core.generate({ actor: actor('u9', 'g-busy'), channelId: 'c', prompt: 'x', durationS: 5 });
    expect(fifth).toMatchObject({ waiting: true, position: 5 });
    expect(await sys.runtime.queues.render.getJob(fifth.generationId)).toBeUndefined();
  });

  it('server settings: allowed channels, blocked words and max duration', async () => {
    await updateServerSettings(sys.runtime.orm.em.fork(), 'discord', 'g-set', { allowedChannels: ['music'], blockedWords: ['forbidden'], maxDurationS: 30 });
    const core = sys.runtime.core;
    expect((await refusal(core.generate({ actor: actor('s', 'g-set'), channelId: 'general', prompt: 'x' }))).code).toBe('channel_not_allowed');
    expect((await refusal(core.generate({ actor: actor('s', 'g-set'), channelId: 'music', prompt: 'a FORBIDDEN song' }))).code).toBe('prompt_blocked');
    const long = await refusal(core.generate({ actor: actor('s', 'g-set'), channelId: 'music', prompt: 'ok', durationS: 60 }));
    expect(long.code).toBe('duration_invalid');
    expect(long.message).toContain('5 to 30');
    const ok = await core.generate({ actor: actor('s', 'g-set'), channelId: 'music', prompt: 'ok' });
    expect(ok.durationS).toBe(15);
  });

  it('hostile input: empty prompt, oversize prompt, bad seed, bad ids', async () => {
    const core = sys.runtime.core;
    expect((await refusal(core.generate({ actor: actor('h', 'g-h'), channelId: 'c', prompt: '\u0001\u0002 ' }))).code).toBe('prompt_empty');
    expect((await refusal(core.generate({ actor: actor('h', 'g-h'), channelId: 'c', prompt: 'lo-fi\u0000 piano' }))).code).toBe('text_invalid');
    expect((await refusal(core.generate({ actor: actor('h', 'g-h'), channelId: 'c', prompt: 'lo-fi \ud800 piano' }))).message).toMatch(/not valid UTF-8/);
    expect((await refusal(core.generate({ actor: actor('h', 'g-h'), channelId: 'c', prompt: 'x'.repeat(1001) }))).code).toBe('prompt_too_long');
    expect((await refusal(core.generate({ actor: actor('h', 'g-h'), channelId: 'c', prompt: 'x', seed: '-3' }))).code).toBe('seed_invalid');
    expect((await refusal(core.generate({ actor: { ...actor('h'), platformUserId: "x'; drop table users; --" }, channelId: 'c', prompt: 'x' }))).code).toBe('name_invalid');
    expect(await core.track('not-a-uuid')).toBeNull();
    expect((await refusal(core.setFavorite(actor('h'), '../../etc/passwd', true))).code).toBe('not_found');
  });

  it('an accepted generation stores what the prompt said and a random seed when none was given', async () => {
    const a = await sys.runtime.core.generate({ actor: actor('p', 'g-p'), channelId: 'c', prompt: 'upbeat house in A minor at 126 bpm', durationS: '20s' });
    const b = await sys.runtime.core.generate({ actor: actor('p', 'g-p'), channelId: 'c', prompt: 'upbeat house in A minor at 126 bpm', durationS: 20 });
    expect(a.durationS).toBe(20);
    expect(a.params).toMatchObject({ bpm: 126, key: 'A', mode: 'minor', genre: 'house' });
    expect(a.params.seed).not.toBe(b.params.seed);
    const view = await sys.runtime.core.track(a.generationId);
    expect(view?.status).toBe('queued');
    expect(view?.creator.displayName).toBe('p');
  });

  it('tracks still being made are listed for their server oldest first, until cancelled; recent has only finished ones', async () => {
    const core = sys.runtime.core;
    const first = await core.generate({ actor: actor('q', 'g-q'), channelId: 'c', prompt: 'first', durationS: 5 });
    const second = await core.generate({ actor: actor('q', 'g-q'), channelId: 'c', prompt: 'second', durationS: 5 });
    await core.generate({ actor: actor('q', 'g-other'), channelId: 'c', prompt: 'elsewhere', durationS: 5 });
    expect((await core.inProgress('discord', 'g-q')).map((t) => [t.id, t.status])).toEqual([[first.generationId, 'queued'], [second.generationId, 'queued']]);
    expect(await core.cancel(actor('q', 'g-q'), first.generationId)).toBe(true);
    expect((await core.inProgress('discord', 'g-q')).map((t) => t.id)).toEqual([second.generationId]);
    expect(await core.recent('discord', 'g-q')).toEqual([]);
  });
});

describe('ChatCore when Redis is down', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ roles: [], env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(async () => sys?.stop());

  it('refuses within a second with a clear "try again", instead of hanging the chat command', async () => {
    const started = Date.now();
    const err = await refusal(sys.runtime.core.generate({ actor: actor('down', 'g-down'), channelId: 'c', prompt: 'piano', durationS: 5 }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/try again/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
