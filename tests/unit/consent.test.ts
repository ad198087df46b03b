// The consent helpers behind the consent screens: where a consent stands,
// the day-based period of the form and the instants the API takes, the
// form's checks and body, and when consent-based access ends (accessEnd).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, format } from 'date-fns';
import { access, accessEnd, type AccessConsent, type AccessFamily, type AccessUser } from '../../src/lib/shared/access.ts';
import {
  consentState,
  defaultPeriod,
  draftPayload,
  draftProblems,
  expiringBefore,
  indexedConsentStatus,
  lastValidDay,
  periodProblem,
  periodInstants,
  renewalDraft,
  type ConsentDraft
} from '../../src/lib/shared/consent.ts';
import { PARTS, SECTORS, type Part, type Sector } from '../../src/lib/shared/rooms.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';

const NOW = new Date('2026-06-15T10:00:00');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();
const consent = (over: Partial<AccessConsent> = {}): AccessConsent => ({
  familyId: 'fam-123456',
  categories: ['plan'],
  recipients: ['school'],
  validFrom: at(-10),
  validUntil: at(100),
  revokedAt: null,
  ...over
});

describe('consentState', () => {
  it('names each situation, with expiry within 30 days flagged', () => {
    expect(consentState(consent(), NOW)).toBe('aktiv');
    expect(consentState(consent({ validUntil: at(30) }), NOW)).toBe('udloeber');
    expect(consentState(consent({ validUntil: at(31) }), NOW)).toBe('aktiv');
    expect(consentState(consent({ validUntil: NOW.toISOString() }), NOW)).toBe('udloebet');
    expect(consentState(consent({ validFrom: at(1) }), NOW)).toBe('kommende');
    expect(consentState(consent({ revokedAt: at(-1) }), NOW)).toBe('tilbagekaldt');
    // Withdrawal wins over expiry: the family said stop.
    expect(consentState(consent({ validUntil: at(-1), revokedAt: at(-5) }), NOW)).toBe('tilbagekaldt');
  });
});

describe('periods', () => {
  it('the default is from today through the day before the same date a year on', () => {
    expect(defaultPeriod(NOW)).toEqual({ fromDay: '2026-06-15', untilDay: '2027-06-14' });
  });

  it('a period from today starts now and ends at the start of the day after the last day', () => {
    const { validFrom, validUntil } = periodInstants('2026-06-15', '2027-06-14', NOW);
    expect(validFrom).toBe(NOW.toISOString());
    expect(validUntil).toBe(new Date('2027-06-15T00:00:00').toISOString());
    expect(lastValidDay(validUntil)).toBe('2027-06-14');
  });

  it('a period from another day starts at that day’s midnight', () => {
    expect(periodInstants('2026-07-01', '2026-12-31', NOW).validFrom).toBe(new Date('2026-07-01T00:00:00').toISOString());
  });
});

const draft = (over: Partial<ConsentDraft> = {}): ConsentDraft => ({
  givenBy: 'Mor',
  categories: ['health', 'plan'],
  recipients: ['school', 'health'],
  purpose: 'Samarbejde',
  ...defaultPeriod(NOW),
  method: 'paper',
  signature: null,
  reference: 'J.nr. 1',
  renewsId: null,
  ...over
});

describe('the form', () => {
  it('lists what is missing', () => {
    expect(draftProblems(draft(), NOW)).toEqual([]);
    expect(draftProblems(draft({ givenBy: ' ', categories: [], recipients: [], purpose: '' }), NOW)).toEqual(['givenBy', 'categories', 'recipients', 'purpose']);
    expect(draftProblems(draft({ method: 'signed' }), NOW)).toEqual(['signature']);
    expect(draftProblems(draft({ method: 'oral', reference: '' }), NOW)).toEqual(['reference']);
    expect(draftProblems(draft({ untilDay: '2026-06-01' }), NOW)).toEqual(['dates']);
    expect(draftProblems(draft({ fromDay: 'nonsense' }), NOW)).toEqual(['dates']);
  });

  it('sends categories and sectors in catalogue order, and a signature only with the signed method', () => {
    const p = draftPayload(draft({ signature: 'data:image/png;base64,AAAA' }), NOW);
    expect(p.categories).toEqual(['plan', 'health']);
    expect(p.recipients).toEqual(['school', 'health']);
    expect(p.signature).toBeNull();
    expect(draftPayload(draft({ method: 'signed', signature: 'data:image/png;base64,AAAA', reference: '' }), NOW)).toMatchObject({
      signature: 'data:image/png;base64,AAAA',
      reference: null
    });
  });

  it('a renewal keeps the content, starts today, and asks for a new signature', () => {
    const c: Consent = {
      id: 'c-1', familyId: 'fam-123456', givenBy: 'Far', categories: ['plan'], recipients: ['health'], purpose: 'P',
      validFrom: at(-300), validUntil: at(20), method: 'signed', signature: 'data:image/png;base64,AAAA', reference: null,
      renewsId: null, recordedBy: 'u-anna', recordedAt: at(-300), revokedAt: null, revokedBy: null
    };
    expect(renewalDraft(c, NOW)).toMatchObject({ givenBy: 'Far', categories: ['plan'], recipients: ['health'], fromDay: format(NOW, 'yyyy-MM-dd'), signature: null, renewsId: 'c-1' });
  });
});

describe('accessEnd', () => {
  const family: AccessFamily = { id: 'fam-123456', teamId: 'gellerup', openedBySector: 'social' };
  const worker = (sector: Sector): AccessUser => ({ id: 'u', role: 'worker', sector, teamIds: ['gellerup'] });

  it('is null where access does not rest on a consent', () => {
    expect(accessEnd(worker('social'), { familyId: family.id, part: 'plan' }, family, [consent()], NOW)).toBeNull();
    expect(accessEnd(worker('school'), { familyId: family.id, part: 'school' }, family, [], NOW)).toBeNull();
    expect(accessEnd(worker('health'), { familyId: family.id, part: 'plan' }, family, [consent()], NOW)).toBeNull();
  });

  it('is the latest end of the consents that grant the access', () => {
    const cs = [consent(), consent({ validUntil: at(200) }), consent({ categories: ['social'], validUntil: at(300) })];
    expect(accessEnd(worker('school'), { familyId: family.id, part: 'plan' }, family, cs, NOW)).toEqual({ at: at(200), by: 'consent' });
    expect(accessEnd(worker('school'), { familyId: family.id, part: 'social' }, family, cs, NOW)).toEqual({ at: at(300), by: 'consent' });
  });

  it('holds for random consents: access lasts until just before it, and it is null exactly when access is none or not consent-based', () => {
    const arbConsent = fc.record({
      categories: fc.subarray([...PARTS], { minLength: 1 }),
      recipients: fc.subarray([...SECTORS], { minLength: 1 }),
      from: fc.integer({ min: -50, max: 50 }),
      length: fc.integer({ min: 1, max: 100 }),
      revoked: fc.option(fc.integer({ min: -50, max: 150 }), { nil: null })
    });
    fc.assert(
      fc.property(fc.array(arbConsent, { maxLength: 5 }), fc.constantFrom(...SECTORS), fc.constantFrom(...PARTS), (raw, sector, part) => {
        const cs = raw.map((c) =>
          consent({ categories: c.categories as Part[], recipients: c.recipients as Sector[], validFrom: at(c.from), validUntil: at(c.from + c.length), revokedAt: c.revoked === null ? null : at(c.revoked) })
        );
        const room = { familyId: family.id, part };
        const user = worker(sector);
        const now = access(user, room, family, cs, NOW);
        const until = accessEnd(user, room, family, cs, NOW)?.at ?? null;
        const consentBased = now !== 'none' && part !== sector && !(part === 'plan' && family.openedBySector === sector);
        expect(until !== null).toBe(consentBased);
        if (until !== null) {
          expect(access(user, room, family, cs, new Date(Date.parse(until) - 1))).not.toBe('none');
          expect(Date.parse(until)).toBeGreaterThan(NOW.getTime());
        }
      })
    );
  });
});

describe('dates in the device’s zone', () => {
  it('lastValidDay is the day before a midnight end', () => {
    expect(lastValidDay(new Date(format(addDays(NOW, 1), "yyyy-MM-dd'T'00:00:00")).toISOString())).toBe(format(NOW, 'yyyy-MM-dd'));
  });
});

describe('one rule for the form, the server and the index', () => {
  it('the form refuses a start more than a year ahead, as the server does', () => {
    const from = format(addDays(NOW, 400), 'yyyy-MM-dd');
    const until = format(addDays(NOW, 500), 'yyyy-MM-dd');
    expect(draftProblems(draft({ fromDay: from, untilDay: until }), NOW)).toContain('dates');
    const { validFrom, validUntil } = periodInstants(from, until, NOW);
    expect(periodProblem(new Date(validFrom), new Date(validUntil), NOW)).toBe('from_far');
  });

  it('every period the form accepts passes the server’s bounds, and the reverse', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 400 }), fc.integer({ min: -5, max: 1200 }), (fromIn, length) => {
        const fromDay = format(addDays(NOW, fromIn), 'yyyy-MM-dd');
        const untilDay = format(addDays(NOW, fromIn + length), 'yyyy-MM-dd');
        const { validFrom, validUntil } = periodInstants(fromDay, untilDay, NOW);
        const server = periodProblem(new Date(validFrom), new Date(validUntil), NOW);
        expect(draftProblems(draft({ fromDay, untilDay }), NOW).includes('dates')).toBe(server !== null);
      })
    );
  });

  it('the index counts a family as expiring exactly when its consent does', () => {
    const today = format(NOW, 'yyyy-MM-dd');
    for (const days of [-1, 0, 29, 30, 31, 60]) {
      const until = at(days);
      const one = consentState(consent({ validUntil: until }), NOW);
      if (days <= 0) continue;
      expect(indexedConsentStatus(until, today) === 'udloeber').toBe(one === 'udloeber');
      expect(Date.parse(until) < expiringBefore(NOW)).toBe(one === 'udloeber');
    }
    expect(indexedConsentStatus(null, today)).toBe('ingen');
  });
});
