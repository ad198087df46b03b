// The index rows the server's family list alone decides (GET /api/families):
// names, team, access to the parts, consent status. No plan is read here, so
// the sweep keeps the caseload current without loading Yjs; indexer.ts adds
// what a plan document says on top of summaryRow().
import type { FamilySummary, TeamWorker } from '../shared/api-types.ts';
import { indexedConsentStatus } from '../shared/consent.ts';
import type { FamilyRow, LocalDb } from './db.ts';
import { allFamilies, getFamilies, putFamilies, updatePlainFamilies, type ServerPlainFields } from './sealed-rows.ts';

/** From this many families on, the caseload's sealed copy (one record) is read rather than a row each. */
const READ_ALL_FROM = 100;

/** A family's index row before its plan is read. */
export function summaryRow(summary: FamilySummary, today: string, lastActivity = ''): FamilyRow {
  return {
    id: summary.id,
    name: summary.name,
    district: summary.district,
    teamId: summary.teamId,
    teamName: summary.teamName,
    status: summary.status,
    tovholderId: '',
    tovholderName: '',
    nextDue: '',
    overdueCount: 0,
    openActions: 0,
    lastActivity,
    consentStatus: indexedConsentStatus(summary.consentUntil, today),
    search: summary.name.toLowerCase(),
    parts: summary.parts,
    // absent (an older server): unknown, not "nobody"
    workers: summary.workers,
    openedBySector: summary.openedBySector,
    ref: summary.ref,
    grantUntil: summary.grantUntil,
    consentUntil: summary.consentUntil ?? null
  };
}

function sameParts(a: FamilyRow['parts'], b: FamilyRow['parts']): boolean {
  return a.length === b.length && a.every((p, i) => p.part === b[i].part && p.access === b[i].access);
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

/** The index rows of these families (undefined: none, or it does not open). */
async function existingRows(db: LocalDb, summaries: readonly FamilySummary[]): Promise<(FamilyRow | undefined)[]> {
  if (summaries.length < READ_ALL_FROM) return getFamilies(db, summaries.map((f) => f.id));
  // A sweep's list is the whole caseload: the copy answers, never stale (sealed-rows.ts).
  const rows = new Map((await allFamilies(db)).map((r) => [r.id, r]));
  return summaries.map((f) => rows.get(f.id));
}

export async function indexSummaries(db: LocalDb, summaries: readonly FamilySummary[], today: string): Promise<number> {
  // Compared outside a read-write transaction, which would hold up the
  // caseload page's own read of the rows. Only the sweep adds family rows
  // (sweeps do not overlap), and the update below sets only the server's
  // fields, so nothing written in between is lost.
  const existing = await existingRows(db, summaries);
  const added: FamilyRow[] = [];
  /** only plain fields changed: updated in place */
  const changed: { key: string; changes: ServerPlainFields }[] = [];
  /** a sealed field changed too (team renamed, the team's workers, the reference): the row is sealed again */
  const resealed: FamilyRow[] = [];
  summaries.forEach((f, i) => {
    const row = existing[i];
    if (!row) {
      added.push(summaryRow(f, today));
      return;
    }
    const consentStatus = indexedConsentStatus(f.consentUntil, today);
    const sealedChanged = row.teamName !== f.teamName || !sameWorkers(row.workers, f.workers) || row.ref !== f.ref;
    const consentUntil = f.consentUntil ?? null;
    const plainChanged =
      row.consentStatus !== consentStatus ||
      !sameParts(row.parts, f.parts) ||
      row.openedBySector !== f.openedBySector ||
      (row.grantUntil ?? null) !== (f.grantUntil ?? null) ||
      (row.consentUntil ?? null) !== consentUntil;
    if (sealedChanged) resealed.push({ ...row, parts: f.parts, teamName: f.teamName, consentStatus, workers: f.workers, openedBySector: f.openedBySector, ref: f.ref, grantUntil: f.grantUntil, consentUntil });
    else if (plainChanged) changed.push({ key: f.id, changes: { parts: f.parts, consentStatus, openedBySector: f.openedBySector, grantUntil: f.grantUntil, consentUntil } });
  });
  if (added.length === 0 && changed.length === 0 && resealed.length === 0) return 0;
  // As writeFamily does for a family without its plan: no action rows.
  if (added.length > 0) await putFamilies(db, added, { onlyIfAbsent: true });
  await updatePlainFamilies(db, changed);
  // Rare (a team renamed, a colleague joined): a plan indexed in between is indexed again at its next change.
  if (resealed.length > 0) await putFamilies(db, resealed);
  return added.length + changed.length + resealed.length;
}
