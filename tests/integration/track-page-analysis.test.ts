/**
 * The track page shows what the analyser measured, and when the measured tempo or key is off
 * from the request beyond tolerance, both side by side: a rendered track (real worker, real
 * analysis), then the same page after its stored analysis is made to disagree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnalysis, getGeneration } from '../../core/db/index.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ roles: ['worker', 'web'] });
  await sys.runtime.startDelivery('local', async (d) => ({ messageRef: `m-${d.track.id}` }));
});
afterAll(async () => sys?.stop());

describe('track page analysis', () => {
  it('GIVEN a finished track THEN its page shows the measured tempo, key and loudness; GIVEN a disagreeing analysis THEN both values', async () => {
    const actor = { platform: 'local' as const, platformUserId: 'ana', guildId: 'local', displayName: 'ana' };
    const accepted = await sys.runtime.core.generate({ actor, channelId: 'local', prompt: 'house groove at 124 bpm in D minor', durationS: 8, seed: 3 });
    const row = await waitFor(async () => {
      const g = await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId);
      return g?.status === 'completed' ? g : undefined;
    }, 60_000, 'the completed track');
    await waitFor(async () => ((await getAnalysis(sys.runtime.orm.em.fork(), row.id)).state === 'done' ? true : undefined), 20_000, 'the analysis');

    const page = await (await fetch(`${sys.url}/t/${row.publicToken}`)).text();
    expect(page).toMatch(/Measured: \d+\.\d bpm/);
    expect(page).toMatch(/LUFS, true peak -?\d+\.\d dBTP/);
    expect(page).not.toContain('Measured differently');

    await sys.runtime.orm.em.fork().execute('update track_analyses set tempo_bpm = 100, key_pc = 7, mode = ? where generation_id = ?', ['major', row.id], 'run');
    const off = await (await fetch(`${sys.url}/t/${row.publicToken}`)).text();
    expect(off).toContain('Measured differently from the request: asked 124 bpm, measured 100.0 bpm; asked D minor, measured G major.');

    const view = await sys.runtime.core.analysis(row.id);
    expect(view?.mismatch?.tempo).toEqual({ asked: 124, measured: 100, match: 'off' });
  });
});
