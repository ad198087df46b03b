// The leader overview as CSV for the steering group, shaped for Danish Excel:
// a UTF-8 byte order mark (else æøå break), ';' as separator and decimal
// commas (the Danish list separator and number format), CRLF line ends. One
// row per level: all selected teams, each team, each worker. Headers come from
// the message catalogue (the caller passes `t`).
import type { InterventionLevel } from '../shared/plan-terms.ts';
import type { KeyFigures, Overview, WorkerFigures } from '../shared/overview-types.ts';

export interface CsvLabels {
  rowLevel: string;
  rowTeam: string;
  rowWorker: string;
  total: string;
  periodFrom: string;
  periodTo: string;
  district: string;
  allDistricts: string;
  kfFamilies: string;
  kfClosed: string;
  kfWithoutTovholder: string;
  kfOverdue: string;
  kfFamiliesWithOverdue: string;
  kfConsentsExpiring: string;
  kfWithoutConsent: string;
  kfInactive: string;
  kfOpenActions: string;
  kfNewActions: string;
  kfEarlyShare: string;
  kfFeedbackCount: string;
  kfFeedback: string;
  kfWorkers: string;
  kfPerWorker: string;
  kfCaseloadAgainst: string;
  kfTovholderFor: string;
  kfOwnOpen: string;
  kfOwnOverdue: string;
  levelNames: Record<InterventionLevel, string>;
  unknownWorker: string;
}

const LEVELS: InterventionLevel[] = ['raad', 'forebyggende', 'stoettende', 'anbringelse', 'andet'];

/**
 * Text that a spreadsheet would run as a formula (OWASP "CSV injection"):
 * district, team and worker names are typed by people. Numbers are written by
 * us and stay numbers, negative ones too ("-2" is a constant, not a formula).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s =
    typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : v.toFixed(2).replace('.', ',')
      : FORMULA_START.test(v)
        ? `'${v}`
        : v;
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function overviewCsv(o: Overview, l: CsvLabels): string {
  const header = [
    l.rowLevel,
    l.rowTeam,
    l.rowWorker,
    l.periodFrom,
    l.periodTo,
    l.district,
    l.kfFamilies,
    l.kfClosed,
    l.kfWorkers,
    l.kfPerWorker,
    `${l.kfCaseloadAgainst} (${o.workableCaseload})`,
    l.kfTovholderFor,
    l.kfWithoutTovholder,
    l.kfOpenActions,
    l.kfOverdue,
    l.kfOwnOpen,
    l.kfOwnOverdue,
    l.kfFamiliesWithOverdue,
    l.kfConsentsExpiring,
    l.kfWithoutConsent,
    l.kfInactive,
    ...LEVELS.map((lv) => `${l.kfNewActions}: ${l.levelNames[lv]}`),
    `${l.kfEarlyShare} (%)`,
    l.kfFeedbackCount,
    l.kfFeedback
  ];
  const common = [o.period.from, o.period.to, o.filters.district ?? l.allDistricts];
  const share = (v: number | null) => (v === null ? null : Math.round(v * 100));

  const keyRow = (level: string, team: string, k: KeyFigures, workers: WorkerFigures[]) => [
    level,
    team,
    '',
    ...common,
    k.families,
    k.closedFamilies,
    workers.length,
    workers.length > 0 ? k.families / workers.length : null,
    null,
    null,
    k.withoutTovholder,
    k.openActions,
    k.overdueActions,
    null,
    null,
    k.familiesWithOverdue,
    k.consentsExpiring,
    k.withoutConsent,
    k.inactive,
    ...LEVELS.map((lv) => k.levels[lv]),
    share(k.earlyShare),
    k.feedback.count,
    k.feedback.average
  ];
  const workerRow = (team: string, w: WorkerFigures) => [
    l.rowWorker,
    team,
    w.name || l.unknownWorker,
    ...common,
    w.caseload,
    null,
    null,
    null,
    w.caseload,
    w.tovholderFor,
    null,
    null,
    null,
    w.ownOpenActions,
    w.ownOverdueActions,
    w.familiesWithOverdue,
    w.consentsExpiring,
    null,
    w.inactive,
    ...LEVELS.map(() => null),
    share(w.earlyShare),
    w.feedback.count,
    w.feedback.average
  ];

  const rows: (string | number | null)[][] = [header];
  const allWorkers = o.teams.flatMap((t) => t.workers);
  rows.push(keyRow(l.total, o.filters.team ? (o.teams[0]?.name ?? '') : l.total, o.totals, allWorkers));
  for (const t of o.teams) rows.push(keyRow(l.rowTeam, t.name, t.figures, t.workers));
  for (const t of o.teams) for (const w of t.workers) rows.push(workerRow(t.name, w));
  return '\uFEFF' + rows.map((r) => r.map(cell).join(';')).join('\r\n') + '\r\n';
}

/** A file name for the export: noegletal_<from>_<to>[_<team>].csv (ASCII only). */
export function overviewCsvName(o: Overview): string {
  const team = o.filters.team ? `_${o.filters.team.replace(/[^a-z0-9-]/gi, '')}` : '';
  return `noegletal_${o.period.from}_${o.period.to}${team}.csv`;
}
