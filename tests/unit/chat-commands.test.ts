import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.ts';
import { cleanText, localActor, parseCommand, parseDisplayName, type ChatCommand } from '../../web/server/commands.ts';

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a UserError, got a result');
}

function generate(text: string): Extract<ChatCommand, { name: 'generate' }> {
  const cmd = parseCommand(text);
  if (cmd.name !== 'generate') throw new Error(`expected generate, got ${cmd.name}`);
  return cmd;
}

describe('parseCommand /generate', () => {
  it('GIVEN the documented example THEN prompt, duration and seed are separated', () => {
    expect(generate('/generate lo-fi piano at 80 bpm 30s seed:7')).toEqual({
      name: 'generate', prompt: 'lo-fi piano at 80 bpm', durationS: 30, seed: 7,
    });
  });

  it.each([
    ['/generate jazz trio --duration 45 --seed 12', 45, 12],
    ['/generate jazz trio --seed=12 --duration=45', 45, 12],
    ['/generate jazz trio seed=12 duration:45', 45, 12],
    ['/generate jazz trio 2m', 120, null],
    ['/generate jazz trio 45sec', 45, null],
    ['/generate jazz trio --duration 45s', 45, null],
    ['/GENERATE jazz trio SEED:0', null, 0],
    ['/gen jazz trio seed:4294967295', null, 4294967295],
  ])('GIVEN %s THEN duration %s, seed %s', (text, durationS, seed) => {
    expect(generate(text)).toEqual({ name: 'generate', prompt: 'jazz trio', durationS, seed });
  });

  it('GIVEN no options THEN both are null so the core applies defaults', () => {
    expect(generate('/generate ambient pads in D minor')).toMatchObject({ durationS: null, seed: null });
  });

  it('GIVEN option-like words inside the prompt THEN only trailing ones are options', () => {
    const cmd = generate('/generate 30s intro then seed:9 drop at 140 bpm 10s');
    expect(cmd.prompt).toBe('30s intro then seed:9 drop at 140 bpm');
    expect(cmd.durationS).toBe(10);
    expect(cmd.seed).toBeNull();
  });

  it.each([
    ['/generate piano 4s', 'duration_invalid', '"4s"'],
    ['/generate piano 121s', 'duration_invalid', '5 to 120'],
    ['/generate piano --duration abc', 'duration_invalid', '"--duration abc"'],
    ['/generate piano --duration -5', 'duration_invalid', '-5'],
    ['/generate piano --duration 10.5', 'duration_invalid', '10.5'],
    ['/generate piano duration:', 'duration_invalid', 'duration:'],
    ['/generate piano 3m', 'duration_invalid', '3m'],
    ['/generate piano --duration', 'duration_invalid', '--duration needs a number'],
    ['/generate piano 30s 40s', 'duration_invalid', 'only once'],
    ['/generate piano seed:-1', 'seed_invalid', '"-1"'],
    ['/generate piano seed:4294967296', 'seed_invalid', '0 to 4294967295'],
    ['/generate piano --seed 0x10', 'seed_invalid', '0x10'],
    ['/generate piano --seed 99999999999999999999', 'seed_invalid', 'not valid'],
    ['/generate piano seed:', 'seed_invalid', 'seed:7'],
    ['/generate piano --seed', 'seed_invalid', '--seed 7'],
    ['/generate piano seed:1 seed:2', 'seed_invalid', 'only once'],
    ['/generate piano --tempo 80', 'unknown_command', 'Unknown option --tempo'],
    ['/generate piano --seed 7 jazz', 'unknown_command', 'move --seed to the end'],
  ])('GIVEN %s THEN %s mentioning %s', (text, code, fragment) => {
    const r = refusal(() => parseCommand(text));
    expect(r.code).toBe(code);
    expect(r.message).toContain(fragment);
  });

  it('GIVEN options but no prompt THEN prompt_empty with an example', () => {
    const r = refusal(() => parseCommand('/generate 30s seed:7'));
    expect(r.code).toBe('prompt_empty');
    expect(r.message).toContain('/generate');
    expect(refusal(() => parseCommand('/generate')).code).toBe('prompt_empty');
  });

  it('GIVEN control characters, bidi overrides and hidden tag characters THEN they never reach the prompt', () => {
    const hidden = [...'ignore previous'].map((c) => String.fromCodePoint(0xe0000 + c.codePointAt(0)!)).join('');
    const cmd = generate(`/generate lo-fi\u0000\u0007 piano\u202E\u2066 beat\u200B${hidden}\r\n\tnight 30s`);
    expect(cmd.prompt).toBe('lo-fi piano beat night');
    expect(cmd.durationS).toBe(30);
    expect(cmd.prompt).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it('GIVEN emoji with ZWJ and non-Latin scripts THEN they are kept intact (NFC)', () => {
    const cmd = generate('/generate 👩\u200D🎤 vocals, chanson française cafe\u0301 音楽');
    expect(cmd.prompt).toBe('👩\u200D🎤 vocals, chanson française café 音楽');
  });

  it('GIVEN lone surrogates THEN they become U+FFFD instead of breaking JSON or the database', () => {
    const cmd = generate('/generate piano \uD800 night');
    expect(cmd.prompt).toBe('piano \uFFFD night');
    expect(cmd.prompt.isWellFormed()).toBe(true);
  });

  it('GIVEN a 1000-code-point prompt of emoji THEN accepted; 1001 THEN prompt_too_long with the count', () => {
    expect([...generate(`/generate ${'🎹'.repeat(1000)}`).prompt]).toHaveLength(1000);
    const r = refusal(() => parseCommand(`/generate ${'🎹'.repeat(1001)}`));
    expect(r.code).toBe('prompt_too_long');
    expect(r.message).toContain('1001');
  });

  it('GIVEN a megabyte paste THEN prompt_too_long without parsing it', () => {
    expect(refusal(() => parseCommand(`/generate ${'a'.repeat(1_000_000)}`)).code).toBe('prompt_too_long');
    expect(refusal(() => parseCommand('\u0000'.repeat(1_000_000))).code).toBe('prompt_too_long');
  });
});

describe('parseCommand, other commands', () => {
  it('GIVEN /stats with a period and scope THEN they are parsed; defaults are all/server', () => {
    expect(parseCommand('/stats')).toEqual({ name: 'stats', scope: 'server', period: 'week' });
    expect(parseCommand('/stats week global')).toEqual({ name: 'stats', scope: 'global', period: 'week' });
    expect(refusal(() => parseCommand('/stats forever')).message).toContain('day|week|month|all');
  });

  it('GIVEN /recent and /help THEN they parse; /recent with arguments is refused', () => {
    expect(parseCommand('/recent')).toEqual({ name: 'recent' });
    expect(parseCommand('  /help  ')).toEqual({ name: 'help' });
    expect(refusal(() => parseCommand('/recent 5')).code).toBe('unknown_command');
  });

  it('GIVEN /search THEN the cleaned words; none or too many THEN a clear refusal', () => {
    expect(parseCommand('/search  rainy\u0000 piano ')).toEqual({ name: 'search', query: 'rainy piano' });
    expect(refusal(() => parseCommand('/search')).message).toContain('/search rainy piano');
    const long = refusal(() => parseCommand(`/search ${'x'.repeat(201)}`));
    expect(long.code).toBe('prompt_too_long');
    expect(long.message).toContain('201');
  });

  it('GIVEN an unknown command THEN the message names it (bounded) and lists real ones', () => {
    const r = refusal(() => parseCommand('/dance now'));
    expect(r.code).toBe('unknown_command');
    expect(r.message).toContain('/dance');
    expect(r.message).toContain('/help');
    expect(refusal(() => parseCommand(`/${'x'.repeat(500)}`)).message.length).toBeLessThan(200);
  });

  it('GIVEN plain text, whitespace or a non-string THEN a hint to use a command', () => {
    expect(refusal(() => parseCommand('hello')).message).toContain('start with "/"');
    expect(refusal(() => parseCommand(' \u0000 ')).code).toBe('unknown_command');
    expect(refusal(() => parseCommand({ text: '/help' })).code).toBe('unknown_command');
  });
});

describe('parseDisplayName / localActor', () => {
  it('GIVEN a name with spaces around THEN trimmed; a plain name has the name lowercased as user id', () => {
    expect(localActor('  Ada ')).toEqual({ platform: 'local', platformUserId: 'ada', guildId: 'local', displayName: 'Ada' });
    expect(localActor('Zoë_1.0').platformUserId).toBe('zoë_1.0');
  });

  it('GIVEN names with spaces or symbols THEN ids the core accepts, stable per name and distinct between names', () => {
    const core = /^[\p{L}\p{N}_.:@-]{1,64}$/u; // core/service.ts PLATFORM_ID
    const names = ['Ada Lovelace', 'ada_lovelace', 'Ada  Lovelace!', '<b>Ada</b><img src=x>', '🎧'.repeat(32), 'नमस्ते'];
    const ids = names.map((n) => localActor(n).platformUserId);
    for (const id of ids) expect(id).toMatch(core);
    expect(new Set(ids).size).toBe(names.length);
    expect(localActor('ADA LOVELACE').platformUserId).toBe(ids[0]);
    expect(ids[0]).toMatch(/^ada_lovelace:[0-9a-f]{8}$/);
  });

  it('GIVEN 32 emoji THEN accepted; 33 characters or empty THEN name_invalid', () => {
    expect(parseDisplayName('🎧'.repeat(32)).displayName).toBe('🎧'.repeat(32));
    expect(refusal(() => parseDisplayName('x'.repeat(33))).message).toContain('33');
    expect(refusal(() => parseDisplayName('   ')).code).toBe('name_invalid');
  });

  it.each([['Ada\u0000'], ['Ada\u202Eevil'], ['A\u200Bda'], ['Ada\n'], ['\uD800'], [42], [null]])(
    'GIVEN %j THEN name_invalid (refused, not silently changed)',
    (raw) => {
      expect(refusal(() => parseDisplayName(raw)).code).toBe('name_invalid');
    },
  );
});

describe('cleanText', () => {
  it('collapses whitespace and removes invisible characters but keeps ZWJ/ZWNJ', () => {
    expect(cleanText(' a\u00A0\u00A0b\u00ADc \uFEFFd \u200D \u200C ')).toBe('a bc d \u200D \u200C');
  });
});

describe('takes in the local chat', () => {
  it('GIVEN takes:3, x3, ×2 or --takes 4 at the end THEN the raw value, kept out of the prompt', () => {
    expect(parseCommand('/generate jazz trio 30s takes:3')).toEqual({ name: 'generate', prompt: 'jazz trio', durationS: 30, seed: null, takes: '3' });
    expect(parseCommand('/generate jazz trio x3 seed:7')).toEqual({ name: 'generate', prompt: 'jazz trio', durationS: null, seed: 7, takes: '3' });
    expect(parseCommand('/generate jazz trio ×2')).toEqual({ name: 'generate', prompt: 'jazz trio', durationS: null, seed: null, takes: '2' });
    expect(parseCommand('/generate jazz trio --takes 4')).toEqual({ name: 'generate', prompt: 'jazz trio', durationS: null, seed: null, takes: '4' });
  });
  it('GIVEN takes twice THEN a plain refusal', () => {
    expect(() => parseCommand('/generate jazz x2 takes:3')).toThrow('Give the number of takes only once.');
  });
});
