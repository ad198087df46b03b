// The leader overview as CSV for the steering group, shaped for Danish Excel:
// a UTF-8 byte order mark (else æøå break), ';' as separator and decimal
// commas (the Danish list separator and number format), CRLF line ends. One
// row per level: all selected teams, each team, each profession in each team,
// and each worker only when the leader chose to name employees (a steering
// group document holds no personnel data by default). Headers come from the
// message catalogue (the caller passes `t`).
import { GOAL_OUTCOMES, SUMMARY_LEVELS, type GoalOutcome, type SummaryLevel } from '../shared/plan-terms.ts';
import type { Sector } from '../shared/rooms.ts';
import type { KeyFigures, Overview, ProfessionFigures, WorkerFigures } from '../shared/overview-types.ts';

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
  norm: string;
  kfTovholderFor: string;
  kfOwnOpen: string;
  kfOwnOverdue: string;
  levelNames: Record<SummaryLevel, string>;
  unknownWorker: string;
  profession: string;
  professionNames: Record<Sector, string>;
  kfOutcomes: string;
  outcomeNames: Record<GoalOutcome, string>;
}

const LEVELS = SUMMARY_LEVELS;

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

export function overviewCsv(o: Overview, l: CsvLabels, opts: { names?: boolean } = {}): string {
  const header = [
    l.rowLevel,
    l.rowTeam,
    l.profession,
    l.rowWorker,
    l.periodFrom,
    l.periodTo,
    l.district,
    l.kfFamilies,
    l.kfClosed,
    l.kfWorkers,
    l.kfPerWorker,
    l.norm,
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
    l.kfFeedback,
    ...GOAL_OUTCOMES.map((g) => `${l.kfOutcomes}: ${l.outcomeNames[g]}`)
  ];
  const common = [o.period.from, o.period.to, o.filters.district ?? l.allDistricts];
  const share = (v: number | null) => (v === null ? null : Math.round(v * 100));

  const keyRow = (level: string, team: string, k: KeyFigures, workers: WorkerFigures[]) => [
    level,
    team,
    '',
    '',
    ...common,
    k.families,
    k.closedFamilies,
    workers.length,
    // Families / workers means little when four professions share the families: see the profession rows.
    null,
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
    k.feedback.average,
    ...GOAL_OUTCOMES.map((g) => k.outcomes[g])
  ];
  const professionRow = (team: string, p: ProfessionFigures) => [
    l.profession,
    team,
    l.professionNames[p.sector],
    '',
    ...common,
    null,
    null,
    p.workers,
    p.averageCaseload,
    p.norm,
    ...Array.from({ length: 10 }, () => null),
    ...LEVELS.map(() => null),
    null,
    null,
    null,
    ...GOAL_OUTCOMES.map(() => null)
  ];
  const workerRow = (team: string, w: WorkerFigures) => [
    l.rowWorker,
    team,
    w.sector ? l.professionNames[w.sector] : '',
    w.name || l.unknownWorker,
    ...common,
    w.caseload,
    null,
    null,
    null,
    w.norm,
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
    w.feedback.average,
    ...GOAL_OUTCOMES.map(() => null)
  ];

  const rows: (string | number | null)[][] = [header];
  const allWorkers = o.teams.flatMap((t) => t.workers);
  rows.push(keyRow(l.total, o.filters.team ? (o.teams[0]?.name ?? '') : l.total, o.totals, allWorkers));
  for (const t of o.teams) rows.push(keyRow(l.rowTeam, t.name, t.figures, t.workers));
  for (const t of o.teams) for (const p of t.professions) rows.push(professionRow(t.name, p));
  if (opts.names) for (const t of o.teams) for (const w of t.workers) rows.push(workerRow(t.name, w));
  return '\uFEFF' + rows.map((r) => r.map(cell).join(';')).join('\r\n') + '\r\n';
}

/** A file name for the export: noegletal_<from>_<to>[_<team>].csv (ASCII only). */
export function overviewCsvName(o: Overview): string {
  const team = o.filters.team ? `_${o.filters.team.replace(/[^a-z0-9-]/gi, '')}` : '';
  return `noegletal_${o.period.from}_${o.period.to}${team}.csv`;
}
