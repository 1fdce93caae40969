import { describe, expect, it } from 'vitest';
import { cleanName, cleanPrompt, findBlockedWord, isGenerationId, parseDuration, parseSeed } from '../../core/validate.ts';
import { UserError } from '../../core/errors.ts';

function codeOf(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof UserError) return e.code; throw e; }
  return 'none';
}

describe('cleanPrompt', () => {
  it('GIVEN control characters and bidi overrides THEN they are stripped and spacing collapsed', () => {
    expect(cleanPrompt('  lo-fi\u0007 piano\u202E\n\tat 80 bpm ')).toBe('lo-fi piano at 80 bpm');
  });
  it('GIVEN only whitespace or controls THEN prompt_empty', () => {
    expect(codeOf(() => cleanPrompt(' \u0007\u200F '))).toBe('prompt_empty');
    expect(codeOf(() => cleanPrompt(undefined))).toBe('prompt_empty');
  });
  it('GIVEN 1000 emoji THEN accepted (code points, not UTF-16 units); 1001 THEN prompt_too_long', () => {
    expect([...cleanPrompt('🎹'.repeat(1000))].length).toBe(1000);
    expect(codeOf(() => cleanPrompt('🎹'.repeat(1001)))).toBe('prompt_too_long');
  });
  it('GIVEN a NUL or an unpaired surrogate (broken UTF-8) THEN refused with text_invalid, not cleaned', () => {
    expect(codeOf(() => cleanPrompt('lo-fi\u0000 piano'))).toBe('text_invalid');
    expect(codeOf(() => cleanPrompt('lo-fi \udc00 piano'))).toBe('text_invalid');
    expect(codeOf(() => cleanName('Ada\u0000'))).toBe('text_invalid');
    expect(codeOf(() => cleanName('\ud83d'))).toBe('text_invalid');
  });
  it('keeps emoji joined with ZWJ', () => {
    expect(cleanPrompt('👩\u200D🎤 vocals')).toBe('👩\u200D🎤 vocals');
  });
});

describe('parseDuration', () => {
  it.each([[undefined, 15], ['', 15], [30, 30], ['30', 30], ['45s', 45], ['2m', 120], ['5', 5]])('GIVEN %s THEN %s', (raw, want) => {
    expect(parseDuration(raw, 15)).toBe(want);
  });
  it.each([[4], [121], ['abc'], ['10.5'], [Number.NaN], ['-5'], ['1e3'], [{}], ['3m']])('GIVEN %s THEN duration_invalid', (raw) => {
    expect(codeOf(() => parseDuration(raw, 15))).toBe('duration_invalid');
  });
  it('respects a server max below the global one', () => {
    expect(codeOf(() => parseDuration(60, 15, 30))).toBe('duration_invalid');
    expect(parseDuration(30, 15, 30)).toBe(30);
  });
});

describe('parseSeed', () => {
  it('GIVEN nothing THEN the random source decides', () => expect(parseSeed(undefined, () => 77)).toBe(77));
  it('GIVEN 4294967295 THEN accepted; 4294967296, -1, 1.5 THEN seed_invalid', () => {
    expect(parseSeed('4294967295')).toBe(4294967295);
    for (const bad of ['4294967296', '-1', '1.5', 'x']) expect(codeOf(() => parseSeed(bad))).toBe('seed_invalid');
  });
});

describe('findBlockedWord', () => {
  it('matches whole words case-insensitively, not substrings', () => {
    expect(findBlockedWord('Some BadWord here', ['badword'])).toBe('badword');
    expect(findBlockedWord('scrabble', ['crab'])).toBeNull();
    expect(findBlockedWord('very bad idea', ['bad idea'])).toBe('bad idea');
  });
});

describe('ids and names', () => {
  it('accepts uuids only', () => {
    expect(isGenerationId('0b6c2f4e-8f0a-4a56-9d2e-2b1f9f0e6a11')).toBe(true);
    expect(isGenerationId("1' OR 1=1 --")).toBe(false);
  });
  it('rejects empty and overlong names', () => {
    expect(cleanName(' Ada\u0007 ')).toBe('Ada');
    expect(codeOf(() => cleanName('x'.repeat(65)))).toBe('name_invalid');
  });
});
