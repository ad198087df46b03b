// Sliding-window counters in this process' memory (one node, or a node whose
// Redis is unreachable: it still limits what reaches it).
import type { Counters } from './types.ts';

/** A spray of made-up usernames or addresses must not grow the map without end. */
const MAX_KEYS = 10_000;

export class LocalCounters implements Counters {
  readonly kind = 'local';
  readonly #hits = new Map<string, { at: number; n: number }[]>();

  #recent(key: string, windowMs: number, now: number) {
    const list = (this.#hits.get(key) ?? []).filter((h) => now - h.at < windowMs);
    if (list.length === 0) this.#hits.delete(key);
    else this.#hits.set(key, list);
    return list;
  }

  #prune(now: number) {
    // Keys older than an hour are gone from every window the app uses.
    if (this.#hits.size < MAX_KEYS) return;
    for (const key of [...this.#hits.keys()]) this.#recent(key, 3_600_000, now);
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    return this.#recent(key, windowMs, now).reduce((sum, h) => sum + h.n, 0);
  }

  async add(key: string, windowMs: number, now: number, n = 1): Promise<void> {
    this.#prune(now);
    const list = this.#recent(key, windowMs, now);
    list.push({ at: now, n });
    this.#hits.set(key, list);
  }

  async take(key: string, n: number, max: number, windowMs: number, now: number): Promise<boolean> {
    if ((await this.count(key, windowMs, now)) + n > max) return false;
    await this.add(key, windowMs, now, n);
    return true;
  }

  async clear(key: string): Promise<void> {
    this.#hits.delete(key);
  }

  async close(): Promise<void> {
    this.#hits.clear();
  }
}
