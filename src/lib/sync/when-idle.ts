// Work that nothing on screen waits for (the first sweep, the inbox, incoming
// transfers) starts when the browser is idle, so it does not compete with a
// page's first paint. On a slow tablet every task until the caseload's list
// is painted is the page's own (docs/performance.md); on a fast device idle
// comes within a frame or two.

/** Runs `fn` once the browser is idle, at the latest after `timeoutMs`; returns the cancel. */
export function whenIdle(fn: () => void, timeoutMs = 1000): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(() => fn(), { timeout: timeoutMs });
    return () => cancelIdleCallback(id);
  }
  const timer = setTimeout(fn, 0);
  return () => clearTimeout(timer);
}
