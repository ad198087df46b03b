// The service worker's answer to a page load (src/lib/sw/navigation.ts): the
// network when it answers in time, the cached shell when it fails or is slow.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerNavigation, SHELL_AFTER_MS, type NavigationSeams } from '../../src/lib/sw/navigation.ts';

const page = (body: string, status = 200) => new Response(body, { status, headers: { 'content-type': 'text/html' } });

/** A worker's seams around a network that answers as `network` does; what was stored and kept alive is recorded. */
function seams(network: () => Promise<Response>, cached: string | null = 'cached shell') {
  const stored: string[] = [];
  const kept: Promise<unknown>[] = [];
  const s: NavigationSeams = {
    fetch: network,
    cachedShell: async () => (cached === null ? undefined : page(cached)),
    storeShell: async (res) => void stored.push(await res.text()),
    waitUntil: (work) => void kept.push(work)
  };
  return { s, stored, kept };
}

const req = new Request('http://localhost/');

describe('a page load through the service worker', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('takes the network when it answers in time, and keeps the shell it sent', async () => {
    const { s, stored } = seams(async () => page('fresh shell'));
    const res = await answerNavigation(req, true, s);
    expect(await res.text()).toBe('fresh shell');
    expect(stored).toEqual(['fresh shell']);
  });

  it('keeps only the shell: another route or a failed answer is not stored', async () => {
    const other = seams(async () => page('a route'));
    await answerNavigation(new Request('http://localhost/familie/x'), false, other.s);
    const failed = seams(async () => page('error', 500));
    expect((await answerNavigation(req, true, failed.s)).status).toBe(500);
    expect([...other.stored, ...failed.stored]).toEqual([]);
  });

  it('answers with the cached shell when the network fails (offline)', async () => {
    const { s } = seams(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await (await answerNavigation(req, true, s)).text()).toBe('cached shell');
  });

  it('answers with a plain 503 when the network fails and nothing is cached', async () => {
    const { s } = seams(() => Promise.reject(new TypeError('Failed to fetch')), null);
    const res = await answerNavigation(req, true, s);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('Familiens Plan er offline.');
  });

  it('answers with the cached shell once the network has been slower than SHELL_AFTER_MS, and stores the late answer', async () => {
    let answer!: (res: Response) => void;
    const { s, stored, kept } = seams(() => new Promise<Response>((resolve) => (answer = resolve)));
    const pending = answerNavigation(req, true, s);
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(SHELL_AFTER_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await (await pending).text()).toBe('cached shell');
    expect(kept).toHaveLength(1);
    answer(page('late shell'));
    await Promise.all(kept);
    expect(stored).toEqual(['late shell']);
  });

  it('waits for a slow network when nothing is cached (the first load)', async () => {
    let answer!: (res: Response) => void;
    const { s } = seams(() => new Promise<Response>((resolve) => (answer = resolve)), null);
    const pending = answerNavigation(req, true, s);
    await vi.advanceTimersByTimeAsync(SHELL_AFTER_MS * 2);
    answer(page('slow shell'));
    expect(await (await pending).text()).toBe('slow shell');
  });

  it('a slow network that then fails, with nothing cached, gives the plain 503', async () => {
    let fail!: (err: Error) => void;
    const { s } = seams(() => new Promise<Response>((_, reject) => (fail = reject)), null);
    const pending = answerNavigation(req, true, s);
    await vi.advanceTimersByTimeAsync(SHELL_AFTER_MS);
    fail(new TypeError('Failed to fetch'));
    expect((await pending).status).toBe(503);
  });
});
