// A Clock (src/lib/sync/internal/clock.ts) whose timers fire only when the test advances time.
import type { Clock } from '../../../src/lib/sync/internal/clock.ts';

export class ManualClock implements Clock {
  #now: number;
  #timers = new Map<number, { at: number; run: () => void; every: number | null }>();
  #next = 1;
  constructor(start = Date.parse('2026-06-15T10:00:00.000Z')) {
    this.#now = start;
  }
  now() {
    return new Date(this.#now);
  }
  every(run: () => void, ms: number) {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, run, every: ms });
    return id;
  }
  after(run: () => void, ms: number) {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, run, every: null });
    return id;
  }
  cancel(timer: unknown) {
    this.#timers.delete(timer as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time on, firing every timer that falls due on the way, in order. */
  advance(ms: number) {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, t] = due;
      this.#now = t.at;
      if (t.every === null) this.#timers.delete(id);
      else t.at += t.every;
      t.run();
    }
    this.#now = end;
  }
}
