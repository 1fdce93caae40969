/** The batch message builders: Discord's limits (files, 25 MiB, rows of five) and the plain words for each outcome. */
import { describe, expect, it } from 'vitest';
import type { BatchDelivery, TrackView } from '../../core/chat.ts';
import { batchMessage, MESSAGE_UPLOAD_MAX_BYTES } from '../../bots/discord/takes-messages.ts';

const MB = 1024 * 1024;

function take(n: number, over: Partial<TrackView> = {}, filePath: string | null = `/tmp/t${n}.ogg`): BatchDelivery['takes'][number] {
  const id = `00000000-0000-4000-8000-00000000000${n}`;
  return {
    take: n, filePath, fitsInline: true,
    track: {
      id, prompt: '@everyone lofi', status: filePath ? 'completed' : 'failed', progress: 1, durationS: 15, engine: 'embedded', engineVersion: '1',
      params: { bpm: 80, key: 'C', mode: 'minor', genre: 'lofi', mood: null, instruments: [], excluded: [], structure: [], seed: 100 + n, explicit: [] },
      renderMs: 1000, format: 'ogg', sizeBytes: 1 * MB, playerUrl: `https://d.example/t/${n}`, downloadUrl: `https://d.example/d/${n}`, audioUrl: `https://d.example/a/${n}`,
      favorites: 0, plays: 0, creator: { platformUserId: '1', displayName: 'Ada' }, origin: { platform: 'discord', guildId: '1', channelId: '2' },
      createdAt: new Date(0).toISOString(), errorCode: filePath ? null : 'engine_failed', errorMessage: filePath ? null : 'The music engine failed; please try again.',
      take: { batchId: 'b', index: n, of: 4 }, ...over,
    },
  };
}

const batch = (takes: BatchDelivery['takes']): BatchDelivery => ({ batchId: '00000000-0000-4000-8000-0000000000bb', takes, reply: {}, attempt: 0 });

describe('GIVEN a batch message', () => {
  it('WHEN four takes fit THEN four files, four rows of at most five buttons, each take its own Favorite', () => {
    const m = batchMessage(batch([1, 2, 3, 4].map((n) => take(n))));
    expect(m.files).toHaveLength(4);
    // batchButtons builds plain API JSON rows.
    const rows = m.components as unknown as Array<{ components: Array<{ custom_id?: string }> }>;
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.components.length).toBeLessThanOrEqual(5);
    expect(rows.map((r) => r.components[0]!.custom_id)).toEqual([1, 2, 3, 4].map((n) => `ditty:fav:00000000-0000-4000-8000-00000000000${n}`));
    expect(String(m.content)).toContain('4 takes are ready');
    expect(String(m.content)).not.toContain('@everyone');
  });

  it('WHEN the files would pass 25 MiB together THEN the takes past it go as links, and say so', () => {
    const big = Math.floor(MESSAGE_UPLOAD_MAX_BYTES / 3) + 1;
    const m = batchMessage(batch([1, 2, 3].map((n) => take(n, { sizeBytes: big }))));
    expect(m.files).toHaveLength(2);
    expect(String(m.content)).toContain('**Take 3** · seed 103 · 15 s · too large to attach here: https://d.example/d/3');
  });

  it('WHEN a take failed THEN its line says why and how to make it again, and it has no row', () => {
    const m = batchMessage(batch([take(1), take(2, {}, null)]));
    expect(String(m.content)).toContain('1 of Ada\'s 2 takes are ready');
    expect(String(m.content)).toContain('**Take 2** · seed 102 · ❌ failed: The music engine failed; please try again. (make it again with seed 102)');
    expect(m.components).toHaveLength(1);
  });

  it('WHEN every take was cancelled or failed THEN the head says which', () => {
    const cancelled = batchMessage(batch([take(1, { status: 'cancelled' }, null), take(2, { status: 'cancelled' }, null)]));
    expect(String(cancelled.content)).toMatch(/^🚫 Ada's 2 takes were cancelled\./);
    const failed = batchMessage(batch([take(1, {}, null), take(2, {}, null)]));
    expect(String(failed.content)).toMatch(/^❌ None of Ada's 2 takes could be made\./);
    expect(failed.files).toHaveLength(0);
  });
});
