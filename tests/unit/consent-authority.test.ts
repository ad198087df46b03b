// Who may record a consent, and what (DESIGN §6), as the shared rule the
// server enforces and the consent form mirrors.
import { describe, expect, it } from 'vitest';
import { consentAuthority, draftProblems, startsBeforeToday, widenedForRecorder, type ConsentDraft } from '../../src/lib/shared/consent.ts';
import type { AccessUser } from '../../src/lib/shared/access.ts';

const family = { id: 'fam-000001', teamId: 'gellerup', openedBySector: 'social' as const };
const worker = (id: string, sector: AccessUser['sector'], teamIds = ['gellerup']): AccessUser => ({ id, role: 'worker', sector, teamIds });

describe('consentAuthority', () => {
  it('the case-owning sector of the team and the tovholder; nobody else', () => {
    expect(consentAuthority(worker('anna', 'social'), family, null)).toBe('case-owner');
    expect(consentAuthority(worker('cecilie', 'health'), family, 'cecilie')).toBe('tovholder');
    expect(consentAuthority(worker('cecilie', 'health'), family, 'bo')).toBeNull();
    expect(consentAuthority(worker('frida', 'social', ['viby']), family, null)).toBeNull();
    expect(consentAuthority(worker('x', 'health', ['viby']), family, 'x')).toBeNull();
    expect(consentAuthority({ id: 'eva', role: 'leader', sector: null, teamIds: ['gellerup'] }, family, 'eva')).toBeNull();
  });
});

describe('widenedForRecorder', () => {
  it('names what a consent would newly give the recorder’s own sector', () => {
    const social = { sector: 'social' as const };
    const health = { sector: 'health' as const };
    expect(widenedForRecorder(social, family, { categories: ['plan', 'social'], recipients: ['social', 'school'] })).toEqual([]);
    expect(widenedForRecorder(social, family, { categories: ['plan', 'school'], recipients: ['social'] })).toEqual(['school']);
    expect(widenedForRecorder(health, family, { categories: ['plan', 'health'], recipients: ['health'] })).toEqual(['plan']);
    expect(widenedForRecorder(health, family, { categories: ['plan', 'school'], recipients: ['school'] })).toEqual([]);
  });
});

describe('startsBeforeToday', () => {
  it('compares Danish days: just after midnight in Copenhagen is already today', () => {
    const now = new Date('2026-06-15T10:00:00Z');
    expect(startsBeforeToday(new Date('2026-06-14T22:30:00Z'), now)).toBe(false); // 00:30 Danish time
    expect(startsBeforeToday(new Date('2026-06-14T21:30:00Z'), now)).toBe(true); // 23:30 the day before
    expect(startsBeforeToday(new Date('2026-07-01T00:00:00Z'), now)).toBe(false);
  });
});

describe('draftProblems with the recorder', () => {
  const draft = (over: Partial<ConsentDraft> = {}): ConsentDraft => ({
    givenBy: 'Mor', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde', fromDay: '2026-06-15', untilDay: '2027-06-14',
    method: 'paper', signature: null, reference: 'J.nr. 1', renewsId: null, ...over
  });
  const now = new Date('2026-06-15T10:00:00');
  const recorder = { user: { sector: 'social' as const }, family };
  it('flags widening, a start before today and more than three years', () => {
    expect(draftProblems(draft(), now, recorder)).toEqual([]);
    expect(draftProblems(draft({ categories: ['school'], recipients: ['social'] }), now, recorder)).toEqual(['widens']);
    expect(draftProblems(draft({ fromDay: '2026-06-14' }), now, recorder)).toEqual(['dates']);
    expect(draftProblems(draft({ untilDay: '2029-06-15' }), now, recorder)).toEqual([]);
    expect(draftProblems(draft({ untilDay: '2029-06-16' }), now, recorder)).toEqual(['dates']);
  });
});
