import { describe, expect, it } from 'vitest';
import type { ServerSettings } from '../../core/chat.ts';
import { createLogger } from '../../core/log.ts';
import { SettingsCache } from '../../bots/slack/server-settings.ts';
import { favoriteReaction, parseSettingsText, type SettingsCommand } from '../../bots/slack/settings.ts';
import { FakeRuntime } from '../helpers/fake-slack/runtime.ts';

const HERE = 'C0HERE001';
const settings = (over: Partial<ServerSettings> = {}): ServerSettings => ({
  platform: 'slack', guildId: 'T1', allowedChannels: [], maxDurationS: null, rateLimitPerMinute: null, concurrency: null,
  blockedWords: [], favoriteEmoji: '⭐', ...over,
});
const patchOf = (text: string, current = settings()) => {
  const cmd: SettingsCommand = parseSettingsText(text, HERE);
  if (cmd.kind !== 'change') throw new Error('not a change');
  return cmd.patch(current);
};

describe('GIVEN /ditty settings text', () => {
  it('THEN nothing, "settings" or "settings view" shows the settings, anything else gets the usage', () => {
    expect(parseSettingsText('settings', HERE)).toEqual({ kind: 'view' });
    expect(parseSettingsText(' Settings  VIEW ', HERE)).toEqual({ kind: 'view' });
    expect(() => parseSettingsText('', HERE)).toThrow(/ditty settings/);
    expect(() => parseSettingsText('settings nuke', HERE)).toThrow(/allowed-channels add/);
  });

  it('THEN channels come from Slack markup, an id, or "here", and lists are edited whole', () => {
    expect(patchOf('settings allowed-channels add <#C0ABC123|general>')).toEqual({ allowedChannels: ['C0ABC123'] });
    expect(patchOf('settings allowed-channels add &lt;#C0ABC123&gt;')).toEqual({ allowedChannels: ['C0ABC123'] });
    expect(patchOf('settings allowed-channels add here', settings({ allowedChannels: [HERE] }))).toEqual({ allowedChannels: [HERE] });
    expect(patchOf('settings allowed-channels remove G0PRIV01', settings({ allowedChannels: ['G0PRIV01', HERE] }))).toEqual({ allowedChannels: [HERE] });
    expect(patchOf('settings allowed-channels clear', settings({ allowedChannels: [HERE] }))).toEqual({ allowedChannels: [] });
    expect(() => patchOf('settings allowed-channels remove C0NOTON1')).toThrow(/not on the list/);
    expect(() => parseSettingsText('settings allowed-channels add #general', HERE)).toThrow(/Name the channel/);
    expect(() => parseSettingsText('settings allowed-channels add <@U0ALICE01>', HERE)).toThrow(/Name the channel/);
  });

  it('THEN numbers are bounded with a clear message, and "default" resets', () => {
    expect(patchOf('settings max-duration 30')).toEqual({ maxDurationS: 30 });
    expect(patchOf('settings max-duration default')).toEqual({ maxDurationS: null });
    expect(patchOf('settings rate-limit 4')).toEqual({ rateLimitPerMinute: 4 });
    expect(() => parseSettingsText('settings max-duration 500', HERE)).toThrow(/from 5 to 120/);
    expect(() => parseSettingsText('settings rate-limit 0', HERE)).toThrow(/from 1 to 10000/);
    expect(() => parseSettingsText('settings rate-limit -3', HERE)).toThrow(/whole number/);
  });

  it('THEN blocked words are lowercased, kept once, removed case-insensitively', () => {
    expect(patchOf('settings blocked-words add Bad  Phrase')).toEqual({ blockedWords: ['bad phrase'] });
    expect(patchOf('settings blocked-words add POLKA', settings({ blockedWords: ['polka'] }))).toEqual({ blockedWords: ['polka'] });
    expect(patchOf('settings blocked-words remove Polka', settings({ blockedWords: ['polka', 'x'] }))).toEqual({ blockedWords: ['x'] });
    expect(() => patchOf('settings blocked-words remove polka')).toThrow(/not on the list/);
    expect(() => parseSettingsText('settings blocked-words add', HERE)).toThrow(/Give the word/);
    expect(() => parseSettingsText(`settings blocked-words add ${'a'.repeat(101)}`, HERE)).toThrow(/100 characters/);
  });

  it('THEN the favorite emoji is a Slack emoji name, skin tone dropped, or the default', () => {
    expect(patchOf('settings favorite-emoji :tada:')).toEqual({ favoriteEmoji: 'tada' });
    expect(patchOf('settings favorite-emoji :+1::skin-tone-3:')).toEqual({ favoriteEmoji: '+1' });
    expect(patchOf('settings favorite-emoji default')).toEqual({ favoriteEmoji: '⭐' });
    for (const bad of ['settings favorite-emoji', 'settings favorite-emoji <!channel>', 'settings favorite-emoji :a: :b:', 'settings favorite-emoji ⭐']) {
      expect(() => parseSettingsText(bad, HERE)).toThrow(/one emoji/);
    }
  });
});

describe('GIVEN a stored favorite emoji', () => {
  it('THEN the core default means the app default, a name is used, anything else falls back', () => {
    expect(favoriteReaction('⭐', 'star')).toBe('star');
    expect(favoriteReaction('tada', 'star')).toBe('tada');
    expect(favoriteReaction('<:x:1>', 'star')).toBe('star');
  });
});

describe('GIVEN the per-workspace settings cache', () => {
  const log = createLogger('silent', 'test');
  const admin = { platform: 'slack' as const, platformUserId: 'U0ADMIN01', guildId: 'T1', displayName: 'admin' };

  it('THEN reads share one core call within the TTL, set() applies at once, and a broken core falls back', async () => {
    const rt = new FakeRuntime();
    let reads = 0;
    const settingsOf = rt.core.settings;
    rt.core.settings = (p, g) => { reads += 1; return settingsOf(p, g); };
    let now = 0;
    const cache = new SettingsCache(rt.core, log, 'star', { ttlMs: 1000, now: () => now });
    expect(await Promise.all([cache.favoriteReaction('T1'), cache.favoriteReaction('T1')])).toEqual(['star', 'star']);
    expect(reads).toBe(1);
    await rt.core.updateSettings(admin, { favoriteEmoji: 'tada' }, { isAdmin: true });
    expect(await cache.favoriteReaction('T1')).toBe('star');
    now = 1000;
    expect(await cache.favoriteReaction('T1')).toBe('tada');
    cache.set('T1', await rt.core.updateSettings(admin, { favoriteEmoji: 'guitar' }, { isAdmin: true }));
    expect(await cache.favoriteReaction('T1')).toBe('guitar');
    rt.core.settings = () => Promise.reject(new Error('connection closed'));
    expect(await cache.favoriteReaction('T2')).toBe('star');
  });
});
