// The life of a case (DESIGN §8 "Case lifecycle", issue #14): close and
// reopen, transfer to another team, and grants for called-in specialists.
// Each change is a server-authoritative fact (families, family_transfers,
// grants), audited, mirrored into the plan document's meta where the plan
// shows it (status, team, tovholder), and followed by an access recheck: the
// relay closes or downgrades sockets at once and every affected device is
// told to fetch its manifest again (and purges what it may no longer open).
import type { AuditAction } from './audit-actions.ts';
import { randomUUID } from 'node:crypto';
import { addMonths } from 'date-fns/addMonths';
import { TZDate } from '@date-fns/tz';
import { consentActive, grantActive } from '../src/lib/shared/access.ts';
import { consentAuthority } from '../src/lib/shared/consent.ts';
import { PARTS, type Part } from '../src/lib/shared/rooms.ts';
import type { CaseAuthority, CaseEvent, CaseGrant, CaseInfo, CaseTransfer } from '../src/lib/shared/api-types.ts';
import { setMeta, setTovholder } from '../src/lib/domain/plan.ts';
import { copenhagenDay, PLAN_TIME_ZONE } from '../src/lib/domain/today.ts';
import type * as Y from 'yjs';
import { familyOfTeamWorker } from './access-of.ts';
import { HttpError } from './http-error.ts';
import type { AuditLog, Consents, Families, FamilyRow, GrantRow, Identity, Lifecycle, TransferRow, UserRow } from './store/types.ts';
import { errorFields, type Logger } from './log.ts';
import type { CaseStatus } from '../src/lib/shared/plan-terms.ts';

/** The longest a specialist's grant runs before it must be renewed. */
export const GRANT_MAX_MONTHS = 6;

export const CASE_EVENTS = [
  'case-closed',
  'case-reopened',
  'transfer-requested',
  'transfer-accepted',
  'transfer-declined',
  'transfer-cancelled',
  'grant-given',
  'grant-ended'
] as const satisfies readonly CaseEvent['action'][];

export interface LifecycleDeps {
  /** Where failures are logged (structured, never family content); silent when absent. */
  log?: Logger;
  store: Identity & Families & Lifecycle & Consents & AuditLog;
  /** Access facts changed: recheck sockets, tell affected users (and `notify`, e.g. a team the family left). */
  accessChanged(filter: { userId?: string; familyId?: string; reason?: string; notify?: string[] }): Promise<void>;
  tovholderOf(familyId: string): Promise<string | null>;
  /** A grant given or ended: the specialist's inbox hears of it (server/notifications.ts); optional. */
  accessNotice?(userId: string, familyId: string, kind: 'access-given' | 'access-ended', actorId: string, ref: string): Promise<void>;
  /** A change the server makes to the family's plan document on the user's behalf. */
  changePlan(familyId: string, userId: string, fn: (doc: Y.Doc) => void): Promise<void>;
  now(): Date;
}

const ISO_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function text(v: unknown, min: number, max: number): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length >= min && t.length <= max ? t : null;
}

export class CaseLifecycle {
  readonly #d: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#d = deps;
  }

  /**
   * The family for a worker of its team who may see its plan (closed cases
   * included: they read). Anyone else gets 404, as for a family that does not
   * exist, so ids cannot be probed.
   */
  async #family(user: UserRow, id: string): Promise<FamilyRow> {
    const family = await familyOfTeamWorker(this.#d.store, user, id, this.#d.now());
    if (!family) throw new HttpError(404, 'not_found');
    return family;
  }

  async #authority(user: UserRow, family: FamilyRow): Promise<CaseAuthority | null> {
    // Workers only: the family's own authority (consents) does not reach the case's lifecycle.
    if (user.role !== 'worker') return null;
    const a = user.sector === family.openedBySector ? consentAuthority(user, family, null) : consentAuthority(user, family, await this.#d.tovholderOf(family.id));
    return a === 'family' ? null : a;
  }

  async #requireAuthority(user: UserRow, family: FamilyRow, what: string): Promise<CaseAuthority> {
    const a = await this.#authority(user, family);
    if (a) return a;
    await this.#audit(user.id, 'case-refused', `case_not_authorised: ${what}`, family.id);
    throw new HttpError(403, 'case_not_authorised');
  }

  async #audit(userId: string, action: AuditAction, detail: string | null, familyId: string | null) {
    await this.#d.store.audit({ at: this.#d.now().toISOString(), userId, familyId, room: null, action, detail, deviceId: null });
  }

  async #teamName(id: string): Promise<string> {
    return (await this.#d.store.listTeams()).find((t) => t.id === id)?.name ?? id;
  }

  // ---- reading -------------------------------------------------------------

  async info(user: UserRow, id: string): Promise<CaseInfo> {
    const family = await this.#family(user, id);
    const [teams, users, transfers, grants, audit] = await Promise.all([
      this.#d.store.listTeams(),
      this.#d.store.listUsers(),
      this.#d.store.transfersOfFamily(family.id),
      this.#d.store.grantsOfFamily(family.id),
      this.#d.store.auditOfFamilyActions(family.id, CASE_EVENTS, 500)
    ]);
    const teamName = (tid: string) => teams.find((t) => t.id === tid)?.name ?? tid;
    const userById = new Map(users.map((u) => [u.id, u]));
    const now = this.#d.now();
    return {
      familyId: family.id,
      name: family.name,
      status: family.status,
      closedAt: family.closedAt ?? null,
      teamId: family.teamId,
      teamName: teamName(family.teamId),
      openedBySector: family.openedBySector,
      authority: await this.#authority(user, family),
      events: audit.map((r) => ({ at: r.at, userName: r.userName ?? '', action: r.action as CaseEvent['action'], detail: r.detail ?? '' })),
      transfers: transfers.map((t) => this.#transferView(t, family.name, teamName, userById)),
      grants: grants.map((g) => this.#grantView(g, userById, now)),
      teams: teams.filter((t) => t.id !== family.teamId).map((t) => ({ id: t.id, name: t.name })),
      specialists: users
        .filter((u) => u.active && u.role === 'worker' && u.sector !== null && !u.teamIds.includes(family.teamId))
        .map((u) => ({ id: u.id, name: u.name, sector: u.sector!, teams: u.teamIds.map(teamName).join(', ') }))
    };
  }

  #transferView(t: TransferRow, familyName: string, teamName: (id: string) => string, users: Map<string, UserRow>): CaseTransfer {
    return {
      id: t.id,
      familyId: t.familyId,
      familyName,
      fromTeamId: t.fromTeamId,
      fromTeamName: teamName(t.fromTeamId),
      toTeamId: t.toTeamId,
      toTeamName: teamName(t.toTeamId),
      note: t.note,
      meetingAt: t.meetingAt,
      requestedBy: t.requestedBy,
      requestedByName: users.get(t.requestedBy)?.name ?? '',
      requestedAt: t.requestedAt,
      decidedAt: t.decidedAt,
      decidedByName: t.decidedBy ? (users.get(t.decidedBy)?.name ?? '') : null,
      outcome: t.outcome
    };
  }

  #grantView(g: GrantRow, users: Map<string, UserRow>, now: Date): CaseGrant {
    const u = users.get(g.userId);
    return {
      id: g.id,
      familyId: g.familyId,
      userId: g.userId,
      userName: u?.name ?? '',
      userSector: u?.sector ?? null,
      parts: g.parts,
      purpose: g.purpose,
      validFrom: g.validFrom,
      validUntil: g.validUntil,
      grantedByName: users.get(g.grantedBy)?.name ?? '',
      grantedAt: g.grantedAt,
      endedAt: g.endedAt,
      endedByName: g.endedBy ? (users.get(g.endedBy)?.name ?? '') : null,
      renewsId: g.renewsId,
      active: grantActive(g, now)
    };
  }

  // ---- close and reopen ------------------------------------------------------

  async setStatus(user: UserRow, id: string, body: Record<string, unknown>, status: CaseStatus): Promise<CaseInfo> {
    const family = await this.#family(user, id);
    await this.#requireAuthority(user, family, status === 'afsluttet' ? 'lukning' : 'genåbning');
    if (family.status === status) throw new HttpError(409, status === 'afsluttet' ? 'case_already_closed' : 'case_already_open');
    const reason = text(body.reason, 2, 500);
    if (reason === null) throw new HttpError(400, 'case_reason');
    const at = this.#d.now().toISOString();
    await this.#d.store.setFamilyStatus(family.id, status, at);
    await this.#d.changePlan(family.id, user.id, (doc) => setMeta(doc, { status }));
    await this.#audit(user.id, status === 'afsluttet' ? 'case-closed' : 'case-reopened', reason, family.id);
    // Every socket on the family's rooms drops to read (or back to write); every device refetches.
    await this.#d.accessChanged({ familyId: family.id, reason: status === 'afsluttet' ? 'case closed' : 'case reopened' });
    return this.info(user, family.id);
  }

  // ---- transfer ----------------------------------------------------------------

  async requestTransfer(user: UserRow, id: string, body: Record<string, unknown>): Promise<CaseTransfer> {
    const family = await this.#family(user, id);
    if (user.sector !== family.openedBySector) {
      await this.#audit(user.id, 'case-refused', 'transfer_owner_only', family.id);
      throw new HttpError(403, 'transfer_owner_only');
    }
    if (family.status === 'afsluttet') throw new HttpError(409, 'case_closed');
    const teams = await this.#d.store.listTeams();
    const to = typeof body.toTeamId === 'string' ? teams.find((t) => t.id === body.toTeamId) : undefined;
    if (!to || to.id === family.teamId) throw new HttpError(400, 'transfer_team');
    const note = text(body.note, 2, 2000);
    if (note === null) throw new HttpError(400, 'transfer_note');
    let meetingAt: string | null = null;
    if (body.meetingAt !== undefined && body.meetingAt !== null && body.meetingAt !== '') {
      if (typeof body.meetingAt !== 'string' || !ISO_MINUTE.test(body.meetingAt) || Number.isNaN(Date.parse(body.meetingAt))) throw new HttpError(400, 'transfer_meeting');
      meetingAt = body.meetingAt;
    }
    if ((await this.#d.store.transfersOfFamily(family.id)).some((t) => t.outcome === null)) throw new HttpError(409, 'transfer_pending');
    const t: TransferRow = {
      id: randomUUID(),
      familyId: family.id,
      fromTeamId: family.teamId,
      toTeamId: to.id,
      note,
      meetingAt,
      requestedBy: user.id,
      requestedAt: this.#d.now().toISOString(),
      decidedBy: null,
      decidedAt: null,
      outcome: null
    };
    await this.#d.store.insertTransfer(t);
    await this.#audit(user.id, 'transfer-requested', `${to.name}`, family.id);
    // The receiving team's lists show the waiting family (names only, no access yet).
    await this.#d.accessChanged({ notify: await this.#receivers(to.id) });
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.id, u]));
    return this.#transferView(t, family.name, (tid) => teams.find((x) => x.id === tid)?.name ?? tid, users);
  }

  /** Who may accept a transfer into a team: its leaders, and its workers (of the case-owning sector, checked on accept). */
  async #receivers(teamId: string): Promise<string[]> {
    return (await this.#d.store.listUsers()).filter((u) => u.active && (u.role === 'leader' || u.role === 'worker') && u.teamIds.includes(teamId)).map((u) => u.id);
  }

  #mayAccept(user: UserRow, t: TransferRow, family: FamilyRow): boolean {
    if (!user.active || !user.teamIds.includes(t.toTeamId)) return false;
    return user.role === 'leader' || (user.role === 'worker' && user.sector === family.openedBySector);
  }

  /** Transfers waiting for this user's team to answer. */
  async incoming(user: UserRow): Promise<CaseTransfer[]> {
    if (user.role !== 'worker' && user.role !== 'leader') return [];
    const open = await this.#d.store.openTransfersTo(user.teamIds);
    if (open.length === 0) return [];
    const teams = await this.#d.store.listTeams();
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.id, u]));
    const out: CaseTransfer[] = [];
    for (const t of open) {
      const family = await this.#d.store.familyById(t.familyId);
      if (!family || !this.#mayAccept(user, t, family)) continue;
      out.push(this.#transferView(t, family.name, (tid) => teams.find((x) => x.id === tid)?.name ?? tid, users));
    }
    return out;
  }

  async decide(user: UserRow, transferId: string, outcome: 'accepted' | 'declined' | 'cancelled'): Promise<CaseTransfer> {
    const t = await this.#d.store.transferById(transferId);
    const family = t ? await this.#d.store.familyById(t.familyId) : undefined;
    if (!t || !family) throw new HttpError(404, 'not_found');
    if (outcome === 'cancelled') {
      // The sending side withdraws its request.
      if (!(user.role === 'worker' && user.teamIds.includes(t.fromTeamId) && user.sector === family.openedBySector)) throw new HttpError(404, 'not_found');
    } else if (!this.#mayAccept(user, t, family)) {
      throw new HttpError(user.teamIds.includes(t.toTeamId) ? 403 : 404, user.teamIds.includes(t.toTeamId) ? 'transfer_not_yours' : 'not_found');
    }
    const to = (await this.#d.store.listTeams()).find((x) => x.id === t.toTeamId);
    const district = (await this.#d.store.districtsOfTeam(t.toTeamId))[0] ?? to?.district ?? family.district;
    const now = this.#d.now();
    if (!(await this.#d.store.decideTransfer(t.id, outcome, user.id, now.toISOString(), district))) throw new HttpError(409, 'transfer_decided');
    const oldTeam = await this.#receivers(t.fromTeamId);
    if (outcome === 'accepted') {
      await this.#d.changePlan(family.id, user.id, (doc) => {
        setMeta(doc, { teamId: t.toTeamId, district });
        // The receiving worker becomes tovholder; a leader's acceptance leaves the choice to the team.
        const tov = user.role === 'worker' ? { userId: user.id, name: user.name } : { userId: '', name: '' };
        setTovholder(doc, { ...tov, since: copenhagenDay(now), note: t.note, setBy: user.id, setAt: now.toISOString() });
      });
    }
    await this.#audit(user.id, `transfer-${outcome}`, `${await this.#teamName(t.fromTeamId)} -> ${to?.name ?? t.toTeamId}`, family.id);
    // The old team's sockets close (4403) and its devices purge; the new team's lists show the family.
    await this.#d.accessChanged({
      familyId: family.id,
      reason: outcome === 'accepted' ? 'family transferred' : undefined,
      notify: [...oldTeam, ...(await this.#receivers(t.toTeamId))]
    });
    const after = (await this.#d.store.transferById(t.id))!;
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.id, u]));
    const teams = await this.#d.store.listTeams();
    return this.#transferView(after, family.name, (tid) => teams.find((x) => x.id === tid)?.name ?? tid, users);
  }

  // ---- grants for called-in specialists ----------------------------------------

  async giveGrant(user: UserRow, id: string, body: Record<string, unknown>): Promise<CaseGrant> {
    const family = await this.#family(user, id);
    await this.#requireAuthority(user, family, 'specialist');
    if (family.status === 'afsluttet') throw new HttpError(409, 'case_closed');
    const grantee = typeof body.userId === 'string' ? await this.#d.store.userById(body.userId) : undefined;
    if (!grantee || !grantee.active || grantee.role !== 'worker' || grantee.sector === null || grantee.teamIds.includes(family.teamId)) {
      throw new HttpError(400, 'grant_user');
    }
    const parts = body.parts;
    if (!Array.isArray(parts) || parts.length === 0 || parts.some((p) => !(PARTS as readonly unknown[]).includes(p)) || new Set(parts).size !== parts.length) {
      throw new HttpError(400, 'grant_parts');
    }
    const purpose = text(body.purpose, 2, 500);
    if (purpose === null) throw new HttpError(400, 'grant_purpose');
    const now = this.#d.now();
    const until = parseUntil(body.validUntil);
    if (until === null || until.getTime() <= now.getTime() || until.getTime() > addMonths(now, GRANT_MAX_MONTHS).getTime() + 86_400_000) {
      throw new HttpError(400, 'grant_until');
    }
    const consents = await this.#d.store.consentsOfFamily(family.id);
    if (!consents.some((c) => c.recipients.includes(grantee.sector!) && consentActive(c, now))) throw new HttpError(409, 'grant_no_consent');
    let renewsId: string | null = null;
    if (body.renewsId !== undefined && body.renewsId !== null) {
      const old = typeof body.renewsId === 'string' ? await this.#d.store.grantById(body.renewsId) : undefined;
      if (!old || old.familyId !== family.id || old.userId !== grantee.id) throw new HttpError(400, 'grant_user');
      renewsId = old.id;
    }
    const g: GrantRow = {
      id: randomUUID(),
      familyId: family.id,
      userId: grantee.id,
      parts: parts as Part[],
      purpose,
      validFrom: now.toISOString(),
      validUntil: until.toISOString(),
      grantedBy: user.id,
      grantedAt: now.toISOString(),
      endedAt: null,
      endedBy: null,
      renewsId
    };
    await this.#d.store.insertGrant(g);
    await this.#audit(user.id, 'grant-given', `${grantee.name}: ${g.parts.join(',')} til ${g.validUntil}${renewsId ? ' (fornyet)' : ''}`, family.id);
    await this.#d.accessChanged({ familyId: family.id, notify: [grantee.id] });
    await this.#d.accessNotice?.(grantee.id, family.id, 'access-given', user.id, g.id).catch((err: unknown) => this.#d.log?.error('lifecycle.notice_failed', errorFields(err)));
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.id, u]));
    return this.#grantView(g, users, now);
  }

  async endGrant(user: UserRow, id: string, grantId: string): Promise<CaseGrant> {
    const family = await this.#family(user, id);
    await this.#requireAuthority(user, family, 'specialist');
    const g = await this.#d.store.grantById(grantId);
    if (!g || g.familyId !== family.id) throw new HttpError(404, 'not_found');
    const now = this.#d.now();
    if (!grantActive(g, now)) throw new HttpError(409, 'grant_already_ended');
    await this.#d.store.endGrant(g.id, now.toISOString(), user.id);
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.id, u]));
    await this.#audit(user.id, 'grant-ended', users.get(g.userId)?.name ?? g.userId, family.id);
    await this.#d.accessChanged({ familyId: family.id, reason: 'grant ended', notify: [g.userId] });
    await this.#d.accessNotice?.(g.userId, family.id, 'access-ended', user.id, g.id).catch((err: unknown) => this.#d.log?.error('lifecycle.notice_failed', errorFields(err)));
    return this.#grantView((await this.#d.store.grantById(g.id))!, users, now);
  }
}

/** A grant's end: a day (access runs to its end, Danish time) or an instant. */
function parseUntil(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  if (ISO_DAY.test(v)) {
    const [y, m, d] = v.split('-').map(Number);
    const end = new TZDate(y, m - 1, d + 1, 0, 0, 0, 0, PLAN_TIME_ZONE);
    // A day that does not exist (2026-02-31) rolls over: refused.
    return Number.isNaN(end.getTime()) || copenhagenDay(new Date(end.getTime() - 1)) !== v ? null : new Date(end.getTime());
  }
  if (!ISO_INSTANT.test(v)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
