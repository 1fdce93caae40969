import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { ServerSettings, Stats, TrackView } from '../../core/chat.ts';
import { renderStatsChart } from '../../core/chart.ts';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { EXPIRED_TRACK_TEXT } from '../../core/track-view.ts';
import { commandDefinitions } from '../../bots/discord/commands.ts';
import { deliveryNonce, trackMessage } from '../../bots/discord/delivery.ts';
import {
  bar, formatSeconds, inert, NO_MENTIONS, progressMessage, recentEmbed, searchEmbed, settingsEmbed, statsEmbed, trackButtons, trackContent, trackEmbed,
  trackFileName, userErrorText,
} from '../../bots/discord/messages.ts';

const GEN = '0b6f3a52-6a55-4f39-9d8e-2f1c0c6f9a11';

function track(over: Partial<TrackView> = {}): TrackView {
  return {
    id: GEN, prompt: 'lofi piano at 80 bpm', status: 'completed', progress: 1, durationS: 75, engine: 'embedded', engineVersion: '1.2',
    params: { bpm: 80, key: 'C#', mode: 'minor', genre: 'lofi', mood: null, instruments: ['piano'], excluded: [], structure: [], seed: 42, explicit: ['bpm'] },
    renderMs: 3456, format: 'ogg', sizeBytes: 1000, playerUrl: 'https://ditty.example/t/x', downloadUrl: 'https://ditty.example/d/x', audioUrl: 'https://ditty.example/a/x',
    favorites: 3, plays: 9, creator: { platformUserId: '123456', displayName: 'Alice' },
    origin: { platform: 'discord', guildId: '1', channelId: '2' }, createdAt: new Date(0).toISOString(), errorCode: null, errorMessage: null,
    ...over,
  };
}

describe('expired track message', () => {
  it('GIVEN a track whose audio expired THEN its message says so and offers no Play or Download link', () => {
    const buttons = JSON.stringify(trackButtons(track({ expired: true })));
    expect(buttons).not.toContain('"Play"');
    expect(buttons).not.toContain('"Download"');
    expect(buttons).toContain('Favorite');
    expect(trackContent(track({ expired: true }), false)).toContain(EXPIRED_TRACK_TEXT);
    expect(JSON.stringify(trackButtons(track()))).toContain('"Play"');
  });
});

describe('GIVEN text that echoes user input', () => {
  it('THEN markdown is escaped and @everyone / @here / user mentions are defused', () => {
    const out = inert('@everyone **bold** __u__ `code` <@123> @here ~~s~~ > quote');
    expect(out).not.toContain('@everyone');
    expect(out).not.toContain('@here');
    expect(out).toContain('@\u200beveryone');
    expect(out).toContain('\\*\\*bold\\*\\*');
    expect(out).toContain('\\_\\_u\\_\\_');
    expect(out).toContain('\\`code\\`');
    expect(out).toContain('\\~\\~s\\~\\~');
  });

  it('THEN long text is clipped by code points, not UTF-16 units', () => {
    const out = inert('🎵'.repeat(500), 10);
    expect([...out]).toHaveLength(10);
    expect(out.endsWith('…')).toBe(true);
  });

  it('THEN user error text cannot ping either', () => {
    expect(userErrorText('word "@everyone" is blocked')).not.toContain('@everyone');
  });

  it('THEN every finished-track message disables all mentions', () => {
    const msg = trackMessage({ track: track({ prompt: '@everyone hi' }), reply: {}, filePath: '/tmp/x.ogg', fitsInline: true, attempt: 0 });
    expect(msg.allowedMentions).toEqual({ parse: [] });
    expect(NO_MENTIONS).toEqual({ parse: [] });
    expect(JSON.stringify(msg.embeds)).not.toContain('@everyone');
  });
});

describe('GIVEN progress events', () => {
  it('THEN queued shows the position, ETA and a Cancel button', () => {
    const m = progressMessage('lofi', GEN, { stage: 'queued', progress: 0, position: 3, etaS: 95 });
    expect(m.content).toContain('position 3');
    expect(m.content).toContain('about 1 min 35 s left');
    expect(JSON.stringify(m.components)).toContain(`ditty:cancel:${GEN}`);
  });

  it('THEN rendering shows a bar and percentage and no Cancel button', () => {
    const m = progressMessage('lofi', GEN, { stage: 'rendering', progress: 0.42, etaS: 3 });
    expect(m.content).toContain('▰▰▰▰▱▱▱▱▱▱ 42%');
    expect(m.components).toEqual([]);
  });

  it('THEN a failure message from the core is escaped', () => {
    const m = progressMessage('x', GEN, { stage: 'failed', progress: 0, message: '**boom** @here' });
    expect(m.content).toContain('\\*\\*boom\\*\\*');
    expect(m.content).not.toContain('@here');
  });

  it('THEN bars and durations are clamped and readable', () => {
    expect(bar(-1)).toBe('▱'.repeat(10));
    expect(bar(2)).toBe('▰'.repeat(10));
    expect(formatSeconds(59.6)).toBe('1 min');
    expect(formatSeconds(5)).toBe('5 s');
    expect(formatSeconds(120)).toBe('2 min');
  });
});

describe('GIVEN a finished track', () => {
  it('THEN the embed carries prompt, bpm, key, genre, duration, seed, engine, render time and the id', () => {
    const e = trackEmbed(track());
    const f = Object.fromEntries(e.fields!.map((x) => [x.name, x.value]));
    expect(f).toMatchObject({ BPM: '80', Key: 'C# minor', Genre: 'lofi', Duration: '1 min 15 s', Seed: '42', Engine: 'embedded 1.2', 'Render time': '3.5 s' });
    expect(e.description).toBe('lofi piano at 80 bpm');
    expect(e.footer?.text).toBe(`ditty · ${GEN}`);
    expect(e.url).toBe('https://ditty.example/t/x');
  });

  it('THEN buttons are Favorite, Variation, Extend and Delete, then two counted links and More like this, at most five a row', () => {
    const rows = trackButtons(track());
    const ids = rows.map((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : 'url' in c ? c.url : null)));
    expect(ids).toEqual([
      [`ditty:fav:${GEN}`, `ditty:var:${GEN}`, `ditty:ext:${GEN}`, `ditty:del:${GEN}`],
      ['https://ditty.example/t/x', 'https://ditty.example/d/x', `ditty:sim:${GEN}`],
    ]);
    // Discord refuses a row of more than five buttons (the whole message with it).
    for (const row of rows) expect(row.components.length).toBeLessThanOrEqual(5);
  });

  it('THEN the Favorite button shows the server\'s emoji, unicode or custom', () => {
    const fav = (emoji?: string) => trackButtons(track(), emoji)[0]!.components[0]!;
    expect(fav()).toMatchObject({ emoji: { name: '⭐' } });
    expect(fav('🎉')).toMatchObject({ emoji: { name: '🎉' } });
    expect(fav('<:ditty_heart:123456789012345678>')).toMatchObject({ emoji: { name: 'ditty_heart', id: '123456789012345678' } });
  });

  it('THEN a file that does not fit is linked, not attached', () => {
    const msg = trackMessage({ track: track(), reply: {}, filePath: '/tmp/x.ogg', fitsInline: false, attempt: 0 });
    expect(msg.files).toEqual([]);
    expect(msg.content).toContain('https://ditty.example/d/x');
    expect(trackContent(track(), false)).not.toContain('https://');
  });

  it('THEN the file name is a safe slug of the prompt', () => {
    expect(trackFileName(track({ prompt: '../../etc/passwd ☃ Lo-Fi!' }))).toBe('ditty-etc-passwd-lo-fi.ogg');
    expect(trackFileName(track({ prompt: '☃☃', format: 'mp3' }))).toBe('ditty-track.mp3');
  });

  it('THEN the delivery nonce fits Discord (25 chars) and is stable per generation', () => {
    expect(deliveryNonce(GEN)).toHaveLength(25);
    expect(deliveryNonce(GEN)).toBe(deliveryNonce(GEN));
    expect(deliveryNonce(GEN)).not.toBe(deliveryNonce('1b6f3a52-6a55-4f39-9d8e-2f1c0c6f9a11'));
  });
});

describe('GIVEN stats and recent tracks', () => {
  const stats: Stats = {
    scope: 'server', period: 'week',
    totals: { generations: 10, completed: 9, failed: 1, successRate: 0.9, avgRenderMs: 2500, favorites: 4, plays: 12 },
    topTracks: [{ id: GEN, prompt: '**loud** @everyone', favorites: 4, plays: 12, creator: 'Alice' }],
    topCreators: [{ platformUserId: '1', displayName: 'Alice', generations: 10, favoritesReceived: 4 }],
  };

  it('THEN the stats embed shows totals and escaped leaderboards', () => {
    const e = statsEmbed(stats, 'My Server', 'chart.png');
    const f = Object.fromEntries(e.fields!.map((x) => [x.name, x.value]));
    expect(f).toMatchObject({ Generations: '10', 'Success rate': '90%', 'Avg render': '2.5 s', Favorites: '4', Plays: '12' });
    expect(f['Top tracks']).toContain('\\*\\*loud\\*\\*');
    expect(f['Top tracks']).not.toContain('@everyone');
    expect(e.image?.url).toBe('attachment://chart.png');
    expect(e.title).toContain('this week');
  });

  it('THEN a prompt cannot break out of a masked link in /recent', () => {
    const e = recentEmbed([track({ prompt: 'x](https://evil.example) [y' })]);
    expect(e.description).not.toContain('](https://evil.example)');
    expect(e.description).toContain('](https://ditty.example/t/x)');
  });

  it('THEN /search lists linked matches with the query escaped, or says nothing matched', () => {
    const hit = searchEmbed('**piano** @everyone', [track({ prompt: 'piano](https://evil.example) **rain**' })]);
    expect(hit.title).toContain('\\*\\*piano\\*\\*');
    expect(hit.title).not.toContain('@everyone');
    expect(hit.description).toContain('](https://ditty.example/t/x)');
    expect(hit.description).not.toContain('](https://evil.example)');
    expect(hit.description).toContain('\\*\\*rain\\*\\*');
    const miss = searchEmbed('@here nothing', []);
    expect(miss.description).toMatch(/No finished track/);
    expect(miss.description).not.toContain('@here');
  });

  it('THEN the chart is a PNG with one favorites and one plays bar per track', () => {
    const png = PNG.sync.read(renderStatsChart([{ favorites: 4, plays: 8 }, { favorites: 0, plays: 2 }]));
    expect([png.width, png.height]).toEqual([600, 260]);
    const colours = new Set<string>();
    for (let i = 0; i < png.data.length; i += 4) colours.add(`${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`);
    expect(colours).toContain('245,197,24');
    expect(colours).toContain('124,92,255');
  });
});

describe('GIVEN server settings', () => {
  const settings = (over: Partial<ServerSettings> = {}): ServerSettings => ({
    platform: 'discord', guildId: '1', allowedChannels: [], maxDurationS: null, rateLimitPerMinute: null, concurrency: null,
    blockedWords: [], favoriteEmoji: '⭐', ...over,
  });

  it('THEN defaults read as defaults and set values are shown, words as inert code', () => {
    const f = (s: ServerSettings) => Object.fromEntries(settingsEmbed(s).fields!.map((x) => [x.name, x.value]));
    expect(f(settings())).toMatchObject({ 'Allowed channels': 'every channel', 'Max duration': 'default', 'Rate limit': 'default', 'Blocked words': 'none', 'Favorite emoji': '⭐' });
    const set = f(settings({ allowedChannels: ['111111', '222222'], maxDurationS: 30, rateLimitPerMinute: 3, blockedWords: ['bad`word', 'x'], favoriteEmoji: '🎉' }));
    expect(set).toMatchObject({ 'Allowed channels': '<#111111> <#222222>', 'Max duration': '30 s', 'Rate limit': '3 per minute per member', 'Favorite emoji': '🎉' });
    expect(set['Blocked words']).toBe('bad\\`word, x');
    // A stored value that is not an emoji (written by another tool) is shown inert, not rendered.
    expect(f(settings({ favoriteEmoji: '**@everyone**' }))['Favorite emoji']).not.toContain('@everyone');
  });

  it('THEN a confirmation note becomes the description, and non-admins see how many words are blocked, not which', () => {
    expect(settingsEmbed(settings(), { note: '✅ Saved.' }).description).toBe('✅ Saved.');
    const member = settingsEmbed(settings({ blockedWords: ['polka', 'kazoo'] }), { showBlockedWords: false });
    expect(member.fields!.find((f) => f.name === 'Blocked words')!.value).toBe('2 (members with Manage Server can see them)');
  });
});

describe('GIVEN the command definitions', () => {
  it('THEN /search takes a bounded query and /ditty settings is for Manage Server by default', () => {
    const defs = commandDefinitions();
    const search = defs.find((d) => d.name === 'search')!;
    expect(search.contexts).toEqual([0]);
    expect(search.options?.[0]).toMatchObject({ name: 'query', required: true, max_length: 200 });
    const ditty = defs.find((d) => d.name === 'ditty')!;
    expect(ditty.default_member_permissions).toBe('32');
    const group = ditty.options?.[0] as { name: string; type: number; options: Array<{ name: string }> };
    expect(group).toMatchObject({ name: 'settings', type: 2 });
    expect(group.options.map((o) => o.name)).toEqual(['view', 'allowed-channels', 'max-duration', 'rate-limit', 'blocked-words', 'favorite-emoji']);
  });

  it('THEN /generate, /stats and /recent are guild-only with bounded options', () => {
    const defs = commandDefinitions();
    expect(defs.map((d) => d.name)).toEqual(['generate', 'stats', 'recent', 'search', 'similar', 'ditty', 'help']);
    const gen = defs[0]!;
    expect(gen.contexts).toEqual([0]);
    const opts = Object.fromEntries((gen.options ?? []).map((o) => [o.name, o]));
    expect(opts.prompt).toMatchObject({ required: true, max_length: 1000 });
    expect(opts.duration).toMatchObject({ min_value: 5, max_value: 120 });
    expect(opts.seed).toMatchObject({ min_value: 0, max_value: 0xffffffff });
  });
});

describe('GIVEN a track whose prompt was approximated or that extends another', () => {
  it('THEN the reply says what was played instead and what was ignored, inert, and links the earlier track', () => {
    const params = parsePrompt('ska with a kazoo', 1);
    const text = trackContent(track({ params, extendedFrom: { id: GEN, playerUrl: 'https://ditty.example/t/parent' } }), false);
    const lines = text.split('\n');
    expect(lines).toContain('⏩ Extended from https://ditty.example/t/parent');
    expect(lines).toContain(`ℹ️ ${inert("Played as reggae / dancehall: I don't know ska yet. Ignored: 'kazoo'.", 600)}`);
  });
  it('THEN a track made as asked, or stored before notes existed, has no notice line', () => {
    expect(trackContent(track({ params: parsePrompt('jazz in Bb major', 1) }), false)).not.toContain('ℹ️');
    expect(trackContent(track(), false)).toBe("🎶 Alice's track is ready.");
    expect(trackEmbed(track({ params: parsePrompt('jazz in Bb major', 1) })).title).toContain('Bb major');
  });
});
