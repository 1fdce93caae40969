import type { PageTrack } from '../../web/server/chat.ts';
import { waitFor } from './wait.ts';

/** Sends a command as `name` in a running system's local chat and waits for its track to be playable; a failed track throws. */
export async function generateInLocalChat(url: string, name: string, text: string, timeoutMs = 60_000): Promise<PageTrack> {
  const res = await fetch(`${url}/api/chat/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, text }),
  });
  const { generationId } = (await res.json()) as { generationId: string };
  return waitFor(async () => {
    const t = (await (await fetch(`${url}/api/chat/tracks/${generationId}`)).json()) as PageTrack;
    if (t.status === 'failed') throw new Error(`track ${generationId} failed`);
    return t.status === 'completed' ? t : undefined;
  }, timeoutMs, `track ${generationId}`);
}
