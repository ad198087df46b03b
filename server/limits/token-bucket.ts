// A token bucket: `rate` tokens a second, at most `burst` held. The relay keeps
// one per session on the per-message hot path, in memory and local to the node
// (docs/deploy.md "Rate limits on several nodes": each node's bucket is sized
// rate/N, so a session spread over N nodes gets no more than the rate in total,
// without a Redis round trip per message).
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #at: number;

  constructor(rate: number, burst: number, now = Date.now()) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Tokens held at `now` (refilled since the last look). */
  tokens(now = Date.now()): number {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    return this.#tokens;
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    if (this.tokens(now) < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Full again: nothing to remember about this key. */
  full(now = Date.now()): boolean {
    return this.tokens(now) >= this.burst;
  }
}
