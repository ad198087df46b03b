// A HistoryBuilder restored from a checkpoint and fed the rest of the log
// gives exactly the sessions of one replay from the start — for a checkpoint
// after every update of a generated log (three tablets editing offline and
// syncing, concurrent writes to one field, deletions and restores, meeting
// notes, the tovholder and the case's meta, sessions of varying gaps), and for
// a chain of checkpoints written as the server would (restore, continue, write
// again). The checkpoint goes through the same bytes as the store keeps it.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addDecision,
  addGoal,
  addHope,
  addMeeting,
  collection,
  meetingNotes,
  removeItem,
  setMeta,
  setTovholder,
  softDelete,
  undelete,
  updateItem
} from '../../src/lib/domain/plan.ts';
import { addEntry } from '../../src/lib/domain/journal.ts';
import { HISTORY_CHECKPOINT_VERSION, HistoryBuilder, restoreRemoved, type HistoryCheckpoint, type HistoryKind, type HistoryUpdate } from '../../src/lib/domain/history.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../server/history.ts';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generated log: three tablets, each its own doc, syncing now and then; every transaction one stored update. */
function generatedLog(seed: number, n: number): HistoryUpdate[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const log: HistoryUpdate[] = [];
  let clock = Date.parse('2025-02-03T08:00:00Z');
  const tablets = ['u-anna', 'u-bo', 'u-cecilie'].map((author) => {
    const doc = new Y.Doc();
    doc.on('update', (data: Uint8Array, origin: unknown) => {
      if (origin !== 'remote') log.push({ seq: log.length + 1, author, at: new Date(clock).toISOString(), data });
    });
    return { author, doc };
  });
  const sync = (to: Y.Doc, from: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'remote');
  setMeta(tablets[0].doc, { name: 'Familien Test', district: 'Gellerup', status: 'aktiv' });
  for (const t of tablets.slice(1)) sync(t.doc, tablets[0].doc);
  let t = tablets[0];
  const ids = (doc: Y.Doc, c: 'hopes' | 'goals' | 'actions' | 'meetings') => [...collection(doc, c).keys()];
  let guard = 0;
  while (log.length < n && guard++ < n * 10) {
    // Mostly short steps (one session), sometimes a gap that ends it, sometimes another author.
    const r = random();
    clock += r < 0.6 ? 60_000 : r < 0.85 ? 9 * 60_000 + Math.floor(random() * 3 * 60_000) : 3_600_000 * (1 + Math.floor(random() * 30));
    if (random() < 0.25) t = pick(tablets);
    // Offline work: a tablet syncs only sometimes, so concurrent writes to one field happen.
    if (random() < 0.5) for (const other of tablets) if (other !== t) sync(t.doc, other.doc);
    const at = new Date(clock).toISOString();
    const doc = t.doc;
    const op = random();
    const goals = ids(doc, 'goals');
    const actions = ids(doc, 'actions');
    const hopes = ids(doc, 'hopes');
    const meetings = ids(doc, 'meetings');
    if (op < 0.1 || hopes.length === 0) addHope(doc, { text: `Håb ${log.length}`, saidBy: 'mor', createdAt: at });
    else if (op < 0.2 || goals.length === 0) addGoal(doc, { title: `Mål ${log.length}`, hopeId: pick(hopes), targetDate: null, createdAt: at });
    else if (op < 0.32 || actions.length === 0)
      addAction(doc, { title: `Handling ${log.length}`, goalId: pick(goals), sector: 'social', due: '2025-06-01', createdAt: at, createdBy: t.author });
    else if (op < 0.5) updateItem(doc, 'actions', pick(actions), pick<Record<string, string>>([{ status: 'igang' }, { status: 'udfoert' }, { due: `2025-0${1 + Math.floor(random() * 9)}-15` }, { title: `Ny titel ${log.length}` }, { goalId: pick(goals) }]));
    else if (op < 0.58) updateItem(doc, 'goals', pick(goals), pick<Record<string, string>>([{ title: `Mål ændret ${log.length}` }, { status: 'naaet' }]));
    else if (op < 0.63 && actions.length > 3) removeItem(doc, 'actions', pick(actions));
    else if (op < 0.66 && goals.length > 3) removeItem(doc, 'goals', pick(goals));
    else if (op < 0.72 || meetings.length === 0) addMeeting(doc, { date: '2025-03-01', title: `Møde ${log.length}`, participants: ['mor'], createdAt: at, createdBy: t.author });
    else if (op < 0.8) {
      const notes = meetingNotes(doc, pick(meetings));
      if (notes) doc.transact(() => notes.insert(notes.length, ` noter ${log.length}`));
    } else if (op < 0.84) addDecision(doc, pick(meetings), { text: `Beslutning ${log.length}`, createdAt: at });
    else if (op < 0.87) softDelete(doc, 'meetings', pick(meetings), t.author, at);
    else if (op < 0.9) undelete(doc, 'meetings', pick(meetings));
    else if (op < 0.93) setTovholder(doc, { userId: t.author, name: t.author.slice(2), since: '2025-02-03', note: '', setBy: t.author, setAt: at });
    else if (op < 0.95) setMeta(doc, { name: `Familien Test ${log.length % 3}` });
    else if (op < 0.98) {
      // Two tablets write one field without having seen each other's write: one of the two is overridden.
      const other = pick(tablets.filter((x) => x !== t));
      const shared = actions.filter((id) => collection(other.doc, 'actions').has(id));
      if (shared.length > 0) {
        const id = pick(shared);
        updateItem(doc, 'actions', id, { title: `Fra ${t.author} ${log.length}` });
        updateItem(other.doc, 'actions', id, { title: `Fra ${other.author} ${log.length}` });
      }
    } else {
      const h = doc.getMap<Y.Map<unknown>>('hopes').get(pick(hopes))?.get('text');
      if (h instanceof Y.Text) doc.transact(() => h.insert(0, 'Stadig: '));
    }
  }
  return log;
}

const replay = (kind: HistoryKind, log: readonly HistoryUpdate[], from?: HistoryBuilder) => {
  const b = from ?? new HistoryBuilder(kind);
  for (const u of log) b.apply(u);
  return b;
};
/** Through the stored bytes, as the store keeps and gives them back. */
const roundTrip = (cp: HistoryCheckpoint) => {
  const back = decodeCheckpoint(encodeCheckpoint(cp));
  expect(back).not.toBeNull();
  return HistoryBuilder.restore(back!)!;
};

describe('history checkpoints', () => {
  it('the generated log has what the checkpoint must carry: sessions spanning it, overridden writes, removals and restores', () => {
    const log = generatedLog(1, 400);
    const sessions = replay('plan', log).sessions();
    const kinds = new Set(sessions.flatMap((s) => s.changes.map((c) => c.kind + (c.kind === 'changed' && c.overridden ? '-overridden' : ''))));
    expect([...kinds].sort()).toEqual(['added', 'changed', 'changed-overridden', 'removed', 'restored']);
    expect(sessions.some((s) => s.toSeq > s.fromSeq + 3)).toBe(true);
    expect(sessions.length).toBeGreaterThan(40);
  });

  it.each([1, 2, 3])('restored at every seq and continued equals one replay (seed %i)', (seed) => {
    const log = generatedLog(seed, 180);
    const whole = replay('plan', log).sessions();
    const running = new HistoryBuilder('plan');
    for (let n = 0; n < log.length; n++) {
      running.apply(log[n]);
      const restored = roundTrip(running.checkpoint());
      expect(restored.lastSeq).toBe(log[n].seq);
      // What it shows at the checkpoint, and after the rest of the log.
      expect(restored.sessions()).toEqual(running.sessions());
      expect(replay('plan', log.slice(n + 1), restored).sessions(), `checkpoint after seq ${log[n].seq}`).toEqual(whole);
    }
  });

  it('a chain of checkpoints (restore, continue, write again) equals one replay', () => {
    const log = generatedLog(7, 500);
    const random = rng(99);
    let b = new HistoryBuilder('plan');
    let i = 0;
    while (i < log.length) {
      const step = 1 + Math.floor(random() * 40);
      for (const u of log.slice(i, i + step)) b.apply(u);
      i += step;
      b = roundTrip(b.checkpoint());
    }
    expect(b.sessions()).toEqual(replay('plan', log).sessions());
    expect(b.lastSeq).toBe(log.length);
  });

  it('a removal told from a restored builder can still be restored into the plan', () => {
    const log = generatedLog(4, 300);
    const removedAt = replay('plan', log)
      .sessions()
      .flatMap((s) => s.changes)
      .filter((c) => c.kind === 'removed' && c.section === 'actions');
    expect(removedAt.length).toBeGreaterThan(0);
    const half = replay('plan', log.slice(0, 150));
    const continued = replay('plan', log.slice(150), roundTrip(half.checkpoint()));
    const change = continued
      .sessions()
      .flatMap((s) => s.changes)
      .find((c) => c.kind === 'removed' && c.section === 'actions');
    const doc = new Y.Doc();
    for (const u of log) Y.applyUpdate(doc, u.data);
    expect(change && change.kind === 'removed' && restoreRemoved(doc, change)).toBe(true);
  });

  it('a journal room checkpoints too; another format version or a damaged checkpoint is not restored', () => {
    const log: HistoryUpdate[] = [];
    const doc = new Y.Doc();
    let at = Date.parse('2025-02-03T08:00:00Z');
    doc.on('update', (data: Uint8Array) => log.push({ seq: log.length + 1, author: log.length % 5 < 3 ? 'u-anna' : 'u-bo', at: new Date(at).toISOString(), data }));
    for (let i = 0; i < 30; i++) {
      at += i % 4 === 0 ? 3_600_000 : 60_000;
      addEntry(doc, { kind: 'samtale', date: '2025-02-03', text: `Samtale ${i}`, authorId: 'u-anna', authorName: 'Anna', createdAt: new Date(at).toISOString() } as Parameters<typeof addEntry>[1]);
    }
    const whole = replay('journal', log).sessions();
    const cp = replay('journal', log.slice(0, 13)).checkpoint();
    expect(cp.kind).toBe('journal');
    expect(replay('journal', log.slice(13), roundTrip(cp)).sessions()).toEqual(whole);
    expect(HistoryBuilder.restore({ ...cp, version: HISTORY_CHECKPOINT_VERSION + 1 })).toBeNull();
    expect(decodeCheckpoint(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(decodeCheckpoint(encodeCheckpoint(cp).subarray(0, 40))).toBeNull();
  });
});
