/**
 * Form: how a track's bars split into sections. A pure function of the bar count, the style's
 * form kind, the prompt's structure words and a seed-chosen variant, so that composing a longer
 * track for Extend can keep the sections of the shorter one and carry on from them.
 */
import type { FormKind } from './presets.ts';

export type SectionName = 'intro' | 'verse' | 'chorus' | 'bridge' | 'solo' | 'break' | 'build' | 'drop' | 'outro';

export interface Section {
  name: SectionName;
  startBar: number;
  bars: number;
  /** How many sections of this name came before (0 = first verse), for variation on repeats. */
  n: number;
}

/** Bodies per form kind; the seed picks one and it repeats as long as the track lasts. */
const BODIES: Record<FormKind, SectionName[][]> = {
  song: [
    ['verse', 'chorus', 'verse', 'chorus', 'bridge', 'chorus', 'chorus'],
    ['verse', 'verse', 'chorus', 'verse', 'chorus', 'bridge', 'chorus'],
    ['verse', 'chorus', 'bridge', 'verse', 'chorus', 'break', 'chorus'],
    ['chorus', 'verse', 'chorus', 'bridge', 'verse', 'chorus', 'chorus'],
  ],
  club: [
    ['verse', 'build', 'drop', 'break', 'build', 'drop', 'drop'],
    ['verse', 'drop', 'break', 'build', 'drop', 'verse', 'drop'],
    ['verse', 'verse', 'build', 'drop', 'break', 'drop', 'drop'],
    ['verse', 'break', 'build', 'drop', 'verse', 'build', 'drop'],
  ],
  jam: [
    ['verse', 'chorus', 'solo', 'verse', 'chorus', 'solo', 'chorus'],
    ['verse', 'solo', 'chorus', 'solo', 'bridge', 'verse', 'chorus'],
    ['verse', 'verse', 'solo', 'chorus', 'bridge', 'solo', 'chorus'],
    ['chorus', 'solo', 'verse', 'solo', 'chorus', 'bridge', 'verse'],
  ],
  calm: [
    ['verse', 'chorus', 'verse', 'bridge', 'chorus', 'verse'],
    ['verse', 'verse', 'chorus', 'bridge', 'verse', 'chorus'],
    ['verse', 'bridge', 'chorus', 'verse', 'chorus', 'verse'],
    ['chorus', 'verse', 'bridge', 'chorus', 'verse', 'chorus'],
  ],
};

/**
 * What plays instead of a section that would follow one of its own name: two choruses or two
 * drops back to back (the end of a body, or its repeat starting where it ended) sound as one long
 * loop to a listener; a 2-minute punk track read six 4-bar blocks alike in a row (chorus x3),
 * trance and drum and bass four (drop x2), by the self-similarity checker.
 */
const CONTRAST: Record<FormKind, Partial<Record<SectionName, SectionName>>> = {
  song: { verse: 'chorus', chorus: 'bridge', bridge: 'chorus', break: 'chorus', solo: 'chorus' },
  club: { verse: 'build', build: 'drop', drop: 'break', break: 'drop' },
  jam: { verse: 'solo', solo: 'chorus', chorus: 'solo', bridge: 'chorus' },
  calm: { verse: 'chorus', chorus: 'bridge', bridge: 'verse' },
};

const BODY_VARIANTS = 4;
export const FORM_VARIANTS = 2 * BODY_VARIANTS;

function edges(bars: number, structure: readonly string[], variant: number): { intro: number; outro: number } {
  const want = new Set(structure);
  let intro = bars >= 64 ? 8 : bars >= 24 ? 4 : bars >= 6 ? 2 : 0;
  // half the variants take a longer or shorter intro, so seeds differ in where everything falls
  // (only from 24 bars: in a short track a longer intro leaves the key and hook too little time)
  if (variant >= BODY_VARIANTS && intro >= 4) intro /= 2;
  // in a short track too, a quarter of the seeds open in one bar: with the same two bars, two
  // seeds put their sections, chords and fills on the same bars (seed similarity 0.69 median)
  else if (variant >= BODY_VARIANTS && variant % 2 === 1 && intro === 2 && bars >= 10) intro = 1;
  let outro = bars >= 24 ? 4 : bars >= 10 ? 2 : 0;
  if (want.has('intro') && !intro && bars >= 4) intro = 1;
  if (want.has('outro') && !outro && bars >= 4) outro = 1;
  return { intro, outro };
}

function body(kind: FormKind, variant: number, structure: readonly string[]): SectionName[] {
  const want = new Set(structure);
  let b = [...BODIES[kind][variant % BODY_VARIANTS]!];
  // structure words from the prompt bring in the sections they name, early enough to be heard
  if (want.has('drop') && !b.includes('drop')) b = ['verse', 'build', 'drop', ...b.slice(1)];
  if (want.has('build') && !b.includes('build')) b.splice(Math.max(1, b.indexOf('drop')), 0, 'build');
  if ((want.has('breakdown') || want.has('break')) && !b.slice(0, 4).includes('break')) b.splice(2, 0, 'break');
  if (want.has('bridge') && !b.slice(0, 4).includes('bridge')) b.splice(2, 0, 'bridge');
  if (want.has('chorus') && !b.slice(0, 2).includes('chorus') && !b.slice(0, 2).includes('drop')) b.splice(1, 0, 'chorus');
  return b;
}

/**
 * Sections tiling `bars` exactly. With `keep` (the sections of a shorter rendering of the same
 * track), those sections stay as they were except a final outro, and the body carries on after them.
 */
export function planForm(bars: number, kind: FormKind, variant: number, structure: readonly string[], keep?: Section[]): Section[] {
  bars = Math.max(1, Math.ceil(bars));
  if (bars < 4 && !keep) return [{ name: structure.includes('drop') ? 'drop' : 'verse', startBar: 0, bars, n: 0 }];
  const { intro, outro } = edges(bars, structure, variant);
  const unit = bars >= 48 ? 8 : bars >= 12 ? 4 : 2;
  const out: Section[] = [];
  const counts = new Map<SectionName, number>();
  const push = (name: SectionName, size: number) => {
    const start = out.length ? out.at(-1)!.startBar + out.at(-1)!.bars : 0;
    out.push({ name, startBar: start, bars: size, n: counts.get(name) ?? 0 });
    counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  const seq = body(kind, variant, structure);
  let bodyIndex = 0;
  if (keep) {
    const kept = keep.at(-1)?.name === 'outro' ? keep.slice(0, -1) : keep;
    for (const s of kept) push(s.name, s.bars);
    bodyIndex = kept.filter((s) => s.name !== 'intro').length;
  } else if (intro) push('intro', intro);
  const bodyEnd = bars - outro;
  let at = out.length ? out.at(-1)!.startBar + out.at(-1)!.bars : 0;
  const half = Math.floor(seq.length / 2);
  while (at < bodyEnd) {
    // past the first pass through the body, the cycle repeats its second half
    let name = seq[bodyIndex < seq.length ? bodyIndex : half + ((bodyIndex - seq.length) % (seq.length - half))]!;
    if (name === out.at(-1)?.name) name = CONTRAST[kind][name] ?? name;
    let size = Math.min(name === 'build' ? Math.max(2, unit / 2) : unit, bodyEnd - at);
    // a scrap shorter than half a unit joins the section before it
    if (bodyEnd - at - size > 0 && bodyEnd - at - size < Math.max(2, unit / 2)) size = bodyEnd - at;
    push(name, size);
    at += size;
    bodyIndex++;
  }
  if (bars - at > 0) push('outro', bars - at);
  return out;
}
