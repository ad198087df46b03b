// A token bucket: `rate` tokens a second, at most `burst` held. The relay keeps
// two per session on the per-message hot path (messages, and bytes), in memory and local to the node
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
    return this.takeMany(1, now);
  }

  /** Takes `n` tokens if there are that many (none otherwise). */
  takeMany(n: number, now = Date.now()): boolean {
    if (this.tokens(now) < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Puts back tokens taken for something that did not happen after all (never above the burst). */
  refund(n: number) {
    this.#tokens = Math.min(this.burst, this.#tokens + n);
  }

  /** Full again: nothing to remember about this key. */
  full(now = Date.now()): boolean {
    return this.tokens(now) >= this.burst;
  }
}
