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
import { waitFor } from '../helpers/wait.ts';

const actor: Actor = { platform: 'local', platformUserId: 'mg', guildId: 'local', displayName: 'mg' };

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

  it('GIVEN /generate typed in the local chat THEN a MusicGen track is posted there and plays', async () => {
    const web = await startTestSystem({ roles: ['web'], schema: sys.schema, env: { QUEUE_PREFIX: sys.config.queuePrefix, DATA_DIR: sys.config.dataDir } });
    try {
      const res = await fetch(`${web.url}/api/chat/commands`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Mia', text: '/generate ambient strings 5s seed:9' }),
      });
      expect(res.status).toBe(200);
      const { generationId } = (await res.json()) as { generationId: string };
      const track = await waitFor(async () => {
        const t = await web.runtime.core.track(generationId);
        return t?.status === 'completed' ? t : undefined;
      });
      expect(track.engine).toBe('musicgen');
      const audio = await fetch(`${web.url}${new URL(track.audioUrl, web.url).pathname}`);
      expect(audio.status).toBe(200);
      expect(audio.headers.get('content-type')).toMatch(/audio\/ogg/);
      expect((await audio.arrayBuffer()).byteLength).toBe(track.sizeBytes);
    } finally {
      await web.stop({ keepData: true });
    }
  });
});
