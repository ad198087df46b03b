// A press on a link to a family's plan, seen before the router acts on it:
// the pointer going down (a tap's click follows some 50–100 ms later), or a
// click (the keyboard's Enter). The layout starts the plan's first reads then
// (plan-opening.ts), so they run while the router takes down the page left.
// Small on purpose: every page loads it.

const PLAN_PATH = /^\/familie\/([^/?#]+)$/;

/** The family id of a same-origin link to a plan page (not its history, consents …), or null. */
export function planLinkId(link: { origin: string; pathname: string }, origin: string): string | null {
  if (link.origin !== origin) return null;
  const m = PLAN_PATH.exec(link.pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/** Calls `f` with the family id when a plan link is pressed; returns the uninstaller. */
export function onPlanLinkPress(f: (familyId: string) => void, target: Window = window): () => void {
  const onPress = (e: Event) => {
    const link = (e.target as Element | null)?.closest?.('a[href]');
    if (!(link instanceof HTMLAnchorElement)) return;
    const id = planLinkId(link, location.origin);
    if (id) f(id);
  };
  target.addEventListener('pointerdown', onPress, { capture: true, passive: true });
  target.addEventListener('click', onPress, { capture: true });
  return () => {
    target.removeEventListener('pointerdown', onPress, { capture: true });
    target.removeEventListener('click', onPress, { capture: true });
  };
}

/**
 * Calls `start(module, familyId)` on each press of a plan link. The module
 * (`load`) is fetched once `after` resolves (a moment after the page has
 * shown: it must not compete with the first paint), so a press starts the
 * reads in the same event; a press before that waits for it.
 */
export function startOnPlanLinkPress<M>(load: () => Promise<M>, start: (module: M, familyId: string) => void, opts: { after: Promise<unknown>; target?: Window }): () => void {
  let loaded: M | null = null;
  let loading: Promise<M> | null = null;
  let stopped = false;
  // A failed fetch (offline before the module was cached) is tried again at the next press; the
  // plan page starts its own reads meanwhile, so nothing waits on it.
  const get = () =>
    (loading ??= load().then(
      (m) => (loaded = m),
      (err: unknown) => {
        loading = null;
        throw err;
      }
    ));
  const failed = (err: unknown) => console.warn('plan links: the plan-opening code did not load', err);
  void opts.after.then(() => {
    if (!stopped) get().catch(failed);
  });
  const off = onPlanLinkPress((id) => {
    if (loaded) start(loaded, id);
    else
      get()
        .then((m) => start(m, id))
        .catch(failed);
  }, opts.target);
  return () => {
    stopped = true;
    off();
  };
}
