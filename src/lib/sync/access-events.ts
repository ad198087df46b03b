// Listens on GET /api/events (server/event-channel.ts) so that a consent, a
// withdrawal or a new family shows on this device at once, not at the next
// minute's sweep. The stream says only "your access changed"; the caller
// re-fetches the manifest and the family list.
//
// One stream per browser profile, not per tab: over HTTP/1.1 a browser keeps
// at most six connections per host, and a stream holds one for good, so six
// tabs would starve every other request. The tab holding a Web Lock keeps the
// EventSource and passes each event to the other tabs on a BroadcastChannel;
// when it closes, the next tab takes the lock over.

const EVENTS_PATH = '/api/events';
const LOCK = 'fp-access-events';
const CHANNEL = 'fp-access-events';
const ACCESS = 'access';
const SESSION_ENDED = 'session-ended';
/** After the browser gave up (an answer other than a stream: 401, 429, 503), try again this long after, doubling to the max. */
const REOPEN_MIN_MS = 5_000;
const REOPEN_MAX_MS = 120_000;

/** Calls `onAccess` whenever the server says this user's access may have changed; returns the stop. */
export function watchAccess(onAccess: () => void): () => void {
  const stopped = new AbortController();
  const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
  const stop = () => {
    if (stopped.signal.aborted) return;
    stopped.abort();
    channel?.close();
  };
  channel?.addEventListener('message', (e: MessageEvent) => {
    if (e.data === ACCESS) onAccess();
    else if (e.data === SESSION_ENDED) stop();
  });
  const tell = (what: typeof ACCESS | typeof SESSION_ENDED) => {
    channel?.postMessage(what);
    if (what === ACCESS) onAccess();
    else stop();
  };

  /** Keeps the stream open while online; resolves (releasing the lock) when stopped. */
  const hold = (tookOver: boolean) =>
    new Promise<void>((resolve) => {
      let source: EventSource | null = null;
      let reopen: ReturnType<typeof setTimeout> | null = null;
      let reopenMs = REOPEN_MIN_MS;
      // Events sent while no stream was open are lost: every opening after a gap re-fetches.
      let gap = tookOver;
      const close = () => {
        source?.close();
        source = null;
        if (reopen) clearTimeout(reopen);
        reopen = null;
      };
      const open = () => {
        if (source || stopped.signal.aborted || !navigator.onLine) return;
        const es = new EventSource(EVENTS_PATH);
        source = es;
        es.addEventListener('open', () => {
          reopenMs = REOPEN_MIN_MS;
          if (gap) tell(ACCESS);
          gap = true;
        });
        es.addEventListener(ACCESS, () => tell(ACCESS));
        es.addEventListener(SESSION_ENDED, () => tell(SESSION_ENDED));
        es.addEventListener('error', () => {
          // A dropped stream is reconnected by EventSource itself (CONNECTING); a refused one is not.
          if (es.readyState !== EventSource.CLOSED || source !== es) return;
          source = null;
          reopen = setTimeout(() => {
            reopen = null;
            open();
          }, reopenMs);
          reopenMs = Math.min(reopenMs * 2, REOPEN_MAX_MS);
        });
      };
      const offline = () => close();
      const finish = () => {
        close();
        window.removeEventListener('online', open);
        window.removeEventListener('offline', offline);
        resolve();
      };
      if (stopped.signal.aborted) return finish();
      stopped.signal.addEventListener('abort', finish, { once: true });
      window.addEventListener('online', open);
      window.addEventListener('offline', offline);
      open();
    });

  if (typeof navigator.locks === 'undefined') {
    void hold(false);
  } else {
    navigator.locks
      .request(LOCK, { ifAvailable: true }, (lock) =>
        lock ? hold(false) : navigator.locks.request(LOCK, { signal: stopped.signal }, () => hold(true))
      )
      .catch((err: unknown) => {
        // Stopped while another tab held the stream: nothing was acquired, nothing to release.
        if (!(err instanceof DOMException && err.name === 'AbortError' && stopped.signal.aborted)) throw err;
      });
  }
  return stop;
}
