// Y.Doc -> index rows. The indexer only reads documents; it never writes them,
// so it cannot trigger itself (its origin, ORIGIN_INDEXER, is reserved for that).
import type * as Y from 'yjs';
import { readActions, readMembers, readMeta, readTovholder } from '../domain/plan.ts';
import { childrenOf } from '../domain/new-family.ts';
import { isOpenAction, overdueActions } from '../domain/today.ts';
import type { FamilySummary } from '../shared/api-types.ts';
import type { ActionRow, FamilyRow, LocalDb } from './db.ts';
import { summaryRow } from './index-summaries.ts';
import { putFamilies } from './sealed-rows.ts';

export { indexSummaries } from './index-summaries.ts';

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
  const status = meta?.status ?? summary.status;
  return {
    family: {
      ...summaryRow(summary, today, lastActivity),
      name,
      district: meta?.district || summary.district,
      status,
      tovholderId: tov?.userId ?? '',
      tovholderName: tov?.name ?? '',
      nextDue: dues[0] ?? '',
      // The leader overview's definition (domain/today.ts): one number for both.
      overdueCount: overdueActions(status, actions, today),
      openActions: open.length,
      search: name.toLowerCase(),
      ...(doc ? { children: childrenOf(readMembers(doc), Number(today.slice(0, 4))) } : {})
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
  await putFamilies(db, [rows.family], { actions: rows.actions });
}
