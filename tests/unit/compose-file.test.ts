/**
 * docker-compose.yml passes the operator's settings on. A container sees only the variables its
 * service lists, so a setting that docs/deploy.md tells the operator to put in `.env` and that
 * compose does not list is silently ignored (a Slack key rotation without the previous key, a
 * TRUST_PROXY that never arrives). Every variable ditty reads is checked against the resolved file
 * (`docker-compose config`, as CI validates it) with a distinct value per variable.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../core/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Variables compose sets itself, to values of its own. */
const SET_BY_COMPOSE = ['DATABASE_URL', 'REDIS_URL', 'DATA_DIR', 'METRICS_PORT'];
/** Variables that do not belong in a compose deployment, and why. */
const NOT_FOR_COMPOSE: Record<string, string> = {
  HTTP_HOST: 'the image listens on 0.0.0.0 inside its network; HTTP_PUBLISH chooses the host side',
  HTTP_PORT: 'the container port is 8080; HTTP_PUBLISH chooses the host side',
  SLACK_PORT: 'the container port is 3000; SLACK_PUBLISH chooses the host side',
  FFMPEG_PATH: 'the image installs ffmpeg',
  MUSICGEN_DIR: 'older name of MODEL_DIR',
  ONNX_DEVICE: 'older name of DEVICE',
  DISCORD_API_BASE: 'tests point Discord at a fake with it',
  SLACK_API_URL: 'tests point Slack at a fake with it',
};
/** Which services read a variable: the role's own, else every app service. */
function servicesFor(name: string): string[] {
  if (name.startsWith('DISCORD_')) return ['discord'];
  if (name.startsWith('SLACK_')) return ['slack'];
  if (name.startsWith('API_') || ['LOCAL_CHAT', 'LOCAL_CHAT_TOKEN', 'TRUST_PROXY'].includes(name)) return ['web'];
  if (['ENGINE', 'MODEL_DIR', 'DEVICE', 'MODEL_PRECISION', 'WORKER_CONCURRENCY', 'RENDER_TIMEOUT_PER_S', 'ENCODE_TIMEOUT_PER_S', 'MIN_FREE_DISK_MB'].includes(name)) return ['worker'];
  return ['web', 'worker', 'discord', 'slack'];
}

/** services.<name>.environment of `docker-compose config`'s YAML, read by its indentation. */
function environments(yaml: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let inServices = false;
  let service: string | null = null;
  let inEnv = false;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) inServices = line === 'services:';
    if (!inServices) continue;
    let m: RegExpExecArray | null;
    if ((m = /^ {2}([\w-]+):$/.exec(line))) {
      service = m[1]!;
      out.set(service, new Map());
      inEnv = false;
    } else if (/^ {4}\S/.test(line)) {
      inEnv = line === '    environment:';
    } else if (inEnv && service && (m = /^ {6}([A-Z0-9_]+): '?(.*?)'?$/.exec(line))) {
      out.get(service)!.set(m[1]!, m[2]!);
    }
  }
  return out;
}

describe('docker-compose.yml', () => {
  it('GIVEN every variable ditty reads set in .env THEN each reaches the services that read it, or is listed as not for compose', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ditty-compose-'));
    try {
      const envFile = join(dir, '.env');
      const asked = CONFIG_VARIABLES.filter((v) => !SET_BY_COMPOSE.includes(v) && !(v in NOT_FOR_COMPOSE));
      await writeFile(envFile, ['POSTGRES_PASSWORD=pw0123456789', ...asked.map((v) => `${v}=v-${v}`), ''].join('\n'));
      const { stdout } = await promisify(execFile)('docker-compose', ['--env-file', envFile, '-f', join(root, 'docker-compose.yml'), 'config'], { cwd: root, timeout: 30_000 });
      const envs = environments(stdout);
      expect([...envs.keys()]).toEqual(expect.arrayContaining(['web', 'worker', 'discord', 'slack']));
      const missing: string[] = [];
      for (const v of asked) {
        for (const s of servicesFor(v)) if (envs.get(s)?.get(v) !== `v-${v}`) missing.push(`${v} -> ${s}`);
      }
      for (const v of SET_BY_COMPOSE) {
        for (const s of ['web', 'worker']) if (!envs.get(s)?.get(v)) missing.push(`${v} (compose's own) -> ${s}`);
      }
      expect(missing).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
