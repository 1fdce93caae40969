import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describe as descriptors, ebur128, mono } from '../helpers/audio.ts';
import { renderFixture } from './render.ts';
import { parsePrompt } from '../../core/prompt/parse.ts';

describe('embedded engine', () => {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  beforeAll(async () => {
    fx = await renderFixture();
  });
  afterAll(() => fx.cleanup());

  it('GIVEN the same prompt and seed twice THEN the samples are bit-identical; another seed THEN a different track', async () => {
    const a = await fx.render('lofi hip hop with piano', 42, 8);
    const b = await fx.render('lofi hip hop with piano', 42, 8);
    const c = await fx.render('lofi hip hop with piano', 43, 8);
    expect(Buffer.from(a.pcm.buffer).equals(Buffer.from(b.pcm.buffer))).toBe(true);
    let dot = 0, na = 0, nc = 0;
    for (let i = 0; i < a.pcm.length; i++) (dot += a.pcm[i]! * c.pcm[i]!), (na += a.pcm[i]! ** 2), (nc += c.pcm[i]! ** 2);
    expect(Math.abs(dot / Math.sqrt(na * nc))).toBeLessThan(0.5);
    expect(c.params.genre).toBe(a.params.genre);
  });

  it('GIVEN genres THEN they differ measurably in the directions a listener expects', async () => {
    const d = async (prompt: string) => {
      const r = await fx.render(prompt, 5, 16);
      return descriptors(mono(r.pcm, 2), r.sampleRate);
    };
    const ambient = await d('ambient soundscape');
    const dnb = await d('drum and bass');
    const lofi = await d('lofi hip hop');
    const techno = await d('techno');
    const trap = await d('trap');
    const piano = await d('solo piano');
    expect(ambient.onsetsPerS).toBeLessThan(dnb.onsetsPerS / 2); // ambient sparse, dnb dense
    expect(lofi.onsetsPerS).toBeLessThan(dnb.onsetsPerS);
    expect(techno.centroidHz).toBeGreaterThan(ambient.centroidHz * 2); // bright vs soft
    expect(trap.lowShare).toBeGreaterThan(piano.lowShare * 3); // 808 weight vs a piano
    expect(trap.lowShare).toBeGreaterThan(lofi.lowShare);
  });

  // Issue 11 item 4: a mood word moves brightness and dynamics, not only tempo and notes. Before
  // the mood's tone and contrast, "dark rock" read 1% duller than "rock" and "sad rock" 2% brighter
  // (the hats and cymbals set the centroid whatever register the chords took), and the loudness
  // range moved by chance (epic pop 6.7 LU against plain pop's 6.8).
  it.each(['pop', 'rock'])('GIVEN mood words on %s THEN dark and sad sound duller, happy and energetic brighter, epic wider and energetic flatter in loudness', async (style) => {
    const m = async (mood: string) => {
      const r = await fx.render(`${mood} ${style}`.trim(), 3, 40);
      return { ...descriptors(mono(r.pcm, 2), r.sampleRate), ...(await ebur128(r.wav)) };
    };
    const plain = await m('');
    const [dark, sad, happy, energetic, epic] = await Promise.all(['dark', 'sad', 'happy', 'energetic', 'epic'].map(m));
    expect(dark!.centroidHz).toBeLessThan(plain.centroidHz * 0.9);
    expect(sad!.centroidHz).toBeLessThan(plain.centroidHz * 0.95);
    expect(happy!.centroidHz).toBeGreaterThan(plain.centroidHz * 1.05);
    expect(energetic!.centroidHz).toBeGreaterThan(plain.centroidHz * 1.05);
    expect(epic!.lra).toBeGreaterThan(plain.lra + 0.5);
    expect(energetic!.lra).toBeLessThan(epic!.lra - 1);
  });

  it('GIVEN a render THEN progress rises to 1; GIVEN an abort THEN the render rejects with AbortError', async () => {
    const seen: number[] = [];
    const params = parsePrompt('house', 1);
    await fx.engine.render({ prompt: 'house', params, durationS: 6 }, { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);

    const ac = new AbortController();
    const p = fx.engine.render({ prompt: 'house', params, durationS: 30 }, {
      signal: ac.signal,
      onProgress: (f) => f > 0.2 && ac.abort(),
    });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('GIVEN a duration outside the engine range THEN it refuses clearly', async () => {
    const params = parsePrompt('pop', 1);
    await expect(fx.engine.render({ prompt: 'pop', params, durationS: 0 })).rejects.toThrow(/duration/);
    await expect(fx.engine.render({ prompt: 'pop', params, durationS: Number.NaN })).rejects.toThrow(/duration/);
  });
});
