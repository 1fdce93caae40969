/**
 * `/similar [words]` on every platform: the anchor is the server's best prompt match for the words
 * (or its latest finished track), then "More like this" from it. Frontends render the result with
 * their own escaping; the wording of reasons and empty answers is here, once.
 */
import type { ChatCore, SimilarResult, SimilarTrackView } from './chat.ts';
import type { Platform } from './jobs.ts';

export const SIMILAR_LIMIT = 5;

/** Null when the server has no finished track matching (or none at all). */
export async function similarForWords(core: ChatCore, platform: Platform, guildId: string, words: string): Promise<SimilarResult | null> {
  const text = words.trim();
  const [anchor] = text ? await core.search(platform, guildId, text, 1) : await core.recent(platform, guildId, 1);
  if (!anchor) return null;
  return core.similar(platform, guildId, anchor.id, SIMILAR_LIMIT);
}

/** "same key, close tempo" or, with no reason to name, what the order means. */
export function reasonText(t: SimilarTrackView): string {
  return t.reasons.length ? t.reasons.join(', ') : 'closest overall';
}

/** "124.0 bpm · D minor" as measured (not as asked). */
export function measuredText(t: SimilarTrackView): string {
  const parts = [t.measured.tempoBpm === null ? 'no steady beat' : `${t.measured.tempoBpm.toFixed(0)} bpm`];
  if (t.measured.key) parts.push(t.measured.key);
  return parts.join(' · ');
}

/** The sentence for a result with nothing to list. */
export function emptySimilarText(result: SimilarResult | null, words: string): string {
  if (!result) return words.trim() ? 'No finished track on this server matches those words.' : 'This server has no finished track yet.';
  if (!result.analysed) return 'This track is still being analysed; try again in a few seconds.';
  return 'No other finished track on this server to compare it with yet.';
}
