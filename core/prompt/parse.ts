/**
 * Prompt understanding: tempo, key and mode, genre, mood, instruments (and exclusions) and
 * structure words, from free text typed in a chat. Pure and deterministic in (text, seed):
 * anything the prompt does not say comes from the genre's defaults, varied by the seed.
 *
 * Out-of-range tempos ("500 bpm", "10 bpm") are clamped to 40..240 rather than rejected: a chat
 * user asking for "300 bpm gabber" gets the fastest track we make, and the summary shows it.
 */
import { GENRES, PITCH_CLASSES, type Genre, type Mode, type MusicParams, type PitchClass } from '../music.ts';
import { GENRE_INFO } from './genres.ts';

export const MIN_BPM = 40;
export const MAX_BPM = 240;
const MAX_TEXT = 1000;

type Explicit = MusicParams['explicit'][number];

/** Instrument vocabulary: canonical name -> words that mean it. */
const INSTRUMENTS: Array<[string, string[]]> = [
  ['electric piano', ['electric piano', 'e piano', 'epiano', 'rhodes', 'wurlitzer']],
  ['piano', ['piano', 'pianos', 'keys', 'keyboard']],
  ['808', ['808s', '808']],
  ['strings', ['strings', 'string', 'violin', 'violins', 'cello', 'cellos', 'viola']],
  ['guitar', ['guitars', 'guitar']],
  ['synth', ['synthesizer', 'synths', 'synth', 'lead']],
  ['pads', ['pads', 'pad']],
  ['bass', ['bassline', 'bass']],
  ['drums', ['drums', 'drum', 'beat', 'beats', 'percussion']],
  ['bells', ['bells', 'bell', 'glockenspiel', 'music box', 'celesta']],
  ['flute', ['flutes', 'flute']],
  ['sax', ['saxophone', 'sax']],
  ['brass', ['brass', 'horns', 'horn', 'trumpet', 'trumpets']],
  ['organ', ['organ']],
];

const MOODS: Array<[string, string[]]> = [
  ['dark', ['dark', 'sinister', 'ominous', 'evil', 'spooky', 'creepy', 'gloomy', 'menacing', 'haunting']],
  ['sad', ['sad', 'melancholic', 'melancholy', 'somber', 'sombre', 'lonely', 'heartbreak', 'heartbroken', 'tearful']],
  ['happy', ['happy', 'joyful', 'cheerful', 'sunny', 'uplifting', 'fun', 'playful', 'bright', 'summer']],
  ['chill', ['chill', 'chilled', 'relaxed', 'relaxing', 'calm', 'mellow', 'laid back', 'peaceful', 'cozy', 'cosy', 'lazy', 'soothing']],
  ['epic', ['epic', 'heroic', 'triumphant', 'grand', 'powerful', 'majestic', 'intense']],
  ['energetic', ['energetic', 'hype', 'driving', 'aggressive', 'banger', 'pumping']],
  ['dreamy', ['dreamy', 'ethereal', 'floating', 'hazy', 'nostalgic']],
  ['romantic', ['romantic', 'love', 'tender']],
];
const MINOR_MOODS = new Set(['dark', 'sad', 'epic']);
const MAJOR_MOODS = new Set(['happy', 'romantic']);

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

const FLATS: Record<string, PitchClass> = { cb: 'B', db: 'C#', eb: 'D#', fb: 'E', gb: 'F#', ab: 'G#', bb: 'A#' };
const SHARPS: Record<string, PitchClass> = { 'e#': 'F', 'b#': 'C' };

/** Lower-cased, NFKC-folded text with musical symbols spelled out and punctuation as spaces. */
export function normalizePrompt(text: string): string {
  return text
    .slice(0, MAX_TEXT * 2)
    .normalize('NFKC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, ' ')
    .replace(/♯/g, '#')
    .replace(/♭/g, 'b')
    .toLowerCase()
    .replace(/[‐-―−]/g, '-')
    .replace(/(\d),(\d)/g, '$1.$2')
    .replace(/[^\p{L}\p{N}#&.+\s-]/gu, ' ')
    .replace(/(\p{L})-(\p{L})/gu, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_TEXT);
}

/**
 * Position of a whole-word phrase in the text, or -1. Works on a word-spaced copy of the text
 * with plain indexOf: a unicode-aware regex per phrase cost ~1 ms each to compile.
 */
function hasPhrase(text: string, phrase: string): number {
  return wordSpaced(text).indexOf(` ${phrase} `);
}

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

function parseTempo(text: string): { bpm: number; clamped: boolean } | undefined {
  const patterns = [
    /(\d{1,4}(?:\.\d+)?)\s*(?:bpm|b\.p\.m\.?|beats per minute|beats a minute)/,
    /(?:bpm|tempo)\s*(?:of|at|=|:)?\s*(\d{1,4}(?:\.\d+)?)/,
  ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) {
      const raw = Number(m[1]);
      if (!Number.isFinite(raw) || raw <= 0) continue;
      const bpm = Math.round(Math.min(MAX_BPM, Math.max(MIN_BPM, raw)));
      return { bpm, clamped: bpm !== Math.round(raw) };
    }
  }
  return undefined;
}

function parseTempoWord(text: string, base: number): number | undefined {
  const rules: Array<[string[], (b: number) => number]> = [
    [['very slow', 'super slow', 'glacial'], () => 60],
    [['very fast', 'super fast', 'breakneck'], (b) => Math.max(170, b * 1.3)],
    [['mid tempo', 'midtempo', 'medium tempo', 'moderate'], () => 100],
    [['slow', 'slowly', 'downtempo', 'ballad'], (b) => Math.max(60, Math.min(b * 0.78, 85))],
    [['fast', 'quick', 'rapid', 'speedy'], (b) => Math.max(140, Math.min(b * 1.2, b + 14))],
    [['upbeat', 'up tempo', 'uptempo', 'danceable', 'bouncy'], (b) => Math.max(118, b * 1.1)],
  ];
  for (const [words, f] of rules) if (words.some((w) => hasPhrase(text, w) >= 0)) return Math.round(Math.min(MAX_BPM, Math.max(MIN_BPM, f(base))));
  return undefined;
}

function parseKey(text: string, original: string): { key?: PitchClass; mode?: Mode } {
  // "in F# minor", "Bb major", "key of D", "A min", "C sharp major", "e flat minor"
  const acc = '(#|b|sharp|flat|s)?';
  const modeRe = '(major|minor|maj|min|ionian|aeolian)';
  const withMode = new RegExp(`(?:^|[^\\p{L}#])([a-g])\\s?${acc}\\s?${modeRe}(?=$|[^\\p{L}])`, 'u').exec(text);
  if (withMode) return { key: pitch(withMode[1]!, withMode[2]), mode: modeOf(withMode[3]!) };
  const inKey = new RegExp(`(?:\\bin|key of|key)\\s([a-g])(?:\\s?(#|b(?=$|\\s)|sharp|flat))?(?=$|[^\\p{L}#])`, 'u').exec(text);
  // "Am", "F#m", "Ebm" only in the original capitalization, so "I am" is not A minor.
  const short = /(?:^|[^\p{L}#])([A-G])([#♯b♭]?)m(?=$|[^\p{L}])/u.exec(original.normalize('NFKC'));
  if (short) return { key: pitch(short[1]!.toLowerCase(), short[2]?.replace('♯', '#').replace('♭', 'b')), mode: 'minor' };
  if (inKey) return { key: pitch(inKey[1]!, inKey[2]) };
  const modeOnly = /(?:^|\s)(major|minor)(?:\s+key)?(?=$|\s)/.exec(text);
  if (modeOnly) return { mode: modeOf(modeOnly[1]!) };
  return {};
}

function pitch(letter: string, accidental?: string): PitchClass {
  const a = accidental === 'sharp' || accidental === '#' || accidental === 's' ? '#' : accidental === 'flat' || accidental === 'b' ? 'b' : '';
  const name = letter + a;
  if (a === 'b') return FLATS[name] ?? (PITCH_CLASSES[(PITCH_CLASSES.indexOf(letter.toUpperCase() as PitchClass) + 11) % 12] as PitchClass);
  if (a === '#') return SHARPS[name] ?? (`${letter.toUpperCase()}#` as PitchClass);
  return letter.toUpperCase() as PitchClass;
}

const modeOf = (w: string): Mode => (w.startsWith('maj') || w === 'ionian' ? 'major' : 'minor');

function parseGenre(text: string, instruments: string[]): Genre | undefined {
  let best: { genre: Genre; at: number; len: number } | undefined;
  for (const genre of GENRES) {
    for (const phrase of GENRE_INFO[genre].words) {
      const at = hasPhrase(text, phrase);
      // earliest mention wins; at the same place, the longer phrase ("deep house" over "house")
      if (at >= 0 && (!best || at < best.at || (at === best.at && phrase.length > best.len))) best = { genre, at, len: phrase.length };
    }
  }
  if (best) return best.genre;
  if (instruments.length === 1 && instruments[0] === 'piano') return 'piano';
  if (instruments.includes('strings') && instruments.includes('brass')) return 'cinematic';
  return undefined;
}

/** "no drums", "without bass or pads", "drumless" */
function parseExclusions(text: string): Set<string> {
  const out = new Set<string>();
  const neg = /(?:^|\s)(?:no|without|minus|sans|zero|except)\s+((?:[\p{L}\d& ]+?)(?=$|[^\p{L}\d& ]|\s(?:with|but|in|at|and then)\s))/gu;
  for (const m of text.matchAll(neg)) {
    const words = m[1]!.split(/\s+(?:and|or|nor)\s+|\s*,\s*/);
    for (const chunk of words) {
      const hit = findAll(chunk.trim(), INSTRUMENTS).find((f) => f.at <= 1);
      if (hit) out.add(hit.name);
      else if (chunk.trim() === 'melody') out.add('melody');
      else break;
    }
  }
  if (/(?:^|\s)(?:drumless|beatless|no percussion|a cappella)(?=$|\s)/.test(text)) out.add('drums');
  return out;
}

export function parsePrompt(text: string, seed: number): MusicParams {
  const s = normalizePrompt(typeof text === 'string' ? text : '');
  const uSeed = Number.isFinite(seed) ? Math.trunc(Math.abs(seed)) >>> 0 : 0;
  const explicit: Explicit[] = [];
  const excluded = parseExclusions(s);
  // An instrument counts as asked for unless every mention of it is negated.
  const stripped = s.replace(/(?:^|\s)(?:no|without|minus|sans|zero|except)\s+[\p{L}\d& ]+?(?=$|[^\p{L}\d& ])/gu, ' ');
  const instruments = findAll(stripped, INSTRUMENTS)
    .map((f) => f.name)
    .filter((n) => !excluded.has(n));
  // "drums" as an instrument word is a request only when named as such, not as part of "drum and bass".
  const genreFound = parseGenre(s, instruments);
  const genre: Genre = genreFound ?? 'pop';
  if (genreFound) explicit.push('genre');
  const info = GENRE_INFO[genre];
  const instr = genre === 'dnb' ? instruments.filter((n) => n !== 'drums' && n !== 'bass') : instruments;
  if (genre === 'piano') removeInPlace(instr, 'piano');

  const moods = findAll(s, MOODS);
  const mood = moods[0]?.name ?? null;
  if (mood) explicit.push('mood');

  const rng = mulberry(uSeed ^ 0x9e3779b9);
  let bpm: number;
  const tempo = parseTempo(s);
  if (tempo) {
    bpm = tempo.bpm;
    explicit.push('bpm');
  } else {
    let base = info.bpm + Math.round((rng() * 2 - 1) * info.bpmSpread);
    if (mood === 'chill' || mood === 'sad') base = Math.round(base * 0.93);
    if (mood === 'energetic') base = Math.round(base * 1.06);
    const word = parseTempoWord(s, info.bpm);
    if (word !== undefined) explicit.push('bpm');
    bpm = Math.min(MAX_BPM, Math.max(MIN_BPM, word ?? base));
  }

  const parsedKey = parseKey(s, typeof text === 'string' ? text.slice(0, MAX_TEXT * 2) : '');
  const keyPick = PITCH_CLASSES[Math.floor(rng() * 12)]!;
  const key = parsedKey.key ?? keyPick;
  if (parsedKey.key) explicit.push('key');
  let mode: Mode = info.mode;
  if (mood && MINOR_MOODS.has(mood)) mode = 'minor';
  if (mood && MAJOR_MOODS.has(mood)) mode = 'major';
  if (parsedKey.mode) {
    mode = parsedKey.mode;
    explicit.push('mode');
  }
  if (instr.length) explicit.push('instruments');
  const structure = findAll(s, STRUCTURE).map((f) => f.name);
  if (structure.length) explicit.push('structure');

  return { bpm, key, mode, genre, mood, instruments: instr, excluded: [...excluded], structure, seed: uSeed, explicit };
}

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

const FLAT_NAMES: Partial<Record<PitchClass, string>> = { 'A#': 'Bb', 'D#': 'Eb', 'G#': 'Ab' };

/** One line for the chat: "lo-fi hip hop · 80 bpm · A minor · piano, drums". */
export function describeParams(p: MusicParams): string {
  const info = GENRE_INFO[p.genre];
  const keyName = (p.mode === 'major' || p.key === 'D#' || p.key === 'A#' ? FLAT_NAMES[p.key] : undefined) ?? p.key;
  const shown = [...new Set([...p.instruments, ...info.instruments])].filter((i) => !p.excluded.includes(i)).slice(0, 5);
  const parts = [p.mood ? `${p.mood} ${info.label}` : info.label, `${p.bpm} bpm`, `${keyName} ${p.mode}`];
  if (shown.length) parts.push(shown.join(', '));
  if (p.excluded.length) parts.push(`no ${p.excluded.join(', no ')}`);
  if (p.structure.length) parts.push(p.structure.join(' → '));
  return parts.join(' · ');
}
