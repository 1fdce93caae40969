/**
 * What `/help` says on every platform: the commands, the words a prompt can use that the engine
 * understands, the limits, and the links. Data only; each frontend lays it out in its own
 * markup. Genres and tempo bounds come from the parser's own tables, so help cannot drift.
 */
import { GENRES } from './music.ts';
import { MAX_BPM, MIN_BPM } from './prompt/parse.ts';
import { DURATION_MAX_S, DURATION_MIN_S, MAX_TAKES, MIN_TAKES, PROMPT_MAX_CHARS, SEED_MAX } from './validate.ts';

export interface HelpContent {
  commands: Array<{ usage: string; description: string }>;
  /** What a prompt can say, each with example words. */
  prompt: Array<{ topic: string; words: string }>;
  limits: string[];
  links: Array<{ label: string; url: string }>;
}

export function helpContent(platform: 'discord' | 'slack', publicUrl: string): HelpContent {
  const favorite = platform === 'discord' ? 'react with ⭐ (or the server\'s emoji) or press Favorite' : 'react with :star: (or the workspace\'s emoji) or press Favorite';
  const durationSyntax = platform === 'discord' ? 'duration: and seed: options' : 'a duration and a seed last, e.g. "… 30 42" or "duration:30 seed:42"';
  return {
    commands: [
      { usage: '/generate <prompt>', description: `Make a track from a description; ${durationSyntax}. Same prompt and seed, same track.` },
      {
        usage: platform === 'discord' ? '/generate <prompt> takes:2-4' : '/generate <prompt> takes:3 (or x3)',
        description: `Takes: ${MIN_TAKES}-${MAX_TAKES} versions of one prompt (seed, seed+1, …) made together and posted ${platform === 'discord' ? 'in one message' : 'in one thread'}, each with its seed and its own Favorite; each take counts as one track in the limits, and a batch that would go over them is refused whole.`,
      },
      { usage: '/stats [server|global] [day|week|month|all]', description: 'Top tracks by favorites and plays, top creators, totals.' },
      { usage: '/recent', description: 'The latest tracks here.' },
      { usage: '/search <words>', description: 'Finished tracks whose prompt has these words.' },
      { usage: '/ditty settings …', description: 'Allowed channels, max duration, rate limit, blocked words, favorite emoji (admins change them).' },
      { usage: '/help', description: 'This page.' },
      { usage: 'Buttons', description: `Favorite: ${favorite}. Variation: same prompt, new seed. Cancel: your own track while it waits.` },
    ],
    prompt: [
      { topic: 'Style', words: GENRES.join(', ') },
      { topic: 'Tempo', words: `"at 90 bpm", "120bpm" (${MIN_BPM}-${MAX_BPM})` },
      { topic: 'Key and mode', words: '"in A minor", "F# major", "Bb"' },
      { topic: 'Mood', words: 'happy, sad, dark, chill (calm, relaxed), epic, energetic, dreamy, romantic' },
      { topic: 'Instruments', words: 'piano, electric piano, guitar, bass, strings, brass, sax, flute, organ, harp, synth, pads, bells, choir, drums, 808; "no drums" leaves them out' },
      { topic: 'Structure', words: 'intro, build, drop, breakdown, bridge, verse, chorus, outro' },
      { topic: 'Honesty', words: 'what the engine approximated or ignored is said under the track' },
    ],
    limits: [
      `Duration ${DURATION_MIN_S}-${DURATION_MAX_S} s (a server may set less); default 15 s.`,
      `Prompts up to ${PROMPT_MAX_CHARS} characters; seeds 0-${SEED_MAX}.`,
      'A few tracks per person per minute and a few at once per server; the server\'s settings may lower both.',
      'Commands work in channels, not in direct messages.',
    ],
    links: [{ label: 'Recent tracks and the local chat', url: publicUrl }],
  };
}
