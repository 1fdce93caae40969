/**
 * Exactly once to the browser (issue 12, point 6): every event on the local chat's stream has an
 * id; a page that comes back with Last-Event-ID (header, or query after a refusal) gets exactly
 * what it missed; one from before a restart is told to reload its history; a finished track is
 * announced once per page however often its delivery runs or its completion is reported.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryHandler, DeliverySteps, FrontendRuntime, TrackView } from '../../core/chat.ts';
import { memorySteps } from '../../core/delivery.ts';
import type { Platform, ProgressEvent } from '../../core/jobs.ts';
import { createLogger } from '../../core/log.ts';
import { chatPlugin, LocalChannel, wireLocalChat, type ChatEvent } from '../../web/server/chat.ts';

interface Received {
  id: string;
  event: ChatEvent;
}

function track(id: string, status = 'completed'): TrackView {
  return {
    id, prompt: 'lo-fi piano', status, progress: 1, durationS: 5, engine: 'embedded', engineVersion: '1', renderMs: 1, format: 'opus', sizeBytes: 1,
    params: { bpm: 80, key: 'C', mode: 'minor', genre: 'lofi', mood: null, instruments: ['piano'], excluded: [], structure: [], seed: 1, explicit: [] },
    playerUrl: `/t/${id}`, downloadUrl: `/t/${id}/download`, audioUrl: `/t/${id}/audio`, favorites: 0, plays: 0,
    creator: { platformUserId: 'ada', displayName: 'Ada' }, origin: { platform: 'local', guildId: 'local', channelId: 'local' },
    createdAt: new Date(0).toISOString(), errorCode: null, errorMessage: null,
  };
}

/** Only what the stream and the wiring use; every other core call is a mistake here. */
function fakeRuntime() {
  const tracks = new Map<string, TrackView>();
  const listeners = new Set<(e: ProgressEvent) => void>();
  let handler: DeliveryHandler | null = null;
  // Every track look-up, and (when set) what each waits for before it answers.
  const lookups: string[] = [];
  const gate: { hold: Promise<void> | null } = { hold: null };
  const runtime = {
    publicUrl: 'http://127.0.0.1:1',
    log: createLogger('silent'),
    core: {
      track: async (id: string) => {
        lookups.push(id);
        await gate.hold;
        return tracks.get(id) ?? null;
      },
    },
    onProgress(_platform: Platform, listener: (e: ProgressEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async startDelivery(_platform: Platform, h: DeliveryHandler) {
      handler = h;
      return { close: async () => undefined };
    },
  } as unknown as FrontendRuntime; // a partial fake: the stream never reaches the rest
  return {
    runtime, tracks, lookups, gate,
    emit: (e: ProgressEvent) => listeners.forEach((l) => l(e)),
    deliver: (t: TrackView, steps?: DeliverySteps) => handler!({ track: t, reply: {}, filePath: '/none', fitsInline: true, attempt: 0, steps }),
  };
}

class Stream {
  received: Received[] = [];
  #buf = '';
  readonly res: IncomingMessage;
  constructor(res: IncomingMessage) {
    this.res = res;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.#buf += chunk;
      const blocks = this.#buf.split('\n\n');
      this.#buf = blocks.pop() ?? '';
      for (const block of blocks) {
        const id = /^id: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (id && data) this.received.push({ id, event: JSON.parse(data) as ChatEvent });
      }
    });
  }
  types(): string[] {
    return this.received.map((r) => (r.event.type === 'progress' ? `progress:${r.event.progress}` : r.event.type));
  }
  async until(check: (s: Stream) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 3_000;
    while (!check(this)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.types())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  close(): void {
    this.res.destroy();
  }
}

describe('local chat stream: ids, replay, once per page', () => {
  let app: FastifyInstance;
  let base: string;
  let fake: ReturnType<typeof fakeRuntime>;
  let channel: LocalChannel;

  beforeEach(async () => {
    fake = fakeRuntime();
    channel = new LocalChannel(5);
    app = fastify({ logger: false });
    await app.register(chatPlugin, { runtime: fake.runtime, channel, heartbeatMs: 60_000 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => app?.close());

  const open = (path = '/api/chat/events', headers: Record<string, string> = {}) =>
    new Promise<Stream>((resolve, reject) => {
      httpRequest(`${base}${path}`, { headers }, (res) => resolve(new Stream(res))).on('error', reject).end();
    });
  const progress = (generationId: string, p: number): ChatEvent => ({ type: 'progress', generationId, platform: 'local', stage: 'rendering', progress: p });

  it('GIVEN a page that reconnects with Last-Event-ID THEN it gets exactly the events it missed, each once, then live ones', async () => {
    const id = randomUUID();
    const first = await open();
    await first.until((s) => s.types().includes('hello'), 'hello');
    channel.publish(progress(id, 0.1));
    await first.until((s) => s.types().includes('progress:0.1'), 'first event');
    const lastSeen = first.received.at(-1)!.id;
    first.close();

    channel.publish(progress(id, 0.2));
    channel.publish(progress(id, 0.3));
    const again = await open('/api/chat/events', { 'last-event-id': lastSeen });
    await again.until((s) => s.types().includes('hello'), 'replay');
    channel.publish(progress(id, 0.4));
    await again.until((s) => s.types().includes('progress:0.4'), 'live event');
    expect(again.types()).toEqual(['progress:0.2', 'progress:0.3', 'hello', 'progress:0.4']);
    // Ids only go up, and the page's last id is the newest event's.
    const seqs = again.received.map((r) => Number(r.id.split('.')[1]));
    expect(seqs).toEqual([2, 3, 3, 4]);
    again.close();
  });

  it('GIVEN a page reopening after a refusal with ?lastEventId THEN the same replay', async () => {
    const id = randomUUID();
    channel.publish(progress(id, 0.5));
    const since = channel.lastId;
    channel.publish(progress(id, 0.6));
    const page = await open(`/api/chat/events?lastEventId=${encodeURIComponent(since)}`);
    await page.until((s) => s.types().includes('hello'), 'replay');
    expect(page.types()).toEqual(['progress:0.6', 'hello']);
    page.close();
  });

  it('GIVEN an id from before a restart, or older than the buffer, THEN the page is told to reload its history', async () => {
    const restarted = await open('/api/chat/events', { 'last-event-id': 'aaaaaaaaaaaa.41' });
    await restarted.until((s) => s.types().includes('hello'), 'hello');
    expect(restarted.types()).toEqual(['reset', 'hello']);
    restarted.close();

    const id = randomUUID();
    channel.publish(progress(id, 0));
    const old = channel.lastId;
    for (let i = 1; i <= 6; i++) channel.publish(progress(id, i / 10)); // the buffer holds 5
    const behind = await open('/api/chat/events', { 'last-event-id': old });
    await behind.until((s) => s.types().includes('hello'), 'hello');
    expect(behind.types()).toEqual(['reset', 'hello']);
    behind.close();
  });

  it('GIVEN a track delivered twice and its completion reported twice THEN each page hears of it once', async () => {
    await app.close();
    fake = fakeRuntime();
    channel = new LocalChannel();
    app = fastify({ logger: false });
    await app.register(chatPlugin, { runtime: fake.runtime, channel, heartbeatMs: 60_000 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const wiring = await wireLocalChat(fake.runtime, channel, { announceFallbackMs: 100 });
    try {
      const pages = [await open(), await open()];
      const id = randomUUID();
      fake.tracks.set(id, track(id, 'delivering'));
      // Posting is not announcing: the row is not completed yet.
      await fake.deliver(track(id, 'delivering'));
      fake.emit({ generationId: id, platform: 'local', stage: 'delivering', progress: 1 });
      await pages[0]!.until((s) => s.types().includes('progress:1'), 'delivering');
      await new Promise((r) => setTimeout(r, 200));
      expect(pages[0]!.types()).not.toContain('track');

      fake.tracks.set(id, track(id, 'completed'));
      fake.emit({ generationId: id, platform: 'local', stage: 'completed', progress: 1 });
      await fake.deliver(track(id, 'delivering')); // a stalled job's second run
      fake.emit({ generationId: id, platform: 'local', stage: 'completed', progress: 1 });
      await new Promise((r) => setTimeout(r, 300)); // past the fallback look-up too
      for (const page of pages) {
        await page.until((s) => s.types().includes('track'), 'track');
        expect(page.types().filter((t) => t === 'track')).toHaveLength(1);
        expect(page.received.find((r) => r.event.type === 'track')!.event).toMatchObject({ type: 'track', track: { id, status: 'completed' } });
        page.close();
      }
    } finally {
      await wiring.close();
    }
  });

  it('GIVEN a web process killed after its delivery claimed the announcement THEN the process that reruns the job announces nothing', async () => {
    // One row's recorded steps, shared by the two processes as Postgres shares them.
    const steps = memorySteps();
    const id = randomUUID();
    const a = fakeRuntime();
    const b = fakeRuntime();
    const [channelA, channelB] = [new LocalChannel(), new LocalChannel()];
    const seen = { a: [] as string[], b: [] as string[] };
    channelA.subscribe((e) => seen.a.push(e.type));
    channelB.subscribe((e) => seen.b.push(e.type));
    const wiringA = await wireLocalChat(a.runtime, channelA, { announceFallbackMs: 30 });
    a.tracks.set(id, track(id, 'completed'));
    await a.deliver(track(id, 'delivering'), steps);
    await new Promise((r) => setTimeout(r, 150));
    await wiringA.close(); // "kill -9" right after: the job was never marked done in the queue
    expect(seen.a).toEqual(['track']);

    const wiringB = await wireLocalChat(b.runtime, channelB, { announceFallbackMs: 30 });
    try {
      b.tracks.set(id, track(id, 'completed'));
      await b.deliver(track(id, 'delivering'), steps); // the stalled job's second run, in another process
      b.emit({ generationId: id, platform: 'local', stage: 'completed', progress: 1 });
      await new Promise((r) => setTimeout(r, 150));
      expect(seen.b).toEqual([]);
      // A track no run announced yet is announced by the process whose run claims it.
      const other = randomUUID();
      b.tracks.set(other, track(other, 'completed'));
      await b.deliver(track(other, 'delivering'), memorySteps());
      await new Promise((r) => setTimeout(r, 150));
      expect(seen.b).toEqual(['track']);
    } finally {
      await wiringB.close();
    }
  });

  it('GIVEN a "completed" event that never arrives THEN the delivered track is still announced from its row', async () => {
    const wiring = await wireLocalChat(fake.runtime, channel, { announceFallbackMs: 50 });
    try {
      const page = await open();
      const id = randomUUID();
      fake.tracks.set(id, track(id, 'completed'));
      await fake.deliver(track(id, 'delivering'));
      await page.until((s) => s.types().includes('track'), 'track from the fallback');
      page.close();
    } finally {
      await wiring.close();
    }
  });

  // A system closes its database right after its web role (a test drops its schema): a fallback
  // look-up that ran later reopened the pool on a dropped schema and warned "relation generations
  // does not exist" as bench chat stopped its second system.
  it('GIVEN fallback look-ups pending and in flight WHEN the wiring closes THEN close waits for the one in flight and none starts after', async () => {
    const wiring = await wireLocalChat(fake.runtime, channel, { announceFallbackMs: 50 });
    let release!: () => void;
    fake.gate.hold = new Promise<void>((r) => (release = r));
    const [inFlight, pending] = [randomUUID(), randomUUID()];
    fake.tracks.set(inFlight, track(inFlight, 'completed'));
    fake.tracks.set(pending, track(pending, 'completed'));
    await fake.deliver(track(inFlight, 'delivering'));
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.lookups).toEqual([inFlight]);
    await fake.deliver(track(pending, 'delivering'));
    let closed = false;
    const closing = wiring.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(closed).toBe(false);
    release();
    await closing;
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.lookups).toEqual([inFlight]);
  });
});
