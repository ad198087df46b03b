// The overview's table columns, shared by the overview page and the print view, and its families tile's note.
import type { TeamFigures, WorkerFigures } from '../shared/overview-types.ts';
import { fmtCounted, formatCount, formatDecimal, formatShare } from '../i18n/format.ts';
import { t } from '../i18n/index.ts';
import type { Column } from './table.ts';

export type WorkerRow = WorkerFigures & { key: string; teamId: string; teamName: string };

const feedback = (f: { count: number; average: number | null }) => (f.average === null ? '–' : `${formatDecimal(f.average)} (${f.count})`);

export function teamColumns(): Column<TeamFigures>[] {
  return [
    { key: 'name', label: t.rowTeam, value: (r) => r.name, rowHeader: true },
    { key: 'families', label: t.kfFamilies, short: t.shortFamilies, value: (r) => r.figures.families, numeric: true },
    { key: 'workers', label: t.kfWorkers, short: t.shortWorkers, value: (r) => r.workers.length, numeric: true },
    // Families are shared by four professions: caseload is per profession (the profession tiles), not families / workers.
    { key: 'goalsReached', label: t.kfGoalsReached, value: (r) => r.figures.outcomes.naaet, numeric: true },
    { key: 'withoutTovholder', label: t.kfWithoutTovholder, value: (r) => r.figures.withoutTovholder, numeric: true },
    { key: 'overdue', label: t.kfOverdue, short: t.shortOverdue, value: (r) => r.figures.overdueActions, text: (r) => formatCount(r.figures.overdueActions), numeric: true },
    { key: 'consentsExpiring', label: t.kfConsentsExpiring, short: t.shortConsentsExpiring, value: (r) => r.figures.consentsExpiring, numeric: true },
    { key: 'inactive', label: t.kfInactive, short: t.shortInactive, value: (r) => r.figures.inactive, numeric: true },
    { key: 'earlyShare', label: t.kfEarlyShare, short: t.shortEarlyShare, value: (r) => r.figures.earlyShare, text: (r) => formatShare(r.figures.earlyShare), numeric: true },
    { key: 'feedback', label: t.kfFeedback, short: t.shortFeedback, value: (r) => r.figures.feedback.average, text: (r) => feedback(r.figures.feedback), numeric: true }
  ];
}

export function workerColumns(href?: (r: WorkerRow) => string): Column<WorkerRow>[] {
  return [
    { key: 'name', label: t.rowWorker, value: (r) => r.name || t.unknownWorker, rowHeader: true, href },
    {
      key: 'team',
      label: `${t.rowTeam} · ${t.sector.toLowerCase()}`,
      value: (r) => `${r.teamName} ${r.sector ?? ''}`,
      text: (r) => (r.sector ? `${r.teamName} · ${t.partNames[r.sector]}` : r.teamName)
    },
    {
      key: 'caseload',
      label: `${t.kfCaseload} ${t.kfCaseloadAgainst}`,
      short: `${t.kfCaseload} / norm`,
      value: (r) => r.caseload,
      text: (r) => `${r.caseload} / ${r.norm}`,
      meter: (r) => ({ value: r.caseload, limit: r.norm }),
      numeric: true
    },
    { key: 'tovholderFor', label: t.kfTovholderFor, value: (r) => r.tovholderFor, numeric: true },
    { key: 'ownOpen', label: t.kfOwnOpen, short: t.shortOwnOpen, value: (r) => r.ownOpenActions, numeric: true },
    { key: 'ownOverdue', label: t.kfOwnOverdue, short: t.shortOwnOverdue, value: (r) => r.ownOverdueActions, numeric: true },
    { key: 'consentsExpiring', label: t.kfConsentsExpiring, short: t.shortConsentsExpiring, value: (r) => r.consentsExpiring, numeric: true },
    { key: 'inactive', label: t.kfInactive, short: t.shortInactive, value: (r) => r.inactive, numeric: true },
    { key: 'earlyShare', label: t.kfEarlyShare, short: t.shortEarlyShare, value: (r) => r.earlyShare, text: (r) => formatShare(r.earlyShare), numeric: true },
    { key: 'feedback', label: t.kfFeedback, short: t.shortFeedback, value: (r) => r.feedback.average, text: (r) => feedback(r.feedback), numeric: true }
  ];
}

export function workerRows(teams: TeamFigures[]): WorkerRow[] {
  return teams.flatMap((team) => team.workers.map((w) => ({ ...w, key: `${team.id}/${w.userId}`, teamId: team.id, teamName: team.name })));
}

/** Closed families beside the active ones, and those deleted after the retention period (their past months still count); none: no note. */
export function familiesNote(k: { closedFamilies: number; deletedFamilies?: number }): string | undefined {
  const parts = [k.closedFamilies ? fmtCounted(t.kfClosedNote, k.closedFamilies) : '', k.deletedFamilies ? fmtCounted(t.kfDeleted, k.deletedFamilies) : ''];
  return parts.filter(Boolean).join(' · ') || undefined;
}
