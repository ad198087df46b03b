// What runs after a plan's first frame (src/lib/ui/progressive.svelte.ts:
// afterNextFrame) yields to every task already queued, and a plan link's
// press starts the plan's reads at once once their module is there
// (src/lib/ui/plan-links.ts: startOnPlanLinkPress).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterNextFrame } from '../../src/lib/ui/after-next-frame.ts';
import { startOnPlanLinkPress } from '../../src/lib/ui/plan-links.ts';

const g = globalThis as Record<string, unknown>;
const saved = Object.fromEntries(['requestAnimationFrame', 'cancelAnimationFrame', 'scheduler', 'HTMLAnchorElement', 'location'].map((k) => [k, g[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete g[k];
    else g[k] = v;
  }
  vi.useRealTimers();
});

/** requestAnimationFrame that runs its callbacks when `frame()` is called */
function frames() {
  const queued = new Map<number, () => void>();
  let next = 1;
  g.requestAnimationFrame = (f: () => void) => {
    queued.set(next, f);
    return next++;
  };
  g.cancelAnimationFrame = (id: number) => queued.delete(id);
  return () => {
    const run = [...queued.values()];
    queued.clear();
    for (const f of run) f();
  };
}

describe('afterNextFrame', () => {
  it('posts its work at background priority after the frame, and a cancel aborts it', async () => {
    const frame = frames();
    const posted: { fn: () => void; priority: string; signal: AbortSignal }[] = [];
    g.scheduler = {
      postTask: (fn: () => void, opts: { priority: string; signal: AbortSignal }) => {
        posted.push({ fn, ...opts });
        return new Promise((resolve, reject) => opts.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      }
    };
    const ran: string[] = [];
    afterNextFrame(() => ran.push('a'));
    const cancel = afterNextFrame(() => ran.push('b'));
    // The caseload's cards below the fold: the rest of what the person looks at, not behind background work.
    afterNextFrame(() => ran.push('c'), 'user-visible');
    expect(posted).toHaveLength(0); // nothing before the frame
    frame();
    expect(posted.map((p) => p.priority)).toEqual(['background', 'background', 'user-visible']);
    cancel();
    expect(posted[1].signal.aborted).toBe(true);
    posted[0].fn();
    expect(ran).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 0)); // the aborted task's rejection is not reported
  });

  it('falls back to a timeout where the browser has no task scheduler', () => {
    vi.useFakeTimers();
    const frame = frames();
    delete g.scheduler;
    const ran: string[] = [];
    afterNextFrame(() => ran.push('a'));
    const cancel = afterNextFrame(() => ran.push('b'));
    frame();
    cancel();
    vi.runAllTimers();
    expect(ran).toEqual(['a']);
  });
});

describe('startOnPlanLinkPress', () => {
  class Anchor {
    readonly origin: string;
    readonly pathname: string;
    constructor(origin: string, pathname: string) {
      this.origin = origin;
      this.pathname = pathname;
    }
    closest() {
      return this;
    }
  }

  /** A window whose links are at https://fp.example (the press listener reads `location` and checks for anchors). */
  function target() {
    g.HTMLAnchorElement = Anchor;
    g.location = { origin: 'https://fp.example' };
    const listeners = new Map<string, (e: Event) => void>();
    const win = {
      addEventListener: (type: string, f: (e: Event) => void) => listeners.set(type, f),
      removeEventListener: (type: string) => listeners.delete(type)
    };
    const press = (path: string) => listeners.get('pointerdown')?.({ target: new Anchor('https://fp.example', path) } as unknown as Event);
    return { win: win as unknown as Window, press, listening: () => listeners.size };
  }

  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('loads the module once `after` resolves, then starts a press’s reads in the same event', async () => {
    const t = target();
    const started: string[] = [];
    let loads = 0;
    let painted = () => {};
    const after = new Promise<void>((r) => (painted = r));
    const stop = startOnPlanLinkPress(
      async () => {
        loads++;
        return { prepare: (id: string) => started.push(id) };
      },
      (m, id) => m.prepare(id),
      { after, target: t.win }
    );
    await settle();
    expect(loads).toBe(0); // nothing fetched before the page has shown
    painted();
    await settle();
    expect(loads).toBe(1);
    t.press('/familie/f-1');
    expect(started).toEqual(['f-1']); // at once, not after an import
    t.press('/familie/f-1/historik');
    expect(started).toEqual(['f-1']);
    expect(loads).toBe(1);
    stop();
    expect(t.listening()).toBe(0);
  });

  it('a press before that fetches the module and starts when it is there', async () => {
    const t = target();
    const started: string[] = [];
    startOnPlanLinkPress(async () => ({ prepare: (id: string) => started.push(id) }), (m, id) => m.prepare(id), { after: new Promise(() => {}), target: t.win });
    t.press('/familie/f-2');
    expect(started).toEqual([]);
    await vi.waitFor(() => expect(started).toEqual(['f-2']));
  });

  it('a fetch that failed is tried again at the next press', async () => {
    const t = target();
    const started: string[] = [];
    let loads = 0;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    startOnPlanLinkPress(
      async () => {
        if (++loads === 1) throw new Error('offline');
        return { prepare: (id: string) => started.push(id) };
      },
      (m, id) => m.prepare(id),
      { after: Promise.resolve(), target: t.win }
    );
    await settle();
    expect([loads, warn.mock.calls.length]).toEqual([1, 1]);
    t.press('/familie/f-3');
    await vi.waitFor(() => expect(started).toEqual(['f-3']));
    expect(loads).toBe(2);
    warn.mockRestore();
  });

  it('stopped before `after` resolves: nothing is fetched', async () => {
    const t = target();
    let loads = 0;
    let painted = () => {};
    const stop = startOnPlanLinkPress(async () => void loads++, () => {}, { after: new Promise<void>((r) => (painted = r)), target: t.win });
    stop();
    painted();
    await settle();
    expect(loads).toBe(0);
  });
});
