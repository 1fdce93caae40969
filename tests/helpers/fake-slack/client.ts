/**
 * Plays Slack's role toward the app's HTTP receiver: signed slash commands, block actions and
 * Events API callbacks, exactly as Slack sends them (form-encoded or JSON, `v0=` HMAC-SHA256 of
 * `v0:{timestamp}:{body}`), with knobs for forged signatures, stale timestamps and retries.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID, type FakeSlack, type StoredMessage } from './server.ts';

export interface SendOptions {
  /** Unix seconds put in x-slack-request-timestamp (default: now). */
  timestampS?: number;
  /** Signs with this secret instead of the right one. */
  signWith?: string;
  /** Sets x-slack-retry-num / x-slack-retry-reason like Slack's redelivery. */
  retryNum?: number;
  /** Signs this text instead of the body's bytes (Bolt checks the body decoded as UTF-8, lossily). */
  signAs?: string;
}

export interface Sent {
  status: number;
  body: string;
  /** Time until the response arrived, ms. */
  ms: number;
}

export interface SlackUser {
  id: string;
  name: string;
}

export interface CommandFields {
  user?: SlackUser;
  channelId?: string;
  teamId?: string;
  triggerId?: string;
  responseUrlId?: string;
}

/** Slack's signature: over the body's bytes as sent. */
export function sign(secret: string, timestampS: number, body: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`v0:${timestampS}:`), Buffer.from(body)])).digest('hex')}`;
}

export const newTriggerId = (): string => `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;

export class SlackSender {
  readonly #endpoint: string;
  readonly #secret: string;
  readonly #fake: FakeSlack;

  constructor(endpoint: string, signingSecret: string, fake: FakeSlack) {
    this.#endpoint = endpoint;
    this.#secret = signingSecret;
    this.#fake = fake;
  }

  /** The form fields of a slash command as Slack sends them. */
  commandBody(command: string, text: string, f: CommandFields = {}): Record<string, string> {
    const user = f.user ?? { id: 'U0ALICE01', name: 'alice' };
    const responseUrlId = f.responseUrlId ?? randomUUID();
    return {
      token: 'deprecated-verification-token',
      team_id: f.teamId ?? FAKE_TEAM_ID,
      team_domain: 'ditty-test',
      channel_id: f.channelId ?? 'C0GENERAL1',
      channel_name: 'general',
      user_id: user.id,
      user_name: user.name,
      command,
      text,
      api_app_id: 'A0DITTY01',
      is_enterprise_install: 'false',
      response_url: this.#fake.responseUrl(responseUrlId),
      trigger_id: f.triggerId ?? newTriggerId(),
    };
  }

  async command(command: string, text: string, f: CommandFields = {}, opts: SendOptions = {}): Promise<Sent & { fields: Record<string, string> }> {
    const fields = this.commandBody(command, text, f);
    const sent = await this.post(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', opts);
    return { ...sent, fields };
  }

  /** Presses a button of a message the fake holds, as `user`. */
  /** `actionTs` replays one click: Slack stamps each click once, a redelivery keeps the stamp. */
  async clickButton(message: StoredMessage, actionId: string, user: SlackUser, opts: SendOptions = {}, actionTs = `${Date.now() / 1000}`): Promise<Sent & { responseUrlId: string }> {
    let found: { block_id: string; value: string } | undefined;
    for (const block of message.blocks ?? []) {
      const elements = (block.elements ?? []) as Array<{ action_id?: string; value?: string }>;
      const el = elements.find((e) => e.action_id === actionId);
      if (el) found = { block_id: String(block.block_id ?? 'actions'), value: String(el.value) };
    }
    if (!found) throw new Error(`message ${message.ts} has no button ${actionId}`);
    const responseUrlId = randomUUID();
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: FAKE_TEAM_ID },
      api_app_id: 'A0DITTY01',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: newTriggerId(),
      team: { id: FAKE_TEAM_ID, domain: 'ditty-test' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: 'general' },
      message: { type: 'message', ts: message.ts, user: message.user, bot_id: message.bot_id, text: message.text, blocks: message.blocks },
      state: { values: {} },
      response_url: this.#fake.responseUrl(responseUrlId),
      actions: [{ action_id: actionId, block_id: found.block_id, value: found.value, type: 'button', action_ts: actionTs }],
    };
    const sent = await this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', opts);
    return { ...sent, responseUrlId };
  }

  /** An Events API callback wrapping `event`; returns the event id used. */
  async event(event: Record<string, unknown>, opts: SendOptions & { eventId?: string } = {}): Promise<Sent & { eventId: string }> {
    const eventId = opts.eventId ?? `Ev${randomBytes(6).toString('hex').toUpperCase()}`;
    const envelope = {
      token: 'deprecated-verification-token',
      team_id: FAKE_TEAM_ID,
      api_app_id: 'A0DITTY01',
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
    const sent = await this.post(JSON.stringify(envelope), 'application/json', opts);
    return { ...sent, eventId };
  }

  reaction(kind: 'reaction_added' | 'reaction_removed', user: string, reaction: string, channel: string, ts: string): Record<string, unknown> {
    return { type: kind, user, reaction, item_user: FAKE_BOT_USER_ID, item: { type: 'message', channel, ts }, event_ts: `${Date.now() / 1000}` };
  }

  async post(body: string | Buffer, contentType: string, opts: SendOptions = {}): Promise<Sent> {
    const ts = opts.timestampS ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': sign(opts.signWith ?? this.#secret, ts, opts.signAs ?? body),
    };
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const started = performance.now();
    const res = await fetch(this.#endpoint, { method: 'POST', headers, body });
    const text = await res.text();
    return { status: res.status, body: text, ms: performance.now() - started };
  }
}
