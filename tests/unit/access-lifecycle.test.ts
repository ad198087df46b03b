// The access rule around a case's life (issue #14): a closed case is
// read-only for everyone (never wider than an open one), and a called-in
// specialist (DESIGN §6 rule 6) gets rules 3–5 only within the grant's parts
// and period and only while a consent names their sector; accessEnd says
// when that ends (the earlier of the grant's end and the consents').
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { access, accessEnd, caseClosed, grantActive, type AccessConsent, type AccessFamily, type AccessGrant, type AccessUser } from '../../src/lib/shared/access.ts';
import { PARTS, SECTORS, type Part } from '../../src/lib/shared/rooms.ts';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

const family: AccessFamily = { id: 'gel-02-test', teamId: 'gellerup', openedBySector: 'social', status: 'aktiv' };
const closed: AccessFamily = { ...family, status: 'afsluttet' };
const gitte: AccessUser = { id: 'u-gitte', role: 'worker', sector: 'school', teamIds: ['ppr-syd'] };
const bo: AccessUser = { id: 'u-bo', role: 'worker', sector: 'school', teamIds: ['gellerup'] };
const anna: AccessUser = { id: 'u-anna', role: 'worker', sector: 'social', teamIds: ['gellerup'] };
const consent = (categories: Part[], recipients: AccessConsent['recipients'], until = 180, revokedAt: string | null = null): AccessConsent => ({
  familyId: family.id,
  categories,
  recipients,
  validFrom: at(-30),
  validUntil: at(until),
  revokedAt
});
const grant = (parts: Part[], until = 30, endedAt: string | null = null, from = -1): AccessGrant => ({
  familyId: family.id,
  userId: gitte.id,
  parts,
  validFrom: at(from),
  validUntil: at(until),
  endedAt
});
const room = (part: Part) => ({ familyId: family.id, part });

describe('a closed case', () => {
  it('is read-only for everyone who could write, and opens nothing new', () => {
    const consents = [consent(['plan', 'social'], ['school'])];
    expect(access(anna, room('plan'), closed, consents, NOW)).toBe('read');
    expect(access(anna, room('social'), closed, consents, NOW)).toBe('read');
    expect(access(bo, room('plan'), closed, consents, NOW)).toBe('read');
    expect(access(bo, room('school'), closed, consents, NOW)).toBe('read');
    expect(access(bo, room('social'), closed, consents, NOW)).toBe('read');
    expect(access(bo, room('health'), closed, consents, NOW)).toBe('none');
    expect(caseClosed(closed)).toBe(true);
    expect(caseClosed(family)).toBe(false);
    expect(caseClosed({})).toBe(false);
  });

  it('is never wider than the open case, for any user, part and consent (property)', () => {
    const users = fc.record({
      id: fc.constantFrom('u-1', 'u-gitte'),
      role: fc.constantFrom('worker' as const, 'leader' as const, 'admin' as const),
      sector: fc.constantFrom(...SECTORS),
      teamIds: fc.subarray(['gellerup', 'viby', 'ppr-syd'])
    });
    const consents = fc.array(fc.record({ categories: fc.subarray([...PARTS]), recipients: fc.subarray([...SECTORS]), until: fc.integer({ min: -10, max: 10 }) }), { maxLength: 3 });
    const rank = { none: 0, read: 1, write: 2 } as const;
    fc.assert(
      fc.property(users, consents, fc.constantFrom(...PARTS), fc.boolean(), (u, cs, part, granted) => {
        const list = cs.map((c) => consent(c.categories, c.recipients, c.until));
        const grants = granted ? [{ ...grant([part]), userId: u.id }] : [];
        const open = access(u, room(part), family, list, NOW, grants);
        const shut = access(u, room(part), closed, list, NOW, grants);
        expect(rank[shut]).toBeLessThanOrEqual(rank[open]);
        expect(shut).not.toBe('write');
        expect(shut === 'none').toBe(open === 'none');
      })
    );
  });
});

describe('a called-in specialist (rule 6)', () => {
  const consents = [consent(['plan', 'social'], ['school', 'health'])];

  it('gets rules 3–5 within the grant’s parts: the plan by consent, the own sector’s journal, another’s only to read', () => {
    const grants = [grant(['plan', 'school', 'social'])];
    expect(access(gitte, room('plan'), family, consents, NOW, grants)).toBe('write');
    expect(access(gitte, room('school'), family, consents, NOW, grants)).toBe('write');
    expect(access(gitte, room('social'), family, consents, NOW, grants)).toBe('read');
    // Outside the grant's parts: nothing, whatever the consent says.
    expect(access(gitte, room('health'), family, consents, NOW, grants)).toBe('none');
    expect(access(gitte, room('plan'), family, consents, NOW, [grant(['school'])])).toBe('none');
    // Another user's grant, or another family's, gives her nothing.
    expect(access(gitte, room('plan'), family, consents, NOW, [{ ...grant(['plan']), userId: 'u-other' }])).toBe('none');
    expect(access(gitte, room('plan'), family, consents, NOW, [{ ...grant(['plan']), familyId: 'other-family' }])).toBe('none');
  });

  it('needs an active consent naming her sector, and a grant within its period and not ended', () => {
    const grants = [grant(['plan', 'school'])];
    expect(access(gitte, room('school'), family, [], NOW, grants)).toBe('none');
    expect(access(gitte, room('school'), family, [consent(['plan'], ['health'])], NOW, grants)).toBe('none');
    expect(access(gitte, room('school'), family, [consent(['plan'], ['school'], -1)], NOW, grants)).toBe('none');
    expect(access(gitte, room('school'), family, [consent(['plan'], ['school'], 10, at(-1))], NOW, grants)).toBe('none');
    expect(access(gitte, room('school'), family, consents, NOW, [grant(['school'], -1)])).toBe('none');
    expect(access(gitte, room('school'), family, consents, NOW, [grant(['school'], 30, at(-1))])).toBe('none');
    expect(access(gitte, room('school'), family, consents, NOW, [grant(['school'], 30, null, 1)])).toBe('none');
    expect(grantActive(grant(['school'], 30, at(1)), NOW)).toBe(true);
    // Leaders and admins stay at rule 1 with any grant.
    expect(access({ ...gitte, role: 'leader' }, room('school'), family, consents, NOW, grants)).toBe('none');
  });

  it('ends at the earlier of the grant’s end and the consents naming her sector, and says which', () => {
    expect(accessEnd(gitte, room('school'), family, consents, NOW, [grant(['school'], 30)])).toEqual({ at: at(30), by: 'grant' });
    expect(accessEnd(gitte, room('school'), family, [consent(['plan'], ['school'], 10)], NOW, [grant(['school'], 30)])).toEqual({ at: at(10), by: 'consent' });
    expect(accessEnd(gitte, room('school'), family, consents, NOW, [grant(['school'], 30, at(5))])).toEqual({ at: at(5), by: 'grant' });
    // The plan rests on a consent for 'plan' too; the earliest end wins.
    expect(accessEnd(gitte, room('plan'), family, [consent(['plan'], ['school'], 20), consent(['social'], ['school'], 40)], NOW, [grant(['plan'], 30)])).toEqual({
      at: at(20),
      by: 'consent'
    });
    // Grant and consent ending together: the grant is named (it is why she is there at all).
    expect(accessEnd(gitte, room('school'), family, [consent(['plan'], ['school'], 30)], NOW, [grant(['school'], 30)])).toEqual({ at: at(30), by: 'grant' });
    // The team's own worker is unaffected by grants.
    expect(accessEnd(bo, room('school'), family, consents, NOW, [grant(['school'], 30)])).toBeNull();
  });
});
