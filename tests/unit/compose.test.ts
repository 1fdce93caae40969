import { describe, expect, it } from 'vitest';
import { GENRES, type Genre } from '../../core/music.ts';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { compose, type Composition } from '../../worker/engines/embedded/compose.ts';
import { continuationPoint, continueComposition } from '../../worker/engines/embedded/extend.ts';
import { FORM_VARIANTS, planForm } from '../../worker/engines/embedded/form.ts';
import { LANES, pick, type Lane } from '../../worker/engines/embedded/presets.ts';
import { STYLES } from '../../worker/engines/embedded/styles/index.ts';
import { Key, progression } from '../../worker/engines/embedded/theory.ts';
import { PATCHES } from '../../worker/engines/embedded/patches.ts';

const PROMPT: Record<Genre, string> = {
  lofi: 'lofi hip hop', trap: 'trap', house: 'house', techno: 'techno', ambient: 'ambient', rock: 'rock',
  jazz: 'jazz', piano: 'solo piano', dnb: 'drum and bass', cinematic: 'cinematic orchestral', pop: 'pop song',
  metal: 'heavy metal', punk: 'punk rock', indie: 'indie rock', funk: 'funk', disco: 'disco', soul: 'soul', gospel: 'gospel',
  blues: 'blues', bossa: 'bossa nova', samba: 'samba', salsa: 'salsa', reggaeton: 'reggaeton', reggae: 'reggae', afrobeat: 'afrobeat',
  country: 'country', folk: 'folk', celtic: 'celtic', shanty: 'sea shanty', lullaby: 'lullaby', chiptune: '8-bit', synthwave: 'synthwave',
  trance: 'trance', dubstep: 'dubstep', garage: 'uk garage', drill: 'drill', boombap: 'boom bap', kpop: 'k-pop', videogame: 'video game music',
};

const DRUMS = new Set<string>([...LANES, 'kick808', 'riser', 'hiss']);
const tonal = (c: Composition) => c.notes.filter((n) => !DRUMS.has(n.inst));
const withKey = (genre: Genre, extra = '') => parsePrompt(`${PROMPT[genre]} in D minor at 110 bpm ${extra}`, 1);

describe('styles as data', () => {
  it.each(GENRES)('GIVEN the prompt for %s THEN the parser finds that style', (genre) => {
    expect(parsePrompt(PROMPT[genre], 1).genre).toBe(genre);
  });

  it.each(GENRES)('GIVEN style %s THEN its grooves, fills, progressions and instruments are well formed', (genre) => {
    const s = STYLES[genre];
    if (s.grooves) {
      expect(s.grooves.length).toBeGreaterThanOrEqual(3);
      expect(s.fills.length).toBeGreaterThanOrEqual(2);
      for (const g of [...s.grooves, ...(s.fastGrooves ?? []), ...(s.intro ? [s.intro] : [])]) {
        for (const [lane, steps] of Object.entries(g)) {
          expect(LANES).toContain(lane as Lane);
          expect([16, 32]).toContain(steps.length);
          expect(steps).toMatch(/^[xo.-]+$/);
        }
      }
      for (const f of s.fills) for (const steps of Object.values(f)) expect(steps.length).toBeLessThanOrEqual(16);
    }
    for (const mode of ['major', 'minor'] as const) {
      expect(s.progressions[mode].length).toBeGreaterThanOrEqual(2);
      for (const numerals of s.progressions[mode]) {
        const chords = progression(2, numerals);
        expect([2, 4, 8, 12]).toContain(chords.length);
        for (const c of chords) expect(c.pcs.length).toBeGreaterThanOrEqual(3);
      }
    }
    const insts = [s.bass.inst, s.chords.inst, s.melody.inst, s.pad ?? [], s.counter ?? []].flatMap((x) => [...pick<unknown>(x)] as string[]);
    for (const i of insts.filter(Boolean)) expect(PATCHES[i as keyof typeof PATCHES]).toBeDefined();
  });

  it.each(GENRES)('GIVEN %s THEN every note lies inside the track and ends before the last 30 ms', (genre) => {
    const c = compose(parsePrompt(PROMPT[genre], 4), 30);
    expect(c.notes.length).toBeGreaterThan(20);
    for (const n of c.notes) {
      expect(n.t).toBeGreaterThanOrEqual(0);
      expect(n.t + n.len).toBeLessThanOrEqual(30);
      expect(n.mustEndBy).toBeLessThanOrEqual(30 - 0.03);
      expect(PATCHES[n.inst]).toBeDefined();
      expect(Number.isFinite(n.midi) && Number.isFinite(n.vel)).toBe(true);
    }
    // the music stops on a final hit with room for its decay
    expect(c.endS).toBeLessThan(30 - 1.3);
    expect(Math.max(...c.notes.map((n) => n.t))).toBeCloseTo(c.endS, 5);
    expect(c.kit).toBe(STYLES[genre].kit);
  });

  it('GIVEN every pair of styles at the same seed, key and tempo THEN their notes differ clearly', () => {
    // what a part plays where: instrument and 16th position in the bar
    const sig = (g: Genre) => new Set(compose(withKey(g), 30).notes.map((n) => `${n.inst}@${Math.round((n.t / (60 / 110)) * 4) % 16}`));
    const sigs = GENRES.map((g) => [g, sig(g)] as const);
    for (let i = 0; i < sigs.length; i++) {
      for (let j = i + 1; j < sigs.length; j++) {
        const [a, sa] = sigs[i]!;
        const [b, sb] = sigs[j]!;
        const inter = [...sa].filter((x) => sb.has(x)).length;
        const jaccard = inter / (sa.size + sb.size - inter);
        expect(jaccard, `${a} vs ${b}`).toBeLessThan(0.75);
      }
    }
  });
});

describe('compose', () => {
  it('GIVEN the same params THEN the same notes; other seeds THEN other progressions, melodies, grooves and forms in the same style', () => {
    const a = compose(parsePrompt('house in A minor 124 bpm', 1), 60);
    expect(compose(parsePrompt('house in A minor 124 bpm', 1), 60).notes).toEqual(a.notes);
    const seeds = [1, 2, 3, 4, 5, 6].map((s) => compose(parsePrompt('pop song in C major at 110 bpm', s), 60));
    const bar = 4 * (60 / 110);
    const roots = (c: Composition) => {
      const bass = tonal(c).filter((n) => n.midi < 52);
      return Array.from({ length: 24 }, (_, b) => bass.find((n) => Math.abs(n.t - b * bar) < 0.05)?.midi ?? -1).join(',');
    };
    const melody = (c: Composition) => tonal(c).filter((n) => n.midi >= 67).map((n) => `${n.midi}@${n.t.toFixed(2)}`).join(',');
    const kicks = (c: Composition) => c.notes.filter((n) => n.inst === 'kick').map((n) => Math.round((n.t / (60 / 110)) * 4) % 64).sort().join(',');
    const distinct = (f: (c: Composition) => string) => new Set(seeds.map(f)).size;
    expect(distinct(roots)).toBeGreaterThanOrEqual(4);
    expect(distinct(melody)).toBe(6);
    expect(distinct(kicks)).toBeGreaterThanOrEqual(4);
    expect(new Set(seeds.map((c) => c.sections.map((s) => `${s.name}${s.bars}`).join())).size).toBeGreaterThanOrEqual(2);
    for (const c of seeds) expect(c.bpm).toBe(110);
  });

  it('GIVEN seeds THEN the stage moves with them: comping on either side, chords spread wide, bass and kick in the centre', () => {
    const sides = new Set<number>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const c = compose(parsePrompt('pop song in C major at 110 bpm', seed), 30);
      const chordInst = c.notes.find((n) => n.t > 8 && ['piano', 'brightPiano', 'epiano', 'pluck', 'stab', 'cleanGuitar', 'steelGuitar', 'organ'].includes(n.inst))?.inst;
      expect(chordInst, `seed ${seed}`).toBeDefined();
      const pans = c.notes.filter((n) => n.inst === chordInst && n.t > 8).map((n) => n.pan);
      const mean = pans.reduce((a, b) => a + b, 0) / pans.length;
      sides.add(Math.sign(mean));
      // a chord's notes cover more than one side of the stage (they stood within +-0.45 of one place)
      expect(Math.max(...pans) - Math.min(...pans), `seed ${seed}`).toBeGreaterThan(1);
      for (const n of c.notes.filter((n) => n.inst === 'kick' || /Bass|^sub$/.test(n.inst))) expect(Math.abs(n.pan)).toBeLessThan(0.01);
      expect(c.mirror).toBe(mean > 0);
    }
    expect(sides).toEqual(new Set([-1, 1]));
  });

  it('GIVEN a style with one progression that opens on home (samba in major) THEN the seeds still give it a chorus of its own', () => {
    let own = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const c = compose(parsePrompt('samba in Eb major at 96 bpm', seed), 60);
      const bar = 4 * (60 / 96);
      // the pitch classes the guitar comps in each of the section's first four bars
      const roots = (name: string) => {
        const s = c.sections.find((x) => x.name === name);
        if (!s) return [];
        return Array.from({ length: Math.min(4, s.bars) }, (_, i) => {
          const t = (s.startBar + i) * bar;
          const pcs = new Set(c.notes.filter((n) => /Guitar/.test(n.inst) && n.t >= t - 0.05 && n.t < t + bar - 0.05).map((n) => n.midi % 12));
          return [...pcs].sort((a, b) => a - b).join('.');
        });
      };
      const v = roots('verse');
      const ch = roots('chorus');
      // a substitute chord (varyProgression) changes one bar; another progression two or more
      if (ch.length && ch.filter((x, i) => x !== v[i]).length >= 2) own++;
    }
    // (the verse's progression again in every seed before: samba has one home progression in major)
    expect(own).toBeGreaterThanOrEqual(4);
  });

  it('GIVEN a key THEN bass and chord notes stay in its scale (harmonic minor allowed)', () => {
    for (const [prompt, key, mode] of [['pop in D major', 'D', 'major'], ['trap in F minor', 'F', 'minor'], ['house in A minor', 'A', 'minor']] as const) {
      for (const seed of [1, 2, 3]) {
        const c = compose(parsePrompt(prompt, seed), 30);
        const k = new Key(key, mode);
        const notes = tonal(c);
        const inScale = notes.filter((n) => k.inScale(n.midi) || k.inScale(n.midi - 1)).length;
        expect(inScale / notes.length).toBeGreaterThan(0.97);
        expect(notes.filter((n) => k.inScale(n.midi)).length / notes.length).toBeGreaterThan(0.9);
      }
    }
  });

  it('GIVEN styles THEN their idioms: four on the floor, half-time trap, dembow, clave, one drop, swing, no drums for piano', () => {
    const beat = 0.5;
    const at = (genre: Genre, inst: string, seed = 1) =>
      compose(parsePrompt(`${PROMPT[genre]} 120 bpm`, seed), 24).notes.filter((n) => n.inst === inst).map((n) => n.t / beat);
    const onBeat = (ts: number[]) => ts.filter((t) => Math.abs(t - Math.round(t)) < 0.03).length / ts.length;
    for (const g of ['house', 'disco', 'trance'] as const) expect(onBeat(at(g, 'kick')), g).toBeGreaterThan(0.95);
    expect(at('house', 'kick').length).toBeGreaterThan(at('trap', 'kick808').length);
    const backbeat = (g: Genre) => at(g, 'clap').length + at(g, 'snare').length;
    expect(backbeat('house')).toBeGreaterThan(backbeat('trap') * 1.6); // trap's clap is half-time
    expect(at('piano', 'kick')).toHaveLength(0);
    expect(at('ambient', 'kick')).toHaveLength(0);
    // dembow: snare on the last 16th of beat 1 (step 3) in most bars
    const dembow = [...at('reggaeton', 'snare'), ...at('reggaeton', 'clap')].map((t) => Math.round((t % 4) * 4));
    expect(dembow.filter((s) => s === 3).length).toBeGreaterThan(4);
    // son clave: steps 0, 3, 6, 10, 12
    const clave = new Set(at('salsa', 'clave').map((t) => Math.round((t % 4) * 4)));
    expect([...clave].sort((a, b) => a - b)).toEqual(expect.arrayContaining([0, 3, 6, 10, 12]));
    // swing: jazz off-beat eighths land late, on the triplet grid
    const ride = at('jazz', 'ride').filter((t) => t % 1 > 0.55 && t % 1 < 0.75);
    expect(ride.length).toBeGreaterThan(4);
    // one drop: reggae's kick never on beat 1 in the one-drop groove, which some seed plays
    const drops = [1, 2, 3, 4, 5, 6].map((s) => at('reggae', 'kick', s).filter((t) => Math.abs(t % 4) < 0.05).length);
    expect(Math.min(...drops)).toBeLessThan(3);
    // metal: double kicks
    expect(at('metal', 'kick').length).toBeGreaterThan(at('rock', 'kick').length * 1.5);
  });

  it('GIVEN "no drums", "808" or an instrument THEN the arrangement follows', () => {
    const noDrums = compose(parsePrompt('house, no drums', 1), 20).notes;
    expect(noDrums.some((n) => DRUMS.has(n.inst) && n.inst !== 'riser')).toBe(false);
    expect(compose(parsePrompt('pop with 808', 1), 20).notes.some((n) => n.inst === 'bass808')).toBe(true);
    expect(compose(parsePrompt('lofi with strings', 1), 20).notes.some((n) => n.inst === 'strings')).toBe(true);
    expect(compose(parsePrompt('pop with a harp', 1), 20).notes.some((n) => n.inst === 'harp')).toBe(true);
    expect(compose(parsePrompt('jazz with flute', 1), 20).notes.some((n) => n.inst === 'flute')).toBe(true);
  });

  it('GIVEN "X only" THEN only X plays (the whole band played before)', () => {
    const insts = (text: string) => new Set(compose(parsePrompt(text, 1), 20).notes.map((n) => n.inst));
    expect([...insts('lofi piano only')]).toEqual(['piano']);
    expect([...insts('acoustic guitar only')]).toEqual(['steelGuitar']);
    expect([...insts('flute only')]).toEqual(['flute']);
    expect([...insts('drums only techno')].every((i) => DRUMS.has(i)), [...insts('drums only techno')].join()).toBe(true);
  });

  it('GIVEN moods THEN density, dynamics and register follow: happy busier, louder and higher than sad', () => {
    const stats = (mood: string) => {
      const all = [1, 2, 3, 4].map((s) => compose(parsePrompt(`${mood} pop song in C major at 110 bpm`, s), 40));
      const notes = all.flatMap((c) => c.notes);
      const tones = all.flatMap(tonal);
      const hits = notes.filter((n) => n.inst === 'kick' || n.inst === 'snare');
      return {
        count: notes.length / all.length,
        vel: hits.reduce((a, n) => a + n.vel, 0) / hits.length,
        pitch: tones.reduce((a, n) => a + n.midi, 0) / tones.length,
      };
    };
    const happy = stats('happy');
    const sad = stats('sad');
    const energetic = stats('energetic');
    const chill = stats('chill');
    expect(happy.count).toBeGreaterThan(sad.count);
    expect(energetic.count).toBeGreaterThan(chill.count);
    expect(happy.vel).toBeGreaterThan(sad.vel * 1.1);
    expect(happy.pitch).toBeGreaterThan(sad.pitch + 1);
    expect(stats('dreamy').pitch).toBeGreaterThan(stats('dark').pitch + 2);
  });

  // Issue 11: moods change density. Happy (density 1.1) rounded a sparse motif's 2 or 3 notes back
  // to 2 or 3 and touched no comping or bass: happy jazz, folk and ambient played 2-3% more notes a
  // beat than plain (jazz 2.62 -> 2.69, folk 3.93 -> 4.06), the rest only from the faster tempo.
  it.each(['jazz', 'folk', 'ambient'] as const)('GIVEN happy, energetic, sad or dreamy %s THEN its notes a beat move with the mood (happy left them flat)', (genre) => {
    const perBeat = (mood: string) => {
      let onsets = 0;
      let beats = 0;
      for (const seed of [1, 2, 3, 4]) {
        const c = compose(parsePrompt(`${mood} ${PROMPT[genre]}`.trim(), seed), 40);
        // a chord is one onset: distinct start times of the pitched parts
        onsets += new Set(tonal(c).map((n) => n.t.toFixed(2))).size;
        beats += c.endS / (60 / c.bpm);
      }
      return onsets / beats;
    };
    const plain = perBeat('');
    expect(perBeat('happy')).toBeGreaterThan(plain * 1.08);
    expect(perBeat('energetic')).toBeGreaterThan(plain * 1.08);
    expect(perBeat('sad')).toBeLessThan(plain * 0.95);
    expect(perBeat('dreamy')).toBeLessThan(plain * 0.95);
  });
});

describe('form', () => {
  /** Each 4-bar block as what plays in it, relative to the block start. */
  const blocks = (c: Composition) => {
    const len = 16 * (60 / c.bpm);
    const out = new Map<number, string[]>();
    for (const n of c.notes) {
      const b = Math.floor(n.t / len + 1e-6);
      out.set(b, [...(out.get(b) ?? []), `${n.inst}:${n.midi}:${(n.t - b * len).toFixed(3)}:${n.vel.toFixed(2)}`]);
    }
    return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.sort().join('|'));
  };

  it.each(GENRES)('GIVEN a 2-minute %s track THEN sections develop and no 4-bar block repeats unchanged more than twice in a row', (genre) => {
    for (const seed of [1, 2]) {
      const c = compose(parsePrompt(PROMPT[genre], seed), 120);
      const names = new Set(c.sections.map((s) => s.name));
      expect(names.size).toBeGreaterThanOrEqual(4);
      const b = blocks(c);
      for (let i = 2; i < b.length; i++) expect(b[i] === b[i - 1] && b[i] === b[i - 2], `${genre} block ${i}`).toBe(false);
      // not a 4-bar loop: most blocks are unlike the others
      expect(new Set(b).size).toBeGreaterThan(b.length * 0.6);
    }
  });

  it('GIVEN continueFromS THEN the extended track keeps everything before the first outro and carries on', () => {
    for (const genre of ['pop', 'house', 'jazz', 'ambient', 'blues'] as const) {
      const p = parsePrompt(PROMPT[genre], 11);
      const first = compose(p, 30);
      const ext = compose(p, 60, { continueFromS: 30 });
      // up to the bar before the outro (or the end): the last bar of a track cadences, an extended one goes on
      const outroBar = first.sections.find((s) => s.name === 'outro')?.startBar ?? Math.ceil(first.endS / (4 * (60 / p.bpm)));
      const cut = (outroBar - 1) * 4 * (60 / p.bpm) - 0.02;
      const before = (c: Composition) => c.notes.filter((n) => n.t < cut).map((n) => ({ ...n, len: Math.min(n.len, cut - n.t), mustEndBy: 0 }));
      expect(before(ext)).toEqual(before(first));
      expect(ext.sections.slice(0, first.sections.length - 1)).toEqual(first.sections.slice(0, -1));
      expect(ext.sections.at(-1)!.name).toBe('outro');
      expect(ext.endS).toBeGreaterThan(first.endS + 25);
    }
  });

  it('GIVEN an Extend whose seam falls inside a build THEN the picked-up riser still peaks at the drop', () => {
    let pickedUp = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const p = parsePrompt(PROMPT.house, seed);
      const parent = compose(p, 45);
      const cut = continuationPoint(parent, p.bpm);
      const whole = compose(p, 75);
      const extended = continueComposition(p, [45], 75);
      const barS = (4 * 60) / p.bpm;
      // (a riser ending within a bar of the seam is left out, as every note that barely crosses it)
      for (const riser of whole.notes.filter((n) => n.inst === 'riser' && n.t < cut && n.t + n.len > cut + barS)) {
        const picked = extended.notes.find((n) => n.inst === 'riser' && n.t === cut);
        expect(picked, `seed ${seed}`).toBeDefined();
        expect(picked!.t + picked!.attackS!).toBeCloseTo(riser.t + riser.attackS!, 6);
        pickedUp++;
      }
    }
    expect(pickedUp).toBeGreaterThan(0);
  });

  it.each([2, 5, 9, 16, 33, 64, 100])('GIVEN %i bars THEN sections tile them exactly', (bars) => {
    for (const kind of ['song', 'club', 'jam', 'calm'] as const) {
      const s = planForm(bars, kind, 1, []);
      expect(s[0]!.startBar).toBe(0);
      for (let i = 1; i < s.length; i++) expect(s[i]!.startBar).toBe(s[i - 1]!.startBar + s[i - 1]!.bars);
      expect(s.at(-1)!.startBar + s.at(-1)!.bars).toBe(bars);
      if (bars >= 16) expect(s.map((x) => x.name)).toEqual(expect.arrayContaining(['intro', 'verse', 'outro']));
    }
  });

  // Two choruses or two drops back to back read as one long loop by the audio self-similarity
  // check (a 2-minute punk track: six 4-bar blocks alike in a row, from chorus x3).
  it('GIVEN any form, variant and length THEN no section follows one of its own name', () => {
    for (const kind of ['song', 'club', 'jam', 'calm'] as const) {
      for (let variant = 0; variant < FORM_VARIANTS; variant++) {
        for (let bars = 8; bars <= 120; bars++) {
          for (const structure of [[], ['drop'], ['chorus', 'bridge']]) {
            const names = planForm(bars, kind, variant, structure).map((s) => s.name);
            for (let i = 1; i < names.length; i++) expect(names[i], `${kind} ${variant} ${bars} ${structure}: ${names}`).not.toBe(names[i - 1]);
          }
        }
      }
    }
  });

  it('GIVEN build and drop words THEN a build precedes the drop', () => {
    const names = planForm(24, 'song', 0, ['build', 'drop']).map((s) => s.name);
    expect(names.indexOf('build')).toBeGreaterThan(-1);
    expect(names.indexOf('drop')).toBe(names.indexOf('build') + 1);
  });
});

describe('strummed chords', () => {
  // A strum is one stroke. Placed string by string, every string after the first counted as
  // "between the beats" and played at a fifth of the first below 90 bpm (5-6 times softer).
  it.each([1, 2, 3, 5, 6])('GIVEN country at 70 bpm, seed %i THEN each strum on a beat sounds all its strings alike', (seed) => {
    const c = compose(parsePrompt('country at 70 bpm', seed), 30);
    const beatS = 60 / c.bpm;
    const strings = c.notes.filter((n) => n.inst === 'steelGuitar' || n.inst === 'banjo');
    let strums = 0;
    for (let k = 0; k * beatS < 30; k++) {
      const strum = strings.filter((n) => n.t >= k * beatS - 0.03 && n.t < k * beatS + 0.09);
      if (strum.length < 4) continue;
      strums++;
      const vels = strum.map((n) => n.vel);
      expect(Math.max(...vels) / Math.min(...vels), `strum at ${(k * beatS).toFixed(2)} s`).toBeLessThan(2);
    }
    expect(strums).toBeGreaterThan(4);
  });
});
