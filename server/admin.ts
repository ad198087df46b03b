// Administration (DESIGN §8 "Administration", §10): users, teams, skoledistrikter
// and klynger, and the audit of these changes. An administrator never sees
// family content or family names; a team's family count is all. Every change
// is validated whole before anything is written, written in one store
// transaction, audited with a typed action, and takes effect at once:
// deactivation ends the user's sessions (sockets close 4401), a change of
// role, sector or teams rechecks their sockets (4403) and tells their devices
// to re-fetch what they may open (and purge the rest).
import { randomBytes } from 'node:crypto';
import { isSector, type Sector } from '../src/lib/shared/rooms.ts';
import type { Role } from '../src/lib/shared/access.ts';
import type { AdminAuditEntry, AdminDistrict, AdminTeam, AdminUser } from '../src/lib/shared/api-types.ts';
import { HttpError } from './http-error.ts';
import type { AuditLog, Families, Identity, TeamRow, UserRow } from './store/types.ts';

/** The audit actions of administration, typed: the admin's audit view reads exactly these. */
export const ADMIN_ACTIONS = [
  'admin-user-created',
  'admin-user-changed',
  'admin-user-deactivated',
  'admin-user-reactivated',
  'admin-team-created',
  'admin-team-changed',
  'admin-district-saved',
  'login-oidc-created',
  'caseload-norms-changed',
  'case-openers-changed'
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export interface AdminDeps {
  store: Identity & Families & AuditLog;
  /** ends every session of a user (4401 on the relay, the event stream ends) */
  endSessionsOfUser(userId: string): Promise<number>;
  /** removes a user's ended sessions before reactivation */
  deleteSessionsOfUser(userId: string): Promise<unknown>;
  /** relay recheck (4403) and access events to the user's devices */
  accessChanged(filter: { userId: string; reason?: string }): Promise<void>;
  now(): Date;
}

const USERNAME = /^[a-z0-9._-]{2,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const ASSIGNABLE: readonly Role[] = ['worker', 'leader', 'admin'];

const text = (v: unknown, min: number, max: number): string | null => {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length >= min && t.length <= max ? t : null;
};

function toAdminUser(u: UserRow): AdminUser {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    email: u.email ?? null,
    role: u.role,
    sector: u.sector,
    teamIds: u.teamIds,
    active: u.active,
    signIn: u.issuer ? 'oidc' : 'password'
  };
}

/** What a user is allowed to be: the role's rules for sector and teams. */
function checkAssignment(role: unknown, sector: unknown, teamIds: unknown, teams: ReadonlySet<string>): { role: Role; sector: Sector | null; teamIds: string[] } {
  if (typeof role !== 'string' || !ASSIGNABLE.includes(role as Role)) throw new HttpError(400, 'admin_role');
  if (!Array.isArray(teamIds) || teamIds.length > 50 || !teamIds.every((t) => typeof t === 'string')) throw new HttpError(400, 'admin_teams');
  const unknown = teamIds.filter((t) => !teams.has(t));
  if (unknown.length > 0) throw new HttpError(400, 'admin_unknown_team', unknown.join(', ').slice(0, 200));
  const ids = [...new Set(teamIds as string[])].sort();
  if (role === 'worker') {
    if (typeof sector !== 'string' || !isSector(sector)) throw new HttpError(400, 'admin_sector');
    if (ids.length === 0) throw new HttpError(400, 'admin_teams');
    return { role, sector, teamIds: ids };
  }
  if (sector !== null && sector !== undefined) throw new HttpError(400, 'admin_sector');
  if (role === 'leader' && ids.length === 0) throw new HttpError(400, 'admin_teams');
  if (role === 'admin' && ids.length > 0) throw new HttpError(400, 'admin_teams');
  return { role: role as Role, sector: null, teamIds: ids };
}

export class Administration {
  readonly #d: AdminDeps;

  constructor(deps: AdminDeps) {
    this.#d = deps;
  }

  async #audit(actor: UserRow, action: AdminAction, detail: Record<string, unknown>) {
    await this.#d.store.audit({ at: this.#d.now().toISOString(), userId: actor.id, familyId: null, room: null, action, detail: JSON.stringify(detail), deviceId: null });
  }

  async #teamIds(): Promise<Set<string>> {
    return new Set((await this.#d.store.listTeams()).map((t) => t.id));
  }

  /**
   * Teams that would be left without an active leader if `before` became
   * `after` (null: deactivated). A team that has none today is not this
   * change's doing and does not block it.
   */
  async #orphanedTeams(before: UserRow, after: UserRow | null): Promise<string[]> {
    if (before.role !== 'leader' || !before.active) return [];
    const keeps = new Set(after && after.active && after.role === 'leader' ? after.teamIds : []);
    const lost = before.teamIds.filter((t) => !keeps.has(t));
    if (lost.length === 0) return [];
    const others = (await this.#d.store.listUsers()).filter((u) => u.id !== before.id && u.active && u.role === 'leader');
    return lost.filter((t) => !others.some((u) => u.teamIds.includes(t)));
  }

  async listUsers(): Promise<{ users: AdminUser[] }> {
    return { users: (await this.#d.store.listUsers()).map(toAdminUser) };
  }

  async createUser(actor: UserRow, body: Record<string, unknown>): Promise<AdminUser> {
    const username = typeof body.username === 'string' ? body.username.trim().toLowerCase() : '';
    if (!USERNAME.test(username)) throw new HttpError(400, 'admin_username');
    const name = text(body.name, 2, 200);
    if (!name) throw new HttpError(400, 'admin_name');
    let email: string | null = null;
    if (body.email !== undefined && body.email !== null && body.email !== '') {
      email = text(body.email, 3, 320);
      if (!email || !EMAIL.test(email)) throw new HttpError(400, 'admin_email');
    }
    const assignment = checkAssignment(body.role, body.sector ?? null, body.teamIds ?? [], await this.#teamIds());
    if (await this.#d.store.userByUsername(username)) throw new HttpError(409, 'admin_username_taken');
    const user: UserRow = {
      id: `u-${randomBytes(9).toString('base64url').replace(/[_-]/g, 'x')}`,
      username,
      name,
      email,
      ...assignment,
      // Created here, the person signs in at the municipality's provider: the
      // first sign-in with this username (preferred_username) is not linked
      // automatically; see docs/identity.md. No password.
      passwordHash: '',
      active: true,
      issuer: null,
      subject: null
    };
    await this.#d.store.upsertUser(user);
    await this.#audit(actor, 'admin-user-created', { userId: user.id, username, ...assignment });
    return toAdminUser(user);
  }

  async #user(id: string): Promise<UserRow> {
    const user = await this.#d.store.userById(id);
    if (!user) throw new HttpError(404, 'admin_user_not_found');
    return user;
  }

  /** Name, e-mail, role, sector, teams: what is given changes, the rest stays. */
  async changeUser(actor: UserRow, id: string, body: Record<string, unknown>): Promise<AdminUser> {
    const before = await this.#user(id);
    // A family member's own sign-in (DESIGN §12) is never made staff, nor staff a family member, from the console.
    if (before.role === 'citizen') throw new HttpError(409, 'admin_citizen');
    const name = body.name === undefined ? before.name : text(body.name, 2, 200);
    if (!name) throw new HttpError(400, 'admin_name');
    let email = before.email ?? null;
    if (body.email !== undefined) {
      email = body.email === null || body.email === '' ? null : text(body.email, 3, 320);
      if (email !== null && !EMAIL.test(email)) throw new HttpError(400, 'admin_email');
      if (body.email !== null && body.email !== '' && email === null) throw new HttpError(400, 'admin_email');
    }
    const role = body.role ?? (before.role === 'pending' ? undefined : before.role);
    const sector = body.sector !== undefined ? body.sector : body.role !== undefined && body.role !== 'worker' ? null : before.sector;
    const assignment = checkAssignment(role, sector, body.teamIds ?? before.teamIds, await this.#teamIds());
    if (actor.id === before.id && assignment.role !== 'admin') throw new HttpError(409, 'admin_self');
    const after: UserRow = { ...before, name, email, ...assignment };
    const orphaned = await this.#orphanedTeams(before, after);
    if (orphaned.length > 0) throw new HttpError(409, 'admin_last_leader', orphaned.join(', '));
    await this.#d.store.upsertUser(after);
    const changed: Record<string, unknown> = {};
    if (before.role !== after.role) changed.role = [before.role, after.role];
    if (before.sector !== after.sector) changed.sector = [before.sector, after.sector];
    if (before.teamIds.join() !== after.teamIds.join()) changed.teamIds = [before.teamIds, after.teamIds];
    if (before.name !== after.name) changed.name = true;
    if (before.email !== after.email) changed.email = true;
    await this.#audit(actor, 'admin-user-changed', { userId: id, ...changed });
    if (changed.role || changed.sector || changed.teamIds) {
      await this.#d.accessChanged({ userId: id, reason: 'access changed by administrator' });
    }
    return toAdminUser(after);
  }

  async setActive(actor: UserRow, id: string, active: boolean): Promise<AdminUser> {
    const before = await this.#user(id);
    if (actor.id === id) throw new HttpError(409, 'admin_self');
    if (before.active === active) throw new HttpError(409, 'admin_already');
    const after = { ...before, active };
    if (!active) {
      const orphaned = await this.#orphanedTeams(before, null);
      if (orphaned.length > 0) throw new HttpError(409, 'admin_last_leader', orphaned.join(', '));
    }
    // Reactivated, the user signs in afresh: no session from before comes back.
    if (active) await this.#d.deleteSessionsOfUser(id);
    await this.#d.store.upsertUser(after);
    await this.#audit(actor, active ? 'admin-user-reactivated' : 'admin-user-deactivated', { userId: id });
    if (!active) {
      // Sessions end first (4401): the device signs out and wipes; the access
      // event reaches a device whose stream is still open on another node.
      await this.#d.endSessionsOfUser(id);
      await this.#d.accessChanged({ userId: id, reason: 'user deactivated' });
    }
    return toAdminUser(after);
  }

  async listTeams(): Promise<{ teams: AdminTeam[] }> {
    const [teams, counts, users] = await Promise.all([this.#d.store.listTeams(), this.#d.store.familyCountsByTeam(), this.#d.store.listUsers()]);
    return {
      teams: await Promise.all(
        teams.map(async (t) => ({
          id: t.id,
          name: t.name,
          cluster: t.cluster,
          districts: await this.#d.store.districtsOfTeam(t.id),
          families: counts.get(t.id) ?? 0,
          workers: users.filter((u) => u.active && u.role === 'worker' && u.teamIds.includes(t.id)).length,
          leaders: users.filter((u) => u.active && u.role === 'leader' && u.teamIds.includes(t.id)).map((u) => u.name)
        }))
      )
    };
  }

  async #teamInput(body: Record<string, unknown>, current: TeamRow | null): Promise<{ name: string; cluster: string; districts: string[] }> {
    const name = body.name === undefined && current ? current.name : text(body.name, 2, 80);
    if (!name) throw new HttpError(400, 'admin_team_name');
    const known = await this.#d.store.listDistricts();
    const districtsIn = body.districts === undefined && current ? await this.#d.store.districtsOfTeam(current.id) : body.districts;
    if (!Array.isArray(districtsIn) || districtsIn.length === 0 || districtsIn.length > 50 || !districtsIn.every((d) => typeof d === 'string')) {
      throw new HttpError(400, 'admin_districts');
    }
    const districts = [...new Set((districtsIn as string[]).map((d) => d.trim()))];
    const unknown = districts.filter((d) => !known.some((k) => k.name === d));
    if (unknown.length > 0) throw new HttpError(400, 'admin_unknown_district', unknown.join(', ').slice(0, 200));
    const cluster = body.cluster === undefined && current ? current.cluster : text(body.cluster, 2, 80);
    if (!cluster) throw new HttpError(400, 'admin_cluster');
    const clash = (await this.#d.store.listTeams()).find((t) => t.id !== current?.id && t.name.toLowerCase() === name.toLowerCase());
    if (clash) throw new HttpError(409, 'admin_team_name_taken');
    return { name, cluster, districts };
  }

  async createTeam(actor: UserRow, body: Record<string, unknown>): Promise<AdminTeam> {
    const input = await this.#teamInput(body, null);
    const base = input.name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30) || 'team';
    const ids = await this.#teamIds();
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    await this.#d.store.saveTeam({ id, name: input.name, district: input.districts[0], cluster: input.cluster }, input.districts);
    await this.#audit(actor, 'admin-team-created', { teamId: id, ...input });
    return { id, ...input, families: 0, workers: 0, leaders: [] };
  }

  async changeTeam(actor: UserRow, id: string, body: Record<string, unknown>): Promise<AdminTeam> {
    const current = (await this.#d.store.listTeams()).find((t) => t.id === id);
    if (!current) throw new HttpError(404, 'admin_team_not_found');
    const input = await this.#teamInput(body, current);
    await this.#d.store.saveTeam({ id, name: input.name, district: input.districts[0], cluster: input.cluster }, input.districts);
    await this.#audit(actor, 'admin-team-changed', { teamId: id, ...input });
    const team = (await this.listTeams()).teams.find((t) => t.id === id);
    if (!team) throw new HttpError(404, 'admin_team_not_found');
    return team;
  }

  async listDistricts(): Promise<{ districts: AdminDistrict[] }> {
    return { districts: await this.#d.store.listDistricts() };
  }

  async saveDistrict(actor: UserRow, body: Record<string, unknown>, creating: boolean): Promise<AdminDistrict> {
    const name = text(body.name, 2, 80);
    if (!name) throw new HttpError(400, 'admin_district_name');
    const cluster = text(body.cluster, 2, 80);
    if (!cluster) throw new HttpError(400, 'admin_cluster');
    const exists = (await this.#d.store.listDistricts()).some((d) => d.name === name);
    if (creating && exists) throw new HttpError(409, 'admin_district_taken');
    if (!creating && !exists) throw new HttpError(400, 'admin_unknown_district');
    await this.#d.store.upsertDistrict({ name, cluster });
    await this.#audit(actor, 'admin-district-saved', { name, cluster });
    return { name, cluster };
  }

  async auditLog(): Promise<{ entries: AdminAuditEntry[] }> {
    const rows = await this.#d.store.auditOfActions(ADMIN_ACTIONS, 500);
    return {
      entries: rows.map((r) => {
        let detail: Record<string, unknown> = {};
        try {
          detail = r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : {};
        } catch {
          detail = { text: r.detail };
        }
        return { at: r.at, actorId: r.userId, actorName: r.userName, action: r.action as AdminAction, detail };
      })
    };
  }
}
