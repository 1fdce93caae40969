/**
 * The whole worker path with ENGINE=musicgen on a generated tiny export: a chat command becomes a
 * rendered, encoded, delivered track, the engine running in the render thread like in production.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Delivery } from '../../core/chat.ts';
import { getGeneration } from '../../core/db/index.ts';
import { makeTinyMusicgen } from '../../scripts/make-tiny-musicgen.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const actor: Actor = { platform: 'local', platformUserId: 'mg', guildId: 'local', displayName: 'mg' };

async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('worker pipeline with ENGINE=musicgen', () => {
  let root: string;
  let sys: TestSystem;
  const delivered: Delivery[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ditty-musicgen-pipeline-'));
    const { dir } = await makeTinyMusicgen(join(root, 'tiny'));
    sys = await startTestSystem({ roles: ['worker'], env: { ENGINE: 'musicgen', MODEL_DIR: dir, DEVICE: 'cpu' } });
    await sys.runtime.startDelivery('local', async (delivery) => {
      delivered.push(delivery);
      return { messageRef: `msg-${delivery.track.id}` };
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('GIVEN a prompt THEN a MusicGen track of the asked length is rendered, encoded and delivered', async () => {
    const accepted = await sys.runtime.core.generate({ actor, channelId: 'local', prompt: 'lofi piano with soft drums', durationS: 6, seed: 42 });
    const delivery = await waitFor(() => delivered.find((d) => d.track.id === accepted.generationId));
    expect((await stat(delivery.filePath)).size).toBe(delivery.track.sizeBytes);
    const row = await waitFor(async () => {
      const g = await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId);
      return g?.status === 'completed' ? g : undefined;
    });
    expect(row.engine).toBe('musicgen');
    expect(row.engineVersion).toBe('musicgen:tiny:fp32');
    expect(row.actualDurationS).toBeCloseTo(6, 1);
  });
});
