import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countActive, createGeneration, getGeneration, getGenerationByToken, getServerSettings, listStaleQueued, listStuck,
  normalizePrompt, queuedBefore, recent, recordDownload, searchGenerations, setProgress, setUserPreferences, transitionGeneration,
  updateServerSettings, upsertUser, type CreateGenerationInput,
} from '../../core/db/index.ts';
import { isUserError } from '../../core/errors.ts';
import { actor, createTestDb, params, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb('gen');
});
afterAll(async () => {
  await db.close();
});

function input(over: Partial<CreateGenerationInput> = {}): CreateGenerationInput {
  return {
    actor: actor('ada'), channelId: 'c1', prompt: 'Lo-fi  piano at 80 bpm', params: params(7), durationS: 15,
    engine: 'embedded', engineVersion: '1', sizeLimitBytes: 10 * 1024 * 1024, reply: { interactionToken: 'secret' },
    ...over,
  };
}

describe('users', () => {
  it('GIVEN a returning user with a new name THEN one row is kept and its name follows', async () => {
    const first = await upsertUser(db.em(), { ...actor('bob'), displayName: 'Bob' });
    const again = await upsertUser(db.em(), { ...actor('bob'), displayName: 'Robert' });
    expect(again.id).toBe(first.id);
    expect(again.displayName).toBe('Robert');
    const other = await upsertUser(db.em(), actor('bob', 'g2'));
    expect(other.id).not.toBe(first.id);
  });
});

describe('createGeneration', () => {
  it('GIVEN a request THEN a queued row with uuid, unguessable token and stored params is written', async () => {
    const { generation, duplicate } = await createGeneration(db.em(), input());
    expect(duplicate).toBe(false);
    expect(generation.status).toBe('queued');
    expect(generation.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generation.publicToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generation.params).toEqual(params(7));
    expect(generation.seed).toBe(7);
    expect(generation.reply).toEqual({ interactionToken: 'secret' });
    expect(generation.creator.displayName).toBe('ada');
    expect((await getGenerationByToken(db.em(), generation.publicToken))?.id).toBe(generation.id);
    expect(await getGenerationByToken(db.em(), 'x'.repeat(43))).toBeNull();
    expect(await getGeneration(db.em(), 'not-a-uuid')).toBeNull();
  });

  it('GIVEN text full of SQL metacharacters THEN it is stored verbatim', async () => {
    const nasty = `what's this? \\ "quoted" ?? $1 '); drop table users; -- 🎹`;
    const { generation } = await createGeneration(db.em(), input({ prompt: nasty, actor: { ...actor('x?'), displayName: "O'Brien ?" }, reply: { token: "a'b?c" } }));
    const row = (await getGeneration(db.em(), generation.id))!;
    expect(row.prompt).toBe(nasty);
    expect(row.creator.displayName).toBe("O'Brien ?");
    expect(row.reply).toEqual({ token: "a'b?c" });
  });

  it('GIVEN the same prompt twice in different spelling THEN one prompt row counts both', async () => {
    const a = await createGeneration(db.em(), input({ prompt: 'ＤＲＵＭ and  Bass' }));
    const b = await createGeneration(db.em(), input({ prompt: 'drum AND bass' }));
    expect(a.generation.promptId).toBe(b.generation.promptId);
    const [row] = await db.em().execute<Array<{ normalized: string; used_count: number }>>(
      'select normalized, used_count from prompts where id = ?', [a.generation.promptId],
    );
    expect(row).toEqual({ normalized: 'drum and bass', used_count: 2 });
    expect(normalizePrompt('  A\u3000B  ')).toBe('a b');
  });

  it('GIVEN a repeated request key, even concurrently, THEN one generation exists and repeats are duplicates', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => createGeneration(db.em(), input({ requestKey: 'interaction-42' }))));
    const ids = new Set(results.map((r) => r.generation.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const [row] = await db.em().execute<Array<{ n: number }>>(`select count(*)::int as n from generations where request_key = 'interaction-42'`);
    expect(row!.n).toBe(1);
  });
});

describe('transitions', () => {
  it('GIVEN two workers racing to start the same generation THEN exactly one wins', async () => {
    const { generation } = await createGeneration(db.em(), input());
    const results = await Promise.all(
      Array.from({ length: 6 }, () => transitionGeneration(db.em(), generation.id, ['queued'], { status: 'rendering' })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const row = await getGeneration(db.em(), generation.id);
    expect(row?.status).toBe('rendering');
    expect(row?.startedAt).toBeInstanceOf(Date);
  });

  it('GIVEN a finished generation THEN a stale transition does not apply and completion fields are stored', async () => {
    const { generation } = await createGeneration(db.em(), input());
    expect(await transitionGeneration(db.em(), generation.id, ['queued'], { status: 'rendering' })).toBe(true);
    expect(await setProgress(db.em(), generation.id, 0.5)).toBe(true);
    expect(await transitionGeneration(db.em(), generation.id, ['rendering'], {
      status: 'completed', renderMs: 1234, encodeMs: 80, format: 'opus', sizeBytes: 5_000_000_000, sha256: 'ab'.repeat(32),
      actualDurationS: 15.02, fitsInline: false, sampleRate: 48000, channels: 2,
    })).toBe(true);
    expect(await transitionGeneration(db.em(), generation.id, ['queued', 'rendering'], { status: 'failed' })).toBe(false);
    expect(await setProgress(db.em(), generation.id, 0.9)).toBe(false);
    const row = (await getGeneration(db.em(), generation.id))!;
    expect(row).toMatchObject({ status: 'completed', progress: 0.5, renderMs: 1234, sizeBytes: 5_000_000_000, fitsInline: false, channels: 2 });
    expect(row.completedAt).toBeInstanceOf(Date);
    await expect(transitionGeneration(db.em(), generation.id, ['completed'], { publicToken: 'x' } as never)).rejects.toThrow(/cannot be patched/);
  });

  it('GIVEN queued rows THEN the reconciler, concurrency and position helpers see them', async () => {
    const g = 'g-queue';
    const a = (await createGeneration(db.em(), input({ actor: actor('q', g), now: new Date(Date.now() - 120_000) }))).generation;
    const b = (await createGeneration(db.em(), input({ actor: actor('q', g) }))).generation;
    const c = (await createGeneration(db.em(), input({ actor: actor('q', g) }))).generation;
    await transitionGeneration(db.em(), c.id, ['queued'], { status: 'cancelled' });
    expect(await countActive(db.em(), 'discord', g)).toBe(2);
    const stale = await listStaleQueued(db.em(), 60_000, 100);
    expect(stale).toContain(a.id);
    expect(stale).not.toContain(b.id);
    expect(await listStuck(db.em(), ['queued'], 60_000)).toContain(a.id);
    expect(await queuedBefore(db.em(), b.createdAt)).toBeGreaterThan(await queuedBefore(db.em(), a.createdAt));
  });
});

describe('recent, search, downloads', () => {
  it('GIVEN completed tracks THEN recent lists them newest first and search finds them by words', async () => {
    const g = 'g-recent';
    const made = [];
    for (const prompt of ['dark techno at 130 bpm', 'sunny acoustic pop', 'techno rumble with 808']) {
      const { generation } = await createGeneration(db.em(), input({ actor: actor('r', g), prompt }));
      await transitionGeneration(db.em(), generation.id, ['queued'], { status: 'completed', completedAt: new Date(Date.now() + made.length * 1000) });
      made.push(generation);
    }
    await createGeneration(db.em(), input({ actor: actor('r', g), prompt: 'techno still queued' }));
    const list = await recent(db.em(), 'discord', g, 10);
    expect(list.map((r) => r.prompt)).toEqual(['techno rumble with 808', 'sunny acoustic pop', 'dark techno at 130 bpm']);
    const found = await searchGenerations(db.em(), 'discord', g, 'techno', 10);
    expect(found.map((r) => r.prompt).sort()).toEqual(['dark techno at 130 bpm', 'techno rumble with 808']);
    expect(await searchGenerations(db.em(), 'discord', g, 'techno -dark', 10)).toHaveLength(1);
    expect(await searchGenerations(db.em(), 'discord', g, `'); drop table users; --`, 10)).toEqual([]);
    expect(await recordDownload(db.em(), made[0]!.id)).toBe(1);
    expect(await recordDownload(db.em(), made[0]!.id)).toBe(2);
    await expect(recordDownload(db.em(), '00000000-0000-4000-8000-000000000000')).rejects.toSatisfy(isUserError);
  });
});

describe('server settings', () => {
  it('GIVEN no settings THEN defaults; GIVEN patches THEN only patched fields change', async () => {
    const d = await getServerSettings(db.em(), 'slack', 'T1');
    expect(d).toMatchObject({ allowedChannels: [], blockedWords: [], maxDurationS: null, favoriteEmoji: '⭐' });
    await updateServerSettings(db.em(), 'slack', 'T1', { allowedChannels: ['C1', "C'2"], maxDurationS: 60 });
    const s = await updateServerSettings(db.em(), 'slack', 'T1', { blockedWords: ['noise'], favoriteEmoji: '🎵' });
    expect(s).toMatchObject({ allowedChannels: ['C1', "C'2"], maxDurationS: 60, blockedWords: ['noise'], favoriteEmoji: '🎵' });
    expect(await getServerSettings(db.em(), 'slack', 'T1')).toEqual(s);
    await updateServerSettings(db.em(), 'slack', 'T1', { allowedChannels: [] });
    expect((await getServerSettings(db.em(), 'slack', 'T1')).allowedChannels).toEqual([]);
    await expect(updateServerSettings(db.em(), 'slack', 'T1', { maxDurationS: 1000 })).rejects.toSatisfy(isUserError);
    await expect(updateServerSettings(db.em(), 'slack', 'T1', { bogus: 1 } as never)).rejects.toSatisfy(isUserError);
  });
});

describe('user preferences', () => {
  it('GIVEN preferences set, merged and cleared THEN the stored JSON follows, and bad values are refused', async () => {
    const who = actor('pref');
    expect((await setUserPreferences(db.em(), who, { defaultDurationS: 30 })).preferences).toEqual({ defaultDurationS: 30 });
    expect((await setUserPreferences(db.em(), who, { format: 'mp3' })).preferences).toEqual({ defaultDurationS: 30, format: 'mp3' });
    expect((await setUserPreferences(db.em(), who, { defaultDurationS: null })).preferences).toEqual({ format: 'mp3' });
    await expect(setUserPreferences(db.em(), who, { defaultDurationS: 4 })).rejects.toSatisfy(isUserError);
    await expect(setUserPreferences(db.em(), who, { format: 'flac' as never })).rejects.toSatisfy(isUserError);
  });
});
