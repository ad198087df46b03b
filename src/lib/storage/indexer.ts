// Y.Doc -> index rows. The indexer only reads documents; it never writes them,
// so it cannot trigger itself (its origin, ORIGIN_INDEXER, is reserved for that).
import * as Y from 'yjs';
import { toBase64 } from 'lib0/buffer';
import { openTovholderProposal, readActions, readGoals, readMeetings, readMembers, readMeta, readTovholder } from '../domain/plan.ts';
import { childrenOf } from '../domain/new-family.ts';
import { isOpenAction, overdueActions } from '../domain/today.ts';
import type { FamilySummary } from '../shared/api-types.ts';
import type { ActionRow, FamilyRow, LocalDb } from './db.ts';
import { summaryRow } from './index-summaries.ts';
import { putFamilies } from './sealed-rows.ts';

export { indexSummaries } from './index-summaries.ts';

/**
 * What a family's rows are built from: the plan's state vector and the day
 * (overdue actions and the next meeting depend on it). The same stamp means
 * the same rows, but for `lastActivity`, which a re-index would move to now.
 */
export const indexStamp = (doc: Y.Doc, today: string) => `${today} ${toBase64(Y.encodeStateVector(doc))}`;

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
  // The desk (issue #16): what needs the tovholder, without opening the plan again.
  const linked = new Set(actions.filter((a) => a.status !== 'droppet' && a.goalId).map((a) => a.goalId));
  const goalsWithoutActions = doc ? readGoals(doc).filter((g) => g.status === 'aaben' && !linked.has(g.id)).length : 0;
  const meetings = doc ? readMeetings(doc).map((m) => m.date).filter((d) => d >= today).sort() : [];
  // Search by family member, tovholder and action owner as well as the family's name.
  const searchText = [...new Set([name, tov?.name ?? '', ...(doc ? readMembers(doc).map((m) => m.name) : []), ...open.map((a) => a.ownerName)])]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
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
      search: searchText,
      goalsWithoutActions,
      nextMeeting: meetings[0] ?? '',
      handoverTo: doc ? (openTovholderProposal(doc)?.userId ?? '') : '',
      ...(doc ? { children: childrenOf(readMembers(doc), Number(today.slice(0, 4))), indexedFrom: indexStamp(doc, today) } : {})
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

/**
 * A listed family's rows again, as its plan now gives them (the indexer): the
 * server's fields stay as the index holds them at the write, and a family
 * purged meanwhile stays gone.
 */
export async function reindexFamily(db: LocalDb, rows: { family: FamilyRow; actions: ActionRow[] }) {
  await putFamilies(db, [rows.family], { actions: rows.actions, fromPlan: true });
}
