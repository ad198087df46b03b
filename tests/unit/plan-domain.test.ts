// The plan model: writers check their input, deletes cascade or stay on
// record, the tovholder log keeps its history and resolves concurrent
// choices, and the invariant check names what concurrent edits can break.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addDecision,
  addFeedback,
  addGoal,
  addHope,
  addMeeting,
  collection,
  decisionToAction,
  readActions,
  readFeedback,
  readGoals,
  readMeetings,
  readTovholder,
  readTovholderState,
  removeItem,
  setMeta,
  setTovholder,
  softDelete,
  tovholderMap,
  updateItem,
  updateMeeting
} from '../../src/lib/domain/plan.ts';
import { checkDoc, resolveWarning } from '../../src/lib/domain/invariants.ts';
import { isValidDay } from '../../src/lib/domain/day.ts';
import { addEntry, readEntries } from '../../src/lib/domain/journal.ts';
import type { TeamWorker } from '../../src/lib/shared/api-types.ts';

const AT = '2026-03-02T10:00:00.000Z';
const WORKERS: TeamWorker[] = [
  { id: 'u-anna', name: 'Anna Holm', sector: 'social', planAccess: true },
  { id: 'u-bo', name: 'Bo Lindqvist', sector: 'school', planAccess: true },
  { id: 'u-dennis', name: 'Dennis Vang', sector: 'employment', planAccess: false }
];

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function docWith(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

const codes = (doc: Y.Doc, workers: TeamWorker[] | null = WORKERS) => checkDoc(doc, { workers }).map((w) => w.code);

describe('dates', () => {
  it('accepts real calendar days only', () => {
    expect(isValidDay('2026-02-28')).toBe(true);
    expect(isValidDay('2028-02-29')).toBe(true);
    expect(isValidDay('2026-02-29')).toBe(false);
    expect(isValidDay('2026-13-01')).toBe(false);
    expect(isValidDay('26-01-01')).toBe(false);
    expect(isValidDay('2026-01-01T00:00')).toBe(false);
    expect(isValidDay('')).toBe(false);
  });

  it('agrees with the calendar on every day and near-day of 1895–2205, and refuses what is not ten ASCII characters of a day', () => {
    const calendar = (y: number, m: number, d: number) => {
      const t = new Date(Date.UTC(y, m - 1, d));
      return y >= 1900 && y <= 2200 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
    };
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    let wrong = 0;
    for (let y = 1895; y <= 2205; y++)
      for (let m = 0; m <= 13; m++) for (let d = 0; d <= 32; d++) if (isValidDay(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`) !== calendar(y, m, d)) wrong++;
    expect(wrong).toBe(0);
    for (const s of ['1900-02-29', '2100-02-29', '2026-04-31', '2026-1-01', ' 2026-01-01', '2026-01-01 ', '２０２６-01-01', '2026/01/01', '+026-01-01', '2026-01-0a', '2026-0-101'])
      expect(isValidDay(s)).toBe(false);
    expect(isValidDay('2000-02-29')).toBe(true);
    expect(isValidDay(20260101)).toBe(false);
    expect(isValidDay(null)).toBe(false);
  });
});

describe('writers refuse bad input', () => {
  it('dates, statuses, levels and links', () => {
    const doc = new Y.Doc();
    expect(() => addAction(doc, { title: 'x', due: '2026-02-30', createdAt: AT, createdBy: 'u' })).toThrow(RangeError);
    expect(() => addAction(doc, { title: 'x', goalId: 'nope', createdAt: AT, createdBy: 'u' })).toThrow(/goalId/);
    expect(() => addGoal(doc, { title: 'x', hopeId: 'nope', targetDate: null, createdAt: AT })).toThrow(/hopeId/);
    expect(() => addMeeting(doc, { date: '', participants: [], createdAt: AT, createdBy: 'u' })).toThrow(RangeError);
    expect(() => addFeedback(doc, { date: '2026-01-01', who: 'Mor', score: 6, comment: '', createdAt: AT, createdBy: 'u' })).toThrow(RangeError);
    expect(() => setTovholder(doc, { userId: 'u-anna', name: 'Anna', since: 'i går', note: '' })).toThrow(RangeError);
    expect(() => setMeta(doc, { status: 'lukket' as 'aktiv' })).toThrow(RangeError);
    const id = addAction(doc, { title: 'ok', createdAt: AT, createdBy: 'u' });
    expect(() => updateItem(doc, 'actions', id, { status: 'færdig' })).toThrow(RangeError);
    expect(() => updateItem(doc, 'actions', id, { level: 'tvang' })).toThrow(RangeError);
    expect(() => updateItem(doc, 'actions', id, { sector: 'politi' })).toThrow(RangeError);
    expect(() => updateItem(doc, 'actions', id, { due: '31-12-2026' })).toThrow(RangeError);
    expect(updateItem(doc, 'actions', id, { due: '2026-12-31', sector: 'health', level: 'stoettende' })).toBe(true);
    expect(readActions(doc)[0]).toMatchObject({ due: '2026-12-31', sector: 'health', level: 'stoettende' });
    expect(updateItem(doc, 'actions', 'gone', { title: 'x' })).toBe(false);
    // Nothing invalid reached the document.
    expect(readActions(doc)).toHaveLength(1);
    expect(codes(doc).filter((c) => c === 'date-invalid')).toEqual([]);
  });
});

describe('deleting', () => {
  it('removing a goal unlinks its actions; removing a hope unlinks its goals; removing an action frees its decision', () => {
    const doc = new Y.Doc();
    const hope = addHope(doc, { text: 'Ro derhjemme', saidBy: 'mor', createdAt: AT });
    const goal = addGoal(doc, { title: 'Fast sengetid', hopeId: hope, targetDate: '2026-06-01', createdAt: AT });
    const action = addAction(doc, { title: 'Søvnvejledning', goalId: goal, createdAt: AT, createdBy: 'u' });
    const meeting = addMeeting(doc, { date: '2026-03-01', participants: ['Familien'], createdAt: AT, createdBy: 'u' });
    const decision = addDecision(doc, meeting, { text: 'Vi prøver sengetid kl. 20', createdAt: AT }) as string;
    const fromDecision = decisionToAction(doc, meeting, decision, { title: 'Sengetid kl. 20', createdAt: AT, createdBy: 'u' });
    removeItem(doc, 'hopes', hope);
    expect(readGoals(doc)[0].hopeId).toBeNull();
    removeItem(doc, 'goals', goal);
    expect(readActions(doc).find((a) => a.id === action)?.goalId).toBeNull();
    removeItem(doc, 'actions', fromDecision as string);
    expect(readMeetings(doc)[0].decisions[0].actionId).toBe('');
    expect(codes(doc).filter((c) => c !== 'tovholder-missing')).toEqual([]);
    expect(() => removeItem(doc, 'meetings' as 'hopes', meeting)).toThrow(/on record/);
  });

  it('meetings and feedback are soft-deleted: hidden, but kept in the document with who and when', () => {
    const doc = new Y.Doc();
    const meeting = addMeeting(doc, { date: '2026-03-01', participants: [], notes: 'Noter', createdAt: AT, createdBy: 'u' });
    const fb = addFeedback(doc, { date: '2026-03-01', who: 'Far', score: 4, comment: 'Godt', createdAt: AT, createdBy: 'u' });
    softDelete(doc, 'meetings', meeting, 'u-anna', AT);
    softDelete(doc, 'feedback', fb, 'u-anna', AT);
    expect(readMeetings(doc)).toEqual([]);
    expect(readFeedback(doc)).toEqual([]);
    expect(collection(doc, 'meetings').get(meeting)?.get('deletedBy')).toBe('u-anna');
    expect(collection(doc, 'feedback').get(fb)?.get('comment')).toBe('Godt');
  });
});

describe('meetings', () => {
  it('a decision becomes an action in one step, once', () => {
    const doc = new Y.Doc();
    const meeting = addMeeting(doc, { date: '2026-03-01', participants: ['Familien'], createdAt: AT, createdBy: 'u' });
    const d = addDecision(doc, meeting, { text: 'Bo taler med klasselæreren', createdAt: AT }) as string;
    const a1 = decisionToAction(doc, meeting, d, { title: 'Tal med klasselæreren', sector: 'school', ownerId: 'u-bo', ownerName: 'Bo', createdAt: AT, createdBy: 'u' });
    const a2 = decisionToAction(doc, meeting, d, { title: 'igen', createdAt: AT, createdBy: 'u' });
    expect(a2).toBe(a1);
    expect(readActions(doc)).toHaveLength(1);
    expect(readMeetings(doc)[0].decisions[0].actionId).toBe(a1);
    expect(updateMeeting(doc, meeting, { title: 'Netværksmøde', participants: ['Familien', 'Bo'], date: '2026-03-02' })).toBe(true);
    expect(readMeetings(doc)[0]).toMatchObject({ title: 'Netværksmøde', participants: ['Familien', 'Bo'], date: '2026-03-02' });
    expect(() => updateMeeting(doc, meeting, { date: '' })).toThrow(RangeError);
  });
});

describe('tovholder', () => {
  it('a handover keeps the history, newest first, with the handover note', () => {
    const doc = new Y.Doc();
    setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2025-01-01', note: '', setAt: '2025-01-01T09:00:00Z' });
    setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2025-01-01', note: 'Rettet note', setAt: '2025-02-01T09:00:00Z' });
    setTovholder(doc, { userId: 'u-bo', name: 'Bo Lindqvist', since: '2026-02-01', note: 'Skolen er nu det vigtigste', setAt: '2026-02-01T09:00:00Z' });
    expect(readTovholder(doc)).toEqual({ userId: 'u-bo', name: 'Bo Lindqvist', since: '2026-02-01', note: 'Skolen er nu det vigtigste' });
    const state = readTovholderState(doc);
    expect(state.concurrent).toEqual([]);
    expect(state.history).toEqual([{ userId: 'u-anna', name: 'Anna Holm', since: '2025-01-01', until: '2026-02-01', note: 'Rettet note' }]);
    expect(codes(doc)).toEqual([]);
  });

  it('two tovholders chosen concurrently: one wins as a whole on every device, the plan says so, and a confirmation resolves it', () => {
    const a = docWith(1);
    const b = docWith(2);
    setTovholder(a, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '', setAt: '2026-01-01T08:00:00Z' });
    sync(a, b);
    // Both tablets are offline and hand over at the same time.
    setTovholder(a, { userId: 'u-anna', name: 'Anna Holm', since: '2026-03-01', note: 'Anna fortsætter', setAt: '2026-03-01T10:00:00Z' });
    setTovholder(b, { userId: 'u-bo', name: 'Bo Lindqvist', since: '2026-03-02', note: 'Bo tager over', setAt: '2026-03-01T10:05:00Z' });
    sync(a, b);
    for (const doc of [a, b]) {
      // No mixing of fields: Bo's assignment wins whole (latest setAt), on both devices.
      expect(readTovholder(doc)).toEqual({ userId: 'u-bo', name: 'Bo Lindqvist', since: '2026-03-02', note: 'Bo tager over' });
      const warnings = checkDoc(doc, { workers: WORKERS });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: 'tovholder-concurrent', params: { name: 'Bo Lindqvist', others: 'Anna Holm' }, autoFix: true });
    }
    expect(resolveWarning(a, checkDoc(a, { workers: WORKERS })[0], { userId: 'u-anna', at: '2026-03-03T09:00:00Z' })).toBe(true);
    sync(a, b);
    for (const doc of [a, b]) {
      expect(checkDoc(doc, { workers: WORKERS })).toEqual([]);
      expect(readTovholder(doc)?.userId).toBe('u-bo');
      expect(readTovholderState(doc).history.map((h) => h.userId)).toEqual(['u-anna']);
    }
  });

  it('reads the legacy storage (separate keys) and replaces it on the next handover', () => {
    const doc = new Y.Doc();
    const legacy = tovholderMap(doc);
    legacy.set('userId', 'u-anna');
    legacy.set('name', 'Anna Holm');
    legacy.set('since', '2025-05-01');
    legacy.set('note', '');
    expect(readTovholder(doc)?.userId).toBe('u-anna');
    setTovholder(doc, { userId: 'u-bo', name: 'Bo Lindqvist', since: '2026-01-01', note: '' });
    expect(readTovholder(doc)?.userId).toBe('u-bo');
    expect(readTovholderState(doc).concurrent).toEqual([]);
    expect(readTovholderState(doc).history[0]).toMatchObject({ userId: 'u-anna', until: '2026-01-01' });
  });
});

describe('invariants', () => {
  it('no tovholder, or one without plan access, is named; a closed case needs none', () => {
    const doc = new Y.Doc();
    expect(codes(doc)).toEqual(['tovholder-missing']);
    setTovholder(doc, { userId: 'u-dennis', name: 'Dennis Vang', since: '2026-01-01', note: '' });
    expect(codes(doc)).toEqual(['tovholder-not-worker']);
    // Before the device knows the team, it cannot tell.
    expect(codes(doc, null)).toEqual([]);
    const fresh = new Y.Doc();
    setMeta(fresh, { status: 'afsluttet' });
    expect(codes(fresh)).toEqual([]);
  });

  it('an open action owned by someone without plan access is named', () => {
    const doc = new Y.Doc();
    setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '' });
    const id = addAction(doc, { title: 'CV-værksted', ownerId: 'u-dennis', ownerName: 'Dennis Vang', createdAt: AT, createdBy: 'u' });
    expect(checkDoc(doc, { workers: WORKERS })[0]).toMatchObject({ code: 'action-owner-no-access', params: { name: 'Dennis Vang' }, autoFix: false });
    updateItem(doc, 'actions', id, { status: 'udfoert' });
    expect(codes(doc)).toEqual([]);
  });

  it('a goal deleted on one tablet while another links an action to it: warned, and one tap unlinks it', () => {
    const a = docWith(1);
    const b = docWith(2);
    setTovholder(a, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '' });
    const goal = addGoal(a, { title: 'Fremmøde', hopeId: null, targetDate: null, createdAt: AT });
    sync(a, b);
    removeItem(a, 'goals', goal);
    addAction(b, { title: 'Morgenopkald', goalId: goal, createdAt: AT, createdBy: 'u-bo' });
    sync(a, b);
    const [w] = checkDoc(b, { workers: WORKERS });
    expect(w).toMatchObject({ code: 'action-goal-missing', params: { title: 'Morgenopkald' } });
    expect(checkDoc(a, { workers: WORKERS })).toEqual([w]);
    resolveWarning(b, w, { userId: 'u-bo', at: AT });
    sync(a, b);
    expect(codes(a)).toEqual([]);
    expect(readActions(a)[0].goalId).toBeNull();
  });

  it('one decision turned into an action on two tablets at once: the duplicate is named and one tap removes it', () => {
    const a = docWith(1);
    const b = docWith(2);
    setTovholder(a, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '' });
    const meeting = addMeeting(a, { date: '2026-03-01', participants: [], createdAt: AT, createdBy: 'u-anna' });
    const d = addDecision(a, meeting, { text: 'Mormor inviteres', createdAt: AT }) as string;
    sync(a, b);
    decisionToAction(a, meeting, d, { title: 'Invitér mormor', createdAt: AT, createdBy: 'u-anna' });
    decisionToAction(b, meeting, d, { title: 'Ring til mormor', createdAt: AT, createdBy: 'u-bo' });
    sync(a, b);
    expect(readActions(a)).toHaveLength(2);
    const warnings = checkDoc(a, { workers: WORKERS });
    expect(warnings.map((w) => w.code)).toEqual(['decision-duplicate-action']);
    resolveWarning(a, warnings[0], { userId: 'u-anna', at: AT });
    sync(a, b);
    expect(readActions(b).map((x) => x.id)).toEqual([readMeetings(b)[0].decisions[0].actionId]);
    expect(codes(b)).toEqual([]);
  });

  it('dates written by a faulty client are found', () => {
    const doc = new Y.Doc();
    setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-01', note: '' });
    const id = addAction(doc, { title: 'x', createdAt: AT, createdBy: 'u' });
    collection(doc, 'actions').get(id)?.set('due', '2026-02-31');
    const [w] = checkDoc(doc, { workers: WORKERS });
    expect(w).toMatchObject({ code: 'date-invalid', params: { value: '2026-02-31' }, autoFix: true });
    resolveWarning(doc, w, { userId: 'u-anna', at: AT });
    expect(codes(doc)).toEqual([]);
  });
});

describe('journal', () => {
  it('entries are dated, of a known kind, newest first', () => {
    const doc = new Y.Doc();
    addEntry(doc, { date: '2026-01-05', kind: 'samtale', text: 'Første samtale', authorId: 'u-anna', authorName: 'Anna', createdAt: AT });
    addEntry(doc, { date: '2026-02-01', kind: 'fravaer', text: 'Fravær tre dage', authorId: 'u-bo', authorName: 'Bo', createdAt: AT });
    expect(readEntries(doc).map((e) => e.kind)).toEqual(['fravaer', 'samtale']);
    expect(() => addEntry(doc, { date: '2026-02-30', kind: 'note', text: 'x', authorId: 'u', authorName: 'u', createdAt: AT })).toThrow(RangeError);
    expect(() => addEntry(doc, { date: '2026-02-01', kind: 'rygte' as 'note', text: 'x', authorId: 'u', authorName: 'u', createdAt: AT })).toThrow(RangeError);
    expect(() => addEntry(doc, { date: '2026-02-01', kind: 'note', text: '  ', authorId: 'u', authorName: 'u', createdAt: AT })).toThrow(RangeError);
  });
});
