/**
 * Extend: a finished track continued for more seconds, as one piece. The parent's composition is
 * kept note for note up to where its ending begins (its outro, or the bar of its final hit); from
 * there the notes of the same prompt and seed composed for the longer duration take over, so the
 * style, key, tempo, progressions and motifs carry on and the longer piece gets its own ending.
 * Rendering is deterministic per note, so the kept part sounds as the parent did (up to the master
 * gain of the whole).
 *
 * Built on compose()'s public result only; when compose learns to continue by itself (the
 * `continueFromS` option asked for in FINDINGS), this splice can go.
 */
import type { MusicParams } from '../../../core/music.ts';
import { compose, type Composition, type Note } from './compose.ts';

/** Where the parent's ending begins, seconds: the start of its outro, else the bar of its final hit. */
export function continuationPoint(parent: Composition, bpm: number): number {
  const barS = (4 * 60) / bpm;
  const last = parent.sections.at(-1);
  const bar = last && last.name === 'outro' && parent.sections.length > 1 ? last.startBar : Math.floor(parent.endS / barS);
  return Math.max(barS, bar * barS);
}

/**
 * The composition of a track that extends others: `fromS` are the lengths of the tracks it
 * continues, oldest first (an extension of an extension continues the extension's own piece, not
 * a fresh composition of its length).
 */
export function continueComposition(params: MusicParams, fromS: readonly number[], durationS: number): Composition {
  const lengths = [...fromS, durationS];
  let piece = compose(params, lengths[0]!);
  for (let i = 1; i < lengths.length; i++) piece = splice(piece, compose(params, lengths[i]!), params.bpm, lengths[i]!);
  return piece;
}

/** `parent` up to where its ending begins, then `whole` (the same prompt and seed, longer). */
function splice(parent: Composition, whole: Composition, bpm: number, durationS: number): Composition {
  const cut = continuationPoint(parent, bpm);
  const endBy = durationS - 0.03;
  const kept: Note[] = parent.notes
    .filter((n) => n.t < cut)
    // A note ringing over the seam stops there: the continuation plays its own.
    .map((n) => ({ ...n, len: Math.min(n.len, cut - n.t), mustEndBy: endBy }));
  const barS = (4 * 60) / bpm;
  const added: Note[] = [];
  for (const n of whole.notes) {
    if (n.t >= cut) added.push(n);
    // Drones that run through the seam (vinyl hiss, long pads) pick up at it; a riser's swell then
    // takes only what is left of it, so it still peaks at its drop.
    else if (n.t + n.len > cut + barS) added.push(pickedUpAt(n, cut));
  }
  const cutBar = Math.round(cut / barS);
  const sections = [
    ...parent.sections.filter((s) => s.startBar < cutBar).map((s) => ({ ...s, bars: Math.min(s.bars, cutBar - s.startBar) })),
    ...whole.sections.filter((s) => s.startBar + s.bars > cutBar).map((s) => (s.startBar < cutBar ? { ...s, startBar: cutBar, bars: s.startBar + s.bars - cutBar } : s)),
  ];
  return { ...whole, notes: [...kept, ...added], sections };
}

function pickedUpAt(n: Note, cut: number): Note {
  const picked: Note = { ...n, t: cut, len: n.t + n.len - cut };
  if (n.attackS !== undefined) picked.attackS = Math.max(0, n.attackS - (cut - n.t));
  return picked;
}
