// Long loops on the server's one thread (a caseload of 5,000 families, a
// plan's two years of history) give the event loop back now and then, so
// that other requests and sockets are served between slices of the work.

/** Resolves once pending I/O has been handled (setImmediate runs after the poll phase). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A loop's clock: `due()` is true once `sliceMs` have passed since the slice
 * began, and starts the next slice; the loop then awaits nextTurn().
 */
export function slices(sliceMs: number): { due(): boolean } {
  let until = performance.now() + sliceMs;
  return {
    due() {
      const now = performance.now();
      if (now < until) return false;
      until = now + sliceMs;
      return true;
    }
  };
}
