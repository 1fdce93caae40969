/**
 * Issue 13 point 9: the all-in-one process (`npm start`, every role in one process) killed with
 * -9 mid-render and started again resumes the track within 30 s, its Discord reply keeps moving,
 * and the track is posted once. The real discord.js in the child talks to the fake Discord here,
 * which outlives both processes (as Discord does); the process has a private database and prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, type MikroORM } from '../../core/db/index.ts';
import { FakeDiscord, type RecordedRequest } from '../helpers/fake-discord/server.ts';
import { deleteKeys, freePort, uniqueName } from '../helpers/system.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const database = uniqueName('ditty_resume');
const databaseUrl = `postgresql://postgres@127.0.0.1:5432/${database}`;

interface Started {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

let fake: FakeDiscord;
let dataDir = '';
let port = 0;
let orm: MikroORM | undefined;
const prefix = uniqueName('resume').toLowerCase();
const children: ChildProcess[] = [];

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, DATA_DIR: dataDir, HTTP_PORT: String(port), LOG_LEVEL: 'info',
    DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase,
    WORKER_CONCURRENCY: '1',
  };
  // Only the Discord frontend: a Slack token in the caller's environment must not start Slack here.
  for (const k of Object.keys(e)) if (k.startsWith('SLACK_')) delete e[k];
  return e;
}

async function start(): Promise<Started> {
  const output: string[] = [];
  const child = spawn(process.execPath, ['scripts/start.ts'], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout!.on('data', (d: Buffer) => output.push(String(d)));
  child.stderr!.on('data', (d: Buffer) => output.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Up = the chat is served and the Discord client is on the gateway (it edits replies from then on).
  await waitFor(() => {
    const text = output.join('');
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${text.slice(-3000)}`);
    return text.includes('local chat ready') && text.includes('discord bot ready') ? true : undefined;
  }, 90_000, 'npm start up with the Discord bot');
  return { child, output, exited };
}

async function row(id: string): Promise<{ status: string; progress: number; attempts: number }> {
  const rows = await orm!.em.getConnection().execute<Array<{ status: string; progress: number; attempts: number }>>(
    'select status, progress, attempts from generations where id = ?', [id]);
  return rows[0]!;
}

beforeAll(async () => {
  fake = await FakeDiscord.start();
  dataDir = await mkdtemp(join(tmpdir(), 'ditty-resume-'));
  port = await freePort();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await orm?.close(true);
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
  const admin = await createOrm({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', poolMax: 1 });
  await admin.em.getConnection().execute(`drop database if exists "${database}" with (force)`);
  await admin.close(true);
  await deleteKeys(prefix);
}, 60_000);

describe('npm start killed with -9 mid-render', () => {
  it('resumes the track within 30 s of the restart, keeps editing the reply, and posts it once', async () => {
    let first = await start();
    orm = await createOrm({ databaseUrl, poolMax: 2 });

    const { id, token } = fake.slashCommand('generate', { prompt: 'cinematic orchestral epic', duration: 90 });
    const original = `/webhooks/${fake.applicationId}/${token}/messages/@original`;
    const edits = (): RecordedRequest[] => fake.requestsTo('PATCH', original).filter((r) => r.status === 200);
    await fake.waitFor(() => fake.requestsTo('POST', `/interactions/${id}/${token}/callback`)[0], 10_000, 'the reply');
    const generationId = await waitFor(async () => {
      const rows = await orm!.em.getConnection().execute<Array<{ id: string }>>('select id from generations');
      return rows[0]?.id;
    }, 10_000, 'the generation row');

    // Mid-render: the row says rendering and the render has made progress.
    await waitFor(async () => {
      const r = await row(generationId);
      return r.status === 'rendering' && r.progress > 0 ? true : undefined;
    }, 60_000, 'rendering under way');
    first.child.kill('SIGKILL');
    await first.exited;
    const before = await row(generationId);
    expect(before.status).toBe('rendering');
    expect(edits().some((e) => (e.body?.embeds as unknown[] | undefined)?.length)).toBe(false);

    const second = await start();
    const upAt = Date.now();
    first = second;

    const posted = await fake.waitFor(() => {
      const m = fake.originalOf(id);
      return m && m.embeds.length > 0 ? m : undefined;
    }, 120_000, 'the track message');
    const doneAt = Date.now();
    expect(doneAt - upAt, 'posted within 30 s of the restart').toBeLessThan(30_000);
    expect(JSON.stringify(posted.components)).toContain(generationId);
    expect(posted.attachments.length).toBe(1);

    // The reply kept moving: the restarted process edited its progress before the track replaced it.
    const final = edits().find((e) => (e.body?.embeds as unknown[] | undefined)?.length)!;
    const moving = edits().filter((e) => e.at > upAt && e.at < final.at && /Rendering|Encoding|Queued/.test(String(e.body?.content)));
    expect(moving.length).toBeGreaterThan(0);

    // Once: one edit carries the track, nothing went to the channel, and no rerun adds another.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(edits().filter((e) => (e.body?.embeds as unknown[] | undefined)?.length)).toHaveLength(1);
    expect(fake.requestsTo('POST', /^\/channels\/\d+\/messages$/)).toHaveLength(0);
    const after = await row(generationId);
    expect(after.status).toBe('completed');
    expect(after.attempts).toBe(2);
    expect(second.output.join('')).not.toMatch(/"level":(50|60)/);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 300_000);
});
