// Work that must not delay what is about to be painted: it runs in a task
// after the next frame, at background priority, so a tap on what was just
// painted goes first (the plan's progressive rendering, the caseload's other
// sort orders).

/**
 * Runs `fn` in a task after the next frame has been produced:
 * requestAnimationFrame runs just before the frame, and the task it queues
 * runs after it, so whatever is on screen now is painted before `fn`'s work.
 * That task yields to every task already queued (a tap on what was just
 * painted goes first): scheduler.postTask's background priority where the
 * browser has it (or `priority`), a timeout elsewhere.
 */
export function afterNextFrame(fn: () => void, priority: TaskPriority = 'background'): () => void {
  let cancelTask: (() => void) | null = null;
  const frame = requestAnimationFrame(() => {
    cancelTask = yieldingTask(fn, priority);
  });
  return () => {
    cancelAnimationFrame(frame);
    cancelTask?.();
  };
}

/** 'background': after whatever else is queued; 'user-visible': the rest of what the person is looking at (not behind background work). */
type TaskPriority = 'background' | 'user-visible';

interface TaskScheduler {
  postTask(fn: () => void, opts: { priority: TaskPriority; signal: AbortSignal }): Promise<unknown>;
}

function yieldingTask(fn: () => void, priority: TaskPriority): () => void {
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') {
    const aborted = new AbortController();
    // A cancelled task rejects its promise: expected; anything else fn threw is reported as before.
    scheduler.postTask(fn, { priority, signal: aborted.signal }).catch((err: unknown) => {
      if (!aborted.signal.aborted) throw err;
    });
    return () => aborted.abort();
  }
  const timer = setTimeout(fn, 0);
  return () => clearTimeout(timer);
}
