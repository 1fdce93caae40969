import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { REST, Routes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/log.ts';

/** A fixed test key (32 bytes, base64). */
const TOKEN_KEY = 'P0fUcZHP7vGcGdkdunHez08xJ6t2BnAzQXKmRbJY85Y=';

describe('loadConfig', () => {
  it('GIVEN an empty environment THEN sane defaults (local chat on 127.0.0.1, embedded engine, 15 s)', () => {
    const c = loadConfig({});
    expect(c.http.host).toBe('127.0.0.1');
    expect(c.http.publicUrl).toBe('http://127.0.0.1:8080');
    expect(c.engine.name).toBe('embedded');
    expect(c.limits).toMatchObject({ defaultDurationS: 15, maxDurationS: 120, ratePerMinute: 10 });
    expect(c.discord).toBeUndefined();
  });

  it('GIVEN API_WEBHOOK_ALLOW_PRIVATE unset THEN callbacks may reach private addresses only while the API is reachable from this machine alone', () => {
    const allow = (env: Record<string, string>) => loadConfig(env).api.webhook.allowPrivate;
    // npm start as it comes: a script's receiver on localhost is called.
    expect(allow({})).toBe(true);
    expect(allow({ HTTP_HOST: 'localhost' })).toBe(true);
    // Reachable from a network, published under PUBLIC_URL, or behind a trusted proxy: SSRF protection.
    expect(allow({ HTTP_HOST: '0.0.0.0', LOCAL_CHAT_TOKEN: 'x'.repeat(16) })).toBe(false);
    expect(allow({ PUBLIC_URL: 'https://ditty.example.com' })).toBe(false);
    expect(allow({ TRUST_PROXY: 'true' })).toBe(false);
    // Said outright, either way, it is what the operator said.
    expect(allow({ API_WEBHOOK_ALLOW_PRIVATE: 'false' })).toBe(false);
    expect(allow({ HTTP_HOST: '0.0.0.0', API_WEBHOOK_ALLOW_PRIVATE: 'true' })).toBe(true);
  });

  it('GIVEN several bad values THEN one error naming every bad variable, without echoing values', () => {
    try {
      loadConfig({ HTTP_PORT: '99999', ENGINE: 'gpt', RATE_LIMIT_PER_MINUTE: 'lots', DISCORD_TOKEN: 'secret-token-value' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.variables.sort()).toEqual(['ENGINE', 'HTTP_PORT', 'RATE_LIMIT_PER_MINUTE']);
      expect(err.message).not.toContain('secret-token-value');
    }
  });

  it('GIVEN cross-field mistakes THEN the dependent variable is named', () => {
    expect(() => loadConfig({ ENGINE: 'musicgen' })).toThrow(/MODEL_DIR/);
    expect(() => loadConfig({ DISCORD_TOKEN: 'x' })).toThrow(/DISCORD_APPLICATION_ID/);
    expect(() => loadConfig({ DEFAULT_DURATION_S: '60', MAX_DURATION_S: '30' })).toThrow(/DEFAULT_DURATION_S/);
  });

  it('GIVEN part of the Slack OAuth variables THEN each missing one is named, and no value is echoed', () => {
    try {
      loadConfig({ SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'client-secret-value', SLACK_SIGNING_SECRET: 'sig' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variables).toEqual(['SLACK_STATE_SECRET']);
      expect((e as ConfigError).message).not.toContain('client-secret-value');
    }
    expect(() => loadConfig({ SLACK_STATE_SECRET: 'a-long-random-state-secret' })).toThrow(/SLACK_CLIENT_ID[\s\S]*SLACK_CLIENT_SECRET/);
  });

  it('GIVEN Slack OAuth without a bot token THEN the slack section exists with oauth set; a bot token alone keeps single-workspace mode', () => {
    const oauth = { SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'a-long-random-state-secret', SLACK_TOKEN_KEY: TOKEN_KEY };
    const c = loadConfig({ ...oauth, SLACK_SIGNING_SECRET: 'sig' });
    expect(c.slack?.botToken).toBeUndefined();
    expect(c.slack?.oauth).toEqual({ clientId: '123.456', clientSecret: 'cs', stateSecret: 'a-long-random-state-secret' });
    expect(() => loadConfig(oauth)).toThrow(/SLACK_SIGNING_SECRET/);
    const single = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'sig' });
    expect(single.slack).toMatchObject({ botToken: 'xoxb-1', signingSecret: 'sig', port: 3000 });
    expect(single.slack?.oauth).toBeUndefined();
    expect(loadConfig({}).slack).toBeUndefined();
  });

  it('GIVEN SLACK_REDIRECT_URI THEN OAuth names it; a URL elsewhere than /slack/oauth_redirect, or no OAuth, is refused by name', () => {
    const oauth = { SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'a-long-random-state-secret', SLACK_SIGNING_SECRET: 'sig', SLACK_TOKEN_KEY: TOKEN_KEY };
    const uri = 'https://ditty.example.com/slack/oauth_redirect';
    expect(loadConfig({ ...oauth, SLACK_REDIRECT_URI: uri }).slack?.oauth?.redirectUri).toBe(uri);
    expect(loadConfig(oauth).slack?.oauth?.redirectUri).toBeUndefined();
    for (const env of [{ ...oauth, SLACK_REDIRECT_URI: 'https://ditty.example.com/oauth' }, { SLACK_REDIRECT_URI: uri }, { ...oauth, SLACK_REDIRECT_URI: 'not a url' }]) {
      try {
        loadConfig(env);
        expect.unreachable();
      } catch (e) {
        expect((e as ConfigError).variables).toEqual(['SLACK_REDIRECT_URI']);
      }
    }
  });

  it('GIVEN Slack OAuth THEN SLACK_TOKEN_KEY is required and must be 32 bytes of base64; previous keys follow it', () => {
    const oauth = { SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'a-long-random-state-secret', SLACK_SIGNING_SECRET: 'sig' };
    expect(() => loadConfig(oauth)).toThrow(/SLACK_TOKEN_KEY: is required with Slack OAuth/);
    expect(() => loadConfig({ ...oauth, SLACK_TOKEN_KEY: 'c2hvcnQ=' })).toThrow(/SLACK_TOKEN_KEY: must be 32 random bytes/);
    const old = Buffer.alloc(32, 7).toString('base64');
    const keys = loadConfig({ ...oauth, SLACK_TOKEN_KEY: TOKEN_KEY, SLACK_TOKEN_KEY_PREVIOUS: old }).slack?.tokenKeys;
    expect(keys?.map((k) => k.toString('base64'))).toEqual([TOKEN_KEY, old]);
  });

  it('treats empty strings as unset (compose files pass them)', () => {
    expect(loadConfig({ DISCORD_TOKEN: '', HTTP_PORT: '' }).http.port).toBe(8080);
  });
});

describe('logger', () => {
  it('never writes tokens or connection strings', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const captured = createLogger('info', 'test', sink);
    captured.info({ config: { discord: { token: 'tok-123' }, slack: { botToken: 'xoxb-1', signingSecret: 'sig', oauth: { clientSecret: 'csec-1', stateSecret: 'ssec-1' } } }, reply: { interactionToken: 'itok' }, databaseUrl: 'postgres://u:pw@h/db' }, 'starting');
    const out = lines.join('');
    for (const secret of ['tok-123', 'xoxb-1', 'sig"', 'itok', 'pw@h', 'csec-1', 'ssec-1']) expect(out).not.toContain(secret);
    expect(out).toContain('starting');
  });

  it('GIVEN discord.js errors from an interaction reply THEN the interaction token in the URL they carry is not written', async () => {
    // Discord answers as it does for a reply whose token expired (15 min) or whose message is gone.
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Unknown Webhook', code: 10015 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const rest = new REST({ api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retries: 0 }).setToken('bot-token-not-used');
      const interactionToken = 'aW50ZXJhY3Rpb246OTg3NjU0MzIxOmFCY0RlRmdIaUprTG1Ob1BxUnN0';
      const errors = await Promise.all([
        rest.patch(Routes.webhookMessage('123456789012345678', interactionToken, '@original'), { body: { content: 'x' }, auth: false }).catch((e: unknown) => e),
        rest.post(Routes.interactionCallback('223456789012345678', interactionToken), { body: { type: 5 }, auth: false }).catch((e: unknown) => e),
      ]);
      const lines: string[] = [];
      const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
      const log = createLogger('info', 'test', sink);
      for (const err of errors) {
        // The library does carry the token: this is what would have been written.
        expect((err as { url: string }).url).toContain(interactionToken);
        log.warn({ err }, 'discord reply failed');
        log.child({ component: 'web' }).error({ err: { nested: { cause: String((err as { url: string }).url) } } }, 'deep');
      }
      const out = lines.join('');
      expect(out).not.toContain(interactionToken);
      expect(out).toContain('/webhooks/123456789012345678/[redacted]/messages/');
      expect(out).toContain('/interactions/223456789012345678/[redacted]/callback');
      expect(out).toContain('"code":10015');
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('GIVEN secrets inside text (a password in a URL, a Slack response URL, an auth header) THEN the written line masks them', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    createLogger('info', 'test', sink).warn(
      { err: new Error('connect failed for postgresql://ditty:pg-pass-1@postgres:5432/ditty'), hook: 'https://hooks.slack.com/commands/T123/456/r3sp0nseS3cret', header: 'Bot MTIzNDU2Nzg5.Gh1jK2.bot-token-part' },
      'redis://:redis-pass-2@redis:6379 unreachable',
    );
    const out = lines.join('');
    for (const secret of ['pg-pass-1', 'r3sp0nseS3cret', 'MTIzNDU2Nzg5.Gh1jK2', 'redis-pass-2']) expect(out).not.toContain(secret);
    expect(out).toContain('postgres:5432/ditty');
    expect(out).toContain('redis:6379 unreachable');
  });
});
