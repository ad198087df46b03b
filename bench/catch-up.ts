// Sync catch-up (DESIGN §9): a tablet that was offline for a day comes back
// with 25 families and 500 edits of its own, while a colleague's device made
// 500 edits to the same plans. Time from reconnecting (25 WebsocketProviders,
// one socket per room as the app does) until both devices hold every edit of
// both, over loopback. The docs are in memory here (Node): loading them from
// IndexedDB is the client figure "first paint from IndexedDB", not this one.
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { addAction, addGoal, addHope, collection, hopeText, updateItem } from '../src/lib/domain/plan.ts';
import { ORIGIN_LOCAL } from '../src/lib/domain/origins.ts';
import { login, type TargetKind } from './lib/proc.ts';
import { covers, providerFor, synced, waitFor } from './lib/yclient.ts';
import { prepareRooms, startTarget } from './relay-load.ts';
import { round, summarize, type Summary } from './lib/stats.ts';

export interface CatchUpRun {
  target: TargetKind;
  families: number;
  offlineEdits: number;
  remoteEdits: number;
  rounds: number;
  fullySyncedMs: Summary;
  /** rooms not in agreement when the wait gave up (must be 0) */
  unsyncedRooms: number;
}

const STATUSES = ['aaben', 'igang', 'udfoert'] as const;

/** One plan with two years of content: the base both devices start from. */
function basePlan(doc: Y.Doc, k: number) {
  const now = Date.now();
  const hope = addHope(doc, { text: 'At vi kan spise aftensmad sammen uden at det ender i skænderi.', saidBy: 'mor', createdAt: new Date(now).toISOString() });
  const goals: string[] = [];
  for (let g = 0; g < 10; g++) goals.push(addGoal(doc, { title: `Mål ${g} for familie ${k}`, hopeId: hope, targetDate: '2027-06-01', createdAt: new Date(now).toISOString() }));
  for (let a = 0; a < 40; a++) {
    addAction(doc, { title: `Indsats ${a}`, goalId: goals[a % goals.length], sector: 'social', createdAt: new Date(now).toISOString(), createdBy: 'u-anna' });
  }
}

/** `n` edits of the kinds people make: status changes, new actions, hope text, goal titles. */
function edit(doc: Y.Doc, n: number, who: string, seed: number) {
  const actions = [...collection(doc, 'actions').keys()];
  const goals = [...collection(doc, 'goals').keys()];
  const hopes = [...collection(doc, 'hopes').keys()];
  for (let i = 0; i < n; i++) {
    const kind = (i + seed) % 5;
    if (kind === 0 || kind === 1) {
      updateItem(doc, 'actions', actions[(i * 7 + seed) % actions.length], { status: STATUSES[(i + seed) % STATUSES.length] });
    } else if (kind === 2) {
      addAction(doc, { title: `${who}: ny indsats ${seed}-${i}`, sector: 'school', createdAt: new Date().toISOString(), createdBy: who });
    } else if (kind === 3) {
      const t = hopeText(doc, hopes[0]);
      doc.transact(() => t?.insert(t.length, ` ${who} ${i}`), ORIGIN_LOCAL);
    } else {
      updateItem(doc, 'goals', goals[(i + seed) % goals.length], { title: `Mål ændret af ${who} (${i})` });
    }
  }
}

export async function catchUp(opts: { families: number; edits: number; kinds: TargetKind[]; rounds?: number }, log: (s: string) => void): Promise<CatchUpRun[]> {
  const out: CatchUpRun[] = [];
  const rounds = opts.rounds ?? 3;
  for (const kind of opts.kinds) {
    const target = await startTarget(kind);
    const providers: WebsocketProvider[] = [];
    try {
      const rooms = await prepareRooms(target, opts.families, 'Catch-up');
      const tabletCookie = kind === 'ours' ? await login(target.url, 'anna') : undefined;
      const colleagueCookie = kind === 'ours' ? await login(target.url, 'anna') : undefined;
      const colleague = rooms.map(() => new Y.Doc());
      const tablet = rooms.map(() => new Y.Doc());
      // The base plans go up as one sync step 2 per room, not as 1,275 single
      // updates in one burst, which the per-session rate limit would refuse.
      colleague.forEach((d, k) => basePlan(d, k));
      const cp = rooms.map((r, i) => providerFor(target, r, colleague[i], { cookie: colleagueCookie }));
      const tp = rooms.map((r, i) => providerFor(target, r, tablet[i], { cookie: tabletCookie }));
      providers.push(...cp, ...tp);
      await Promise.all([...cp, ...tp].map((p) => synced(p)));
      if (!(await waitFor(() => tablet.every((d, i) => covers(d, colleague[i])), 20_000))) throw new Error('catch-up: base plans did not sync');

      const perRoom = Math.ceil(opts.edits / rooms.length);
      const times: number[] = [];
      let unsynced = 0;
      for (let round = 0; round < rounds; round++) {
        for (const p of tp) p.disconnect();
        tablet.forEach((d, i) => edit(d, perRoom, 'tablet', round * 1000 + i));
        // The colleague's day of edits reaches the relay before the tablet returns
        // (made offline too, so they travel as one update per room, as a day's
        // worth of edits spread over hours would not strain the rate limit).
        for (const p of cp) p.disconnect();
        colleague.forEach((d, i) => edit(d, perRoom, 'colleague', round * 1000 + i + 500));
        for (const p of cp) p.connect();
        await Promise.all(cp.map((p) => synced(p)));
        await new Promise((r) => setTimeout(r, 300));
        const t0 = performance.now();
        for (const p of tp) p.connect();
        const done = await waitFor(() => tablet.every((d, i) => covers(d, colleague[i]) && covers(colleague[i], d)), 30_000, 1);
        times.push(performance.now() - t0);
        if (!done) unsynced = tablet.filter((d, i) => !(covers(d, colleague[i]) && covers(colleague[i], d))).length;
      }
      const run: CatchUpRun = {
        target: kind,
        families: rooms.length,
        offlineEdits: perRoom * rooms.length,
        remoteEdits: perRoom * rooms.length,
        rounds,
        fullySyncedMs: summarize(times),
        unsyncedRooms: unsynced
      };
      log(`catch-up: ${kind}: fully synced in ${round(run.fullySyncedMs.p50)} ms (median of ${rounds}), max ${run.fullySyncedMs.max} ms`);
      out.push(run);
    } finally {
      for (const p of providers) p.destroy();
      await target.stop();
      target.cleanup();
    }
  }
  return out;
}
