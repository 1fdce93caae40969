import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCommands } from '../../bots/discord/deploy.ts';
import { FakeDiscord } from '../helpers/fake-discord/server.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake.close();
});

describe('GIVEN discord:deploy', () => {
  it('THEN with a dev guild the commands are registered on that guild with the bot token', async () => {
    const res = await deployCommands({ token: fake.token, applicationId: fake.applicationId, devGuildId: fake.guildId, apiBase: fake.apiBase });
    expect(res).toEqual({ scope: 'guild', guildId: fake.guildId, names: ['generate', 'stats', 'recent', 'search', 'similar', 'ditty', 'help'] });
    const put = fake.requestsTo('PUT', `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`)[0]!;
    expect(put.authorization).toBe(`Bot ${fake.token}`);
    expect((put.body as unknown as Array<{ name: string }>).map((c) => c.name)).toEqual(['generate', 'stats', 'recent', 'search', 'similar', 'ditty', 'help']);
  });

  it('THEN --global (or no dev guild) registers them globally', async () => {
    const res = await deployCommands({ token: fake.token, applicationId: fake.applicationId, devGuildId: fake.guildId, apiBase: fake.apiBase }, { global: true });
    expect(res.scope).toBe('global');
    expect(fake.requestsTo('PUT', `/applications/${fake.applicationId}/commands`)).toHaveLength(1);
  });

  it('THEN a wrong token fails loudly', async () => {
    await expect(deployCommands({ token: 'nope', applicationId: fake.applicationId, apiBase: fake.apiBase })).rejects.toThrow();
  });
});
