// The plan's history derived from stored updates (src/lib/domain/history.ts),
// on hand-built documents: who changed what, sessions of work, concurrent
// writes to one field, deletion and restore, the plan as it was.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addGoal,
  addHope,
  addMeeting,
  readActions,
  readGoals,
  readMeetings,
  removeItem,
  setTovholder,
  softDelete,
  updateItem
} from '../../src/lib/domain/plan.ts';
import { addEntry } from '../../src/lib/domain/journal.ts';
import { docAsOf, filterHistory, HistoryBuilder, restoreRemoved, type HistoryChange, type HistoryUpdate } from '../../src/lib/domain/history.ts';

/** A tablet: its own doc; every transaction becomes one stored update with its author and time. */
class Tablet {
  readonly doc = new Y.Doc();
  at = '2026-03-02T09:00:00.000Z';
  readonly author: string;
  constructor(author: string, log: HistoryUpdate[]) {
    this.author = author;
    this.doc.on('update', (data: Uint8Array, origin: unknown) => {
      if (origin !== 'remote') log.push({ seq: log.length + 1, author: this.author, at: this.at, data });
    });
  }
  /** Receives everything the other tablet has (a sync). */
  syncFrom(other: Tablet) {
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(other.doc, Y.encodeStateVector(this.doc)), 'remote');
  }
}

const replay = (log: HistoryUpdate[]) => {
  const b = new HistoryBuilder('plan');
  for (const u of log) b.apply(u);
  return b;
};
const changes = (b: HistoryBuilder) => b.sessions().map((s) => [s.author, s.changes.map(({ kind, section, ...rest }) => [kind, section, 'field' in rest ? rest.field : '', 'from' in rest ? rest.from : '', 'to' in rest ? rest.to : '', rest.label])]);

describe('plan history', () => {
  it('describes sessions of work: added, changed from … to …, tovholder handed over; one author within 10 minutes is one session', () => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    const hope = addHope(anna.doc, { text: 'At Sara trives i skolen', saidBy: 'mor', createdAt: anna.at });
    const goal = addGoal(anna.doc, { title: 'Fast fremmøde', hopeId: hope, targetDate: '2026-06-01', createdAt: anna.at });
    anna.at = '2026-03-02T09:05:00.000Z';
    const action = addAction(anna.doc, { title: 'Morgenmøde med skolen', goalId: goal, due: '2026-12-03', createdAt: anna.at, createdBy: 'u-anna' });
    anna.at = '2026-03-02T11:00:00.000Z'; // a new session: more than 10 minutes later
    updateItem(anna.doc, 'actions', action, { due: '2026-12-05', status: 'igang' });
    updateItem(anna.doc, 'actions', action, { due: '2026-12-06' });
    setTovholder(anna.doc, { userId: 'u-anna', name: 'Anna Holm', since: '2026-03-02', note: '', setBy: 'u-anna', setAt: anna.at });
    const bo = new Tablet('u-bo', log);
    bo.syncFrom(anna);
    bo.at = '2026-03-02T11:02:00.000Z';
    updateItem(bo.doc, 'goals', goal, { title: 'Fremmøde hver dag' });

    const b = replay(log);
    const sessions = b.sessions();
    expect(sessions.map((s) => [s.author, s.fromSeq, s.toSeq, s.from, s.to])).toEqual([
      ['u-anna', 1, 3, '2026-03-02T09:00:00.000Z', '2026-03-02T09:05:00.000Z'],
      ['u-anna', 4, 6, '2026-03-02T11:00:00.000Z', '2026-03-02T11:00:00.000Z'],
      ['u-bo', 7, 7, '2026-03-02T11:02:00.000Z', '2026-03-02T11:02:00.000Z']
    ]);
    expect(changes(b)).toEqual([
      [
        'u-anna',
        [
          ['added', 'hopes', '', '', '', 'At Sara trives i skolen'],
          ['added', 'goals', '', '', '', 'Fast fremmøde'],
          ['added', 'actions', '', '', '', 'Morgenmøde med skolen']
        ]
      ],
      [
        'u-anna',
        [
          // two moves in one session read as one: from the first value to the last
          ['changed', 'actions', 'due', '2026-12-03', '2026-12-06', 'Morgenmøde med skolen'],
          ['changed', 'actions', 'status', 'aaben', 'igang', 'Morgenmøde med skolen'],
          ['changed', 'tovholder', 'tovholder', '', 'Anna Holm', '']
        ]
      ],
      ['u-bo', [['changed', 'goals', 'title', 'Fast fremmøde', 'Fremmøde hver dag', 'Fremmøde hver dag']]]
    ]);
    // Filters: one person, one section; newest first.
    expect(filterHistory(sessions, { user: 'u-bo' }).map((s) => s.id)).toEqual(['7-7']);
    expect(filterHistory(sessions, { section: 'tovholder' }).map((s) => [s.id, s.changes.length])).toEqual([['4-6', 1]]);
    expect(filterHistory(sessions, {}).map((s) => s.id)).toEqual(['7-7', '4-6', '1-3']);
  });

  it.each([
    [1, 2],
    [2, 1]
  ])('lists both authors of concurrent changes to one due date, the one that did not stay marked overridden (client ids %i, %i)', (annaId, boId) => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    anna.doc.clientID = annaId;
    const action = addAction(anna.doc, { title: 'Hjemmebesøg', due: '2026-12-03', createdAt: anna.at, createdBy: 'u-anna' });
    const bo = new Tablet('u-bo', log);
    bo.doc.clientID = boId;
    bo.syncFrom(anna);
    // Anna offline; Bo online: Bo's change is stored first, Anna's when she is back.
    bo.at = '2026-03-03T10:00:00.000Z';
    updateItem(bo.doc, 'actions', action, { due: '2026-12-05' });
    anna.at = '2026-03-03T12:00:00.000Z';
    updateItem(anna.doc, 'actions', action, { due: '2026-12-04' });
    anna.syncFrom(bo);
    bo.syncFrom(anna);
    const final = readActions(bo.doc)[0].due;
    expect(readActions(anna.doc)[0].due).toBe(final);

    const b = replay(log);
    const due = b.sessions().flatMap((s) => s.changes.map((c) => [s.author, c] as const)).filter(([, c]) => c.kind === 'changed' && c.field === 'due');
    expect(due.map(([author, c]) => [author, (c as { from: string }).from, (c as { to: string }).to])).toEqual([
      ['u-bo', '2026-12-03', '2026-12-05'],
      ['u-anna', '2026-12-03', '2026-12-04']
    ]);
    // Anna's write arrived last: when it lost the merge at once, it is marked; when it won, it shows as the later change.
    expect(due.filter(([, c]) => (c as { overridden?: boolean }).overridden).map(([a]) => a)).toEqual(final === '2026-12-05' ? ['u-anna'] : []);
  });

  it('carries a deleted goal, and the actions its deletion unlinked, for a restore that is itself in the history', () => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    const goal = addGoal(anna.doc, { title: 'Stabil søvn', hopeId: null, targetDate: '2026-05-01', createdAt: anna.at });
    const action = addAction(anna.doc, { title: 'Aftenrutine', goalId: goal, createdAt: anna.at, createdBy: 'u-anna' });
    anna.at = '2026-03-05T09:00:00.000Z';
    removeItem(anna.doc, 'goals', goal);
    expect(readActions(anna.doc)[0].goalId).toBeNull();

    const b = replay(log);
    const removal = b.sessions()[1].changes;
    expect(removal).toEqual([
      {
        kind: 'removed',
        section: 'goals',
        id: goal,
        label: 'Stabil søvn',
        item: { id: goal, title: 'Stabil søvn', hopeId: null, status: 'aaben', targetDate: '2026-05-01', createdAt: '2026-03-02T09:00:00.000Z' },
        unlinked: [action]
      }
    ]);
    const bo = new Tablet('u-bo', log);
    bo.syncFrom(anna);
    bo.at = '2026-03-06T09:00:00.000Z';
    expect(restoreRemoved(bo.doc, removal[0] as Extract<HistoryChange, { kind: 'removed' }>)).toBe(true);
    expect(readGoals(bo.doc).map((g) => [g.id, g.title, g.targetDate])).toEqual([[goal, 'Stabil søvn', '2026-05-01']]);
    expect(readActions(bo.doc)[0].goalId).toBe(goal);
    // A second restore finds it there.
    expect(restoreRemoved(bo.doc, removal[0] as Extract<HistoryChange, { kind: 'removed' }>)).toBe(false);
    for (const u of log.slice(b.lastSeq)) b.apply(u);
    const last = b.sessions().at(-1);
    expect([last?.author, last?.changes.map((c) => [c.kind, c.section, c.id])]).toEqual(['u-bo', [['restored', 'goals', goal]]]);
  });

  it('tells a deletion and a restore by the same person within one session as both', () => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    const goal = addGoal(anna.doc, { title: 'Stabil søvn', hopeId: null, targetDate: '2026-05-01', createdAt: anna.at });
    const action = addAction(anna.doc, { title: 'Aftenrutine', goalId: goal, createdAt: anna.at, createdBy: 'u-anna' });
    anna.at = '2026-03-05T09:00:00.000Z';
    removeItem(anna.doc, 'goals', goal);
    const b = replay(log);
    const removal = b.sessions()[1].changes[0] as Extract<HistoryChange, { kind: 'removed' }>;
    anna.at = '2026-03-05T09:02:00.000Z'; // two minutes later: the same session of work
    expect(restoreRemoved(anna.doc, removal)).toBe(true);
    for (const u of log.slice(b.lastSeq)) b.apply(u);
    const sessions = b.sessions();
    expect(sessions).toHaveLength(2);
    expect(sessions[1].changes.map((c) => [c.kind, c.section, c.id])).toEqual([
      ['removed', 'goals', goal],
      ['restored', 'goals', goal]
    ]);
    expect((sessions[1].changes[0] as Extract<HistoryChange, { kind: 'removed' }>).item.title).toBe('Stabil søvn');
    expect(readActions(anna.doc)[0].goalId).toBe(goal);
    // The same from one replay of the whole log.
    expect(replay(log).sessions()[1].changes.map((c) => c.kind)).toEqual(['removed', 'restored']);
    void action;
  });

  it('restores a meeting kept on record; edits to hope text and meeting decisions read as changes', () => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    const meeting = addMeeting(anna.doc, { date: '2026-03-02', title: 'Netværksmøde', participants: ['mor'], createdAt: anna.at, createdBy: 'u-anna' });
    const hope = addHope(anna.doc, { text: 'Ro', saidBy: 'mor', createdAt: anna.at });
    anna.at = '2026-03-04T09:00:00.000Z';
    anna.doc.transact(() => {
      const t = anna.doc.getMap<Y.Map<unknown>>('hopes').get(hope)?.get('text') as Y.Text;
      t.insert(2, ' derhjemme');
    });
    updateItem(anna.doc, 'meetings', meeting, {});
    anna.at = '2026-03-05T09:00:00.000Z';
    softDelete(anna.doc, 'meetings', meeting, 'u-anna', anna.at);
    const b = replay(log);
    const [, edit, removal] = b.sessions();
    expect(edit.changes).toEqual([{ kind: 'changed', section: 'hopes', id: hope, label: 'Ro derhjemme', field: 'text', from: 'Ro', to: 'Ro derhjemme' }]);
    expect(removal.changes.map((c) => [c.kind, c.section, c.label])).toEqual([['removed', 'meetings', 'Netværksmøde']]);
    expect(restoreRemoved(anna.doc, removal.changes[0] as Extract<HistoryChange, { kind: 'removed' }>)).toBe(true);
    expect(readMeetings(anna.doc).map((m) => m.id)).toEqual([meeting]);
  });

  it('grows from where it stopped (the server caches by last seq) and gives the same result as one replay', () => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    const goal = addGoal(anna.doc, { title: 'A', hopeId: null, targetDate: null, createdAt: anna.at });
    const partial = replay(log);
    expect(partial.sessions()[0].changes.map((c) => c.kind)).toEqual(['added']);
    anna.at = '2026-03-02T09:03:00.000Z';
    updateItem(anna.doc, 'goals', goal, { title: 'B' });
    for (const u of log) partial.apply(u);
    expect(partial.sessions()).toEqual(replay(log).sessions());
    expect(partial.sessions()[0].changes.map((c) => c.kind)).toEqual(['added']); // one session: added as B
  });

  it('starts from a base snapshot without attributing its content to anyone', () => {
    const source = new Y.Doc();
    addGoal(source, { title: 'Fra før', hopeId: null, targetDate: null, createdAt: '2025-01-01T00:00:00.000Z' });
    const log: HistoryUpdate[] = [{ seq: 5, author: 'snapshot', at: '2025-06-01T00:00:00.000Z', data: Y.encodeStateAsUpdate(source) }];
    const anna = new Tablet('u-anna', log);
    Y.applyUpdate(anna.doc, log[0].data, 'remote');
    const goal = readGoals(anna.doc)[0].id;
    updateItem(anna.doc, 'goals', goal, { status: 'naaet' });
    log[1].seq = 6;
    const sessions = replay(log).sessions();
    expect(sessions.map((s) => [s.author, !!s.base, s.changes.map((c) => c.kind)])).toEqual([
      ['snapshot', true, []],
      ['u-anna', false, ['changed']]
    ]);
  });

  it('shows the plan as it was at a chosen time', () => {
    const log: HistoryUpdate[] = [];
    const anna = new Tablet('u-anna', log);
    const goal = addGoal(anna.doc, { title: 'Før', hopeId: null, targetDate: null, createdAt: anna.at });
    anna.at = '2026-04-01T09:00:00.000Z';
    updateItem(anna.doc, 'goals', goal, { title: 'Efter' });
    expect(readGoals(docAsOf(log, '2026-03-15T00:00:00.000Z')).map((g) => g.title)).toEqual(['Før']);
    expect(readGoals(docAsOf(log, '2026-04-01T09:00:00.000Z')).map((g) => g.title)).toEqual(['Efter']);
    expect(readGoals(docAsOf(log, '2020-01-01T00:00:00.000Z'))).toEqual([]);
  });

  it('tells a journal’s entries added and changed', () => {
    const log: HistoryUpdate[] = [];
    const cecilie = new Tablet('u-cecilie', log);
    const id = addEntry(cecilie.doc, { date: '2026-03-02', kind: 'samtale', text: 'Samtale med mor', authorId: 'u-cecilie', authorName: 'Cecilie', createdAt: cecilie.at });
    cecilie.at = '2026-03-03T09:00:00.000Z';
    cecilie.doc.transact(() => cecilie.doc.getMap<Y.Map<unknown>>('entries').get(id)?.set('text', 'Samtale med mor og far'));
    const b = new HistoryBuilder('journal');
    for (const u of log) b.apply(u);
    expect(b.sessions().map((s) => s.changes.map((c) => [c.kind, c.section, 'to' in c ? c.to : c.label]))).toEqual([
      [['added', 'entries', 'samtale 2026-03-02']],
      [['changed', 'entries', 'Samtale med mor og far']]
    ]);
  });
});
