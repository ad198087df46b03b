// access() against an oracle written here from DESIGN §6, independently of the
// implementation: every role × part × sector × consent situation × team ×
// opening sector, then random sets of several consents (fast-check).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { access, type Access, type AccessConsent, type AccessFamily, type AccessUser, type Role } from '../../src/lib/shared/access.ts';
import { PARTS, SECTORS, type Part, type Sector } from '../../src/lib/shared/rooms.ts';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

const FAMILY_ID = 'gel-07-test';
const TEAM = 'gellerup';
const OTHER_TEAM = 'viby';

/** The situations a consent can be in at NOW. */
const STATES = ['active', 'expired', 'revoked', 'not-yet-valid'] as const;
type ConsentState = (typeof STATES)[number];

/** Whether a consent names the room's category and the worker's sector. */
const SCOPES = ['covers', 'other-category', 'other-recipient'] as const;
type ConsentScope = (typeof SCOPES)[number];

type ConsentCase = { state: ConsentState; scope: ConsentScope } | null;
const CONSENT_CASES: ConsentCase[] = [null, ...STATES.flatMap((state) => SCOPES.map((scope) => ({ state, scope })))];

interface Case {
  role: Role;
  sector: Sector | null;
  part: Part;
  sameTeam: boolean;
  openedBy: Sector;
  consent: ConsentCase;
}

/** DESIGN §6, read literally. A consent "covers" only when active and naming both the category and the sector. */
function oracle(c: Case): Access {
  if (c.role === 'admin' || c.role === 'leader') return 'none'; // rule 1
  if (!c.sameTeam) return 'none'; // rule 2
  const consented = c.consent !== null && c.consent.state === 'active' && c.consent.scope === 'covers';
  if (c.part === c.sector) return 'write'; // rule 3
  if (c.part === 'plan') return c.openedBy === c.sector || consented ? 'write' : 'none'; // rule 4
  return consented ? 'read' : 'none'; // rule 5
}

function consentFor(c: Case): AccessConsent[] {
  if (c.consent === null) return [];
  const { state, scope } = c.consent;
  // "Another" category or sector is any one that is not the asked one.
  const category: Part = scope === 'other-category' ? (PARTS.find((p) => p !== c.part) as Part) : c.part;
  const recipient: Sector =
    scope === 'other-recipient' || c.sector === null ? (SECTORS.find((s) => s !== c.sector) as Sector) : c.sector;
  const dates: Record<ConsentState, Pick<AccessConsent, 'validFrom' | 'validUntil' | 'revokedAt'>> = {
    active: { validFrom: at(-30), validUntil: at(300), revokedAt: null },
    expired: { validFrom: at(-400), validUntil: at(-1), revokedAt: null },
    revoked: { validFrom: at(-30), validUntil: at(300), revokedAt: at(-2) },
    'not-yet-valid': { validFrom: at(3), validUntil: at(300), revokedAt: null }
  };
  return [{ familyId: FAMILY_ID, categories: [category], recipients: [recipient], ...dates[state] }];
}

function run(c: Case): Access {
  const user: AccessUser = { id: 'u-x', role: c.role, sector: c.sector, teamIds: c.role === 'admin' ? [] : [c.sameTeam ? TEAM : OTHER_TEAM] };
  // Leaders and admins are tried with every team situation too: rule 1 must not depend on it.
  if (c.role !== 'worker' && c.sameTeam) user.teamIds = [TEAM, OTHER_TEAM];
  const family: AccessFamily = { id: FAMILY_ID, teamId: TEAM, openedBySector: c.openedBy };
  return access(user, { familyId: FAMILY_ID, part: c.part }, family, consentFor(c), NOW);
}

function cases(role: Role, sector: Sector | null, part: Part): Case[] {
  const out: Case[] = [];
  for (const sameTeam of [true, false])
    for (const openedBy of SECTORS) for (const consent of CONSENT_CASES) out.push({ role, sector, part, sameTeam, openedBy, consent });
  return out;
}

const describeCase = (c: Case) =>
  `${c.role}/${c.sector} ${c.part} team=${c.sameTeam ? 'same' : 'other'} openedBy=${c.openedBy} consent=${c.consent ? `${c.consent.state}/${c.consent.scope}` : 'none'}`;

const USERS: [Role, Sector | null][] = [
  ...SECTORS.map((s): [Role, Sector] => ['worker', s]),
  // Rule 1 holds whatever sector a leader or admin row might carry.
  ...(['leader', 'admin'] as const).flatMap((r) => [null, ...SECTORS].map((s): [Role, Sector | null] => [r, s]))
];

describe('access() against the DESIGN §6 oracle', () => {
  const grid = USERS.flatMap(([role, sector]) => PARTS.map((part) => [role, sector, part] as const));
  it.each(grid)('%s (%s) on %s', (role, sector, part) => {
    const mismatches = cases(role, sector, part)
      .map((c) => ({ c, want: oracle(c), got: run(c) }))
      .filter((r) => r.want !== r.got)
      .map((r) => `${describeCase(r.c)}: want ${r.want}, got ${r.got}`);
    expect(mismatches).toEqual([]);
  });

  it('the grid exercises every outcome', () => {
    const seen = new Set(grid.flatMap(([role, sector, part]) => cases(role, sector, part).map(run)));
    expect([...seen].sort()).toEqual(['none', 'read', 'write']);
  });

  it("never grants write on another sector's journal", () => {
    for (const sector of SECTORS)
      for (const part of SECTORS.filter((p) => p !== sector))
        for (const c of cases('worker', sector, part)) expect(run(c), describeCase(c)).not.toBe('write');
  });

  it('grants read on another journal only with an active covering consent, for exactly that sector', () => {
    for (const sector of SECTORS)
      for (const part of SECTORS.filter((p) => p !== sector))
        for (const c of cases('worker', sector, part).filter((c) => run(c) === 'read')) {
          expect(c.sameTeam).toBe(true);
          expect(c.consent).toEqual({ state: 'active', scope: 'covers' });
        }
  });
});

describe('access() edges', () => {
  const worker: AccessUser = { id: 'u-bo', role: 'worker', sector: 'school', teamIds: [TEAM] };
  const family: AccessFamily = { id: FAMILY_ID, teamId: TEAM, openedBySector: 'social' };
  const consent = (over: Partial<AccessConsent> = {}): AccessConsent => ({
    familyId: FAMILY_ID,
    categories: ['plan', 'social'],
    recipients: ['school'],
    validFrom: at(-10),
    validUntil: at(10),
    revokedAt: null,
    ...over
  });
  const plan = { familyId: FAMILY_ID, part: 'plan' as const };
  const social = { familyId: FAMILY_ID, part: 'social' as const };

  it('validFrom is inclusive and validUntil exclusive', () => {
    expect(access(worker, plan, family, [consent({ validFrom: NOW.toISOString() })], NOW)).toBe('write');
    expect(access(worker, plan, family, [consent({ validUntil: NOW.toISOString() })], NOW)).toBe('none');
    expect(access(worker, plan, family, [consent({ validUntil: new Date(NOW.getTime() + 1).toISOString() })], NOW)).toBe('write');
  });

  it('a revocation takes effect from its instant', () => {
    expect(access(worker, plan, family, [consent({ revokedAt: NOW.toISOString() })], NOW)).toBe('none');
  });

  it("ignores another family's consent", () => {
    expect(access(worker, plan, family, [consent({ familyId: 'gel-08-other' })], NOW)).toBe('none');
    expect(access(worker, social, family, [consent({ familyId: 'gel-08-other' })], NOW)).toBe('none');
  });

  it('one active consent suffices among revoked and expired ones', () => {
    const consents = [consent({ revokedAt: at(-1) }), consent({ validUntil: at(-1) }), consent()];
    expect(access(worker, plan, family, consents, NOW)).toBe('write');
    expect(access(worker, social, family, consents, NOW)).toBe('read');
  });

  it('refuses a missing family, or facts about another family than the room names', () => {
    expect(access(worker, plan, undefined, [consent()], NOW)).toBe('none');
    expect(access(worker, { familyId: 'gel-08-other', part: 'school' }, family, [consent()], NOW)).toBe('none');
  });

  it('a worker in several teams has access in each of them', () => {
    const both: AccessUser = { ...worker, teamIds: [OTHER_TEAM, TEAM] };
    expect(access(both, { familyId: FAMILY_ID, part: 'school' }, family, [], NOW)).toBe('write');
    expect(access({ ...worker, teamIds: [] }, { familyId: FAMILY_ID, part: 'school' }, family, [], NOW)).toBe('none');
  });

  it('a worker without a sector opens nothing', () => {
    const noSector: AccessUser = { ...worker, sector: null };
    for (const part of PARTS) expect(access(noSector, { familyId: FAMILY_ID, part }, family, [consent({ recipients: [...SECTORS] })], NOW)).toBe('none');
  });
});

describe('access() with random sets of consents (property)', () => {
  const arbConsent = fc.record({
    familyId: fc.constantFrom(FAMILY_ID, 'gel-08-other'),
    categories: fc.subarray([...PARTS], { minLength: 1 }),
    recipients: fc.subarray([...SECTORS], { minLength: 1 }),
    state: fc.constantFrom(...STATES)
  });
  const arb = fc.record({
    role: fc.constantFrom<Role>('worker', 'worker', 'worker', 'leader', 'admin'),
    sector: fc.constantFrom(...SECTORS),
    part: fc.constantFrom(...PARTS),
    sameTeam: fc.boolean(),
    openedBy: fc.constantFrom(...SECTORS),
    consents: fc.array(arbConsent, { maxLength: 5 })
  });
  const window: Record<ConsentState, Pick<AccessConsent, 'validFrom' | 'validUntil' | 'revokedAt'>> = {
    active: { validFrom: at(-1), validUntil: at(1), revokedAt: null },
    expired: { validFrom: at(-9), validUntil: at(-1), revokedAt: null },
    revoked: { validFrom: at(-9), validUntil: at(9), revokedAt: at(-1) },
    'not-yet-valid': { validFrom: at(1), validUntil: at(9), revokedAt: null }
  };

  it('matches the oracle and never writes another sector’s journal', () => {
    fc.assert(
      fc.property(arb, (x) => {
        const covering = x.consents.some(
          (k) => k.familyId === FAMILY_ID && k.state === 'active' && k.categories.includes(x.part) && k.recipients.includes(x.sector)
        );
        const want = oracle({
          role: x.role,
          sector: x.sector,
          part: x.part,
          sameTeam: x.sameTeam,
          openedBy: x.openedBy,
          consent: covering ? { state: 'active', scope: 'covers' } : null
        });
        const user: AccessUser = { id: 'u-x', role: x.role, sector: x.role === 'worker' ? x.sector : null, teamIds: [x.sameTeam ? TEAM : OTHER_TEAM] };
        const consents: AccessConsent[] = x.consents.map((k) => ({
          familyId: k.familyId,
          categories: k.categories,
          recipients: k.recipients,
          ...window[k.state]
        }));
        const got = access(user, { familyId: FAMILY_ID, part: x.part }, { id: FAMILY_ID, teamId: TEAM, openedBySector: x.openedBy }, consents, NOW);
        expect(got).toBe(want);
        if (x.part !== 'plan' && x.part !== x.sector) expect(got).not.toBe('write');
      }),
      { numRuns: 2000, seed: 20260615 }
    );
  });
});
