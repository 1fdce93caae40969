import { describe, expect, it } from 'vitest';
import {
  ActionId, cardBlockId, fileBlocks, generationIdFromBlocks, NOTICE_BLOCK_ID, recentBlocks, searchBlocks, settingsBlocks, stageLine, statsBlocks, statusBlocks,
  TOO_LARGE_BLOCK_ID, trackCardBlocks,
} from '../../bots/slack/blocks.ts';
import type { ServerSettings, Stats, TrackView } from '../../core/chat.ts';
import type { MusicParams } from '../../core/music.ts';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { EXPIRED_TRACK_TEXT } from '../../core/track-view.ts';
import { slackInert } from '../../bots/slack/text.ts';

const ID = '0b6c1a5e-7d6f-4b8e-9a51-3f1f6b2d9c10';
const HOSTILE = 'lofi <!channel> <@U999> @here & more';
const params: MusicParams = { bpm: 84, key: 'F#', mode: 'minor', genre: 'lofi', mood: 'calm', instruments: ['piano'], excluded: [], structure: [], seed: 4242, explicit: ['bpm'] };

function track(over: Partial<TrackView> = {}): TrackView {
  return {
    id: ID, prompt: HOSTILE, params, status: 'completed', progress: 1, durationS: 12, engine: 'embedded', engineVersion: '0.3.1', renderMs: 1534,
    format: 'opus', sizeBytes: 123_456, playerUrl: `https://ditty.example/t/${ID}`, downloadUrl: `https://ditty.example/t/${ID}/download`,
    audioUrl: `https://ditty.example/t/${ID}/audio`, favorites: 3, plays: 7, creator: { platformUserId: 'U0ALICE01', displayName: '<!everyone> alice' },
    origin: { platform: 'slack', guildId: 'T1', channelId: 'C1' }, createdAt: '2026-11-23T12:00:00Z', errorCode: null, errorMessage: null, ...over,
  };
}

/** Every string a Slack client would parse as mrkdwn in these blocks (plain_text is never parsed). */
function mrkdwnTexts(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) mrkdwnTexts(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
    for (const v of Object.values(o)) mrkdwnTexts(v, out);
  }
  return out;
}

const noSpecialMention = (texts: string[]) => {
  for (const t of texts) {
    expect(t).not.toMatch(/<!/);
    expect(t).not.toContain('<@U999>');
  }
};

describe('expired track card', () => {
  it('GIVEN a track whose audio expired THEN the card says so and has no Play or Download button', () => {
    const { blocks } = trackCardBlocks(track({ expired: true }), { userId: 'U0ALICE01', uploaded: true });
    const text = JSON.stringify(blocks);
    expect(text).not.toContain(ActionId.Play);
    expect(text).not.toContain(ActionId.Download);
    expect(text).toContain(EXPIRED_TRACK_TEXT.replace(/'/g, "\\'").slice(0, 20));
    expect(JSON.stringify(trackCardBlocks(track(), { userId: 'U0ALICE01', uploaded: true }).blocks)).toContain(ActionId.Play);
  });
});

describe('track card', () => {
  it('shows every parameter the issue asks for, and the three buttons', () => {
    const { blocks, text } = trackCardBlocks(track(), { userId: 'U0ALICE01', uploaded: true });
    const all = mrkdwnTexts(blocks).join('\n');
    for (const label of ['*BPM*\n84', '*Key*\nF# minor', '*Genre*\nlofi', '*Duration*\n12 s', '*Seed*\n4242', '*Engine*\nembedded 0.3.1', '*Render time*\n1.5 s']) {
      expect(all).toContain(label);
    }
    const actions = blocks.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string; url?: string }> };
    expect(actions.elements.map((e) => e.action_id)).toEqual([ActionId.Favorite, ActionId.Variation, ActionId.Extend, ActionId.Play, ActionId.Download, ActionId.Similar, ActionId.Delete]);
    expect(actions.elements.every((e) => e.value === ID)).toBe(true);
    expect(actions.elements[3]!.url).toBe(track().playerUrl);
    expect(actions.elements[4]!.url).toBe(track().downloadUrl);
    expect(text).not.toMatch(/<!/);
    expect(blocks.some((b) => b.block_id === TOO_LARGE_BLOCK_ID)).toBe(false);
  });

  it('echoes hostile prompts inert and still mentions the requester', () => {
    const { blocks } = trackCardBlocks(track(), { userId: 'U0ALICE01', uploaded: false });
    const texts = mrkdwnTexts(blocks);
    noSpecialMention(texts);
    expect(texts.join('\n')).toContain('<@U0ALICE01>');
    expect(blocks.some((b) => b.block_id === TOO_LARGE_BLOCK_ID)).toBe(true);
  });

  it('caps a very long prompt so the section stays under Slack limits', () => {
    const { blocks } = trackCardBlocks(track({ prompt: 'x'.repeat(5000) }), { userId: 'U0ALICE01', uploaded: true });
    for (const t of mrkdwnTexts(blocks)) expect(t.length).toBeLessThan(3000);
  });
});

describe('ids in blocks', () => {
  it('finds the generation from the card or file blocks, and nothing from others', () => {
    expect(generationIdFromBlocks(trackCardBlocks(track(), { userId: 'U1', uploaded: true }).blocks)).toBe(ID);
    expect(generationIdFromBlocks(fileBlocks(track(), 'U1', 'star'))).toBe(ID);
    expect(generationIdFromBlocks([{ block_id: 'ditty:card:not-a-uuid' }, { block_id: 'abc' }])).toBeNull();
    expect(generationIdFromBlocks(undefined)).toBeNull();
    expect(cardBlockId(ID)).toBe(`ditty:card:${ID}`);
  });
});

describe('status message', () => {
  const input = { generationId: ID, prompt: HOSTILE, userId: 'U0ALICE01', params, durationS: 12 };

  it('offers Cancel while queued or rendering, not after', () => {
    const hasCancel = (stage: 'queued' | 'rendering' | 'encoding' | 'failed') =>
      JSON.stringify(statusBlocks(input, { stage, progress: 0.5 }).blocks).includes(ActionId.Cancel);
    expect(hasCancel('queued')).toBe(true);
    expect(hasCancel('rendering')).toBe(true);
    expect(hasCancel('encoding')).toBe(false);
    expect(hasCancel('failed')).toBe(false);
  });

  it('words each stage with position, percent and ETA', () => {
    expect(stageLine({ stage: 'queued', progress: 0, position: 3 })).toBe('⏳ Queued — position 3');
    expect(stageLine({ stage: 'rendering', progress: 0.5, etaS: 7.4 })).toMatch(/Rendering ▓{6}░{6} 50% · about 7 s left/);
    expect(stageLine({ stage: 'failed', progress: 0, message: 'bad <!here>' })).toBe('❌ Failed: bad &lt;!here&gt;');
  });

  it('keeps user text inert in the fallback text and blocks', () => {
    const { text, blocks } = statusBlocks(input, { stage: 'rendering', progress: 0.2 });
    noSpecialMention([text, ...mrkdwnTexts(blocks)]);
  });
});

describe('favorite emoji on the card', () => {
  it('shows the workspace emoji on the Favorite button, :star: by default', () => {
    const label = (emoji?: string) => {
      const actions = trackCardBlocks(track(), { userId: 'U0ALICE01', uploaded: true, favoriteEmoji: emoji }).blocks.find((b) => b.type === 'actions') as {
        elements: Array<{ text: { text: string; emoji?: boolean } }>;
      };
      return actions.elements[0]!.text;
    };
    expect(label()).toEqual({ type: 'plain_text', text: ':star: Favorite (3)', emoji: true });
    expect(label('tada').text).toBe(':tada: Favorite (3)');
  });
});

describe('search and settings', () => {
  it('lists search matches as links, and echoes the query inert when nothing matches', () => {
    const hit = mrkdwnTexts(searchBlocks('piano <!channel>', [track({ prompt: 'a|b piano' })]).blocks);
    expect(hit[0]).toBe('*Tracks matching piano &lt;!channel&gt;*');
    expect(hit[1]).toContain(`<${track().playerUrl}|a¦b piano>`);
    const miss = searchBlocks('@here <@U999>', []);
    noSpecialMention(mrkdwnTexts(miss.blocks));
    expect(miss.text).toMatch(/No finished track/);
    expect(miss.text).not.toContain('@here');
  });

  const settings = (over: Partial<ServerSettings> = {}): ServerSettings => ({
    platform: 'slack', guildId: 'T1', allowedChannels: [], maxDurationS: null, rateLimitPerMinute: null, concurrency: null,
    blockedWords: [], favoriteEmoji: '⭐', ...over,
  });

  it('shows defaults, channels as links, and blocked words only to admins', () => {
    const s = settings({ allowedChannels: ['C0AAA', 'C0BBB'], maxDurationS: 30, blockedWords: ['<!channel>', 'polka'] });
    const admin = mrkdwnTexts(settingsBlocks(s, { favoriteReaction: 'tada', showBlockedWords: true, note: '✅ Saved.' }).blocks).join('\n');
    expect(admin).toContain('✅ Saved.');
    expect(admin).toContain('*Allowed channels*\n<#C0AAA> <#C0BBB>');
    expect(admin).toContain('*Max duration*\n30 s');
    expect(admin).toContain('*Rate limit*\ndefault');
    expect(admin).toContain('*Favorite emoji*\n:tada:');
    expect(admin).toContain('*Blocked words*\n“&lt;!channel&gt;”, “polka”');
    const member = mrkdwnTexts(settingsBlocks(s, { favoriteReaction: 'star', showBlockedWords: false }).blocks).join('\n');
    expect(member).toContain('*Blocked words*\n2 (admins can see them)');
    expect(member).not.toContain('polka');
  });

  it('keeps long lists under the field limit, cutting whole entries', () => {
    const many = settings({ blockedWords: Array.from({ length: 500 }, (_, i) => `word${i}`.padEnd(20, 'x')) });
    const field = mrkdwnTexts(settingsBlocks(many, { favoriteReaction: 'star', showBlockedWords: true }).blocks).find((t) => t.startsWith('*Blocked words*'))!;
    expect(field.length).toBeLessThanOrEqual(2000);
    expect(field).toMatch(/”, “word\d+x*” … and \d+ more$/);
  });
});

describe('stats and recent', () => {
  const stats: Stats = {
    scope: 'server', period: 'week',
    totals: { generations: 5, completed: 4, failed: 1, successRate: 0.8, avgRenderMs: 1200.4, favorites: 6, plays: 9 },
    topTracks: [
      { id: ID, prompt: HOSTILE, favorites: 4, plays: 2, creator: '<!channel>' },
      { id: ID, prompt: 'jazz', favorites: 2, plays: 1, creator: 'bob' },
    ],
    topCreators: [{ platformUserId: 'U1', displayName: '@everyone', generations: 3, favoritesReceived: 4 }],
  };

  it('lists the leaderboard with bars proportional to favorites', () => {
    const { blocks } = statsBlocks(stats);
    const all = mrkdwnTexts(blocks).join('\n');
    expect(all).toContain('*Success rate*\n80%');
    expect(all).toMatch(/1\. █{10} 4 ⭐/);
    expect(all).toMatch(/2\. █{5} 2 ⭐ · jazz — bob/);
    noSpecialMention(mrkdwnTexts(blocks));
    expect(all).not.toMatch(/@everyone/);
  });

  it('stays under the section limit when every prompt is made of characters that escape long', () => {
    const hostile: Stats = {
      ...stats,
      topTracks: Array.from({ length: 10 }, (_, i) => ({ id: ID, prompt: '&'.repeat(500), favorites: 10 - i, plays: 0, creator: '<'.repeat(100) })),
      topCreators: Array.from({ length: 10 }, () => ({ platformUserId: 'U1', displayName: '&'.repeat(64), generations: 1, favoritesReceived: 1 })),
    };
    const texts = mrkdwnTexts(statsBlocks(hostile).blocks);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
    expect(texts.find((t) => t.startsWith('*Top tracks*'))).toMatch(/^\*Top tracks\*\n1\. /);
  });

  it('says so when there is nothing yet', () => {
    const empty: Stats = { ...stats, totals: { ...stats.totals, generations: 0 }, topTracks: [], topCreators: [] };
    expect(mrkdwnTexts(statsBlocks(empty).blocks).join()).toContain('No tracks yet');
    expect(mrkdwnTexts(recentBlocks([]).blocks).join()).toContain('No tracks yet');
  });

  it('links finished tracks and keeps prompts from breaking the link', () => {
    const { blocks } = recentBlocks([track({ prompt: 'a|b>c' }), track({ status: 'rendering' })]);
    const texts = mrkdwnTexts(blocks);
    expect(texts[0]).toContain(`<${track().playerUrl}|a¦b&gt;c>`);
    expect(texts[1]).toContain('(rendering)');
  });
});

describe('notice of what was approximated', () => {
  it('GIVEN a prompt with a style and an instrument we do not have THEN card and status say so in an inert context line', () => {
    const approx = parsePrompt('ska with theremin', 1);
    for (const { blocks } of [
      trackCardBlocks(track({ params: approx }), { userId: 'U0ALICE01', uploaded: true }),
      statusBlocks({ generationId: ID, prompt: HOSTILE, userId: 'U0ALICE01', params: approx, durationS: 10 }, { stage: 'queued', progress: 0 }),
    ]) {
      const notice = blocks.find((b) => b.block_id === NOTICE_BLOCK_ID) as { elements: Array<{ text: string; verbatim?: boolean }> };
      expect(notice.elements[0]!.text).toBe(`ℹ️ ${slackInert("Played as reggae / dancehall: I don't know ska yet. Played synth instead of theremin: I can't play theremin yet.")}`);
      expect(notice.elements[0]!.verbatim).toBe(true);
    }
  });
  it('GIVEN a prompt honoured as asked THEN no notice; an extension links its parent', () => {
    const { blocks } = trackCardBlocks(track({ params: parsePrompt('jazz in Bb major', 1), extendedFrom: { id: ID, playerUrl: 'https://ditty.example/t/p' } }), { userId: 'U0ALICE01', uploaded: true });
    expect(blocks.some((b) => b.block_id === NOTICE_BLOCK_ID)).toBe(false);
    expect(JSON.stringify(blocks)).toContain('⏩ Extended from <https://ditty.example/t/p|an earlier track>');
    expect(JSON.stringify(blocks)).toContain('Bb major');
  });
});
