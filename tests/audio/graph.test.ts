import { beforeAll, describe, expect, it } from 'vitest';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { compose } from '../../worker/engines/embedded/compose.ts';
import { instrumentBank, sessionsFor, synthesize, type Sessions } from '../../worker/engines/embedded/index.ts';
import type { InstrumentBank } from '../../worker/engines/embedded/soundfont.ts';
import { SAMPLE_RATE } from '../../worker/engines/embedded/synth-graph.ts';

/**
 * A chunk runs the smallest graph that covers its synth rows; what that graph renders must be
 * what the full graph renders, to the bit, or a style's sound would depend on which chunks happen
 * to carry which kind of synth note.
 */
describe('graphs for the row kinds a chunk has', () => {
  let real: Sessions;
  let bank: InstrumentBank;
  beforeAll(async () => {
    [real, bank] = await Promise.all([sessionsFor('cpu'), instrumentBank()]);
  });

  /** The mix of a style's composition, and how many chunks each graph ran (by its kinds). */
  async function mix(style: string, graphs: 'all' | 'full only'): Promise<{ left: Float32Array; right: Float32Array; runs: Map<string, number> }> {
    const runs = new Map<string, number>();
    const counted = real.graphs.map(({ kinds, session }) => {
      const name = [...kinds].join('') || 'none';
      // a session whose run() is counted; everything else is the real session
      const spy = new Proxy(session, {
        get: (target, prop) => (prop === 'run' ? (...a: Parameters<typeof session.run>) => (runs.set(name, (runs.get(name) ?? 0) + 1), target.run(...a)) : Reflect.get(target, prop)),
      });
      return { kinds, session: spy };
    });
    const chosen: Sessions = { tables: real.tables, graphs: graphs === 'all' ? counted : counted.slice(-1) };
    const params = parsePrompt(style, 4);
    const composition = compose(params, 12);
    const out = await synthesize(chosen, bank, composition, composition.kit, params.seed, 12 * SAMPLE_RATE);
    return { left: out.left.slice(), right: out.right.slice(), runs };
  }

  const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

  it.each([
    ['rock', 'none'], // every voice sampled
    ['pop', 'd'], // fast DSF rows only
    ['ambient', 's'], // slow DSF rows only
    ['trap', 'dfnsg'], // FM drums
  ])('GIVEN %s THEN its chunks run the graph for "%s" (or smaller), and the mix equals the full graph\'s sample for sample', async (style, largest) => {
    const chosen = await mix(style, 'all');
    const full = await mix(style, 'full only');
    expect([...chosen.runs.keys()].every((k) => k === 'none' || largest.includes(k) || k.split('').every((c) => largest.includes(c)))).toBe(true);
    expect(chosen.runs.get(largest)).toBeGreaterThan(0);
    expect(full.runs.get('dfnsg')).toBeGreaterThan(0);
    expect(same(chosen.left, full.left)).toBe(true);
    expect(same(chosen.right, full.right)).toBe(true);
    // and it is music, not two equal silences
    expect(chosen.left.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeGreaterThan(0.01);
  });
});
