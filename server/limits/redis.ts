// Sliding-window counters shared by every node through Redis: one sorted set
// per key (score = time, member = time:random:amount), trimmed and summed by a
// Lua script so a check-and-add is atomic across nodes. Keys are hashed: Redis
// never holds a username or an address in clear. While Redis is unreachable the
// node falls back to its own memory (it still limits what reaches it) rather
// than refusing every login or letting every attempt through.
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { errorFields, silentLogger, type Logger } from '../log.ts';
import { LocalCounters } from './local.ts';
import type { Counters } from './types.ts';

type Client = ReturnType<typeof createClient>;

// KEYS[1] the set; ARGV: now, windowMs, n to add (0: only count), max (-1: no max).
// Returns {sum before, added 0|1}.
const SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local sum = 0
for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  sum = sum + tonumber(string.match(m, ':(%d+)$'))
end
if n > 0 and (max < 0 or sum + n <= max) then
  redis.call('ZADD', key, now, ARGV[5] .. ':' .. n)
  redis.call('PEXPIRE', key, window)
  return {sum, 1}
end
return {sum, 0}
`;

const hashKey = (namespace: string, key: string) => `fp:${namespace ? `${namespace}:` : ''}limit:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;

export class RedisCounters implements Counters {
  readonly kind = 'redis';
  readonly #client: Client;
  readonly #fallback = new LocalCounters();
  readonly #log: Logger;
  /** keys are `fp:<namespace>:limit:…`: only the nodes of one deployment share counters */
  readonly #namespace: string;
  #warnedAt = 0;

  private constructor(url: string, log: Logger, namespace: string) {
    this.#log = log;
    this.#namespace = namespace;
    this.#client = createClient({
      url,
      name: 'fp-limits',
      disableOfflineQueue: true,
      socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 10), 2000) }
    });
    // Without a listener an 'error' while reconnecting would end the process; failures surface per call.
    this.#client.on('error', () => {});
  }

  static async connect(url: string, log: Logger = silentLogger, namespace = ''): Promise<RedisCounters> {
    const counters = new RedisCounters(url, log, namespace);
    await counters.#client.connect();
    return counters;
  }

  async #run(key: string, now: number, windowMs: number, n: number, max: number): Promise<[number, boolean]> {
    const reply = (await this.#client.eval(SCRIPT, {
      keys: [hashKey(this.#namespace, key)],
      arguments: [String(now), String(windowMs), String(n), String(max), `${now}:${randomBytes(6).toString('hex')}`]
    })) as [number, number];
    return [Number(reply[0]), Number(reply[1]) === 1];
  }

  #failed(err: unknown) {
    const t = Date.now();
    if (t - this.#warnedAt > 10_000) {
      this.#warnedAt = t;
      this.#log.warn('limits.redis_unavailable', errorFields(err));
    }
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    try {
      return (await this.#run(key, now, windowMs, 0, -1))[0];
    } catch (err) {
      this.#failed(err);
      return this.#fallback.count(key, windowMs, now);
    }
  }

  async add(key: string, windowMs: number, now: number, n = 1): Promise<void> {
    try {
      await this.#run(key, now, windowMs, n, -1);
    } catch (err) {
      this.#failed(err);
      await this.#fallback.add(key, windowMs, now, n);
    }
  }

  async take(key: string, n: number, max: number, windowMs: number, now: number): Promise<boolean> {
    try {
      return (await this.#run(key, now, windowMs, n, max))[1];
    } catch (err) {
      this.#failed(err);
      return this.#fallback.take(key, n, max, windowMs, now);
    }
  }

  async clear(key: string): Promise<void> {
    await this.#fallback.clear(key);
    try {
      await this.#client.del(hashKey(this.#namespace, key));
    } catch (err) {
      this.#failed(err);
    }
  }

  async close(): Promise<void> {
    if (this.#client.isReady) await this.#client.close().catch(() => this.#client.destroy());
    else this.#client.destroy();
  }
}
