import { PermissionsBitField } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { ServerSettings } from '../../core/chat.ts';
import { createLogger } from '../../core/log.ts';
import { SettingsCache } from '../../bots/discord/server-settings.ts';
import { isServerAdmin, settingsChange, type SettingsInput } from '../../bots/discord/settings.ts';
import { FakeRuntime } from '../helpers/fake-discord/runtime.ts';
import { EVERYONE_PERMISSIONS, MANAGE_GUILD_PERMISSIONS } from '../helpers/fake-discord/server.ts';

const CH = '111111111111111111';
const CH2 = '222222222222222222';
const none: SettingsInput = { action: null, channelId: null, seconds: null, perMinute: null, word: null, emoji: null };
const settings = (over: Partial<ServerSettings> = {}): ServerSettings => ({
  platform: 'discord', guildId: '9', allowedChannels: [], maxDurationS: null, rateLimitPerMinute: null, concurrency: null,
  blockedWords: [], favoriteEmoji: '⭐', ...over,
});

describe('GIVEN /ditty settings allowed-channels', () => {
  it('THEN add appends once, remove drops, clear empties', () => {
    expect(settingsChange('allowed-channels', { ...none, action: 'add', channelId: CH }, settings())?.patch).toEqual({ allowedChannels: [CH] });
    expect(settingsChange('allowed-channels', { ...none, action: 'add', channelId: CH }, settings({ allowedChannels: [CH] }))?.patch).toEqual({ allowedChannels: [CH] });
    expect(settingsChange('allowed-channels', { ...none, action: 'remove', channelId: CH }, settings({ allowedChannels: [CH, CH2] }))?.patch).toEqual({ allowedChannels: [CH2] });
    const cleared = settingsChange('allowed-channels', { ...none, action: 'clear' }, settings({ allowedChannels: [CH] }))!;
    expect(cleared.patch).toEqual({ allowedChannels: [] });
    expect(cleared.summary).toMatch(/every channel/);
  });
  it('THEN a missing or forged channel id, or removing an unlisted one, is a clear error', () => {
    expect(() => settingsChange('allowed-channels', { ...none, action: 'add' }, settings())).toThrow(/Pick a channel/);
    expect(() => settingsChange('allowed-channels', { ...none, action: 'add', channelId: '<#1>' }, settings())).toThrow(/Pick a channel/);
    expect(() => settingsChange('allowed-channels', { ...none, action: 'remove', channelId: CH }, settings())).toThrow(/not on the list/);
    expect(() => settingsChange('allowed-channels', { ...none, action: 'nuke', channelId: CH }, settings())).toThrow(/add, remove or clear/);
  });
});

describe('GIVEN /ditty settings blocked-words', () => {
  it('THEN words are stored lowercased, once, and removed case-insensitively', () => {
    expect(settingsChange('blocked-words', { ...none, action: 'add', word: '  Bad   Word ' }, settings())?.patch).toEqual({ blockedWords: ['bad word'] });
    expect(settingsChange('blocked-words', { ...none, action: 'add', word: 'BAD' }, settings({ blockedWords: ['bad'] }))?.patch).toEqual({ blockedWords: ['bad'] });
    expect(settingsChange('blocked-words', { ...none, action: 'remove', word: 'Bad' }, settings({ blockedWords: ['bad', 'worse'] }))?.patch).toEqual({ blockedWords: ['worse'] });
    expect(settingsChange('blocked-words', { ...none, action: 'clear' }, settings({ blockedWords: ['bad'] }))?.patch).toEqual({ blockedWords: [] });
  });
  it('THEN an empty word or removing an unlisted one is a clear error', () => {
    expect(() => settingsChange('blocked-words', { ...none, action: 'add', word: '   ' }, settings())).toThrow(/Give the word/);
    expect(() => settingsChange('blocked-words', { ...none, action: 'remove', word: 'nope' }, settings())).toThrow(/not on the list/);
  });
});

describe('GIVEN the other settings', () => {
  it('THEN numbers are passed on and an empty value means the default', () => {
    expect(settingsChange('max-duration', { ...none, seconds: 30 }, settings())?.patch).toEqual({ maxDurationS: 30 });
    expect(settingsChange('max-duration', none, settings({ maxDurationS: 30 }))?.patch).toEqual({ maxDurationS: null });
    expect(settingsChange('rate-limit', { ...none, perMinute: 2 }, settings())?.patch).toEqual({ rateLimitPerMinute: 2 });
  });
  it('THEN the favorite emoji is checked, view changes nothing, and unknown subcommands are refused', () => {
    expect(settingsChange('favorite-emoji', { ...none, emoji: '🎉' }, settings())?.patch).toEqual({ favoriteEmoji: '🎉' });
    expect(() => settingsChange('favorite-emoji', { ...none, emoji: 'star' }, settings())).toThrow(/one emoji/);
    expect(settingsChange('view', none, settings())).toBeNull();
    expect(() => settingsChange('drop-table', none, settings())).toThrow(/Unknown settings command/);
  });
});

describe('GIVEN member permissions from an interaction', () => {
  it('THEN Manage Server or Administrator makes an admin; @everyone does not', () => {
    const of = (bits: string | bigint | null) => ({ memberPermissions: bits === null ? null : new PermissionsBitField(BigInt(bits)).freeze() });
    expect(isServerAdmin(of(EVERYONE_PERMISSIONS))).toBe(false);
    expect(isServerAdmin(of(MANAGE_GUILD_PERMISSIONS))).toBe(true);
    expect(isServerAdmin(of(PermissionsBitField.Flags.Administrator))).toBe(true);
    expect(isServerAdmin(of(null))).toBe(false);
  });
});

describe('GIVEN the per-guild settings cache', () => {
  const log = createLogger('silent', 'test');
  const admin = { platform: 'discord' as const, platformUserId: '42424242', guildId: 'g1', displayName: 'admin' };

  it('THEN concurrent reads share one core call, and the TTL bounds how long a value is reused', async () => {
    const rt = new FakeRuntime();
    let now = 0;
    const cache = new SettingsCache(rt.core, log, '⭐', { ttlMs: 1000, now: () => now });
    await Promise.all([cache.favoriteEmoji('g1'), cache.favoriteEmoji('g1'), cache.favoriteEmoji('g1')]);
    expect(rt.settingsReads).toHaveLength(1);
    await rt.core.updateSettings(admin, { favoriteEmoji: '🎉' }, { isAdmin: true });
    now = 999;
    expect(await cache.favoriteEmoji('g1')).toBe('⭐');
    now = 1000;
    expect(await cache.favoriteEmoji('g1')).toBe('🎉');
    expect(rt.settingsReads).toHaveLength(2);
  });

  it('THEN set() applies a change at once, and a broken core or stored value falls back to the default', async () => {
    const rt = new FakeRuntime();
    const cache = new SettingsCache(rt.core, log, '⭐');
    expect(await cache.favoriteEmoji('g1')).toBe('⭐');
    cache.set('g1', await rt.core.updateSettings(admin, { favoriteEmoji: '🎸' }, { isAdmin: true }));
    expect(await cache.favoriteEmoji('g1')).toBe('🎸');
    cache.set('g2', { ...(await rt.core.settings('discord', 'g2')), favoriteEmoji: 'star' });
    expect(await cache.favoriteEmoji('g2')).toBe('⭐');
    rt.core.settings = () => Promise.reject(new Error('connection closed'));
    expect(await cache.favoriteEmoji('g3')).toBe('⭐');
  });

  it('THEN a core that hangs costs at most the timeout, and the default emoji is used', async () => {
    const rt = new FakeRuntime();
    rt.core.settings = () => new Promise(() => undefined);
    const cache = new SettingsCache(rt.core, log, '⭐', { timeoutMs: 50 });
    const started = Date.now();
    expect(await cache.favoriteEmoji('g1')).toBe('⭐');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
