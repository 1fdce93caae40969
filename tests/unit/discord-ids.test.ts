import { describe, expect, it } from 'vitest';
import {
  buttonId, emojiMatches, fromReplyMap, isFavoriteEmoji, parseFavoriteEmoji, generationIdFromMessage, parseButtonId, parseStatsOptions, toReplyMap, tokenUsable, TOKEN_LIFETIME_MS,
} from '../../bots/discord/ids.ts';

const GEN = '0b6f3a52-6a55-4f39-9d8e-2f1c0c6f9a11';

describe('GIVEN a button custom id', () => {
  it('THEN our own ids round-trip', () => {
    expect(parseButtonId(buttonId('fav', GEN))).toEqual({ action: 'fav', generationId: GEN });
    expect(parseButtonId(buttonId('cancel', GEN))).toEqual({ action: 'cancel', generationId: GEN });
  });
  it.each([
    ['unknown action', `ditty:delete:${GEN}`],
    ['not a uuid', 'ditty:fav:1; drop table'],
    ['extra segment', `ditty:fav:${GEN}:x`],
    ['foreign prefix', `other:fav:${GEN}`],
    ['too long', `ditty:fav:${GEN}${'a'.repeat(100)}`],
    ['empty', ''],
  ])('THEN %s is rejected', (_label, id) => {
    expect(parseButtonId(id)).toBeNull();
  });
});

describe('GIVEN a reply map stored with a generation', () => {
  const ref = {
    requestKey: '1111111111', interactionId: '1111111111', applicationId: '2222222222', interactionToken: 'aW50-ZXJh.Y3Rpb24_',
    channelId: '3333333333', guildId: '4444444444', messageId: '5555555555', createdAt: 1_700_000_000_000,
  };
  it('THEN it round-trips through string fields', () => {
    const map = toReplyMap(ref);
    expect(Object.values(map).every((v) => typeof v === 'string')).toBe(true);
    expect(fromReplyMap(map)).toEqual(ref);
  });
  it('THEN malformed fields are dropped instead of trusted', () => {
    const back = fromReplyMap({ ...toReplyMap(ref), channelId: '../../x', interactionToken: 'a b', createdAt: 'soon' });
    expect(back.channelId).toBeUndefined();
    expect(back.interactionToken).toBeUndefined();
    expect(back.createdAt).toBeUndefined();
    expect(back.applicationId).toBe('2222222222');
  });
  it('THEN the token is used only within its 15 minutes, with a margin', () => {
    expect(tokenUsable(ref, ref.createdAt + 60_000)).toBe(true);
    expect(tokenUsable(ref, ref.createdAt + TOKEN_LIFETIME_MS - 10_000)).toBe(false);
    expect(tokenUsable(ref, ref.createdAt + TOKEN_LIFETIME_MS + 1)).toBe(false);
    expect(tokenUsable({ ...ref, interactionToken: undefined }, ref.createdAt)).toBe(false);
  });
});

describe('GIVEN a message a reaction was added to', () => {
  it('THEN the generation id comes from its buttons', () => {
    expect(generationIdFromMessage({ components: [{ type: 1, components: [{ type: 2, custom_id: `ditty:var:${GEN}` }] }] })).toBe(GEN);
  });
  it('THEN, without buttons, from the embed footer', () => {
    expect(generationIdFromMessage({ components: [], embeds: [{ footer: { text: `ditty · ${GEN}` } }] })).toBe(GEN);
  });
  it('THEN junk shapes and foreign footers give null', () => {
    expect(generationIdFromMessage({ components: [null, 3, { components: 'x' }, { components: [{ custom_id: 5 }] }], embeds: [{ footer: { text: 'ditty · not-an-id' } }, {}] })).toBeNull();
    expect(generationIdFromMessage({})).toBeNull();
  });
});

describe('GIVEN reaction emoji', () => {
  it('THEN unicode stars match with or without the variation selector', () => {
    expect(emojiMatches({ id: null, name: '⭐' }, '⭐')).toBe(true);
    expect(emojiMatches({ id: null, name: '⭐\uFE0F' }, '⭐')).toBe(true);
    expect(emojiMatches({ id: null, name: '👍' }, '⭐')).toBe(false);
  });
  it('THEN custom emoji match by id or full mention form only', () => {
    expect(emojiMatches({ id: '999999', name: 'star' }, '999999')).toBe(true);
    expect(emojiMatches({ id: '999999', name: 'star' }, '<:star:999999>')).toBe(true);
    expect(emojiMatches({ id: '999999', name: '⭐' }, '⭐')).toBe(false);
  });
  it('THEN a renamed custom emoji still matches by its id', () => {
    expect(emojiMatches({ id: '123456789012345678', name: 'new_name' }, '<:old_name:123456789012345678>')).toBe(true);
    expect(emojiMatches({ id: '123456789012345678', name: 'x' }, '<a:x:123456789012345679>')).toBe(false);
  });
});

describe('GIVEN a favorite emoji typed by an admin', () => {
  it.each(['⭐', '⭐\uFE0F', '🎉', '👍🏽', '🏳️‍🌈', '<:ditty:123456789012345678>', '<a:dance:123456789012345678>'])('THEN %s is accepted', (e) => {
    expect(isFavoriteEmoji(e)).toBe(true);
    expect(parseFavoriteEmoji(` ${e} `)).toBe(e);
  });
  it.each(['', 'star', ':star:', '⭐⭐', 'a⭐', '@everyone', '<:x:1>', '<@123456789012345678>', '1'])('THEN %j is refused with what to type', (e) => {
    expect(isFavoriteEmoji(e)).toBe(false);
    expect(() => parseFavoriteEmoji(e)).toThrow(/one emoji/);
  });
});

describe('GIVEN /stats options', () => {
  it('THEN known values pass and anything else falls back to server / week', () => {
    expect(parseStatsOptions('global', 'all')).toEqual({ scope: 'global', period: 'all' });
    expect(parseStatsOptions(null, null)).toEqual({ scope: 'server', period: 'week' });
    expect(parseStatsOptions('everyone', 'forever')).toEqual({ scope: 'server', period: 'week' });
  });
});
