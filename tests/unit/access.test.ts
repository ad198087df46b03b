// access() against an oracle written here from DESIGN §6, independently of the
// implementation: every role × part × sector × consent situation × team ×
// opening sector, then random sets of several consents (fast-check).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { access, accessEnd, type Access, type AccessConsent, type AccessFamily, type AccessLink, type AccessUser, type Role } from '../../src/lib/shared/access.ts';
import { PARTS, ROOM_PARTS, SECTORS, isPart, isSector, type Part, type RoomPart, type Sector } from '../../src/lib/shared/rooms.ts';
import type { CaseStatus } from '../../src/lib/shared/plan-terms.ts';

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

// ---- DESIGN §6 rules 7–8: the family's own access ------------------------------

/** The citizen's link situations: none, their own (active or ended), someone else's, or for another family. */
const LINKS = ['none', 'own-active', 'own-ended', 'own-ends-later', 'other-user', 'other-family'] as const;
type LinkCase = (typeof LINKS)[number];

interface FamilyCase {
  role: Role;
  sector: Sector | null;
  part: RoomPart;
  sameTeam: boolean;
  openedBy: Sector;
  consent: ConsentCase;
  link: LinkCase;
  status: CaseStatus;
}

/** DESIGN §6 rules 1–8 with a case's status (closed: read-only for everyone), read literally. */
function familyOracle(c: FamilyCase): Access {
  if (c.role === 'citizen') {
    // Rule 7: linked (invitation accepted, link not ended), case active.
    const linked = c.link === 'own-active' || c.link === 'own-ends-later';
    if (!linked || c.status !== 'aktiv') return 'none';
    return c.part === 'plan' ? 'read' : c.part === 'family' ? 'write' : 'none';
  }
  if (c.role !== 'worker') return 'none'; // rule 1, and a pending user
  // Rule 8: a worker with plan access reads what the family writes, never writes it.
  if (c.part === 'family') return familyOracle({ ...c, part: 'plan' }) === 'none' ? 'none' : 'read';
  const open = oracle({ role: c.role, sector: c.sector, part: c.part, sameTeam: c.sameTeam, openedBy: c.openedBy, consent: c.consent });
  return open === 'write' && c.status === 'afsluttet' ? 'read' : open;
}

function linksFor(c: FamilyCase): AccessLink[] {
  switch (c.link) {
    case 'none':
      return [];
    case 'own-active':
      return [{ familyId: FAMILY_ID, userId: 'u-x', endedAt: null }];
    case 'own-ended':
      return [{ familyId: FAMILY_ID, userId: 'u-x', endedAt: at(-1) }];
    case 'own-ends-later':
      return [{ familyId: FAMILY_ID, userId: 'u-x', endedAt: at(1) }];
    case 'other-user':
      return [{ familyId: FAMILY_ID, userId: 'u-y', endedAt: null }];
    case 'other-family':
      return [{ familyId: 'via-01-other', userId: 'u-x', endedAt: null }];
  }
}

function runFamily(c: FamilyCase): Access {
  const teamIds = c.role === 'citizen' || c.role === 'admin' || c.role === 'pending' ? [] : [c.sameTeam ? TEAM : OTHER_TEAM];
  const user: AccessUser = { id: 'u-x', role: c.role, sector: c.sector, teamIds };
  const family: AccessFamily = { id: FAMILY_ID, teamId: TEAM, openedBySector: c.openedBy, status: c.status };
  const consents = c.part === 'family' ? consentFor({ ...c, part: 'plan' }) : isPart(c.part) ? consentFor({ ...c, part: c.part }) : [];
  return access(user, { familyId: FAMILY_ID, part: c.part }, family, consents, NOW, [], linksFor(c));
}

const FAMILY_USERS: [Role, Sector | null][] = [...USERS, ['pending', null], ['citizen', null], ...SECTORS.map((s): [Role, Sector] => ['citizen', s])];

describe('access() rules 7–8 against the oracle, every role × room × link × case status', () => {
  const grid = FAMILY_USERS.flatMap(([role, sector]) => ROOM_PARTS.map((part) => [role, sector, part] as const));
  it.each(grid)('%s (%s) on %s', (role, sector, part) => {
    const mismatches: string[] = [];
    for (const sameTeam of [true, false])
      for (const openedBy of SECTORS)
        for (const consent of CONSENT_CASES)
          for (const link of LINKS)
            for (const status of ['aktiv', 'afsluttet'] as const) {
              const c: FamilyCase = { role, sector, part, sameTeam, openedBy, consent, link, status };
              const want = familyOracle(c);
              const got = runFamily(c);
              if (want !== got) mismatches.push(`${role}/${sector} ${part} team=${sameTeam} openedBy=${openedBy} consent=${JSON.stringify(consent)} link=${link} ${status}: want ${want}, got ${got}`);
            }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('a citizen never opens a journal, whatever the facts; no worker ever writes the family room', () => {
    for (const [role, sector] of FAMILY_USERS)
      for (const part of ROOM_PARTS)
        for (const link of LINKS)
          for (const consent of CONSENT_CASES) {
            const got = runFamily({ role, sector, part, sameTeam: true, openedBy: 'social', consent, link, status: 'aktiv' });
            if (role === 'citizen' && isSector(part)) expect(got).toBe('none');
            if (role !== 'citizen' && part === 'family') expect(got).not.toBe('write');
          }
  });

  it('a citizen reaches write only on the family room and read only on the plan', () => {
    const seen = new Map<RoomPart, Set<Access>>();
    for (const part of ROOM_PARTS)
      for (const link of LINKS)
        for (const status of ['aktiv', 'afsluttet'] as const) {
          const got = runFamily({ role: 'citizen', sector: null, part, sameTeam: false, openedBy: 'social', consent: null, link, status });
          seen.set(part, (seen.get(part) ?? new Set()).add(got));
        }
    expect([...(seen.get('plan') ?? [])].sort()).toEqual(['none', 'read']);
    expect([...(seen.get('family') ?? [])].sort()).toEqual(['none', 'write']);
    for (const s of SECTORS) expect([...(seen.get(s) ?? [])]).toEqual(['none']);
  });

  it('accessEnd: a citizen’s access has no end date of its own; a worker reads the family room as long as the plan', () => {
    const family: AccessFamily = { id: FAMILY_ID, teamId: TEAM, openedBySector: 'social', status: 'aktiv' };
    const citizen: AccessUser = { id: 'u-x', role: 'citizen', sector: null, teamIds: [] };
    expect(accessEnd(citizen, { familyId: FAMILY_ID, part: 'plan' }, family, [], NOW, [], [{ familyId: FAMILY_ID, userId: 'u-x', endedAt: null }])).toBeNull();
    const cecilie: AccessUser = { id: 'u-c', role: 'worker', sector: 'health', teamIds: [TEAM] };
    const consents: AccessConsent[] = [{ familyId: FAMILY_ID, categories: ['plan'], recipients: ['health'], validFrom: at(-10), validUntil: at(20), revokedAt: null }];
    expect(accessEnd(cecilie, { familyId: FAMILY_ID, part: 'family' }, family, consents, NOW)).toEqual({ at: at(20), by: 'consent' });
    expect(accessEnd(cecilie, { familyId: FAMILY_ID, part: 'family' }, family, consents, NOW)).toEqual(accessEnd(cecilie, { familyId: FAMILY_ID, part: 'plan' }, family, consents, NOW));
  });
});
