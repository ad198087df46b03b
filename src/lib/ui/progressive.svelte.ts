// A long list put on screen in steps, so that the first screenful paints at
// once: the first frame renders items up to a budget (in rows), and after
// that frame has been produced the budget grows a chunk per task until every
// item is in the DOM. Nothing is windowed away: within a few tasks the whole
// plan is there for find-in-page, printing, keyboard order and screen readers.
// `all()` renders everything at once, e.g. before jumping to an item further down.
import { afterNextFrame } from './after-next-frame.ts';

export class Progressive {
  /** rows to render now; Infinity once everything is */
  budget = $state(0);
  readonly #chunk: number;
  #cancelFrame: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #complete: () => boolean = () => true;

  constructor(first: number, chunk: number) {
    this.budget = first;
    this.#chunk = chunk;
  }

  get done(): boolean {
    return this.budget === Infinity;
  }

  /** Starts growing after the next frame, until `complete()` says the budget covers every item (read at each step: items come and go live). */
  start(complete: () => boolean) {
    this.#complete = complete;
    if (this.done || this.#cancelFrame || this.#timer) return;
    if (complete()) {
      this.budget = Infinity;
      return;
    }
    this.#cancelFrame = afterNextFrame(() => {
      this.#cancelFrame = null;
      this.#step();
    });
  }

  #step = () => {
    this.#timer = null;
    this.budget += this.#chunk;
    if (this.#complete()) this.budget = Infinity;
    else this.#timer = setTimeout(this.#step, 0);
  };

  all() {
    this.destroy();
    this.budget = Infinity;
  }

  destroy() {
    this.#cancelFrame?.();
    if (this.#timer) clearTimeout(this.#timer);
    this.#cancelFrame = null;
    this.#timer = null;
  }
}

/** How many leading items fit in `budget`, given each item's weight (a heavy item waits until the budget has grown to it). */
export function fitting(weights: readonly number[], budget: number): number {
  if (budget === Infinity) return weights.length;
  let n = 0;
  let used = 0;
  for (const w of weights) {
    if (used + w > budget) break;
    used += w;
    n++;
  }
  return n;
}
