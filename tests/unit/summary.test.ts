// The leader's plan summary (src/lib/domain/summary.ts) on hand-built plans:
// counts, no text, and the calendar-day boundaries (midnight, both DST changes)
// in Europe/Copenhagen whatever the process's TZ.
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addAction,
  addFeedback,
  collection,
  addGoal,
  addHope,
  addMeeting,
  addMember,
  addNetworkParty,
  setMeta,
  setTovholder,
  softDelete,
  type NewAction
} from '../../src/lib/domain/plan.ts';
import { familyConsentState as consentState } from '../../src/lib/shared/consent.ts';
import {
  copenhagenDay,
  figuresOn,
  monthsBetween,
  summarisePlan,
  SUMMARY_VERSION
} from '../../src/lib/domain/summary.ts';
import type { AccessConsent } from '../../src/lib/shared/access.ts';

const TEXTS = [
  'Familien Testesen',
  'Vi vil gerne have ro derhjemme',
  'Mål om fast sengetid',
  'Samtale om morgenrutiner',
  'Hemmelig note fra mødet',
  'Mormor Grethe',
  'Det hjælper at blive hørt',
  'Lille Sofie',
  'Overdraget efter sygemelding'
];

function plan(): Y.Doc {
  const doc = new Y.Doc();
  setMeta(doc, { name: TEXTS[0], district: 'Gellerup', teamId: 'gellerup', status: 'aktiv' });
  setTovholder(doc, { userId: 'u-anna', name: 'Anna Holm', since: '2026-01-05', note: TEXTS[8] });
  const hope = addHope(doc, { text: TEXTS[1], saidBy: 'mor', createdAt: '2026-01-05T09:00:00.000Z' });
  const g1 = addGoal(doc, { title: TEXTS[2], hopeId: hope, targetDate: '2026-06-01', createdAt: '2026-01-05T09:00:00.000Z' });
  addGoal(doc, { title: 'Mål 2', hopeId: hope, targetDate: null, createdAt: '2026-01-05T09:00:00.000Z', status: 'naaet' });
  const dropped = addGoal(doc, { title: 'Mål 3', hopeId: null, targetDate: null, createdAt: '2026-01-05T09:00:00.000Z', status: 'droppet' });
  void dropped;
  const base: Omit<NewAction, 'title'> = { createdAt: '2026-01-10T10:00:00.000Z', createdBy: 'u-anna', goalId: g1 };
  addAction(doc, { ...base, title: TEXTS[3], sector: 'social', ownerId: 'u-anna', due: '2026-02-01', status: 'aaben', level: 'raad' });
  addAction(doc, { ...base, title: 'A2', sector: 'school', ownerId: 'u-bo', due: '2026-02-10', status: 'igang', level: 'forebyggende' });
  addAction(doc, { ...base, title: 'A3', sector: 'social', ownerId: 'u-anna', due: '2026-01-20', status: 'udfoert', level: 'stoettende' });
  addAction(doc, { ...base, title: 'A4', sector: 'health', ownerId: 'u-cecilie', due: '2026-01-20', status: 'droppet', level: 'anbringelse' });
  addAction(doc, { ...base, title: 'A5', party: 'Mormor', ownerId: null, due: null, status: 'aaben', level: 'andet' });
  // Created just before midnight UTC on 31 January: already 1 February in Copenhagen.
  addAction(doc, { ...base, title: 'A6', sector: 'employment', ownerId: 'u-dennis', due: '2026-03-01', status: 'aaben', level: 'anbringelse', createdAt: '2026-01-31T23:30:00.000Z' });
  const removed = addAction(doc, { ...base, title: 'A7', sector: 'social', ownerId: 'u-anna', due: '2026-01-01', status: 'aaben', level: 'raad' });
  softDelete(doc, 'actions', removed, 'u-anna', '2026-01-11T10:00:00.000Z');
  addMember(doc, { name: TEXTS[7], relation: 'barn', birthYear: '2016', createdAt: '2026-01-05T09:00:00.000Z' });
  addNetworkParty(doc, { name: TEXTS[5], relation: 'mormor', contact: '12345678', createdAt: '2026-01-05T09:00:00.000Z' });
  addMeeting(doc, { date: '2026-01-12', title: 'Netværksmøde', participants: ['Familien'], notes: TEXTS[4], createdAt: '2026-01-05T09:00:00.000Z', createdBy: 'u-anna' });
  addMeeting(doc, { date: '2026-02-20', title: 'Opfølgning', participants: ['Familien'], createdAt: '2026-01-12T09:00:00.000Z', createdBy: 'u-anna' });
  addMeeting(doc, { date: '2026-03-20', title: 'Opfølgning 2', participants: ['Familien'], createdAt: '2026-01-12T09:00:00.000Z', createdBy: 'u-anna' });
  addFeedback(doc, { date: '2026-01-12', who: 'Mor', score: 4, comment: TEXTS[6], createdAt: '2026-01-12T10:00:00.000Z', createdBy: 'u-anna' });
  addFeedback(doc, { date: '2026-01-13', who: 'Far', score: 2, comment: 'Far mener noget andet', createdAt: '2026-01-13T10:00:00.000Z', createdBy: 'u-anna' });
  return doc;
}

const NOW = new Date('2026-01-15T11:00:00.000Z');

describe('summarisePlan', () => {
  it('counts goals and actions by status, area and level, leaving out soft-deleted items', () => {
    const s = summarisePlan(plan(), NOW);
    expect(s.version).toBe(SUMMARY_VERSION);
    expect(s.takenOn).toBe('2026-01-15');
    expect(s.status).toBe('aktiv');
    expect(s.goals).toEqual({ aaben: 1, naaet: 1, delvist: 0, droppet: 1 });
    expect(s.actions).toEqual({ aaben: 3, igang: 1, udfoert: 1, droppet: 1 });
    expect(s.actionsByArea.social).toEqual({ aaben: 1, igang: 0, udfoert: 1, droppet: 0 });
    expect(s.actionsByArea.netvaerk).toEqual({ aaben: 1, igang: 0, udfoert: 0, droppet: 0 });
    expect(s.actionsByArea.uden).toEqual({ aaben: 0, igang: 0, udfoert: 0, droppet: 0 });
    // Dropped actions did not happen: not in the intervention levels.
    expect(s.levels).toEqual({ raad: 1, forebyggende: 1, stoettende: 1, anbringelse: 1, andet: 1, ikke_angivet: 0 });
    expect(s.levelsByMonth).toEqual({
      '2026-01': { raad: 1, forebyggende: 1, stoettende: 1, anbringelse: 0, andet: 1, ikke_angivet: 0 },
      '2026-02': { raad: 0, forebyggende: 0, stoettende: 0, anbringelse: 1, andet: 0, ikke_angivet: 0 }
    });
    expect(s.openDue).toEqual({ 'u-anna': ['2026-02-01'], 'u-bo': ['2026-02-10'], '': [''], 'u-dennis': ['2026-03-01'] });
    expect(s.tovholder).toEqual({ userId: 'u-anna', since: '2026-01-05' });
    expect(s.upcomingMeetings).toEqual(['2026-02-20', '2026-03-20']);
    expect(s.lastFeedback).toEqual({ date: '2026-01-13', score: 2 });
    expect(s.feedbackByMonth).toEqual({ '2026-01': { n: 2, sum: 6 } });
    expect(s.lastActivity).toBe('2026-01-13');
  });

  it('holds no text written by or about the family', () => {
    const json = JSON.stringify(summarisePlan(plan(), NOW));
    for (const text of [...TEXTS, 'Mormor', 'Netværksmøde', 'Opfølgning', 'A2', 'Mor', 'Far', 'Gellerup', 'gellerup', 'Anna Holm']) {
      expect(json).not.toContain(text);
    }
  });

  it('takes the server’s last update as activity, and ignores dates in the future', () => {
    const doc = new Y.Doc();
    setMeta(doc, { name: 'X', district: 'D', teamId: 't', status: 'afsluttet' });
    const id = addAction(doc, { title: 'x', createdAt: '2027-01-01T00:00:00.000Z', createdBy: 'u', status: 'aaben' });
    // The writers refuse a malformed date; another client (or an old version) may still have written one.
    collection(doc, 'actions').get(id)?.set('due', 'not a day');
    addFeedback(doc, { date: '2026-02-01', who: 'Mor', score: 5, comment: '', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'u' });
    const s = summarisePlan(doc, NOW, { lastUpdateAt: '2026-01-14T23:30:00.000Z' });
    expect(s.status).toBe('afsluttet');
    expect(s.lastActivity).toBe('2026-01-15'); // 00:30 in Copenhagen
    expect(s.lastFeedback).toBeNull(); // dated after today
    expect(s.openDue).toEqual({ '': [''] }); // a malformed due date counts as none
    expect(s.tovholder).toBeNull();
  });
});

describe('figuresOn: the day’s figures from a stored summary', () => {
  it('makes actions overdue from the day after their due date, without re-reading the plan', () => {
    const s = summarisePlan(plan(), NOW);
    expect(figuresOn(s, '2026-01-15')).toMatchObject({ openActions: 4, overdueActions: 0, nextMeeting: '2026-02-20' });
    expect(figuresOn(s, '2026-02-01').overdueActions).toBe(0);
    expect(figuresOn(s, '2026-02-02')).toMatchObject({ overdueActions: 1, overdueByOwner: { 'u-anna': 1 }, openByOwner: { 'u-anna': 1, 'u-bo': 1, '': 1, 'u-dennis': 1 } });
    const later = figuresOn(s, '2026-03-02');
    expect(later.overdueActions).toBe(3);
    expect(later.overdueByOwner).toEqual({ 'u-anna': 1, 'u-bo': 1, 'u-dennis': 1 });
    // The February meeting has been held by then: it is the last activity; the next is in March.
    expect(later.lastActivity).toBe('2026-02-20');
    expect(later.nextMeeting).toBe('2026-03-20');
  });

  it('counts a family inactive once its last activity is 30 calendar days back, across the spring DST change', () => {
    const doc = new Y.Doc();
    const s = summarisePlan(doc, new Date('2026-03-10T12:00:00Z'), { lastUpdateAt: '2026-03-10T12:00:00Z' });
    expect(figuresOn(s, '2026-04-08').inactive).toBe(false); // 29 days, a 23-hour day among them
    expect(figuresOn(s, '2026-04-09').inactive).toBe(true); // 30 days
    expect(figuresOn(summarisePlan(new Y.Doc(), NOW), '2026-01-15').inactive).toBe(true); // no activity at all
  });
});

describe('overdue boundaries in Europe/Copenhagen, whatever the process TZ', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    process.env.TZ = saved;
  });

  function overdueAt(due: string, instant: string): number {
    const doc = new Y.Doc();
    addAction(doc, { title: 't', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'u', ownerId: 'u-anna', due, status: 'igang' });
    const now = new Date(instant);
    return figuresOn(summarisePlan(doc, now), copenhagenDay(now)).overdueActions;
  }

  const cases: [string, string, string, number][] = [
    // [what, due, instant (UTC), overdue]
    ['winter: last millisecond of the due day (23:59:59.999 CET)', '2026-01-15', '2026-01-15T22:59:59.999Z', 0],
    ['winter: midnight after the due day (00:00 CET)', '2026-01-15', '2026-01-15T23:00:00.000Z', 1],
    ['summer: 23:59 CEST on the due day', '2026-07-01', '2026-07-01T21:59:00.000Z', 0],
    ['summer: 00:00 CEST the day after', '2026-07-01', '2026-07-01T22:00:00.000Z', 1],
    ['spring forward: due the day before, 23:59:59 CET', '2026-03-28', '2026-03-28T22:59:59.000Z', 0],
    ['spring forward: due the day before, 00:00 CET on the change day', '2026-03-28', '2026-03-28T23:00:00.000Z', 1],
    ['spring forward: due on the 23-hour day, 01:59 CET = before the jump', '2026-03-29', '2026-03-29T00:59:00.000Z', 0],
    ['spring forward: due on the 23-hour day, 23:59:59 CEST', '2026-03-29', '2026-03-29T21:59:59.000Z', 0],
    ['spring forward: due on the 23-hour day, 00:00 CEST next day', '2026-03-29', '2026-03-29T22:00:00.000Z', 1],
    ['fall back: due the day before, 23:59:59 CEST', '2026-10-24', '2026-10-24T21:59:59.000Z', 0],
    ['fall back: due the day before, 00:00 CEST on the change day', '2026-10-24', '2026-10-24T22:00:00.000Z', 1],
    ['fall back: due on the 25-hour day, the second 02:30 (CET)', '2026-10-25', '2026-10-25T01:30:00.000Z', 0],
    ['fall back: due on the 25-hour day, 23:59:59 CET', '2026-10-25', '2026-10-25T22:59:59.000Z', 0],
    ['fall back: due on the 25-hour day, 00:00 CET next day', '2026-10-25', '2026-10-25T23:00:00.000Z', 1]
  ];

  const zones: [string, number][] = [['UTC', 0], ['America/New_York', 300], ['Pacific/Kiritimati', -840], ['Europe/Copenhagen', -60]];
  for (const [zone, offset] of zones) {
    it(`with TZ=${zone}`, () => {
      process.env.TZ = zone;
      expect(new Date('2026-01-15T12:00:00Z').getTimezoneOffset(), 'the process TZ took effect').toBe(offset);
      for (const [what, due, instant, expected] of cases) {
        expect(overdueAt(due, instant), `${what} (TZ=${zone})`).toBe(expected);
      }
    });
  }

  it('puts an action in the Copenhagen month it was created in', () => {
    process.env.TZ = 'UTC';
    const doc = new Y.Doc();
    addAction(doc, { title: 't', createdAt: '2026-03-31T22:30:00.000Z', createdBy: 'u', level: 'raad' }); // 00:30 CEST 1 April
    addAction(doc, { title: 't', createdAt: '2026-10-31T22:30:00.000Z', createdBy: 'u', level: 'raad' }); // 23:30 CET 31 October
    expect(Object.keys(summarisePlan(doc, NOW).levelsByMonth).sort()).toEqual(['2026-04', '2026-10']);
  });
});

describe('familyConsentState (shared/consent.ts)', () => {
  const now = new Date('2026-03-20T12:00:00.000Z');
  const c = (p: Partial<AccessConsent>): AccessConsent => ({
    familyId: 'f',
    categories: ['plan'],
    recipients: ['school'],
    validFrom: '2025-06-01T00:00:00.000Z',
    validUntil: '2026-12-01T00:00:00.000Z',
    revokedAt: null,
    ...p
  });

  it('is none without consents, and for one not yet valid', () => {
    expect(consentState([], now)).toEqual({ status: 'ingen', until: null });
    expect(consentState([c({ validFrom: '2026-04-01T00:00:00.000Z' })], now)).toEqual({ status: 'ingen', until: null });
  });

  it('is active until the last active consent ends, expiring within 30 calendar days (across DST)', () => {
    expect(consentState([c({})], now)).toEqual({ status: 'aktiv', until: '2026-12-01T00:00:00.000Z' });
    // 19 April 00:00 CEST is 30 calendar days after 20 March; the clocks moved on 29 March.
    expect(consentState([c({ validUntil: '2026-04-18T22:00:00.000Z' })], now).status).toBe('udloeber');
    expect(consentState([c({ validUntil: '2026-04-19T22:00:00.000Z' })], now).status).toBe('aktiv');
    // Two consents: the family is covered until the later one ends.
    expect(consentState([c({ validUntil: '2026-04-01T00:00:00.000Z' }), c({ validUntil: '2026-09-01T00:00:00.000Z' })], now)).toEqual({
      status: 'aktiv',
      until: '2026-09-01T00:00:00.000Z'
    });
  });

  it('says how the last one ended: expired or withdrawn', () => {
    expect(consentState([c({ validUntil: '2026-03-01T00:00:00.000Z' })], now)).toEqual({ status: 'udloebet', until: '2026-03-01T00:00:00.000Z' });
    expect(consentState([c({ revokedAt: '2026-03-10T08:00:00.000Z' })], now)).toEqual({ status: 'tilbagekaldt', until: '2026-03-10T08:00:00.000Z' });
    expect(
      consentState([c({ revokedAt: '2026-01-10T08:00:00.000Z' }), c({ validUntil: '2026-03-01T00:00:00.000Z' })], now)
    ).toEqual({ status: 'udloebet', until: '2026-03-01T00:00:00.000Z' });
    // A revocation dated in the future has not happened yet.
    expect(consentState([c({ revokedAt: '2026-03-25T00:00:00.000Z' })], now).status).toBe('aktiv');
  });
});

describe('monthsBetween', () => {
  it('lists months inclusive, across a year', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-02', '2026-02')).toEqual(['2026-02']);
    expect(monthsBetween('2026-03', '2026-02')).toEqual([]);
  });
});
