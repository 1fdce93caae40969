import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.ts';
import {
  decodeSlackText, inertPlainText, slackInert, isSlackId, normalizeEmoji, parseGenerateText, parseStatsText, truncate,
} from '../../bots/slack/text.ts';

describe('parseGenerateText', () => {
  it('GIVEN a prompt only THEN no duration or seed', () => {
    expect(parseGenerateText('lofi piano at 80 bpm')).toEqual({ prompt: 'lofi piano at 80 bpm' });
    // A number after a tempo word is the tempo, not a duration.
    expect(parseGenerateText('dnb tempo 174')).toEqual({ prompt: 'dnb tempo 174' });
    expect(parseGenerateText('house at 124')).toEqual({ prompt: 'house at 124' });
  });

  it('GIVEN two trailing numbers THEN duration then seed', () => {
    expect(parseGenerateText('dark techno 30 42')).toEqual({ prompt: 'dark techno', duration: '30', seed: '42' });
  });

  it('GIVEN one trailing number or a unit THEN it is the duration', () => {
    expect(parseGenerateText('dark techno 30')).toEqual({ prompt: 'dark techno', duration: '30' });
    expect(parseGenerateText('dark techno 1m')).toEqual({ prompt: 'dark techno', duration: '1m' });
    expect(parseGenerateText('dark techno 45s 9')).toEqual({ prompt: 'dark techno', duration: '45s', seed: '9' });
  });

  it('GIVEN named options anywhere THEN they win and the rest is the prompt', () => {
    expect(parseGenerateText('seed:7 jazz duration=20 trio')).toEqual({ prompt: 'jazz trio', duration: '20', seed: '7' });
    expect(parseGenerateText('house 120 bpm seed=5')).toEqual({ prompt: 'house 120 bpm', seed: '5' });
  });

  it('GIVEN only numbers THEN the prompt is never emptied', () => {
    expect(parseGenerateText('808')).toEqual({ prompt: '808' });
    expect(parseGenerateText('90 30')).toEqual({ prompt: '90', duration: '30' });
  });

  it('GIVEN Slack-escaped text and odd spacing THEN the raw prompt comes back', () => {
    expect(parseGenerateText('  rock &amp; roll   &lt;3  ')).toEqual({ prompt: 'rock & roll <3' });
  });

  it('GIVEN bad values THEN they are passed raw for the core to refuse', () => {
    expect(parseGenerateText('ambient duration:abc seed:-1')).toEqual({ prompt: 'ambient', duration: 'abc', seed: '-1' });
  });
});

describe('parseStatsText', () => {
  it('GIVEN nothing THEN this workspace, this week', () => {
    expect(parseStatsText('')).toEqual({ scope: 'server', period: 'week' });
  });

  it('GIVEN scope and period in any order THEN both are read', () => {
    expect(parseStatsText('month global')).toEqual({ scope: 'global', period: 'month' });
    expect(parseStatsText('Server ALL')).toEqual({ scope: 'server', period: 'all' });
    expect(parseStatsText('workspace day')).toEqual({ scope: 'server', period: 'day' });
  });

  it('GIVEN an unknown word THEN a usage error that quotes it raw (the reply escapes it: replyError shows plain_text)', () => {
    expect(() => parseStatsText('yesterday')).toThrow(UserError);
    expect(() => parseStatsText('<!channel>')).toThrow(/Usage: .*"<!channel>"/);
  });
});

describe('escaping', () => {
  it('GIVEN special mentions THEN nothing Slack would parse remains', () => {
    const out = slackInert('<!channel> <!everyone> <!here> <@U123> <#C1> <https://x|y> @here @Channel a&b');
    expect(out).not.toMatch(/[<>]/);
    expect(out).not.toMatch(/@(here|channel)/i);
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).toContain('a&amp;b');
  });

  it('GIVEN already escaped text THEN it is escaped again (shown literally, never decoded)', () => {
    expect(slackInert('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('GIVEN formatting characters THEN they become look-alikes Slack does not parse', () => {
    expect(slackInert('*b* _i_ ~s~ ```x```')).toBe('\u2217b\u2217 \u02CDi\u02CD \u223Cs\u223C \u02CB\u02CB\u02CBx\u02CB\u02CB\u02CB');
    expect(slackInert('see https://evil.example/x')).not.toContain('://');
  });

  it('GIVEN a round trip THEN decode undoes Slack escaping', () => {
    const s = 'a < b & c > d';
    expect(decodeSlackText(slackInert(s))).toBe(s);
  });

  it('GIVEN plain text for a title THEN brackets are replaced', () => {
    expect(inertPlainText('<!channel> @everyone')).toBe('‹!channel› @\u2060everyone');
  });
});

describe('small helpers', () => {
  it('truncates by code points, not UTF-16 units', () => {
    expect(truncate('🎵🎵🎵🎵', 3)).toBe('🎵🎵…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('normalizes reaction names', () => {
    expect(normalizeEmoji('star')).toBe('star');
    expect(normalizeEmoji(':Star:')).toBe('star');
    expect(normalizeEmoji('thumbsup::skin-tone-3')).toBe('thumbsup');
  });

  it('accepts Slack ids and rejects anything else', () => {
    expect(isSlackId('U0ALICE01')).toBe(true);
    expect(isSlackId('T0DITTY01')).toBe(true);
    expect(isSlackId('u-lower')).toBe(false);
    expect(isSlackId('<@U1>')).toBe(false);
    expect(isSlackId(undefined)).toBe(false);
    expect(isSlackId('U'.repeat(100))).toBe(false);
  });
});
