// The steering group's CSV: what Danish Excel needs (BOM, ';', decimal comma,
// CRLF), Danish headers from the catalogue, one row per level, quoting; no
// employee names unless the leader chose to name them.
import { describe, expect, it } from 'vitest';
import { overviewCsv, overviewCsvName } from '../../src/lib/ui/overview-csv.ts';
import type { KeyFigures, Overview, WorkerFigures } from '../../src/lib/shared/overview-types.ts';
import { da } from '../../src/lib/i18n/da.ts';

const zero = { raad: 0, forebyggende: 0, stoettende: 0, anbringelse: 0, andet: 0, ikke_angivet: 0 };
const outcomes = { naaet: 0, delvist: 0, ikke_naaet: 0, droppet: 0 };
const status = { aaben: 0, igang: 0, udfoert: 0, droppet: 0 };
function figures(p: Partial<KeyFigures>): KeyFigures {
  return {
    families: 0, closedFamilies: 0, withoutTovholder: 0, overdueActions: 0, familiesWithOverdue: 0, openActions: 0,
    consentsExpiring: 0, withoutConsent: 0, inactive: 0, goals: { aaben: 0, naaet: 0, delvist: 0, droppet: 0 }, actions: status,
    actionsByArea: { social: status, school: status, health: status, employment: status, netvaerk: status, uden: status },
    levels: zero, earlyShare: null, levelsByMonth: [], outcomes, trend: [], feedback: { count: 0, average: null }, lastFeedbackDate: null, ...p
  };
}
const worker = (p: Partial<WorkerFigures>): WorkerFigures => ({
  userId: 'u', name: 'X', sector: 'social', caseload: 0, norm: 25, tovholderFor: 0, ownOpenActions: 0, ownOverdueActions: 0,
  familiesWithOverdue: 0, consentsExpiring: 0, inactive: 0, feedback: { count: 0, average: null }, earlyShare: null, ...p
});

const overview: Overview = {
  generatedAt: '2026-06-30T10:00:00.000Z',
  today: '2026-06-30',
  filters: { team: null, district: null, sector: null, from: '2026-01', to: '2026-06' },
  options: { teams: [], districts: [], sectors: [] },
  period: { from: '2026-01', to: '2026-06', months: [] },
  workableCaseload: 25,
  norms: { social: 25, school: 30, health: 40, employment: 35 },
  professions: [],
  pending: 0,
  totals: figures({ families: 30, withoutTovholder: 2, levels: { ...zero, raad: 5, stoettende: 3 }, earlyShare: 0.625, feedback: { count: 4, average: 3.75 }, outcomes: { ...outcomes, naaet: 7 } }),
  teams: [
    {
      id: 'aaby',
      name: 'Åby; "Nord"',
      district: 'Åby',
      cluster: 'Vest',
      figures: figures({ families: 30, withoutTovholder: 2 }),
      workers: [worker({ userId: 'u-a', name: 'Ærø Sørensen', caseload: 27, tovholderFor: 12, ownOverdueActions: 3, earlyShare: 0.5 }), worker({ userId: 'u-b', name: '' })],
      professions: [{ sector: 'social', norm: 25, workers: 2, caseloadSum: 27, averageCaseload: 13.5, overNorm: 1 }]
    }
  ]
};

describe('overviewCsv', () => {
  const csv = overviewCsv(overview, da);
  const lines = csv.slice(1).split('\r\n');
  const named = overviewCsv(overview, da, { names: true }).slice(1).split('\r\n');

  it('starts with a UTF-8 BOM and ends every line with CRLF', () => {
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(new TextEncoder().encode(csv).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(lines.at(-1)).toBe('');
  });

  it('has Danish headers separated by semicolons', () => {
    const header = lines[0].split(';');
    expect(header.slice(0, 8)).toEqual(['Niveau', 'Team', 'Faggruppe', 'Medarbejder', 'Periode fra', 'Periode til', 'Skoledistrikt', 'Aktive familier']);
    expect(header).toContain('Nye handlinger: Ikke angivet');
    expect(header).toContain('Mål med måldato i perioden: Nået');
    expect(header).toContain('Uden tovholder');
    expect(header).toContain('Nye handlinger: Råd og vejledning');
    expect(header).toContain('Andel tidlige indsatser (%)');
    expect(header).toContain('Norm');
  });

  it('writes one row for the total, one per team and one per profession in a team, numbers Danish style, no employee names', () => {
    expect(lines).toHaveLength(1 + 1 + 1 + 1 + 1);
    const total = lines[1].split(';');
    expect(total.slice(0, 8)).toEqual(['I alt', 'I alt', '', '', '2026-01', '2026-06', 'Alle skoledistrikter', '30']);
    expect(total).toContain('63'); // early share in per cent
    expect(total.at(-5)).toBe('3,75'); // decimal comma (before the four goal outcomes)
    expect(total.at(-4)).toBe('7'); // goals reached
    // A team name with the separator and quotes is quoted, quotes doubled.
    expect(lines[2].startsWith('Team;"Åby; ""Nord""";;')).toBe(true);
    expect(lines[3].startsWith('Faggruppe;"Åby; ""Nord""";Socialrådgivere;;')).toBe(true);
    expect(lines[3]).toContain(';2;13,50;25;'); // workers, average caseload, norm
    expect(lines[3].split(';').length).toBe(lines[0].split(';').length + 1); // +1: the quoted team name holds a ';'
    expect(lines.join('\n')).not.toContain('Ærø Sørensen');
  });

  it('adds one row per worker, with the worker’s norm, only when names were chosen', () => {
    expect(named).toHaveLength(lines.length + 2);
    expect(named[4]).toContain(';Socialrådgivere;Ærø Sørensen;');
    expect(named[4].split(';').length).toBe(named[0].split(';').length + 1);
    expect(named[5]).toContain(';Ukendt medarbejder;');
  });

  it('names the file by period (and team), ASCII only', () => {
    expect(overviewCsvName(overview)).toBe('noegletal_2026-01_2026-06.csv');
    expect(overviewCsvName({ ...overview, filters: { ...overview.filters, team: 'viby' } })).toBe('noegletal_2026-01_2026-06_viby.csv');
  });
});

// A district, team or worker name is text someone typed; Excel runs a cell
// that starts with = + - @ (or a tab / CR before one) as a formula (OWASP
// "CSV injection"). Such text cells get a leading single quote; real numbers,
// negative ones included, stay numbers.
describe('overviewCsv against formula injection', () => {
  const hostile = ['=HYPERLINK("http://evil.example","klik")', '+1+cmd|"/C calc"!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];
  const csvOf = (names: string[]) =>
    overviewCsv(
      {
        ...overview,
        filters: { ...overview.filters, district: names[0] },
        teams: [{ ...overview.teams[0], name: 'Team', workers: names.map((name, i) => worker({ userId: `u-${i}`, name })) }]
      },
      da,
      { names: true }
    );
  const fields = (line: string) => line.split(';').map((c) => (c.startsWith('"') ? c.slice(1, -1).replace(/""/g, '"') : c));

  it('prefixes every text cell that starts with a formula character with a single quote', () => {
    const csv = csvOf(hostile);
    const lines = csv.slice(1).split('\r\n');
    const workerLines = lines.filter((l) => l.startsWith(`${da.rowWorker};`));
    expect(workerLines).toHaveLength(hostile.length);
    hostile.forEach((name, i) => {
      const cells = fields(workerLines[i]);
      expect(cells[3]).toBe(`'${name}`);
      // the district filter (the first hostile text) in every row
      expect(cells[6]).toBe(`'${hostile[0]}`);
    });
    // No cell anywhere starts with a formula character (after unquoting).
    for (const line of lines.filter(Boolean)) for (const c of fields(line)) expect(c).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('leaves numbers numeric, also negative ones, and harmless text untouched', () => {
    const csv = overviewCsv({ ...overview, totals: { ...overview.totals, feedback: { count: 4, average: -1.5 }, withoutTovholder: -2 } }, da, { names: true });
    const total = csv.slice(1).split('\r\n')[1].split(';');
    expect(total.at(-5)).toBe('-1,50');
    expect(total).toContain('-2');
    expect(csv).toContain(';Ærø Sørensen;');
    expect(csv).not.toContain("'2026-01");
  });
});
