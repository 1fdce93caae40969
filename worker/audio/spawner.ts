/**
 * Starts ffmpeg from a small helper process instead of from the worker itself.
 *
 * Why: Node spawns a child by fork(), and on Linux a fork marks every page of the forking process
 * copy-on-write, so the worker's next writes to its own memory fault, page by page. The worker
 * holds the engine (~500 MB) and writes tens of MB per render: measured on a 2-core machine, a
 * 30 s render right after a spawn took 531 ms and 18k page faults, the same render without one
 * 209 ms and 0.7k; the analysis after an encode paid ~3300 faults (bench/analysis.ts). Every track
 * spawns ffmpeg once, so every render and analysis paid it. The helper forks a ~40 MB process
 * instead, and the worker forks only once, to start the helper.
 *
 * The PCM does not pass through the helper: ffmpeg reads it from a Unix socket the worker listens
 * on (ffmpeg's `unix:` input), so the bytes are copied exactly as often as through a stdin pipe.
 * An earlier try that relayed the PCM over IPC made the encode slower.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnerReply, SpawnerRequest } from './spawner-protocol.ts';

/** An ffmpeg started by the helper. */
export interface RemoteProcess {
  /** Resolves with the exit code (null after a signal); rejects when it could not be run. */
  exited: Promise<number | null>;
  stderrTail(): string;
  /** SIGKILL; a no-op once it has exited. */
  kill(): void;
}

interface Pending {
  resolve(code: number | null): void;
  reject(err: Error): void;
  onStderr(data: string): void;
}

const STDERR_KEEP_BYTES = 4096;
/** How long a kill may wait for the helper's word that ffmpeg exited. */
const KILL_ANSWER_MS = 3_000;
/** sockaddr_un holds 108 bytes with its terminator; a longer TMPDIR falls back to /tmp. */
const MAX_SOCKET_PATH = 100;

let helper: ChildProcess | null = null;
let socketDir: string | null = null;
const pending = new Map<number, Pending>();
let nextId = 1;
let nextSocket = 1;

function failAll(reason: string): void {
  for (const p of pending.values()) p.reject(new Error(reason));
  pending.clear();
}

function started(): ChildProcess {
  if (helper && helper.connected) return helper;
  const child = fork(new URL('./spawner-child.ts', import.meta.url), [], {
    // The helper needs none of the worker's flags (a test runner's loaders, inspector ports).
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  child.on('message', (m: SpawnerReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    if (m.t === 'stderr') p.onStderr(m.data);
    else if (m.t === 'error') {
      pending.delete(m.id);
      p.reject(new Error(m.message));
    } else if (m.t === 'exit') {
      pending.delete(m.id);
      p.resolve(m.code);
    }
    refWhileBusy(child);
  });
  child.once('exit', (code, signal) => {
    if (helper === child) helper = null;
    failAll(`the ffmpeg helper process ended (${signal ?? `exit ${code}`})`);
  });
  // Neither the helper nor its channel keeps the worker alive when it has nothing in flight.
  child.unref();
  helper = child;
  refWhileBusy(child);
  return child;
}

function refWhileBusy(child: ChildProcess): void {
  // A pending exit status is work the worker waits for: hold the loop open until it arrives.
  const channel = child.channel as { ref(): void; unref(): void } | undefined;
  if (pending.size > 0) channel?.ref();
  else channel?.unref();
}

function send(child: ChildProcess, message: SpawnerRequest): void {
  child.send(message, undefined, {}, (err) => {
    // The helper died between the check and the send: its exit handler fails what is pending.
    if (err && message.t === 'spawn') pending.get(message.id)?.reject(err);
  });
}

/**
 * Starts the helper now, while the caller is still small (its one fork is then cheap), and
 * returns its pid. Encodes start it themselves when it is not running.
 */
export function startSpawner(): number | null {
  return started().pid ?? null;
}

/** The helper's pid while it runs (diagnostics and tests). */
export function helperPid(): number | null {
  return helper?.connected ? (helper.pid ?? null) : null;
}

/** Runs `cmd args` from the helper process. */
export function spawnRemote(cmd: string, args: string[]): RemoteProcess {
  const id = nextId++;
  let stderr = '';
  let done = false;
  let child: ChildProcess;
  const exited = new Promise<number | null>((resolve, reject) => {
    pending.set(id, {
      resolve: (code) => { done = true; resolve(code); },
      reject: (err) => { done = true; reject(err); },
      onStderr: (data) => { stderr = (stderr + data).slice(-STDERR_KEEP_BYTES); },
    });
  });
  try {
    child = started();
    send(child, { t: 'spawn', id, cmd, args });
  } catch (err) {
    pending.get(id)?.reject(err as Error);
    pending.delete(id);
  }
  return {
    exited,
    stderrTail: () => stderr,
    kill() {
      if (done) return;
      const asked = helper;
      if (asked?.connected) send(asked, { t: 'kill', id });
      // A helper that does not answer (stopped, wedged) would leave the encode waiting for an exit
      // status forever: past the bound it is killed, which fails what it had (a new one starts).
      setTimeout(() => {
        if (done) return;
        pending.get(id)?.reject(new Error(`the ffmpeg helper did not answer a kill within ${KILL_ANSWER_MS} ms`));
        pending.delete(id);
        asked?.kill('SIGKILL');
      }, KILL_ANSWER_MS).unref();
    },
  };
}

/** A Unix socket path for one ffmpeg input, in a private directory removed when the process exits. */
function socketPath(): string {
  if (!socketDir) {
    const base = tmpdir().length + 30 < MAX_SOCKET_PATH ? tmpdir() : '/tmp';
    socketDir = mkdtempSync(join(base, 'ditty-ffmpeg-'));
    const dir = socketDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(socketDir, `${process.pid}-${nextSocket++}.sock`);
}

/**
 * A Unix socket ffmpeg reads its input from (`-i unix:<path>`): `connected` resolves with the
 * connection once ffmpeg opens it. The listener closes after one connection or on `close()`.
 */
export async function inputSocket(): Promise<{ url: string; connected: Promise<Socket>; close(): void }> {
  const path = socketPath();
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  // Only this user reaches the directory (mkdtemp makes it 0700); nothing else may connect.
  const connected = new Promise<Socket>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      resolve(socket);
    });
    server.once('close', () => reject(new Error('the input socket closed before ffmpeg connected')));
  });
  connected.catch(() => {});
  return { url: `unix:${path}`, connected, close: () => server.close() };
}
