/**
 * A worker whose model folder is broken stays up, says why on /healthz, keeps jobs queued, and
 * starts rendering once the folder is fixed and an admin asks for a reload.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Delivery } from '../../core/chat.ts';
import type { EngineStatus } from '../../core/engine-status.ts';
import { getGeneration } from '../../core/db/index.ts';
import { makeTinyMusicgen } from '../../scripts/make-tiny-musicgen.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const actor: Actor = { platform: 'local', platformUserId: 'ops', guildId: 'local', displayName: 'ops' };

describe('engine status and reload', () => {
  let root: string;
  let sys: TestSystem;
  const delivered: Delivery[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ditty-engine-status-'));
    sys = await startTestSystem({
      roles: ['worker', 'web'],
      env: { ENGINE: 'musicgen', MODEL_DIR: join(root, 'model'), DEVICE: 'cpu', ADMIN_TOKEN, LOCAL_CHAT: 'false' },
    });
    await sys.runtime.startDelivery('local', async (d) => {
      delivered.push(d);
      return { messageRef: d.track.id };
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const health = async () => (await (await fetch(`${sys.url}/healthz`)).json()) as { ok: boolean; workers: EngineStatus[] };

  it('GIVEN a missing model folder THEN the worker is up, /healthz names the problem, and jobs wait', async () => {
    const h = await health();
    expect(h.ok).toBe(true);
    expect(h.workers).toHaveLength(1);
    expect(h.workers[0]!.state).toBe('failed');
    expect(h.workers[0]!.error).toMatch(/config\.json|model/i);

    const accepted = await sys.runtime.core.generate({ actor, channelId: 'local', prompt: 'piano', durationS: 5 });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await getGeneration(sys.runtime.orm.em.fork(), accepted.generationId))?.status).toBe('queued');

    const denied = await fetch(`${sys.url}/admin/engine/reload`, { method: 'POST', headers: { authorization: 'Bearer wrong' } });
    expect(denied.status).toBe(401);

    await makeTinyMusicgen(join(root, 'model'));
    const ok = await fetch(`${sys.url}/admin/engine/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(202);
    const ready = await waitFor(async () => {
      const w = (await health()).workers[0];
      return w?.state === 'ready' ? w : undefined;
    }, 60_000, 'engine ready');
    expect(ready).toMatchObject({ engine: 'musicgen', device: 'cpu', error: null });
    expect(ready.loadMs).toBeGreaterThan(0);
    await waitFor(() => delivered.find((d) => d.track.id === accepted.generationId), 60_000, 'the queued track');
  });

  it('GIVEN a chat connection no retry can fix THEN /healthz is red (503) and says what to do', async () => {
    sys.runtime.connections.set('discord', 'ready');
    const green = await fetch(`${sys.url}/healthz`);
    const body = (await green.json()) as { ok: boolean; connections: Record<string, { state: string; detail?: string }> };
    expect(body.connections.discord?.state).toBe('ready');
    sys.runtime.connections.set('discord', 'fatal', 'Discord refused the bot token (gateway close 4004)');
    const red = await fetch(`${sys.url}/healthz`);
    expect(red.status).toBe(503);
    const redBody = (await red.json()) as { ok: boolean; connections: Record<string, { state: string; detail?: string }> };
    expect(redBody.ok).toBe(false);
    expect(redBody.connections.discord).toMatchObject({ state: 'fatal', detail: expect.stringContaining('4004') });
  });
});
