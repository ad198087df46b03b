// The device's local query index and outboxes (Dexie). One database per user,
// so logging out or a lease lock can drop everything of that user at once.
// The Y.Docs themselves live in sealed databases named after their room
// (sealed-persistence.ts). What the rows say about a family (names, titles,
// consent texts) is sealed too (sealed-rows.ts): a stored row keeps in plain
// only ids, dates, counts and statuses, which the queries and the first paint
// use, and points to the sealed bundle holding the rest.
import Dexie, { type EntityTable } from 'dexie';
import type { Consent, NewFamilyRequest, TeamWorker } from '../shared/api-types.ts';
import type { CaseStatus } from '../shared/plan-terms.ts';
import type { Part, RoomPart, Sector } from '../shared/rooms.ts';
import type { DeskAction } from '../domain/desk.ts';

export interface FamilyRow {
  id: string;
  name: string;
  district: string;
  teamId: string;
  teamName: string;
  status: CaseStatus;
  tovholderId: string;
  tovholderName: string;
  /** yyyy-MM-dd of the earliest open action, '' when none */
  nextDue: string;
  overdueCount: number;
  openActions: number;
  /** ISO instant of the last change seen in the plan */
  lastActivity: string;
  /** 'aktiv' | 'udloeber' (expiring ≤ 30 days) | 'ingen' */
  consentStatus: 'aktiv' | 'udloeber' | 'ingen';
  /** lower-cased name for prefix search */
  search: string;
  parts: { part: Part; access: 'read' | 'write' }[];
  /** the team's workers and their plan access, from the server (not indexed); absent in rows written before issue 4 */
  workers?: TeamWorker[];
  /** the sector that opened the case (from the server, not indexed); absent in rows written before */
  openedBySector?: Sector;
  /** the case's anonymous reference, as leaders see it in the overview (from the server, not indexed); absent before */
  ref?: string;
  /** a called-in specialist's row: when the grant ends (from the server, not indexed); absent for the team's own families */
  grantUntil?: string | null;
  /** the plan's children (first name, birth year) for the duplicate warning of a new family (sealed, not indexed); absent until the plan is read */
  children?: { name: string; birthYear: string }[];
  // The tovholder's desk (issue #16); absent in rows indexed before it (read as "not known").
  /** when the family's consent cover ends (from the server's list) */
  consentUntil?: string | null;
  /** open goals with no action linked to them */
  goalsWithoutActions?: number;
  /** yyyy-MM-dd of the next network meeting today or later, '' when none is planned */
  nextMeeting?: string;
  /** the worker an open handover proposal names, '' when none */
  handoverTo?: string;
  /**
   * What the row was built from (indexer.ts `indexStamp`: the plan's state
   * vector and the day); absent in a row the plan did not build. Not in the
   * caseload's copy: only the indexer reads it.
   */
  indexedFrom?: string;
}

/** An action as the index keeps it: what the tovholder's desk reads, and its sector. */
export interface ActionRow extends DeskAction {
  sector: Sector | '';
}

export interface RoomRow {
  room: string;
  familyId: string;
  part: RoomPart;
  access: 'read' | 'write';
  /** the server's seq when this device last finished syncing the room */
  syncedSeq: number;
  /** ISO instant of the last completed sync, '' if never */
  lastSynced: string;
  /** local edits not yet confirmed by the server */
  pendingEdits: number;
  /** ISO instant when access ends by itself (from the manifest): a consent's or a grant's end; the device purges then, online or not */
  until?: string | null;
  /** what ends it then (the manifest's `untilBy`): the notice says a grant ended rather than a consent; absent: consent */
  untilBy?: 'consent' | 'grant';
}

export interface ConsentOutboxRow {
  localId?: number;
  familyId: string;
  /** the request body; `id` is chosen on the device so a retried upload is recognised (absent in rows from before) */
  payload: Omit<Consent, 'id' | 'familyId' | 'recordedBy' | 'recordedAt' | 'revokedAt' | 'revokedBy'> & { id?: string };
  createdAt: string;
  state: 'afventer' | 'afvist';
  error: string;
}

/** A family opened on this device that the server has not accepted yet (issue 14). */
export interface FamilyOutboxRow {
  /** the family id the device chose; the server takes it */
  id: string;
  /** the request body of POST /api/families */
  payload: NewFamilyRequest;
  createdAt: string;
  state: 'afventer' | 'afvist';
  /** the server's Danish reason when it refused */
  error: string;
}

/** As stored: what the family is called and who is in it is sealed (`s` opens to { payload, error }). */
export type StoredFamilyOutbox = Omit<FamilyOutboxRow, 'payload' | 'error'> & { s: Uint8Array };

export interface AccessOutboxRow {
  localId?: number;
  at: string;
  room: string;
  action: string;
}

/** The fields of a family row that are sealed (DESIGN §13); the rest stays plain for queries. */
export const FAMILY_SECRET_FIELDS = ['name', 'district', 'teamName', 'tovholderName', 'search', 'workers', 'ref', 'children'] as const;
export type FamilySecret = Pick<FamilyRow, (typeof FAMILY_SECRET_FIELDS)[number]>;
/** A family row as stored: plain fields and the id of the bundle that holds its sealed fields. */
export type StoredFamily = Omit<FamilyRow, (typeof FAMILY_SECRET_FIELDS)[number]> & { bundle: string };

export const ACTION_SECRET_FIELDS = ['title', 'familyName'] as const;
export type ActionSecret = Pick<ActionRow, (typeof ACTION_SECRET_FIELDS)[number]>;
export type StoredAction = Omit<ActionRow, (typeof ACTION_SECRET_FIELDS)[number]> & { bundle: string };

/**
 * Sealed fields of several rows (one write, or a merge): `s` opens to { [row key]: secret }.
 * Kind 'caseload': the sealed copy of every family row that the caseload reads
 * in one go, its fence, its delta and the screen kept for the next load's first
 * paint (sealed-rows.ts, ui/first-paint.ts); no row points to any of them.
 */
export interface BundleRow {
  id: string;
  kind: 'families' | 'actions' | 'caseload';
  s: Uint8Array;
  /**
   * The caseload's delta only: the families whose rows were written since its
   * copy (their ids, which the family rows are keyed by in plain as well).
   */
  ids?: string[];
  /** The caseload's kept screen only (its first paint): where the fence stood when its rows were read. */
  fence?: Uint8Array;
}

/** A consent waiting in the outbox as stored: what it says is sealed (`s` opens to { payload, error }). */
export type StoredConsentOutbox = Omit<ConsentOutboxRow, 'payload' | 'error'> & { s: Uint8Array };

export interface MetaRow {
  key: string;
  value: string;
}

export type LocalDb = Dexie & {
  families: EntityTable<StoredFamily, 'id'>;
  actions: EntityTable<StoredAction, 'key'>;
  bundles: EntityTable<BundleRow, 'id'>;
  rooms: EntityTable<RoomRow, 'room'>;
  /** rows from before sealing (plain payload) are read as they are and sealed at the next start */
  consentOutbox: EntityTable<StoredConsentOutbox | ConsentOutboxRow, 'localId'>;
  accessOutbox: EntityTable<AccessOutboxRow, 'localId'>;
  familyOutbox: EntityTable<StoredFamilyOutbox, 'id'>;
  meta: EntityTable<MetaRow, 'key'>;
};

export function dbName(userId: string) {
  return `fp-index-${userId}`;
}

export const SCHEMA_V1 = {
  families: 'id, name, teamId, nextDue, overdueCount, lastActivity, consentStatus',
  actions: 'key, familyId, ownerId, due, status, [ownerId+due]',
  rooms: 'room, familyId, pendingEdits',
  consentOutbox: '++localId, familyId, state',
  accessOutbox: '++localId, at',
  meta: 'key'
};

/** Schema history: each version keeps its predecessors so upgrades run in order. */
export function openDb(userId: string, indexedDB?: IDBFactory, keyRange?: typeof IDBKeyRange): LocalDb {
  const db = new Dexie(dbName(userId), indexedDB && keyRange ? { indexedDB, IDBKeyRange: keyRange } : undefined) as LocalDb;
  db.version(1).stores(SCHEMA_V1);
  // v2: filter "uden tovholder" by index; rows written by v1 get their search key.
  db.version(2)
    .stores({ ...SCHEMA_V1, families: `${SCHEMA_V1.families}, tovholderId` })
    .upgrade((tx) =>
      tx
        .table('families')
        .toCollection()
        .modify((f: FamilyRow) => {
          f.search = (f.name ?? '').toLowerCase();
          f.tovholderId ??= '';
        })
    );
  // v3: the rows' family content is sealed in bundles (DESIGN §13). The index
  // is a cache of the server's list and the plans: its plain rows are dropped
  // and written again, sealed, at the next sweep.
  db.version(3)
    .stores({
      ...SCHEMA_V1,
      families: 'id, teamId, nextDue, overdueCount, lastActivity, consentStatus, tovholderId, bundle',
      actions: 'key, familyId, ownerId, due, status, [ownerId+due], bundle',
      bundles: 'id, kind'
    })
    .upgrade(async (tx) => {
      await tx.table('families').clear();
      await tx.table('actions').clear();
      await tx.table('rooms').toCollection().modify((r: RoomRow) => {
        // Sync every room again, so its index rows are written sealed.
        r.syncedSeq = 0;
        r.lastSynced = '';
      });
    });
  // v4: families opened offline wait here, sealed, until the server has them.
  db.version(4).stores({ familyOutbox: 'id, state' });
  return db;
}
