/**
 * The whole hostile corpus (tests/helpers/hostile-corpus.ts) through every builder that echoes
 * user text, on both platforms: each message is rendered with a harmless text and with the
 * hostile one, and the hostile one may add no markup (tests/helpers/markup-audit.ts). The same
 * rule is checked end to end on a sample in tests/e2e/hostile-text.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ServerSettings, Stats, TrackView } from '../../core/chat.ts';
import type { MusicParams } from '../../core/music.ts';
import { cleanPrompt } from '../../core/validate.ts';
import { isUserError } from '../../core/errors.ts';
import * as discord from '../../bots/discord/messages.ts';
import * as slack from '../../bots/slack/blocks.ts';
import { hostileCorpus } from '../helpers/hostile-corpus.ts';
import { markupAdded } from '../helpers/markup-audit.ts';

const ID = '0b6c1a5e-7d6f-4b8e-9a51-3f1f6b2d9c10';
const BENIGN = 'calm piano';
const params: MusicParams = { bpm: 84, key: 'F#', mode: 'minor', genre: 'lofi', mood: 'calm', instruments: ['piano'], excluded: [], structure: [], seed: 4242, explicit: ['bpm'] };

function track(prompt: string, name: string): TrackView {
  return {
    id: ID, prompt, params, status: 'completed', progress: 1, durationS: 12, engine: 'embedded', engineVersion: '0.3.1', renderMs: 1534,
    format: 'opus', sizeBytes: 123_456, playerUrl: `https://ditty.example/t/${ID}`, downloadUrl: `https://ditty.example/t/${ID}/download`,
    audioUrl: `https://ditty.example/t/${ID}/audio`, favorites: 3, plays: 7, creator: { platformUserId: 'U0ALICE01', displayName: name },
    origin: { platform: 'slack', guildId: 'T1', channelId: 'C1' }, createdAt: '2026-11-23T12:00:00Z', errorCode: null, errorMessage: null,
  };
}

function stats(prompt: string, name: string): Stats {
  return {
    scope: 'server', period: 'week',
    totals: { generations: 2, completed: 2, failed: 0, successRate: 1, avgRenderMs: 900, favorites: 3, plays: 4 },
    topTracks: [{ id: ID, prompt, favorites: 3, plays: 4, creator: name }],
    topCreators: [{ platformUserId: 'U1', displayName: name, generations: 2, favoritesReceived: 3 }],
  };
}

function settings(word: string): ServerSettings {
  return { platform: 'slack', guildId: 'T1', allowedChannels: [], maxDurationS: null, rateLimitPerMinute: null, concurrency: null, blockedWords: [word, 'polka'], favoriteEmoji: '⭐' };
}

/** Every message each platform builds from user text `t` (prompt, name, query, blocked word). */
function discordMessages(t: string): unknown[] {
  const tr = track(t, t);
  return [
    discord.progressMessage(t, ID, { stage: 'queued', progress: 0, position: 2 }),
    discord.progressMessage(t, ID, { stage: 'rendering', progress: 0.5 }),
    discord.progressMessage(t, ID, { stage: 'failed', progress: 0, message: `Could not render "${t}"` }),
    { content: discord.trackContent(tr, false), embeds: [discord.trackEmbed(tr)] },
    discord.trackContent(tr, true),
    discord.statsEmbed(stats(t, t), t, null),
    discord.recentEmbed([tr]),
    discord.searchEmbed(t, [tr]),
    discord.searchEmbed(t, []),
    discord.settingsEmbed({ ...settings(t), platform: 'discord' }),
    discord.userErrorText(`This server does not allow the word "${t}" in prompts.`),
  ];
}

function slackMessages(t: string): unknown[] {
  const tr = track(t, t);
  const status = { generationId: ID, prompt: t, userId: 'U0ALICE01', params, durationS: 12 };
  return [
    slack.statusBlocks(status, { stage: 'queued', progress: 0, position: 2 }),
    slack.statusBlocks(status, { stage: 'failed', progress: 0, message: `Could not render "${t}"` }),
    slack.trackCardBlocks(tr, { userId: 'U0ALICE01', uploaded: true }),
    slack.fileBlocks(tr, 'U0ALICE01', 'star'),
    slack.statsBlocks(stats(t, t)),
    slack.recentBlocks([tr]),
    slack.searchBlocks(t, [tr]),
    slack.searchBlocks(t, []),
    slack.settingsBlocks(settings(t), { favoriteReaction: 'star', showBlockedWords: true }),
    slack.noticeBlocks(`This workspace does not allow the word "${t}" in prompts.`),
  ];
}

const corpus = hostileCorpus();

describe('GIVEN the hostile corpus', () => {
  it('THEN it has at least 200 distinct cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  it('THEN no Discord message built from any case carries markup the harmless text does not', () => {
    const benign = discordMessages(BENIGN);
    const failures: string[] = [];
    for (const c of corpus) {
      const hostile = discordMessages(c.text);
      hostile.forEach((m, i) => {
        for (const d of markupAdded(benign[i], m, 'discord')) failures.push(`${c.name} message ${i}: ${d}`);
      });
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('THEN no Slack message built from any case carries markup the harmless text does not, and user text is verbatim', () => {
    const benign = slackMessages(BENIGN);
    const failures: string[] = [];
    for (const c of corpus) {
      const hostile = slackMessages(c.text);
      hostile.forEach((m, i) => {
        for (const d of markupAdded(benign[i], m, 'slack')) failures.push(`${c.name} message ${i}: ${d}`);
      });
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('THEN the prompt the core stores has no hidden or control characters, or the prompt is refused', () => {
    for (const c of corpus) {
      let stored: string;
      try {
        stored = cleanPrompt(c.text);
      } catch (err) {
        expect(isUserError(err), c.name).toBe(true);
        continue;
      }
      expect(stored, c.name).not.toMatch(/[\p{Cc}\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/u);
    }
  });
});
