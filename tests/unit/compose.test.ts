import { describe, expect, it } from 'vitest';
import { GENRES, type Genre } from '../../core/music.ts';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { compose, planSections } from '../../worker/engines/embedded/compose.ts';
import { PRESETS } from '../../worker/engines/embedded/presets.ts';
import { Key } from '../../worker/engines/embedded/theory.ts';
import { PATCHES } from '../../worker/engines/embedded/patches.ts';

const PROMPT: Record<Genre, string> = {
  lofi: 'lofi hip hop', trap: 'trap', house: 'house', techno: 'techno', ambient: 'ambient', rock: 'rock',
  jazz: 'jazz', piano: 'solo piano', dnb: 'drum and bass', cinematic: 'cinematic orchestral', pop: 'pop song',
  metal: 'heavy metal', punk: 'punk rock', indie: 'indie rock', funk: 'funk', disco: 'disco', soul: 'soul', gospel: 'gospel',
  blues: 'blues', bossa: 'bossa nova', samba: 'samba', salsa: 'salsa', reggaeton: 'reggaeton', reggae: 'reggae', afrobeat: 'afrobeat',
  country: 'country', folk: 'folk', celtic: 'celtic', shanty: 'sea shanty', lullaby: 'lullaby', chiptune: '8-bit', synthwave: 'synthwave',
  trance: 'trance', dubstep: 'dubstep', garage: 'uk garage', drill: 'drill', boombap: 'boom bap', kpop: 'k-pop', videogame: 'video game music',
};

describe('compose', () => {
  it.each(GENRES)('GIVEN the prompt for %s THEN the parser finds that style', (genre) => {
    expect(parsePrompt(PROMPT[genre], 1).genre).toBe(genre);
  });

  it.each(GENRES)('GIVEN %s THEN every note lies inside the track and ends before the last 30 ms', (genre) => {
    const c = compose(parsePrompt(PROMPT[genre], 4), 30);
    expect(c.notes.length).toBeGreaterThan(20);
    for (const n of c.notes) {
      expect(n.t).toBeGreaterThanOrEqual(0);
      expect(n.t + n.len).toBeLessThanOrEqual(30);
      expect(n.mustEndBy).toBeLessThanOrEqual(30 - 0.03);
      expect(PATCHES[n.inst]).toBeDefined();
    }
    // the music stops on a final hit with room for its decay
    expect(c.endS).toBeLessThan(30 - 1.3);
    expect(Math.max(...c.notes.map((n) => n.t))).toBeCloseTo(c.endS, 5);
  });

  it('GIVEN the same params THEN the same notes; another seed THEN other notes in the same style', () => {
    const a = compose(parsePrompt('house in A minor 124 bpm', 1), 20);
    const b = compose(parsePrompt('house in A minor 124 bpm', 1), 20);
    const c = compose(parsePrompt('house in A minor 124 bpm', 2), 20);
    expect(b.notes).toEqual(a.notes);
    expect(c.notes).not.toEqual(a.notes);
    for (const x of [a, c]) {
      const kinds = new Set(x.notes.map((n) => n.inst));
      for (const part of ['kick', 'clap', 'organ', 'pluckBass', 'pad', 'pluck'] as const) expect(kinds).toContain(part);
    }
  });

  it('GIVEN a key THEN bass and chord notes stay in its scale (harmonic minor allowed)', () => {
    for (const [prompt, key, mode] of [['pop in D major', 'D', 'major'], ['trap in F minor', 'F', 'minor']] as const) {
      const c = compose(parsePrompt(prompt, 3), 20);
      const k = new Key(key, mode);
      const tonal = c.notes.filter((n) => ['pluckBass', 'bass808', 'piano', 'pad', 'sub'].includes(n.inst));
      const inScale = tonal.filter((n) => k.inScale(n.midi)).length;
      expect(inScale / tonal.length).toBeGreaterThan(0.95);
    }
  });

  it('GIVEN genres THEN their grooves differ: four on the floor, half-time trap, no drums for piano', () => {
    const kicks = (genre: Genre) =>
      compose(parsePrompt(`${PROMPT[genre]} 120 bpm`, 1), 24).notes.filter((n) => n.inst === 'kick' || n.inst === 'kick808');
    const beat = 0.5;
    const house = kicks('house');
    expect(house.filter((n) => Math.abs(n.t / beat - Math.round(n.t / beat)) < 0.02).length / house.length).toBeGreaterThan(0.95);
    expect(house.length).toBeGreaterThan(kicks('trap').length);
    const claps = (genre: Genre) => compose(parsePrompt(`${PROMPT[genre]} 120 bpm`, 1), 24).notes.filter((n) => n.inst === 'clap').length;
    expect(claps('house')).toBeGreaterThan(claps('trap') * 1.6); // trap's clap is half-time
    expect(kicks('piano')).toHaveLength(0);
    expect(kicks('ambient')).toHaveLength(0);
    const jazz = compose(parsePrompt('jazz 120 bpm', 1), 24).notes;
    // swing: off-beat eighths land late, on the triplet grid
    const offbeats = jazz.filter((n) => n.inst === 'ride' && (n.t / beat) % 1 > 0.55 && (n.t / beat) % 1 < 0.75);
    expect(offbeats.length).toBeGreaterThan(4);
  });

  it('GIVEN "no drums" or "808" THEN the arrangement follows', () => {
    const noDrums = compose(parsePrompt('house, no drums', 1), 20).notes;
    expect(noDrums.some((n) => ['kick', 'snare', 'clap', 'hat', 'openhat'].includes(n.inst))).toBe(false);
    const with808 = compose(parsePrompt('pop with 808', 1), 20).notes;
    expect(with808.some((n) => n.inst === 'bass808')).toBe(true);
    const strings = compose(parsePrompt('lofi with strings', 1), 20).notes;
    expect(strings.some((n) => n.inst === 'strings')).toBe(true);
  });

  it('GIVEN a melody over several bars THEN it develops rather than repeating one bar', () => {
    const c = compose(parsePrompt('pop song at 120 bpm', 8), 40);
    const lead = c.notes.filter((n) => n.inst === 'pluck');
    const bars = new Map<number, string>();
    for (const n of lead) {
      const bar = Math.floor(n.t / 2);
      bars.set(bar, `${bars.get(bar) ?? ''}${n.midi},`);
    }
    expect(new Set(bars.values()).size).toBeGreaterThan(bars.size / 2);
  });
});

describe('planSections', () => {
  it.each([2, 5, 9, 16, 33, 64])('GIVEN %i bars THEN sections tile them exactly', (bars) => {
    const s = planSections(bars, [], PRESETS.pop);
    expect(s[0]!.startBar).toBe(0);
    for (let i = 1; i < s.length; i++) expect(s[i]!.startBar).toBe(s[i - 1]!.startBar + s[i - 1]!.bars);
    expect(s.at(-1)!.startBar + s.at(-1)!.bars).toBe(bars);
    if (bars >= 16) expect(s.map((x) => x.name)).toEqual(expect.arrayContaining(['intro', 'main', 'variation', 'outro']));
  });

  it('GIVEN build and drop words THEN a build precedes the drop', () => {
    const names = planSections(24, ['build', 'drop'], PRESETS.techno).map((s) => s.name);
    expect(names.indexOf('build')).toBeGreaterThan(-1);
    expect(names.indexOf('drop')).toBe(names.indexOf('build') + 1);
  });
});
