/**
 * Hostile text for every place a bot echoes what a user typed: markup of both platforms,
 * mentions, links, headings, quotes, lists, subtext, code fences, invisible, bidi and tag
 * characters, NUL and other controls, emoji, right-to-left scripts and very long text. Each
 * fragment is used alone and inside ordinary prompt words, so markup is tried at the start of a
 * line (where headings and quotes live) and in the middle of one.
 */
const FRAGMENTS: readonly string[] = [
  // Discord markdown
  '**bold**', '*italic*', '__underline__', '_under_', '~~strike~~', '||spoiler||', '`code`', '``double``',
  '```js\nconsole.log(1)\n```', '```', '````', '> quote', '>>> block quote', '# heading', '## heading two',
  '### heading three', '-# subtext', '- list item', '* star list', '+ plus list', '1. numbered', '10) paren list',
  '[masked](https://evil.example/x)', '[ditty](<https://evil.example>)', '![img](https://evil.example/i.png)',
  '\\*escaped\\*', '\\', '\\\\', '<:custom:123456789012345678>', '<a:anim:123456789012345678>', '<t:1700000000:R>',
  '</generate:123456789012345678>', '<id:customize>', 'line one\n# heading after newline', 'text\n> quote after newline',
  'text\r\n- list after CRLF', 'a\n\n\n\nb',
  // mentions on both platforms
  '@everyone', '@here', '@Everyone', '@ everyone', '<@123456789012345678>', '<@!123456789012345678>',
  '<@&123456789012345678>', '<#123456789012345678>', '<!channel>', '<!here>', '<!everyone>', '<@U0ALICE01>',
  '<#C0GENERAL|general>', '<!subteam^S123|@team>', '<!date^1392734382^{date}|Feb 18>', '@channel', '@here!',
  // links
  'https://evil.example/path?q=1', 'http://evil.example', 'www.evil.example', 'evil.example', 'steam://run/1',
  '<https://evil.example|click me>', '<mailto:a@evil.example|mail>', 'discord.gg/invite', 'javascript:alert(1)',
  'https://evil.example/`code`', 'hxxps://evil[.]example',
  // Slack mrkdwn and escaping
  '*slack bold*', '_slack italic_', '~slack strike~', '&lt;!channel&gt;', '&amp;', '&', 'a < b > c', '<>', '<<>>',
  ':smile: :tada:', '::skin-tone-2', '|pipe|label|',
  // invisible, bidi and tag characters
  '\u200b\u200b\u200b piano', 'pi\u200bano', '\u2060\u2061\u2062\u2063\u2064 drums', '\ufeff bass', 'a\u00adb',
  '\u202eevil reversed', 'left \u202d\u202c right', '\u2066isolate\u2069', '\u200e\u200f marks', '\u061c arabic mark',
  '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} flag', '\u{E0041}\u{E0042} hidden tags', 'x\u3164y', 'ㅤ',
  // controls
  'nul\u0000byte', '\u0000', 'bell\u0007', 'esc\u001b[31mred', 'tab\there', 'vt\u000bff\u000c', 'del\u007f', 'c1\u0085next',
  'line\u2028sep', 'para\u2029sep',
  // emoji and scripts
  '🎹🎷🥁', '👩\u200d🎤 vocals', '👍🏽', '🇯🇵 city pop', 'مرحبا بالعالم', 'שלום עולם', 'موسيقى هادئة 80 bpm',
  'Привет мир', '音楽 ピアノ', '한국어 노래', 'ｆｕｌｌｗｉｄｔｈ', 'Z̴̡̛a̷͜l̵g̶o̸', 'e\u0301\u0301\u0301',
  // quotes and json-ish
  '"quoted"', "'single'", '{"a":1}', '${7*7}', '{{template}}', '%s %d', '<script>alert(1)</script>', '<b>html</b>',
];

const WRAPS: readonly ((f: string) => string)[] = [
  (f) => f,
  (f) => `lo-fi piano ${f} at 80 bpm`,
  (f) => `${f} chill beats`,
];

export interface HostileCase {
  name: string;
  text: string;
}

/** Fragments alone and wrapped in prompt words, plus a few long and mixed cases; every text unique. */
export function hostileCorpus(): HostileCase[] {
  const seen = new Set<string>();
  const out: HostileCase[] = [];
  const add = (name: string, text: string) => {
    if (seen.has(text)) return;
    seen.add(text);
    out.push({ name, text });
  };
  FRAGMENTS.forEach((f, i) => WRAPS.forEach((wrap, w) => add(`fragment ${i} wrap ${w}`, wrap(f))));
  add('10k characters of markup', '**@everyone** '.repeat(715).slice(0, 10_000));
  add('10k plain characters', 'a'.repeat(10_000));
  add('10k emoji', '🎵'.repeat(10_000));
  add('every fragment at once', FRAGMENTS.join(' '));
  add('every fragment on its own line', FRAGMENTS.join('\n'));
  add('forty fragments on their own lines (a prompt the core accepts)', FRAGMENTS.slice(0, 40).join('\n'));
  return out;
}

/** A spread of the corpus for end-to-end runs: one of each kind, so the slow path stays short. */
export function hostileSample(): HostileCase[] {
  const all = hostileCorpus();
  const pick = (needle: string) => all.find((c) => c.text.includes(needle))!;
  return [
    pick('[masked](https://evil.example/x)'),
    pick('# heading'),
    pick('-# subtext'),
    pick('<!channel>'),
    pick('@everyone'),
    pick('```js'),
    pick('\u202eevil'),
    pick('nul\u0000byte'),
    all.find((c) => c.name.startsWith('forty fragments'))!,
    // Refused by the core (too long): nothing public may appear.
    all.find((c) => c.name === 'every fragment on its own line')!,
  ];
}
