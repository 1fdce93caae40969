/**
 * Fair counts: one play and one download per listener per track per hour. A listener is a chat
 * user (platform + user id) or, on the open web, a hash of address and user agent; the mark is a
 * Redis key that lives an hour, so nothing about the listener is kept longer than that.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Actor } from './chat.ts';

export const LISTEN_WINDOW_S = 3600;

export type ListenKind = 'play' | 'download';

/** A web listener's key: never the address itself. */
export function webListener(ip: string, userAgent: string | undefined): string {
  return `web:${createHash('sha256').update(`ditty-listener\0${ip}\0${userAgent ?? ''}`).digest('base64url').slice(0, 32)}`;
}

export function actorListener(actor: Actor): string {
  return `${actor.platform}:${createHash('sha256').update(`${actor.guildId ?? ''}\0${actor.platformUserId}`).digest('base64url').slice(0, 32)}`;
}

/**
 * True the first time this listener plays (or downloads) this track within the hour. When Redis
 * cannot answer, the listen counts: a lost mark costs one extra count, not the listener's play.
 */
export async function firstListen(redis: Redis, prefix: string, kind: ListenKind, generationId: string, listener: string): Promise<boolean> {
  try {
    const set = await redis.set(`${prefix}:listen:${kind}:${generationId}:${listener}`, '1', 'EX', LISTEN_WINDOW_S, 'NX');
    return set === 'OK';
  } catch {
    return true;
  }
}
