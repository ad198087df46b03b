// The family's own access (DESIGN §12, issue #15): the tovholder or the
// case-owning sector invites a named family member with a code shown once
// (only its SHA-256 is stored; single use, 14 days, revocable); a citizen who
// accepts it is linked to the family (DESIGN §6 rule 7) until the link is
// ended. Every step is audited; accepting is rate limited; ending a link
// closes the citizen's sockets (4403) and their devices purge, exactly as any
// other loss of access (access-of.ts, the relay's recheck, the manifest).
import type { AuditAction } from './audit-actions.ts';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { linkActive } from '../src/lib/shared/access.ts';
import { consentAuthority } from '../src/lib/shared/consent.ts';
import {
  FAMILY_RELATIONS,
  type CitizenFamily,
  type FamilyRelation,
  type InvitationCreated,
  type InvitationInfo,
  type InvitationList
} from '../src/lib/shared/family-types.ts';
import { familyOfTeamWorker } from './access-of.ts';
import { HttpError } from './http-error.ts';
import type { Counters } from './limits/types.ts';
import type { AuditLog, Consents, Families, FamilyLinks, FamilyRow, Identity, InvitationRow, Lifecycle, UserRow } from './store/types.ts';

/** How long an invitation code is valid (DESIGN §12). */
export const INVITATION_DAYS = 14;
/** Attempts to accept a code per user and per address within an hour. */
export const ACCEPT_MAX_PER_HOUR = 10;
const HOUR_MS = 3_600_000;

/** No 0/O, 1/I/L: a code read aloud over the phone or typed from paper. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 12;

/** The code as typed (any case, spaces and dashes ignored) in the one form that is hashed. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export function hashCode(code: string): string {
  return createHash('sha256').update(normaliseCode(code)).digest('base64url');
}

/** A new code, shown in groups of four: XXXX-XXXX-XXXX (about 59 bits). */
export function newCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s.match(/.{4}/g)!.join('-');
}

export interface FamilyAccessDeps {
  store: Identity & Families & Consents & FamilyLinks & AuditLog & Pick<Lifecycle, 'grantsOfFamily'>;
  accessChanged(filter: { userId?: string; familyId?: string; reason?: string; notify?: string[] }): Promise<void>;
  tovholderOf(familyId: string): Promise<string | null>;
  counters: Counters;
  now(): Date;
}

function invitationStatus(i: InvitationRow, now: Date): InvitationInfo['status'] {
  if (i.revokedAt !== null) return 'revoked';
  if (i.usedAt !== null) return 'used';
  return Date.parse(i.expiresAt) <= now.getTime() ? 'expired' : 'open';
}

export class FamilyAccess {
  readonly #d: FamilyAccessDeps;

  constructor(deps: FamilyAccessDeps) {
    this.#d = deps;
  }

  async #audit(userId: string, action: AuditAction, detail: string | null, familyId: string | null) {
    await this.#d.store.audit({ at: this.#d.now().toISOString(), userId, familyId, room: null, action, detail, deviceId: null });
  }

  /** The family for a worker of its team with plan access; 404 for anyone else, as for a family that does not exist. */
  async #familyForWorker(user: UserRow, id: string): Promise<FamilyRow> {
    const family = await familyOfTeamWorker(this.#d.store, user, id, this.#d.now());
    if (!family) throw new HttpError(404, 'not_found');
    return family;
  }

  /** Only the case-owning sector or the tovholder invites, revokes and ends links (DESIGN §12); others get 403, audited. */
  async #mayInvite(user: UserRow, family: FamilyRow): Promise<boolean> {
    const tovholder = user.sector === family.openedBySector ? null : await this.#d.tovholderOf(family.id);
    const a = consentAuthority(user, family, tovholder);
    return a === 'case-owner' || a === 'tovholder';
  }

  async #requireInviter(user: UserRow, family: FamilyRow, what: string) {
    if (await this.#mayInvite(user, family)) return;
    await this.#audit(user.id, 'invitation-refused', `invitation_not_authorised: ${what}`, family.id);
    throw new HttpError(403, 'invitation_not_authorised');
  }

  // ---- workers ---------------------------------------------------------------

  async list(user: UserRow, familyId: string): Promise<InvitationList> {
    const family = await this.#familyForWorker(user, familyId);
    const now = this.#d.now();
    const [invitations, links] = await Promise.all([this.#d.store.invitationsOfFamily(family.id), this.#d.store.linksOfFamily(family.id)]);
    const names = await this.#d.store.userNames([...invitations.map((i) => i.invitedBy), ...links.map((l) => l.userId)]);
    return {
      mayInvite: family.status === 'aktiv' && (await this.#mayInvite(user, family)),
      invitations: invitations
        .map((i) => ({
          id: i.id,
          memberName: i.memberName,
          relation: i.relation as FamilyRelation,
          invitedBy: names.get(i.invitedBy) ?? '',
          createdAt: i.createdAt,
          expiresAt: i.expiresAt,
          usedAt: i.usedAt,
          revokedAt: i.revokedAt,
          status: invitationStatus(i, now)
        }))
        .reverse(),
      links: links
        .map((l) => ({
          id: l.id,
          memberName: l.memberName,
          relation: l.relation as FamilyRelation,
          userName: names.get(l.userId) ?? '',
          createdAt: l.createdAt,
          endedAt: l.endedAt,
          active: linkActive(l, now)
        }))
        .reverse()
    };
  }

  async create(user: UserRow, familyId: string, body: Record<string, unknown>): Promise<InvitationCreated> {
    const family = await this.#familyForWorker(user, familyId);
    await this.#requireInviter(user, family, 'invitation');
    if (family.status !== 'aktiv') throw new HttpError(409, 'case_closed');
    const memberName = typeof body.memberName === 'string' ? body.memberName.trim() : '';
    if (memberName.length < 2 || memberName.length > 120) throw new HttpError(400, 'invitation_member');
    if (!(FAMILY_RELATIONS as readonly unknown[]).includes(body.relation)) throw new HttpError(400, 'invitation_relation', FAMILY_RELATIONS.join(', '));
    const relation = body.relation as FamilyRelation;
    const now = this.#d.now();
    const code = newCode();
    const row: InvitationRow = {
      id: randomUUID(),
      familyId: family.id,
      codeHash: hashCode(code),
      memberName,
      relation,
      invitedBy: user.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString(),
      usedAt: null,
      usedBy: null,
      revokedAt: null,
      revokedBy: null
    };
    await this.#d.store.insertInvitation(row);
    await this.#audit(user.id, 'invitation-created', `${row.id}: ${relation}`, family.id);
    return { id: row.id, code, memberName, relation, expiresAt: row.expiresAt };
  }

  async revoke(user: UserRow, familyId: string, invitationId: string): Promise<{ ok: true }> {
    const family = await this.#familyForWorker(user, familyId);
    const inv = (await this.#d.store.invitationsOfFamily(family.id)).find((i) => i.id === invitationId);
    if (!inv) throw new HttpError(404, 'not_found');
    await this.#requireInviter(user, family, `tilbagekaldelse af ${inv.id}`);
    if (!(await this.#d.store.revokeInvitation(inv.id, this.#d.now().toISOString(), user.id))) throw new HttpError(409, 'invitation_closed');
    await this.#audit(user.id, 'invitation-revoked', inv.id, family.id);
    return { ok: true };
  }

  /** Ends a citizen's link: their sockets to the family close (4403) and their devices purge it. */
  async endLink(user: UserRow, familyId: string, linkId: string): Promise<{ ok: true }> {
    const family = await this.#familyForWorker(user, familyId);
    const link = (await this.#d.store.linksOfFamily(family.id)).find((l) => l.id === linkId);
    if (!link) throw new HttpError(404, 'not_found');
    await this.#requireInviter(user, family, `afslutning af ${link.id}`);
    if (!(await this.#d.store.endLink(link.id, this.#d.now().toISOString(), user.id))) throw new HttpError(409, 'link_already_ended');
    await this.#audit(user.id, 'family-link-ended', link.id, family.id);
    await this.#d.accessChanged({ familyId: family.id, reason: 'family link ended', notify: [link.userId] });
    return { ok: true };
  }

  // ---- citizens --------------------------------------------------------------

  async accept(user: UserRow, body: Record<string, unknown>, clientAddress: string): Promise<CitizenFamily> {
    if (user.role !== 'citizen') throw new HttpError(403, 'citizens_only');
    const code = typeof body.code === 'string' ? normaliseCode(body.code) : '';
    if (code.length < 6 || code.length > 40) throw new HttpError(400, 'invitation_code');
    const now = this.#d.now();
    const t = now.getTime();
    // Every attempt counts, good or bad: a code cannot be guessed by trying.
    const byUser = await this.#d.counters.take(`invite-accept:user:${user.id}`, 1, ACCEPT_MAX_PER_HOUR, HOUR_MS, t);
    const byAddress = byUser && (await this.#d.counters.take(`invite-accept:addr:${clientAddress}`, 1, ACCEPT_MAX_PER_HOUR * 3, HOUR_MS, t));
    if (!byUser || !byAddress) {
      await this.#audit(user.id, 'invitation-rate-limited', clientAddress.slice(0, 100), null);
      throw new HttpError(429, 'invitation_rate_limited');
    }
    const outcome = await this.#d.store.acceptInvitation(hashCode(code), user.id, now.toISOString(), randomUUID());
    if (!outcome.ok) {
      await this.#audit(user.id, 'invitation-refused', `invitation_${outcome.reason}`, null);
      const status = outcome.reason === 'unknown' ? 404 : outcome.reason === 'linked' || outcome.reason === 'used' ? 409 : 410;
      throw new HttpError(status, `invitation_${outcome.reason}`);
    }
    const { link, invitation } = outcome;
    await this.#audit(user.id, 'invitation-accepted', `${invitation.id}: ${link.id}`, link.familyId);
    // Her devices learn of the new family at once; the team's lists show the link.
    await this.#d.accessChanged({ familyId: link.familyId, notify: [user.id] });
    const family = await this.#d.store.familyById(link.familyId);
    return { familyId: link.familyId, name: family?.name ?? '', memberName: link.memberName, relation: link.relation as FamilyRelation, tovholder: null };
  }

  /** The families a citizen is linked to now (active link, open case), with the tovholder and how to reach them. */
  async mine(user: UserRow): Promise<{ families: CitizenFamily[] }> {
    if (user.role !== 'citizen') throw new HttpError(403, 'citizens_only');
    const now = this.#d.now();
    const out: CitizenFamily[] = [];
    for (const link of await this.#d.store.linksOfUser(user.id)) {
      if (!linkActive(link, now)) continue;
      const family = await this.#d.store.familyById(link.familyId);
      if (!family || family.status !== 'aktiv') continue;
      const tovholderId = await this.#d.tovholderOf(family.id);
      const t = tovholderId ? await this.#d.store.userById(tovholderId) : undefined;
      const team = (await this.#d.store.listTeams()).find((x) => x.id === family.teamId);
      out.push({
        familyId: family.id,
        name: family.name,
        memberName: link.memberName,
        relation: link.relation as FamilyRelation,
        tovholder: t ? { name: t.name, sector: t.sector, email: t.email ?? null, teamName: team?.name ?? '' } : null
      });
    }
    return { families: out };
  }
}
