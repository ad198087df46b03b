// Insight (aktindsigt, GDPR art. 15; issue #14): everything held about one
// family, assembled on the server from what the requester may see — the plan,
// the family's own room (when there is one), the journals the requester may
// read, consents, the access log, the plan's history and the case's events
// (closing, transfers, grants). Access is decided by the one access function
// (access-of.ts) per part: a journal the requester may not read is left out,
// never redacted after the fact; the reporter of an underretning is given to
// the social sector only (DESIGN §5). Each export is audited.
import * as Y from 'yjs';
import { readActions, readFeedback, readGoals, readHopes, readMeetings, readMembers, readMeta, readNetwork, readTovholderState } from '../src/lib/domain/plan.ts';
import { readEntries } from '../src/lib/domain/journal.ts';
import { ORIGIN_RELAY_LOAD } from '../src/lib/domain/origins.ts';
import { FAMILY_ID_PATTERN, roomName, SECTORS, type Part, type Sector } from '../src/lib/shared/rooms.ts';
import type { Insight, InsightJournal } from '../src/lib/shared/api-types.ts';
import type { HistorySession } from '../src/lib/domain/history.ts';
import { accessFromFacts } from './access-of.ts';
import { AUDIT_ACTIONS, summariseAccessLog } from './access-log.ts';
import { HttpError } from './http-error.ts';
import { CASE_EVENTS } from './lifecycle.ts';
import type { AuditLog, Consents, Families, Identity, Lifecycle, RoomLog, Underretninger, UserRow } from './store/types.ts';

export interface InsightDeps {
  store: Identity & Families & Consents & Lifecycle & Underretninger & AuditLog & Pick<RoomLog, 'loadUpdates' | 'changeGroupsOfRooms'>;
  history: { sessions(room: string, kind: 'plan' | 'journal'): Promise<{ sessions: HistorySession[]; seq: number }> };
  now(): Date;
}

/** The family's own room (DESIGN §5 `family`): another part of the app writes it; here it is read as it stands. */
const FAMILY_PART = 'family' as Part;

export class InsightService {
  readonly #d: InsightDeps;

  constructor(deps: InsightDeps) {
    this.#d = deps;
  }

  async #doc(room: string): Promise<Y.Doc | null> {
    const updates = await this.#d.store.loadUpdates(room);
    if (updates.length === 0) return null;
    const doc = new Y.Doc({ gc: true });
    Y.transact(doc, () => updates.forEach((u) => Y.applyUpdate(doc, u.data, ORIGIN_RELAY_LOAD)), ORIGIN_RELAY_LOAD);
    return doc;
  }

  async export(user: UserRow, id: string): Promise<Insight> {
    if (!FAMILY_ID_PATTERN.test(id)) throw new HttpError(404, 'not_found');
    const { store } = this.#d;
    const family = await store.familyById(id);
    if (!family) throw new HttpError(404, 'not_found');
    const [consents, grants] = await Promise.all([store.consentsOfFamily(family.id), store.grantsOfFamily(family.id)]);
    const now = this.#d.now();
    const accessTo = (part: Part) => accessFromFacts(user, { familyId: family.id, part }, family, consents, now, grants);
    // Whoever may not see the plan may not see that the family exists (404, as everywhere).
    if (accessTo('plan') === 'none') throw new HttpError(404, 'not_found');

    const planDoc = await this.#doc(roomName(family.id, 'plan'));
    const doc = planDoc ?? new Y.Doc();
    const tov = readTovholderState(doc);
    const plan: Insight['plan'] = {
      meta: readMeta(doc),
      tovholder: tov.current,
      tovholderHistory: tov.history,
      members: readMembers(doc),
      hopes: readHopes(doc),
      goals: readGoals(doc),
      actions: readActions(doc),
      meetings: readMeetings(doc),
      network: readNetwork(doc),
      feedback: readFeedback(doc)
    };
    doc.destroy();

    let familyRoom: Insight['familyRoom'] = null;
    if (accessTo(FAMILY_PART) !== 'none') {
      const fdoc = await this.#doc(roomName(family.id, FAMILY_PART));
      if (fdoc) {
        familyRoom = Object.fromEntries([...fdoc.share.keys()].map((k) => [k, fdoc.getMap(k).toJSON()]));
        fdoc.destroy();
      }
    }

    const journals: InsightJournal[] = [];
    const social = user.role === 'worker' && user.sector === 'social' && accessTo('social') !== 'none';
    const reporters = social ? new Map((await store.reportersOfFamily(family.id)).map((r) => [r.entryId, r.reporter])) : null;
    for (const sector of SECTORS) {
      if (accessTo(sector) === 'none') continue;
      const jdoc = await this.#doc(roomName(family.id, sector));
      const entries = jdoc ? readEntries(jdoc) : [];
      jdoc?.destroy();
      journals.push({
        sector,
        entries: entries.map((e) => ({
          ...e,
          // The reporter of an underretning: the social sector only, whatever a consent says.
          ...(sector === 'social' && e.kind === 'underretning' && reporters ? { reporter: reporters.get(e.id) ?? null } : {})
        }))
      });
    }
    const withheld = (SECTORS as readonly Sector[]).filter((s) => accessTo(s) === 'none');

    const rooms = [roomName(family.id, 'plan'), ...journals.map((j) => roomName(family.id, j.sector))];
    const groups = [
      ...(await store.auditGroupsOfFamily(family.id, Object.keys(AUDIT_ACTIONS))),
      // Changes only to the parts the requester may see.
      ...(await store.changeGroupsOfRooms(rooms))
    ];
    const accessLog = summariseAccessLog(groups).filter((e) => e.part === 'plan' || journals.some((j) => j.sector === e.part) || e.part === null);

    const history = planDoc ? (await this.#d.history.sessions(roomName(family.id, 'plan'), 'plan')).sessions : [];
    planDoc?.destroy();

    const [teams, users, transfers, events] = await Promise.all([
      store.listTeams(),
      store.listUsers(),
      store.transfersOfFamily(family.id),
      store.auditOfFamilyActions(family.id, CASE_EVENTS, 1000)
    ]);
    const teamName = (tid: string) => teams.find((t) => t.id === tid)?.name ?? tid;
    const userName = (uid: string | null) => (uid ? (users.find((u) => u.id === uid)?.name ?? '') : '');
    const people = Object.fromEntries(users.map((u) => [u.id, u.name]));

    const at = now.toISOString();
    await store.audit({ at, userId: user.id, familyId: family.id, room: null, action: 'insight-exported', detail: journals.map((j) => j.sector).join(',') || null, deviceId: null });

    return {
      generatedAt: at,
      requester: { id: user.id, name: user.name, sector: user.sector },
      family: {
        id: family.id,
        name: family.name,
        district: family.district,
        teamName: teamName(family.teamId),
        status: family.status,
        openedBySector: family.openedBySector,
        createdAt: family.createdAt,
        closedAt: family.closedAt ?? null
      },
      plan,
      familyRoom,
      journals,
      withheldJournals: withheld,
      consents: consents.map((c) => ({ ...c, recordedByName: userName(c.recordedBy), revokedByName: c.revokedBy ? userName(c.revokedBy) : null })),
      accessLog,
      history,
      people,
      caseEvents: events.map((r) => ({ at: r.at, action: r.action, userName: r.userName ?? '', detail: r.detail ?? '' })),
      transfers: transfers.map((t) => ({
        fromTeamName: teamName(t.fromTeamId),
        toTeamName: teamName(t.toTeamId),
        requestedAt: t.requestedAt,
        requestedByName: userName(t.requestedBy),
        decidedAt: t.decidedAt,
        outcome: t.outcome
      })),
      grants: grants.map((g) => ({
        userName: userName(g.userId),
        parts: g.parts,
        purpose: g.purpose,
        validFrom: g.validFrom,
        validUntil: g.validUntil,
        grantedByName: userName(g.grantedBy),
        endedAt: g.endedAt
      }))
    };
  }
}
