// Picks the counters once, from configuration: REDIS_URL set → shared between
// nodes through Redis, else this process' memory.
import type { Logger } from '../log.ts';
import { LocalCounters } from './local.ts';
import type { Counters } from './types.ts';

export type { Counters } from './types.ts';
export { TokenBucket } from './token-bucket.ts';

export async function createCounters(config: { redisUrl: string | null; namespace?: string; log?: Logger }): Promise<Counters> {
  if (!config.redisUrl) return new LocalCounters();
  const { RedisCounters } = await import('./redis.ts');
  return RedisCounters.connect(config.redisUrl, config.log, config.namespace);
}
