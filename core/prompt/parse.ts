/**
 * Prompt understanding: tempo, key and mode, style, mood, instruments (and exclusions) and
 * structure words, from free text typed in a chat, in English and (for styles, keys and common
 * instruments) German, French, Spanish, Portuguese and Japanese, plus obvious emoji. Pure and
 * deterministic in (text, seed): anything the prompt does not say comes from the style's defaults,
 * varied by the seed.
 *
 * Nothing is dropped silently: a style or instrument we do not have is played as the nearest one
 * we do, a word we cannot honour at all is listed as ignored, and a prompt naming no style gets the
 * default style; all of it goes into `params.notes`, which `describeNotes` words for every frontend.
 *
 * Out-of-range tempos ("500 bpm", "10 bpm") are clamped to 40..240 rather than rejected: a chat
 * user asking for "300 bpm gabber" gets the fastest track we make, and the notice says so.
 */
import {
  GENRES, ONLY_ASKED, isGenre, usualKeyName, type Approximation, type Genre, type KeyName, type Mode, type MusicParams, type PromptNotes,
} from '../music.ts';
import { GENRE_INFO } from './genres.ts';
import { EMOJI_WORDS, INSTRUMENT_ALIASES, NEAREST_INSTRUMENTS, NEAREST_STYLES, STYLE_ALIASES, UNPLAYABLE } from './vocabulary.ts';

export const MIN_BPM = 40;
export const MAX_BPM = 240;
const MAX_TEXT = 1000;
export const DEFAULT_GENRE: Genre = 'pop';

type Explicit = MusicParams['explicit'][number];

/**
 * Instrument vocabulary: the name the composition knows (compose.ts INSTRUMENT_ROLES, checked by a
 * test) -> words that mean it. Longer phrases are read first and blanked, so "upright bass" is
 * not also "bass" and "electric piano" not also "piano".
 */
const INSTRUMENTS: Array<[string, string[]]> = [
  ['electric piano', ['electric piano', 'e piano', 'epiano', 'rhodes', 'wurlitzer', 'wurli']],
  ['piano', ['piano', 'pianos', 'keys', 'keyboard', 'grand piano']],
  ['808', ['808s', '808']],
  ['strings', ['strings', 'string section', 'string quartet', 'orchestral strings']],
  ['violin', ['violin', 'violins', 'viola']],
  ['fiddle', ['fiddle', 'fiddles']],
  ['cello', ['cello', 'cellos']],
  ['guitar', ['guitars', 'guitar', 'clean guitar']],
  ['acoustic guitar', ['acoustic guitar', 'steel guitar']],
  ['nylon guitar', ['nylon guitar', 'spanish guitar', 'flamenco guitar']],
  ['classical guitar', ['classical guitar']],
  ['electric guitar', ['electric guitar', 'lead guitar']],
  ['distorted guitar', ['distorted guitar', 'distortion guitar', 'overdriven guitar', 'heavy guitar']],
  ['synth', ['synthesizer', 'synths', 'synth', 'lead', 'synth lead']],
  ['pads', ['pads', 'pad']],
  ['bass', ['bassline', 'bass', 'bass guitar', 'electric bass']],
  ['upright bass', ['upright bass', 'double bass', 'contrabass', 'acoustic bass']],
  ['slap bass', ['slap bass']],
  ['synth bass', ['synth bass']],
  ['acid bass', ['acid bass', '303', 'tb 303']],
  ['drums', ['drums', 'drum', 'beat', 'beats', 'percussion', 'drum kit']],
  ['bells', ['bells', 'bell', 'chimes']],
  ['glockenspiel', ['glockenspiel']],
  ['celesta', ['celesta', 'celeste']],
  ['music box', ['music box']],
  ['flute', ['flutes', 'flute']],
  ['sax', ['saxophone', 'sax', 'saxophones']],
  ['brass', ['brass', 'horns', 'horn', 'horn section', 'french horn']],
  ['trumpet', ['trumpet', 'trumpets']],
  ['trombone', ['trombone', 'trombones']],
  ['clarinet', ['clarinet', 'clarinets']],
  ['organ', ['organ', 'hammond', 'church organ']],
  ['harp', ['harp', 'harps']],
  ['choir', ['choir', 'choirs', 'chorale']],
  ['accordion', ['accordion']],
  ['banjo', ['banjo']],
  ['harpsichord', ['harpsichord']],
  ['clavinet', ['clavinet', 'clav']],
  ['bagpipes', ['bagpipes', 'bagpipe']],
  ['harmonica', ['harmonica']],
  ['marimba', ['marimba']],
  // "vibes" alone is slang far more often ("chill vibes", "good vibes" added a vibraphone); as an
  // instrument it follows a listing word
  ['vibraphone', ['vibraphone', 'with vibes', 'and vibes', 'plus vibes', 'on vibes']],
  ['xylophone', ['xylophone']],
  ['kalimba', ['kalimba', 'thumb piano']],
  ['steel drums', ['steel drums', 'steel drum', 'steelpan', 'steel pan']],
  ['tin whistle', ['tin whistle', 'penny whistle']],
  ['pan flute', ['pan flute', 'panpipes', 'pan pipes']],
  ['sitar', ['sitar']],
  ...INSTRUMENT_ALIASES.map(([word, name]): [string, string[]] => [name, [word]]),
];

/** The instrument names the parser hands the composition (for the test that the engine knows them all). */
export const INSTRUMENT_NAMES: readonly string[] = [...new Set([...INSTRUMENTS.map(([name]) => name), ...NEAREST_INSTRUMENTS.map(([, used]) => used)])];

/** Every instrument phrase with its name, longest first. */
const INSTRUMENT_PHRASES: Array<[string, string]> = INSTRUMENTS.flatMap(([name, words]) => words.map((w): [string, string] => [w, name]))
  .sort((a, b) => b[0].length - a[0].length);

/** Instruments named in the text, in prompt order; each phrase is blanked once read. */
function findInstruments(text: string): Array<{ name: string; at: number }> {
  let rest = text;
  const found: Array<{ name: string; at: number }> = [];
  for (const [phrase, name] of INSTRUMENT_PHRASES) {
    for (;;) {
      const at = hasPhrase(rest, phrase);
      if (at < 0) break;
      found.push({ name, at });
      rest = blank(rest, phrase);
    }
  }
  return found.sort((a, b) => a.at - b.at);
}

const MOODS: Array<[string, string[]]> = [
  ['dark', ['dark', 'sinister', 'ominous', 'evil', 'spooky', 'creepy', 'gloomy', 'menacing', 'haunting', 'dunkel', 'sombre', 'oscuro', 'escuro', 'dunkle', 'düster']],
  ['sad', ['sad', 'melancholic', 'melancholy', 'somber', 'lonely', 'heartbreak', 'heartbroken', 'tearful', 'triste', 'traurig', 'traurige', 'trauriges']],
  ['happy', ['happy', 'joyful', 'cheerful', 'sunny', 'uplifting', 'fun', 'playful', 'bright', 'summer', 'feliz', 'alegre', 'fröhlich', 'fröhliche', 'fröhliches', 'glücklich', 'heureux', 'joyeux']],
  ['chill', ['chill', 'chilled', 'relaxed', 'relaxing', 'calm', 'mellow', 'laid back', 'peaceful', 'cozy', 'cosy', 'lazy', 'soothing', 'tranquilo', 'calme', 'ruhig', 'entspannt', 'relajado']],
  ['epic', ['epic', 'heroic', 'triumphant', 'grand', 'powerful', 'majestic', 'intense', 'épico', 'épique', 'episch']],
  ['energetic', ['energetic', 'hype', 'driving', 'aggressive', 'banger', 'pumping', 'enérgico', 'énergique', 'energisch']],
  ['dreamy', ['dreamy', 'ethereal', 'floating', 'hazy', 'nostalgic', 'rêveur', 'soñador', 'verträumt']],
  ['romantic', ['romantic', 'love', 'tender', 'romántico', 'romântico', 'romantique', 'romantisch']],
];
const MINOR_MOODS = new Set(['dark', 'sad', 'epic']);
const MAJOR_MOODS = new Set(['happy', 'romantic']);
/** How a mood moves the style's default tempo (an explicit tempo always wins). */
const MOOD_TEMPO: Record<string, number> = { happy: 1.08, energetic: 1.12, sad: 0.88, dark: 0.94, dreamy: 0.9, romantic: 0.9, chill: 0.92 };
/** A mood keeps the tempo within this fraction of the style's own. */
const MOOD_TEMPO_RANGE = 0.15;

const STRUCTURE: Array<[string, string[]]> = [
  ['intro', ['intro', 'introduction']],
  ['build', ['build up', 'buildup', 'build', 'builds', 'building', 'rise', 'riser']],
  ['drop', ['drop', 'drops']],
  ['breakdown', ['breakdown', 'break down']],
  ['bridge', ['bridge']],
  ['verse', ['verse', 'verses']],
  ['chorus', ['chorus', 'hook']],
  ['outro', ['outro', 'ending', 'fade out']],
];

const EMOJI_RE = new RegExp(EMOJI_WORDS.map(([e]) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu');
const EMOJI_MAP = new Map(EMOJI_WORDS);

/**
 * NFKC-folded text with emoji read as words, musical symbols spelled out and punctuation as spaces,
 * case kept (key names need it: "Am" is A minor, "am" is not).
 */
export function foldPrompt(text: string): string {
  return text
    .slice(0, MAX_TEXT * 2)
    .replace(EMOJI_RE, (e) => ` ${EMOJI_MAP.get(e) ?? ''} `)
    .normalize('NFKC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, ' ')
    .replace(/♯/g, '#')
    .replace(/♭/g, 'b')
    .replace(/[‐-―−]/g, '-')
    .replace(/(\d),(\d)/g, '$1.$2')
    .replace(/[^\p{L}\p{N}#&.+\s-]/gu, ' ')
    .replace(/(\p{L})-(\p{L})/gu, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_TEXT);
}

/** Lower-cased `foldPrompt`: what every phrase table is matched against. */
export function normalizePrompt(text: string): string {
  return foldPrompt(text).toLowerCase();
}

/**
 * Position of a whole-word phrase in the text, or -1. Works on a word-spaced copy of the text
 * with plain indexOf: a unicode-aware regex per phrase cost ~1 ms each to compile.
 */
function hasPhrase(text: string, phrase: string): number {
  // Japanese and Chinese put no spaces between words: their phrases match anywhere.
  if (NO_SPACES.test(phrase)) {
    const at = wordSpaced(text).indexOf(phrase);
    return at;
  }
  return wordSpaced(text).indexOf(` ${phrase} `);
}
const NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

let lastText = '';
let lastSpaced = ' ';
function wordSpaced(text: string): string {
  if (text !== lastText) {
    lastText = text;
    lastSpaced = ` ${text.replace(/[^\p{L}\p{N}#&]+/gu, ' ').trim()} `;
  }
  return lastSpaced;
}

/** The earliest phrase of any entry found in the text, with its position. */
function findAll(text: string, table: Array<[string, string[]]>): Array<{ name: string; at: number; phrase: string }> {
  const found: Array<{ name: string; at: number; phrase: string }> = [];
  for (const [name, phrases] of table) {
    let best: { at: number; phrase: string } | undefined;
    for (const phrase of phrases) {
      const at = hasPhrase(text, phrase);
      if (at >= 0 && (!best || at < best.at)) best = { at, phrase };
    }
    if (best) found.push({ name, ...best });
  }
  return found.sort((a, b) => a.at - b.at);
}

function clampBpm(raw: number): number {
  return Math.round(Math.min(MAX_BPM, Math.max(MIN_BPM, raw)));
}

/** "120 bpm", "tempo 120", "bpm: 120". */
function parseTempo(text: string): { bpm: number; raw: number } | undefined {
  const patterns = [
    /(\d{1,4}(?:\.\d+)?)\s*(?:bpm|b\.p\.m\.?|beats per minute|beats a minute)/,
    /(?:bpm|tempo)\s*(?:of|at|=|:)?\s*(\d{1,4}(?:\.\d+)?)/,
  ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) {
      const raw = Number(m[1]);
      if (!Number.isFinite(raw) || raw <= 0) continue;
      return { bpm: clampBpm(raw), raw };
    }
  }
  return undefined;
}

/**
 * "dnb 174": a number right after a style word is its tempo when nothing else could be meant:
 * it is the only number in the prompt, it carries no unit, and it is a tempo we can play.
 */
function bareTempoAfter(text: string, stylePhrases: string[]): number | undefined {
  const numbers = [...wordSpaced(text).matchAll(/ (\d+(?:\.\d+)?)(?= )/g)];
  // wordSpaced drops the dot of "174.5"; count the raw text's numbers instead.
  const raw = text.match(/(?:^|\s)\d+(?:\.\d+)?(?=$|\s)/g) ?? [];
  if (raw.length !== 1 || numbers.length < 1) return undefined;
  const n = Number(raw[0]!.trim());
  if (!Number.isFinite(n) || n < MIN_BPM || n > MAX_BPM) return undefined;
  const spaced = ` ${text} `;
  return stylePhrases.some((p) => spaced.includes(` ${p} ${raw[0]!.trim()} `)) ? Math.round(n) : undefined;
}

function parseTempoWord(text: string, base: number): number | undefined {
  const rules: Array<[string[], (b: number) => number]> = [
    [['very slow', 'super slow', 'glacial'], () => 60],
    [['very fast', 'super fast', 'breakneck'], (b) => Math.max(170, b * 1.3)],
    [['mid tempo', 'midtempo', 'medium tempo', 'moderate'], () => 100],
    [['slow', 'slowly', 'downtempo', 'ballad', 'lento', 'langsam'], (b) => Math.max(60, Math.min(b * 0.78, 85))],
    [['fast', 'quick', 'rapid', 'speedy', 'rápido', 'rapido', 'schnell', 'rapide'], (b) => Math.max(140, Math.min(b * 1.2, b + 14))],
    [['upbeat', 'up tempo', 'uptempo', 'danceable', 'bouncy'], (b) => Math.max(118, b * 1.1)],
  ];
  for (const [words, f] of rules) if (words.some((w) => hasPhrase(text, w) >= 0)) return clampBpm(f(base));
  return undefined;
}

// ---------------------------------------------------------------------------------------- keys

interface ParsedKey { key?: KeyName; mode?: Mode }

/** Letter plus accidental as written, folded to a key name: 'bb' → 'Bb', 'e#' → 'F'. */
function spell(letter: string, accidental: string | undefined): KeyName {
  const L = letter.toUpperCase();
  const a = accidental === 'sharp' || accidental === '#' ? '#' : accidental === 'flat' || accidental === 'b' ? 'b' : '';
  const name = `${L}${a}`;
  const folded: Record<string, KeyName> = { 'E#': 'F', 'B#': 'C', Fb: 'E' };
  return folded[name] ?? (name as KeyName);
}

const modeOf = (w: string): Mode => (/^(maj|ionian|dur|majeur|mayor|maior|maggiore)/i.test(w) ? 'major' : 'minor');

/** German note names before Dur/Moll: B is B flat, H is B, -is sharpens, -es/-s flattens. */
const GERMAN: Record<string, KeyName> = {
  c: 'C', cis: 'C#', ces: 'Cb', d: 'D', dis: 'D#', des: 'Db', e: 'E', eis: 'F', es: 'Eb', f: 'F', fis: 'F#', fes: 'E',
  g: 'G', gis: 'G#', ges: 'Gb', a: 'A', ais: 'A#', as: 'Ab', b: 'Bb', h: 'B', his: 'C',
};
/** Solfège (French, Spanish, Portuguese, Italian). */
const SOLFEGE: Record<string, string> = { do: 'C', ut: 'C', re: 'D', ré: 'D', mi: 'E', fa: 'F', sol: 'G', la: 'A', si: 'B' };
const SOLFEGE_SHARP = /^(dièse|diese|sostenido|sustenido|diesis)$/;

/** Words after "Am" that make it English ("Am I dreaming"), not A minor. */
const AM_IS_ENGLISH = new Set(['i', 'is', 'not', 'so', 'just', 'going', 'gonna', 'here', 'there', 'still', 'really', 'very', 'too', 'a', 'the', 'in', 'on', 'at', 'back', 'home', 'ready', 'done', 'feeling', 'tired', 'lost', 'alone']);

/**
 * Keys as people write them: "F# minor", "Bb major", "e flat minor", "Am", "key of D", "d-Moll",
 * "Es-Dur", "fis-Moll", "ré mineur", "si bémol majeur", "re menor", "la mayor". A letter alone is
 * a key only where English cannot mean something else: "Am I dreaming" and "in a song" are not.
 */
function parseKey(cased: string): ParsedKey {
  const found: Array<ParsedKey & { at: number }> = [];
  const B = '(?:^|[^\\p{L}\\p{N}#])';
  const E = '(?=$|[^\\p{L}\\p{N}#])';
  // English letter + mode: "F# minor", "Bb maj", "e flat minor", "A min".
  for (const m of cased.matchAll(new RegExp(`${B}([a-g])\\s?(#|b|sharp|flat)?\\s?(major|minor|maj|min|ionian|aeolian)${E}`, 'giu'))) {
    const [all, letter, acc, mode] = m;
    // "a major hit", "a minor detail": a lowercase "a" is the article unless a key is plainly meant.
    if (letter === 'a' && !acc) {
      const before = cased.slice(0, m.index).toLowerCase();
      const after = cased.slice(m.index + all.length).toLowerCase();
      if (!/(?:^|\s)(?:in|key|of)\s*$/.test(before) && !/^\s*(?:$|key|scale)/.test(after)) continue;
    }
    found.push({ at: m.index, key: spell(letter!, acc?.toLowerCase()), mode: modeOf(mode!) });
  }
  // German: "d-Moll", "Es-Dur", "fis-Moll", "B-Dur" (= Bb major), "h-Moll".
  for (const m of cased.matchAll(new RegExp(`${B}(cis|ces|c|dis|des|d|eis|es|e|fis|fes|f|gis|ges|g|ais|as|a|b|his|h)\\s?(dur|moll)${E}`, 'giu'))) {
    found.push({ at: m.index, key: GERMAN[m[1]!.toLowerCase()]!, mode: m[2]!.toLowerCase() === 'dur' ? 'major' : 'minor' });
  }
  // Solfège: "ré mineur", "sol majeur", "si bémol majeur", "re menor", "la mayor", "fa sostenido menor".
  const solfegeRe = `${B}(do|ut|ré|re|mi|fa|sol|la|si)\\s?(dièse|diese|bémol|bemol|sostenido|sustenido|diesis)?\\s?(majeur|mineur|mayor|menor|maior|maggiore|minore)${E}`;
  for (const m of cased.matchAll(new RegExp(solfegeRe, 'giu'))) {
    const acc = m[2]?.toLowerCase();
    found.push({ at: m.index, key: spell(SOLFEGE[m[1]!.toLowerCase()]!, acc ? (SOLFEGE_SHARP.test(acc) ? '#' : 'b') : undefined), mode: modeOf(m[3]!) });
  }
  // Chord-symbol minor, capital letter only: "Am", "F#m", "Ebm".
  for (const m of cased.matchAll(new RegExp(`${B}([A-G])([#b]?)m${E}`, 'gu'))) {
    if (m[1] === 'A' && !m[2]) {
      const next = /^\s*([\p{L}']+)/u.exec(cased.slice(m.index + m[0].length))?.[1]?.toLowerCase();
      if (next && (AM_IS_ENGLISH.has(next) || /^(i'm|im|gonna)$/.test(next))) continue;
    }
    found.push({ at: m.index, key: spell(m[1]!, m[2]), mode: 'minor' });
  }
  if (found.length) {
    const first = found.sort((a, b) => a.at - b.at)[0]!;
    return { key: first.key, mode: first.mode };
  }
  // Solfège with its accidental and no mode: "si bémol", "fa sostenido" (the accidental makes it a
  // key; "la" or "si" alone is an article or "if").
  const solfegeAcc = new RegExp(`${B}(do|ut|ré|re|mi|fa|sol|la|si)\\s?(dièse|diese|bémol|bemol|sostenido|sustenido|diesis)${E}`, 'iu').exec(cased);
  if (solfegeAcc) return { key: spell(SOLFEGE[solfegeAcc[1]!.toLowerCase()]!, SOLFEGE_SHARP.test(solfegeAcc[2]!.toLowerCase()) ? '#' : 'b') };
  // "key of d", "in the key of Eb"; "in F#", "in Bb" (capital letter or an accidental: "in a" is English).
  const keyOf = new RegExp(`key(?: of)?\\s([a-g])(?:\\s?(#|b|sharp|flat))?${E}`, 'iu').exec(cased);
  if (keyOf) return { key: spell(keyOf[1]!, keyOf[2]?.toLowerCase()) };
  const inKey = new RegExp(`${B}in\\s(?:([A-G])(?:\\s?(#|b|sharp|flat))?|([a-g])\\s?(#|sharp|flat))${E}`, 'u').exec(cased);
  if (inKey) return { key: spell(inKey[1] ?? inKey[3]!, (inKey[2] ?? inKey[4])?.toLowerCase()) };
  // "in minor", "minor key", "sad minor piano"; "a major banger" is English.
  const modeOnly = /(?:^|\s)(?<!(?:^|\s)an?\s)(major|minor|dur|moll)(?:\s+key)?(?=$|\s)/i.exec(cased);
  if (modeOnly) return { mode: modeOf(modeOnly[1]!) };
  return {};
}

// --------------------------------------------------------------------------------------- styles

interface StyleHit { genre: Genre; at: number; phrase: string; approximate: boolean }

/** Every phrase that names a style we have, with how it is read; earliest mention wins. */
function styleTables(): Array<{ phrase: string; genre: Genre; approximate: boolean }> {
  const out: Array<{ phrase: string; genre: Genre; approximate: boolean }> = [];
  const own = new Set<string>();
  for (const genre of GENRES) {
    for (const phrase of GENRE_INFO[genre].words) {
      out.push({ phrase, genre, approximate: false });
      own.add(phrase);
    }
  }
  for (const [phrase, id] of STYLE_ALIASES) if (isGenre(id) && !own.has(phrase)) out.push({ phrase, genre: id, approximate: false });
  // A style we do not have stays an approximation even where a style lists its word as its own.
  const nearest = new Map(NEAREST_STYLES.filter(([, id]) => isGenre(id)) as Array<[string, Genre]>);
  return [
    ...out.filter((e) => !nearest.has(e.phrase)),
    ...[...nearest].map(([phrase, genre]) => ({ phrase, genre, approximate: true })),
  ];
}
let styleTable: ReturnType<typeof styleTables> | undefined;

function findStyles(text: string): StyleHit[] {
  styleTable ??= styleTables();
  const hits: StyleHit[] = [];
  for (const entry of styleTable) {
    const at = hasPhrase(text, entry.phrase);
    if (at >= 0) hits.push({ ...entry, at });
  }
  // Earliest mention first; at the same place the longer phrase ("deep house" over "house").
  return hits.sort((a, b) => a.at - b.at || b.phrase.length - a.phrase.length);
}

/** "no drums", "without bass or pads", "drumless" */
function parseExclusions(text: string): Set<string> {
  const out = new Set<string>();
  const neg = /(?:^|\s)(?:no|without|minus|sans|zero|except|sin|ohne)\s+((?:[\p{L}\d& ]+?)(?=$|[^\p{L}\d& ]|\s(?:with|but|in|at|and then)\s))/gu;
  for (const m of text.matchAll(neg)) {
    const words = m[1]!.split(/\s+(?:and|or|nor)\s+|\s*,\s*/);
    for (const chunk of words) {
      const hit = findInstruments(chunk.trim()).find((f) => f.at <= 1);
      if (hit) out.add(hit.name);
      else if (chunk.trim() === 'melody') out.add('melody');
      else break;
    }
  }
  if (/(?:^|\s)(?:drumless|beatless|no percussion|a cappella)(?=$|\s)/.test(text)) out.add('drums');
  return out;
}

const ONLY_BEFORE = /(?:^|\s)(?:only|just|solo)\s+(?:(?:a|an|the)\s+)?$/u;
const ONLY_AFTER = /^[\p{L}\d]+(?:\s[\p{L}\d]+)?\s+(?:only|alone)(?=$|\s)/u;
const exclusionLabel = (x: string) => (x === ONLY_ASKED ? 'nothing else' : `no ${x}`);

/** Blanks a phrase out of the text (same length), so words inside it are not read again. */
function blank(text: string, phrase: string): string {
  const spaced = ` ${text} `;
  const at = spaced.indexOf(` ${phrase} `);
  if (at < 0) return text;
  return (spaced.slice(0, at + 1) + ' '.repeat(phrase.length) + spaced.slice(at + 1 + phrase.length)).slice(1, -1);
}

export function parsePrompt(text: string, seed: number): MusicParams {
  const raw = typeof text === 'string' ? text : '';
  const cased = foldPrompt(raw);
  const s = cased.toLowerCase();
  const uSeed = Number.isFinite(seed) ? Math.trunc(Math.abs(seed)) >>> 0 : 0;
  const explicit: Explicit[] = [];
  const approximated: Approximation[] = [];
  const ignored: string[] = [];
  const excluded = parseExclusions(s);

  // Instruments we cannot play become the nearest we can, or are ignored; their words are then
  // blanked so "steel drums" is not also read as "drums".
  let rest = s.replace(/(?:^|\s)(?:no|without|minus|sans|zero|except|sin|ohne)\s+[\p{L}\d& ]+?(?=$|[^\p{L}\d& ])/gu, ' ');
  const nearestInstruments: Array<{ name: string; at: number }> = [];
  for (const [phrase, used] of NEAREST_INSTRUMENTS) {
    const at = hasPhrase(rest, phrase);
    if (at < 0) continue;
    nearestInstruments.push({ name: used, at });
    if (!approximated.some((a) => a.asked === phrase)) approximated.push({ asked: phrase, used, kind: 'instrument' });
    rest = blank(rest, phrase);
  }
  for (const word of UNPLAYABLE) {
    if (hasPhrase(rest, word) < 0) continue;
    ignored.push(word);
    rest = blank(rest, word);
  }
  const named = [...findInstruments(rest), ...nearestInstruments].sort((a, b) => a.at - b.at).map((f) => f.name);
  const instruments = [...new Set(named)].filter((n) => !excluded.has(n));

  const styles = findStyles(s);
  let genre: Genre = DEFAULT_GENRE;
  let styleHit = styles[0];
  if (styleHit) {
    genre = styleHit.genre;
    // "classical strings and brass" is orchestral, not solo piano.
    if (genre === 'piano' && /classi|klassi|clási|cláss/.test(styleHit.phrase) && (instruments.includes('strings') || instruments.includes('brass')) && isGenre('cinematic')) genre = 'cinematic';
    explicit.push('genre');
    if (styleHit.approximate) approximated.unshift({ asked: styleHit.phrase, used: GENRE_INFO[genre].label, kind: 'style' });
  } else if (instruments.length === 1 && instruments[0] === 'piano') {
    genre = 'piano';
    explicit.push('genre');
  } else if (instruments.includes('strings') && instruments.includes('brass')) {
    genre = 'cinematic';
    explicit.push('genre');
  }
  const info = GENRE_INFO[genre];
  // "drums" as an instrument word is a request only when named as such, not as part of "drum and bass".
  const instr = genre === 'dnb' && styleHit ? instruments.filter((n) => n !== 'drums' && n !== 'bass') : instruments;
  if (genre === 'piano') removeInPlace(instr, 'piano');

  const moods = findAll(s, MOODS);
  const mood = moods[0]?.name ?? null;
  if (mood) explicit.push('mood');

  const rng = mulberry(uSeed ^ 0x9e3779b9);
  let bpm: number;
  const tempo = parseTempo(s) ?? (styleHit ? wrapBare(bareTempoAfter(s, styles.map((h) => h.phrase))) : undefined);
  if (tempo) {
    bpm = tempo.bpm;
    explicit.push('bpm');
    if (tempo.bpm !== Math.round(tempo.raw)) approximated.push({ asked: `${trimNumber(tempo.raw)} bpm`, used: `${tempo.bpm} bpm`, kind: 'tempo' });
  } else {
    let base = info.bpm + Math.round((rng() * 2 - 1) * info.bpmSpread);
    const factor = mood ? MOOD_TEMPO[mood] : undefined;
    if (factor) {
      const lo = info.bpm * (1 - MOOD_TEMPO_RANGE);
      const hi = info.bpm * (1 + MOOD_TEMPO_RANGE);
      base = Math.round(Math.min(hi, Math.max(lo, base * factor)));
    }
    const word = parseTempoWord(s, info.bpm);
    if (word !== undefined) explicit.push('bpm');
    bpm = clampBpm(word ?? base);
  }

  const parsedKey = parseKey(cased);
  const keyPick = Math.floor(rng() * 12);
  if (parsedKey.key) explicit.push('key');
  let mode: Mode = info.mode;
  if (mood && MINOR_MOODS.has(mood)) mode = 'minor';
  if (mood && MAJOR_MOODS.has(mood)) mode = 'major';
  if (parsedKey.mode) {
    mode = parsedKey.mode;
    explicit.push('mode');
  }
  const key = parsedKey.key ?? usualKeyName(keyPick, mode);
  if (instr.length) explicit.push('instruments');
  // "lofi piano only", "acoustic guitar only", "jazz with only piano", "solo guitar": the named
  // instruments and nothing else (these played the whole band, and the reply did not say so).
  if (instr.length && findInstruments(rest).some((f) => ONLY_BEFORE.test(s.slice(0, f.at)) || ONLY_AFTER.test(s.slice(f.at)))) excluded.add(ONLY_ASKED);
  const structure = findAll(s, STRUCTURE).map((f) => f.name);
  if (structure.length) explicit.push('structure');

  const understood: string[] = [];
  if (styleHit && !styleHit.approximate) understood.push(info.label);
  if (explicit.includes('bpm')) understood.push(`${bpm} bpm`);
  if (parsedKey.key) understood.push(`${key} ${mode}`);
  else if (parsedKey.mode) understood.push(mode);
  if (mood) understood.push(mood);
  const approximatedInstruments = new Set(approximated.filter((a) => a.kind === 'instrument').map((a) => a.used));
  const namedAsAsked = new Set(findInstruments(rest).map((f) => f.name));
  understood.push(...instr.filter((i) => !approximatedInstruments.has(i) || namedAsAsked.has(i)));
  understood.push(...[...excluded].map(exclusionLabel), ...structure);
  const notes: PromptNotes = { understood, approximated, ignored, defaultStyle: !explicit.includes('genre') };

  return { bpm, key, mode, genre, mood, instruments: instr, excluded: [...excluded], structure, seed: uSeed, explicit, notes };
}

function wrapBare(bpm: number | undefined): { bpm: number; raw: number } | undefined {
  return bpm === undefined ? undefined : { bpm, raw: bpm };
}

const trimNumber = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function removeInPlace(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Small local PRNG: core must not depend on the engine's. */
function mulberry(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The key as shown. Rows stored before keys kept their spelling (no `notes`) hold sharps only, so
 * those are shown in the usual spelling for the mode (A# major → Bb major).
 */
export function keyLabel(p: Pick<MusicParams, 'key' | 'mode' | 'notes'>): string {
  if (p.notes) return `${p.key} ${p.mode}`;
  const sharps = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  const pc = sharps.indexOf(p.key);
  return `${pc >= 0 ? usualKeyName(pc, p.mode) : p.key} ${p.mode}`;
}

/** One line for the chat: "lo-fi hip hop · 80 bpm · A minor · piano, drums". */
export function describeParams(p: MusicParams): string {
  const info = GENRE_INFO[p.genre] ?? GENRE_INFO[DEFAULT_GENRE];
  const only = p.excluded.includes(ONLY_ASKED);
  const shown = [...new Set([...p.instruments, ...(only ? [] : info.instruments)])].filter((i) => !p.excluded.includes(i)).slice(0, 5);
  const parts = [p.mood ? `${p.mood} ${info.label}` : info.label, `${p.bpm} bpm`, keyLabel(p)];
  if (shown.length) parts.push(shown.join(', '));
  if (p.excluded.length) parts.push(p.excluded.map(exclusionLabel).join(', '));
  if (p.structure.length) parts.push(p.structure.join(' → '));
  return parts.join(' · ');
}

/**
 * What the track does not do as asked, in plain words, or null when it does everything asked:
 * "Played as reggae: I don't know ska yet. Played synth instead of theremin. Ignored: 'kazoo'."
 * The asked words are the prompt's: each frontend escapes the sentence as user text.
 */
export function describeNotes(p: MusicParams): string | null {
  const notes = p.notes;
  if (!notes) return null;
  const label = (GENRE_INFO[p.genre] ?? GENRE_INFO[DEFAULT_GENRE]).label;
  const out: string[] = [];
  for (const a of notes.approximated) {
    if (a.kind === 'style') out.push(`Played as ${a.used}: I don't know ${a.asked} yet.`);
    else if (a.kind === 'instrument') out.push(`Played ${a.used} instead of ${a.asked}: I can't play ${a.asked} yet.`);
    else out.push(`Played at ${a.used}: ${a.asked} is outside ${MIN_BPM}-${MAX_BPM} bpm.`);
  }
  if (notes.defaultStyle) out.push(`I didn't recognise a style, so I played ${label}.`);
  if (notes.ignored.length) out.push(`Ignored: ${notes.ignored.map((w) => `'${w}'`).join(', ')}.`);
  return out.length ? out.join(' ') : null;
}
