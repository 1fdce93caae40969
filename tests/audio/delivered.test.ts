import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_HEADER, sectionBody, sectionProblem, stampedSection, replaceSection, README_START, README_END } from '../../scripts/examples-readme.ts';
import { DISCORD_DEFAULT_LIMIT_BYTES, encodeToFit } from '../../worker/audio/encode.ts';
import { ebur128 } from '../helpers/audio.ts';
import { Listener } from '../helpers/listen.ts';
import { renderFixture } from './render.ts';

// What a listener gets is the encoded file, not the engine's PCM: Opus's decoder overshoots the
// limiter's ceiling on bright transients, so the true peak is measured on the delivered .ogg.
describe('delivered tracks, measured by the checkers of `npm run examples`', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  let dir: string;
  let listener: Listener;
  beforeAll(async () => {
    fx = await renderFixture();
    dir = await mkdtemp(join(tmpdir(), 'ditty-delivered-'));
    listener = new Listener();
  });
  afterAll(async () => {
    listener.close();
    await fx.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['deep house, 124 bpm', 1],
    ['upbeat pop', 2],
    ['lo-fi hip hop', 3],
  ])('GIVEN "%s" (seed %i) encoded as for Discord THEN the .ogg reads -14 LUFS +-1, true peak <= -1 dBTP, a stereo image and no silent stretch', async (prompt, seed) => {
    const r = await fx.render(prompt, seed, 15);
    const encoded = await encodeToFit(
      { pcm: r.pcm, sampleRate: r.sampleRate, channels: 2 },
      { sizeLimitBytes: DISCORD_DEFAULT_LIMIT_BYTES, pathFor: (ext) => join(dir, `${seed}.${ext}`) },
    );
    expect(encoded.format).toBe('opus');
    const { lufs, truePeak } = await ebur128(encoded.path);
    expect(Math.abs(lufs + 14)).toBeLessThanOrEqual(1);
    expect(truePeak).toBeLessThanOrEqual(-1);
    const a = await listener.analyze(r.wav);
    expect(a.lrCorrelation).toBeLessThan(0.99);
    expect(a.quiet.count).toBe(0);
  });

  it('GIVEN the README THEN its examples table is the output of `npm run examples -- --write-readme`, untouched', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(sectionProblem(readme)).toBeNull();
    expect(sectionBody(readme)).toContain(TABLE_HEADER);
    // the digest check itself catches a hand edit
    const edited = readme.replace(/(<!-- examples:start -->[\s\S]*?\| )(\d+\.\d)/, (_, head: string, n: string) => `${head}${(Number(n) + 1).toFixed(1)}`);
    expect(edited).not.toBe(readme);
    expect(sectionProblem(edited)).toMatch(/edited by hand/);
    expect(sectionProblem(replaceSection(readme, stampedSection('| a | b |', 'today'))!)).toBeNull();
    expect(sectionProblem(readme.replace(README_START, '').replace(README_END, ''))).toMatch(/no/);
  });
});
