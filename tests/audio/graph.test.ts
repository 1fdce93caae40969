import { beforeAll, describe, expect, it } from 'vitest';
import { parsePrompt } from '../../core/prompt/parse.ts';
import { compose } from '../../worker/engines/embedded/compose.ts';
import { instrumentBank, sessionsFor, synthesize, type Sessions } from '../../worker/engines/embedded/index.ts';
import type { InstrumentBank } from '../../worker/engines/embedded/soundfont.ts';
import { SAMPLE_RATE } from '../../worker/engines/embedded/synth-graph.ts';

/**
 * The lean graph (no synth voices) runs every chunk that has no synth rows; what it renders must
 * be what the full graph renders for those chunks, to the bit, or a style's sound would depend on
 * which chunks happen to carry a synth note.
 */
describe('the lean graph for chunks without synth voices', () => {
  let real: Sessions;
  let bank: InstrumentBank;
  beforeAll(async () => {
    [real, bank] = await Promise.all([sessionsFor('cpu'), instrumentBank()]);
  });

  /** The mix of a style's composition, and how many chunks each graph ran. */
  async function mix(style: string, sessions: 'auto' | 'full only'): Promise<{ left: Float32Array; right: Float32Array; lean: number; full: number }> {
    const counted = { lean: 0, full: 0 };
    const spy = (kind: 'lean' | 'full'): Sessions['full'] => {
      const s = real[kind]!;
      // a session whose run() is counted; everything else is the real session
      return new Proxy(s, { get: (target, prop) => (prop === 'run' ? (...a: Parameters<typeof s.run>) => (counted[kind]++, target.run(...a)) : Reflect.get(target, prop)) });
    };
    const full = spy('full');
    const chosen: Sessions = sessions === 'auto' ? { full, lean: spy('lean') } : { full };
    const params = parsePrompt(style, 4);
    const composition = compose(params, 12);
    const frames = 12 * SAMPLE_RATE;
    const out = await synthesize(chosen, bank, composition, composition.kit, params.seed, frames);
    return { left: out.left.slice(), right: out.right.slice(), lean: sessions === 'auto' ? counted.lean : 0, full: counted.full };
  }

  it.each(['rock', 'jazz'])('GIVEN %s (every voice sampled) THEN only the lean graph runs, and its mix equals the full graph\'s sample for sample', async (style) => {
    const lean = await mix(style, 'auto');
    const full = await mix(style, 'full only');
    expect(lean.lean).toBeGreaterThan(0);
    expect(lean.full).toBe(0);
    expect(Buffer.from(lean.left.buffer).equals(Buffer.from(full.left.buffer))).toBe(true);
    expect(Buffer.from(lean.right.buffer).equals(Buffer.from(full.right.buffer))).toBe(true);
    // and it is music, not two equal silences
    expect(lean.left.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeGreaterThan(0.01);
  });

  it('GIVEN techno (synth voices) THEN the full graph runs', async () => {
    const auto = await mix('techno', 'auto');
    expect(auto.full).toBeGreaterThan(0);
  });
});
