// The counters behind the login limits (auth.ts) and the access-log upload
// budget (api.ts): sliding windows per key. One process keeps them in memory
// (local.ts); several nodes share them through Redis (redis.ts), so an
// attacker cannot multiply a limit by the number of nodes behind the load
// balancer. The relay's per-message bucket stays local (token-bucket.ts).
export interface Counters {
  readonly kind: 'local' | 'redis';
  /** The sum of what was added to `key` within the last `windowMs` before `now` (ms). */
  count(key: string, windowMs: number, now: number): Promise<number>;
  /** Adds `n` (default 1) to `key` at `now`. */
  add(key: string, windowMs: number, now: number, n?: number): Promise<void>;
  /** Adds `n` at `now` if the window's sum plus `n` stays within `max`; resolves whether it did. */
  take(key: string, n: number, max: number, windowMs: number, now: number): Promise<boolean>;
  clear(key: string): Promise<void>;
  close(): Promise<void>;
}
