// A long list put on screen in steps, so that the first screenful paints at
// once: the first frame renders items up to a budget (in rows), and after
// that frame has been produced the budget grows a chunk per task until every
// item is in the DOM. Nothing is windowed away: within a few tasks the whole
// plan is there for find-in-page, printing, keyboard order and screen readers.
// `all()` renders everything at once, e.g. before jumping to an item further down.
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

/**
 * Runs `fn` in a task after the next frame has been produced:
 * requestAnimationFrame runs just before the frame, and the task it queues
 * runs after it, so whatever is on screen now is painted before `fn`'s work.
 * That task yields to every task already queued (a tap on what was just
 * painted goes first): scheduler.postTask's background priority where the
 * browser has it, a timeout elsewhere.
 */
export function afterNextFrame(fn: () => void): () => void {
  let cancelTask: (() => void) | null = null;
  const frame = requestAnimationFrame(() => {
    cancelTask = yieldingTask(fn);
  });
  return () => {
    cancelAnimationFrame(frame);
    cancelTask?.();
  };
}

interface TaskScheduler {
  postTask(fn: () => void, opts: { priority: 'background'; signal: AbortSignal }): Promise<unknown>;
}

function yieldingTask(fn: () => void): () => void {
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') {
    const aborted = new AbortController();
    // A cancelled task rejects its promise: expected; anything else fn threw is reported as before.
    scheduler.postTask(fn, { priority: 'background', signal: aborted.signal }).catch((err: unknown) => {
      if (!aborted.signal.aborted) throw err;
    });
    return () => aborted.abort();
  }
  const timer = setTimeout(fn, 0);
  return () => clearTimeout(timer);
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
