/** `npm run engine:reload`: every render worker reloads its engine (e.g. after MODEL_DIR changed). */
import { requestEngineReload } from '../core/engine-status.ts';
import { loadEntryConfig } from '../core/entry.ts';
import { connectRedis } from '../core/queue.ts';

const config = loadEntryConfig();
const redis = connectRedis(config.redisUrl, 'ditty-admin');
const receivers = await requestEngineReload(redis, config.queuePrefix);
console.log(receivers ? `reload requested; ${receivers} process(es) listening` : 'no render worker is listening');
redis.disconnect();
