/** Messages between the worker and its ffmpeg spawner process (spawner.ts, spawner-child.ts). */

export type SpawnerRequest =
  | { t: 'spawn'; id: number; cmd: string; args: string[] }
  | { t: 'kill'; id: number };

export type SpawnerReply =
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'stderr'; id: number; data: string }
  | { t: 'error'; id: number; message: string }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };
