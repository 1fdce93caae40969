/**
 * The small process that starts ffmpeg for the worker (see spawner.ts for why). It only spawns,
 * relays stderr and exit statuses, and kills on request; it holds no audio. It exits when the
 * worker goes (the IPC channel closes), killing any ffmpeg it started, so nothing outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { SpawnerReply, SpawnerRequest } from './spawner-protocol.ts';

const children = new Map<number, ChildProcess>();

function reply(message: SpawnerReply): void {
  // A send after the worker is gone fails; the disconnect handler below is already ending us.
  if (process.connected) process.send!(message, undefined, {}, () => {});
}

function start(id: number, cmd: string, args: string[]): void {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.set(id, child);
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (data: string) => reply({ t: 'stderr', id, data }));
  child.once('spawn', () => reply({ t: 'spawned', id, pid: child.pid ?? 0 }));
  child.once('error', (err) => {
    children.delete(id);
    reply({ t: 'error', id, message: err.message });
  });
  child.once('close', (code, signal) => {
    children.delete(id);
    reply({ t: 'exit', id, code, signal });
  });
}

process.on('message', (message: SpawnerRequest) => {
  if (message.t === 'spawn') start(message.id, message.cmd, message.args);
  else if (message.t === 'kill') children.get(message.id)?.kill('SIGKILL');
});

process.on('disconnect', () => {
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(0);
});
// The worker's signals are its own business: a Ctrl-C in a terminal reaches the whole process
// group, and this process must outlive the worker's graceful drain to finish its encodes.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
