// Y.Doc -> index rows. The indexer only reads documents; it never writes them,
// so it cannot trigger itself (its origin, ORIGIN_INDEXER, is reserved for that).
import type * as Y from 'yjs';
import { differenceInCalendarDays, parseISO } from 'date-fns';
import { readActions, readMeta, readTovholder } from '../domain/plan.ts';
import { isOpenAction, overdueActions } from '../domain/today.ts';
import type { FamilySummary, TeamWorker } from '../shared/api-types.ts';
import type { ActionRow, FamilyRow, LocalDb } from './db.ts';

/** 'udloeber' when the consent ends within 30 days of `today`. */
function consentStatusOf(until: string | null, today: string): FamilyRow['consentStatus'] {
  if (!until) return 'ingen';
  return differenceInCalendarDays(parseISO(until), parseISO(today)) <= 30 ? 'udloeber' : 'aktiv';
}

function sameParts(a: FamilyRow['parts'], b: FamilyRow['parts']): boolean {
  return a.length === b.length && a.every((p, i) => p.part === b[i].part && p.access === b[i].access);
}

export function familyRows(
  summary: FamilySummary,
  doc: Y.Doc | null,
  today: string,
  lastActivity: string
): { family: FamilyRow; actions: ActionRow[] } {
  const meta = doc ? readMeta(doc) : null;
  const tov = doc ? readTovholder(doc) : null;
  const actions = doc ? readActions(doc) : [];
  const open = actions.filter((a) => isOpenAction(a.status));
  const dues = open.map((a) => a.due).filter((d): d is string => !!d).sort();
  const name = meta?.name || summary.name;
  const consentStatus = consentStatusOf(summary.consentUntil, today);
  const status = meta?.status ?? summary.status;
  return {
    family: {
      id: summary.id,
      name,
      district: meta?.district || summary.district,
      teamId: summary.teamId,
      teamName: summary.teamName,
      status,
      tovholderId: tov?.userId ?? '',
      tovholderName: tov?.name ?? '',
      nextDue: dues[0] ?? '',
      // The leader overview's definition (domain/today.ts): one number for both.
      overdueCount: overdueActions(status, actions, today),
      openActions: open.length,
      lastActivity,
      consentStatus,
      search: name.toLowerCase(),
      parts: summary.parts,
      // absent (an older server): unknown, not "nobody"
      workers: summary.workers,
      openedBySector: summary.openedBySector,
      ref: summary.ref
    },
    actions: actions.map((a) => ({
      key: `${summary.id}/${a.id}`,
      familyId: summary.id,
      familyName: name,
      actionId: a.id,
      title: a.title,
      ownerId: a.ownerId ?? '',
      due: a.due ?? '',
      status: a.status,
      sector: a.sector ?? ''
    }))
  };
}

export async function writeFamily(db: LocalDb, rows: { family: FamilyRow; actions: ActionRow[] }) {
  await db.transaction('rw', db.families, db.actions, async () => {
    await db.families.put(rows.family);
    await db.actions.where('familyId').equals(rows.family.id).delete();
    await db.actions.bulkPut(rows.actions);
  });
}

/**
 * The sweep's index rows from the server's family list: a row for each family
 * not indexed yet (no plan read, so no action rows), and for the others only
 * what the server decides (access to the parts, team name, consent status),
 * written only where it changed. A city's caseload (5,000 families) is one
 * bulk read and, on most sweeps, no write at all; what there is to write is
 * one transaction. Returns how many rows were written.
 */
function sameWorkers(a: readonly TeamWorker[] | undefined, b: readonly TeamWorker[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.length === b.length &&
    a.every((w, i) => w.id === b[i].id && w.name === b[i].name && w.sector === b[i].sector && w.planAccess === b[i].planAccess)
  );
}

export async function indexSummaries(db: LocalDb, summaries: readonly FamilySummary[], today: string): Promise<number> {
  // Compared outside a read-write transaction, which would hold up the
  // caseload page's own read of the rows. Only the sweep adds family rows
  // (sweeps do not overlap), and the update below sets only the server's
  // fields, so nothing written in between is lost.
  const existing = await db.families.bulkGet(summaries.map((f) => f.id));
  const added: FamilyRow[] = [];
  const changed: { key: string; changes: Pick<FamilyRow, 'parts' | 'teamName' | 'consentStatus' | 'workers' | 'openedBySector' | 'ref'> }[] = [];
  summaries.forEach((f, i) => {
    const row = existing[i];
    if (!row) {
      added.push(familyRows(f, null, today, '').family);
      return;
    }
    const consentStatus = consentStatusOf(f.consentUntil, today);
    if (
      row.teamName !== f.teamName ||
      row.consentStatus !== consentStatus ||
      !sameParts(row.parts, f.parts) ||
      !sameWorkers(row.workers, f.workers) ||
      row.openedBySector !== f.openedBySector ||
      row.ref !== f.ref
    ) {
      changed.push({ key: f.id, changes: { parts: f.parts, teamName: f.teamName, consentStatus, workers: f.workers, openedBySector: f.openedBySector, ref: f.ref } });
    }
  });
  if (added.length === 0 && changed.length === 0) return 0;
  await db.transaction('rw', db.families, db.actions, async () => {
    if (added.length > 0) {
      // As writeFamily does for a family without its plan: no action rows.
      await db.actions.where('familyId').anyOf(added.map((f) => f.id)).delete();
      await db.families.bulkPut(added);
    }
    if (changed.length > 0) await db.families.bulkUpdate(changed);
  });
  return added.length + changed.length;
}
