import { afterAll, beforeAll } from 'vitest';
import { Listener } from '../helpers/listen.ts';
import { renderFixture, type Rendered } from './render.ts';

/**
 * For a describe block that renders and listens with the examples grid's checkers: the engine
 * fixture and a Listener, opened before the block's tests and closed after them.
 */
export function listeningFixture(): { render(prompt: string, seed: number, durationS: number): Promise<Rendered>; analyze: Listener['analyze'] } {
  let fx: Awaited<ReturnType<typeof renderFixture>>;
  let listener: Listener;
  beforeAll(async () => {
    fx = await renderFixture();
    listener = new Listener();
  });
  afterAll(async () => {
    listener.close();
    await fx.cleanup();
  });
  return {
    render: (prompt, seed, durationS) => fx.render(prompt, seed, durationS),
    analyze: (...args) => listener.analyze(...args),
  };
}
