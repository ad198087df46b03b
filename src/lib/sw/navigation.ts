// How the service worker answers a page load (a navigation). From the network
// while it answers in time, so that a new deployment's shell arrives. From the
// shell cached with this version when the network fails (offline) or has not
// answered after SHELL_AFTER_MS: on a weak signal — one bar in a family's
// kitchen — the browser would otherwise wait for the network's own timeout,
// minutes, before showing the work the tablet holds. An answer that comes
// later still refreshes the cached shell. Every page renders in the browser,
// so the one shell serves every route.

/** how long a page load waits for the network before the cached shell answers */
export const SHELL_AFTER_MS = 3000;

export interface NavigationSeams {
  fetch: (req: Request) => Promise<Response>;
  /** the shell cached with this version, if there is one */
  cachedShell: () => Promise<Response | undefined>;
  /** keeps a fresh shell (a copy of the network's answer for the shell's own path) */
  storeShell: (res: Response) => Promise<void>;
  /** keeps the worker alive for work that outlives the answer */
  waitUntil: (work: Promise<unknown>) => void;
  timeoutMs?: number;
}

/** Neither the network nor a cached shell: a plain answer instead of the browser's error page. */
export const offlineAnswer = () => new Response('Familiens Plan er offline.', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** `isShell`: the request is for the shell's own path, whose answer is cached. */
export async function answerNavigation(req: Request, isShell: boolean, seams: NavigationSeams): Promise<Response> {
  const network = seams.fetch(req).then(async (res) => {
    if (res.ok && isShell) await seams.storeShell(res.clone());
    return res;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), seams.timeoutMs ?? SHELL_AFTER_MS)));
  try {
    const answer = await Promise.race([network, late]);
    if (answer) return answer;
  } catch {
    return (await seams.cachedShell()) ?? offlineAnswer();
  } finally {
    clearTimeout(timer);
  }
  // The network is slow: the cached shell now, the network's answer (if it comes) for the next load.
  const shell = await seams.cachedShell();
  if (!shell) return network.catch(offlineAnswer);
  seams.waitUntil(network.catch(() => undefined));
  return shell;
}
