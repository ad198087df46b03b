// GET /api/overview (DESIGN §8): the leader's key figures per team and per
// worker, from the stored plan summaries (server/summaries.ts) and the consent
// records. Counts and dates only: this module never reads a family's name or
// any text of a plan, and names families in a drill-down by an opaque keyed
// hash of their id (demo ids embed surnames), stable across restarts.
import { createHmac, randomBytes } from 'node:crypto';
import { subMonths } from 'date-fns/subMonths';
import { tz } from '@date-fns/tz';
import { INTERVENTION_LEVELS, ACTION_STATUSES, GOAL_STATUSES, type InterventionLevel } from '../src/lib/domain/plan.ts';
import {
  ACTION_AREAS,
  EARLY_LEVELS,
  INTRUSIVE_LEVELS,
  PLAN_TIME_ZONE,
  SUMMARY_VERSION,
  copenhagenDay,
  figuresOn,
  inactiveCutoff,
  monthsBetween,
  type DayFigures,
  type PlanSummary
} from '../src/lib/domain/summary.ts';
import type { AccessConsent } from '../src/lib/shared/access.ts';
import { expiringBefore, familyConsentState } from '../src/lib/shared/consent.ts';
import {
  DEFAULT_PERIOD_MONTHS,
  MAX_PERIOD_MONTHS,
  MONTH_PATTERN,
  WORKABLE_CASELOAD,
  type FamilyFigures,
  type KeyFigures,
  type Overview,
  type OverviewFilters,
  type TeamFigures,
  type WorkerFigures
} from '../src/lib/shared/overview-types.ts';
import { errorMessages, type ErrorCode } from './messages.ts';
import type { ConsentWindow, Identity, OverviewFamilyRow, Summaries, TeamRow, UserRow } from './store/types.ts';

export interface OverviewDeps {
  store: Pick<Identity, 'listTeams' | 'listUsers'> & Summaries;
  now(): Date;
}

type Tally<K extends string> = Record<K, number>;
const tally = <K extends string>(keys: readonly K[]): Tally<K> => Object.fromEntries(keys.map((k) => [k, 0])) as Tally<K>;
const addTally = <K extends string>(into: Tally<K>, from: Tally<K> | undefined) => {
  if (from) for (const k of Object.keys(into) as K[]) into[k] += from[k] ?? 0;
};

function response(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }
  });
}

function failure(status: number, error: ErrorCode): Response {
  return response(status, { error, message: errorMessages[error] });
}

// The additive tallies of a summary (goals and actions by status, actions by
// area and status) as one vector, so that adding a family is one tight loop.
const GOALS_AT = 0;
const ACTIONS_AT = GOALS_AT + GOAL_STATUSES.length;
const AREAS_AT = ACTIONS_AT + ACTION_STATUSES.length;
const VEC_LENGTH = AREAS_AT + ACTION_AREAS.length * ACTION_STATUSES.length;
const LEVELS = INTERVENTION_LEVELS.length;

/** A stored summary prepared once for adding up, with a memo of its figures on one day. */
interface Prepared {
  summary: PlanSummary;
  vec: Int32Array;
  levelMonths: { month: string; levels: Int32Array }[];
  feedbackMonths: { month: string; n: number; sum: number }[];
  day: { today: string; inactiveFrom: string; figures: DayFigures; involved: string[] } | null;
}

function prepare(s: PlanSummary): Prepared {
  const vec = new Int32Array(VEC_LENGTH);
  GOAL_STATUSES.forEach((g, i) => (vec[GOALS_AT + i] = s.goals[g] ?? 0));
  ACTION_STATUSES.forEach((a, i) => (vec[ACTIONS_AT + i] = s.actions[a] ?? 0));
  ACTION_AREAS.forEach((area, j) =>
    ACTION_STATUSES.forEach((a, i) => (vec[AREAS_AT + j * ACTION_STATUSES.length + i] = s.actionsByArea[area]?.[a] ?? 0))
  );
  return {
    summary: s,
    vec,
    levelMonths: Object.entries(s.levelsByMonth).map(([month, t]) => ({ month, levels: Int32Array.from(INTERVENTION_LEVELS, (l) => t[l] ?? 0) })),
    feedbackMonths: Object.entries(s.feedbackByMonth).map(([month, f]) => ({ month, n: f.n, sum: f.sum })),
    day: null
  };
}

/** The family's figures on `today`, and who carries it (its tovholder and the owners of its open actions); memoised per day. */
function dayOf(prepared: Prepared, today: string, inactiveFrom: string) {
  if (prepared.day?.today === today && prepared.day.inactiveFrom === inactiveFrom) return prepared.day;
  const figures = figuresOn(prepared.summary, today, inactiveFrom);
  const involved = Object.keys(figures.openByOwner).filter((id) => id !== '');
  if (prepared.summary.tovholder && !involved.includes(prepared.summary.tovholder.userId)) involved.push(prepared.summary.tovholder.userId);
  prepared.day = { today, inactiveFrom, figures, involved };
  return prepared.day;
}

/** One family as a request works with it. */
interface RequestFamily {
  row: OverviewFamilyRow;
  prepared: Prepared | null;
  figures: DayFigures | null;
  involved: string[];
  consent: ReturnType<typeof familyConsentState>;
  active: boolean;
  /** the plan's tovholder, when an active worker of the family's team (a plan can name anyone) */
  tovholder: string | null;
}
type SummarisedFamily = RequestFamily & { prepared: Prepared; figures: DayFigures };

/** Adds families into KeyFigures. */
class KeyFiguresSum {
  readonly figures: KeyFigures;
  readonly #vec = new Int32Array(VEC_LENGTH);
  readonly #months: Map<string, Int32Array>;
  #feedbackSum = 0;

  constructor(months: readonly string[]) {
    this.#months = new Map(months.map((m) => [m, new Int32Array(LEVELS)]));
    this.figures = {
      families: 0,
      closedFamilies: 0,
      withoutTovholder: 0,
      overdueActions: 0,
      familiesWithOverdue: 0,
      openActions: 0,
      consentsExpiring: 0,
      withoutConsent: 0,
      inactive: 0,
      goals: tally(GOAL_STATUSES),
      actions: tally(ACTION_STATUSES),
      actionsByArea: Object.fromEntries(ACTION_AREAS.map((a) => [a, tally(ACTION_STATUSES)])) as KeyFigures['actionsByArea'],
      levels: tally(INTERVENTION_LEVELS),
      earlyShare: null,
      levelsByMonth: [],
      feedback: { count: 0, average: null },
      lastFeedbackDate: null
    };
  }

  add(family: RequestFamily) {
    const figures = this.figures;
    if (family.active) {
      figures.families++;
      if (family.consent.status === 'udloeber') figures.consentsExpiring++;
      if (family.consent.status !== 'aktiv' && family.consent.status !== 'udloeber') figures.withoutConsent++;
    } else {
      figures.closedFamilies++;
    }
    const { prepared, figures: day } = family;
    if (!prepared || !day) return;
    if (family.active) {
      if (!family.tovholder) figures.withoutTovholder++;
      figures.overdueActions += day.overdueActions;
      if (day.overdueActions > 0) figures.familiesWithOverdue++;
      figures.openActions += day.openActions;
      if (day.inactive) figures.inactive++;
      const vec = this.#vec;
      for (let i = 0; i < VEC_LENGTH; i++) vec[i] += prepared.vec[i];
    }
    // What happened within the period counts for closed families too.
    for (const lm of prepared.levelMonths) {
      const m = this.#months.get(lm.month);
      if (m) for (let i = 0; i < LEVELS; i++) m[i] += lm.levels[i];
    }
    for (const fb of prepared.feedbackMonths) {
      if (!this.#months.has(fb.month)) continue;
      figures.feedback.count += fb.n;
      this.#feedbackSum += fb.sum;
    }
    const last = prepared.summary.lastFeedback;
    if (last && (figures.lastFeedbackDate === null || last.date > figures.lastFeedbackDate)) figures.lastFeedbackDate = last.date;
  }

  done(): KeyFigures {
    const figures = this.figures;
    const vec = this.#vec;
    GOAL_STATUSES.forEach((g, i) => (figures.goals[g] = vec[GOALS_AT + i]));
    ACTION_STATUSES.forEach((a, i) => (figures.actions[a] = vec[ACTIONS_AT + i]));
    ACTION_AREAS.forEach((area, j) => ACTION_STATUSES.forEach((a, i) => (figures.actionsByArea[area][a] = vec[AREAS_AT + j * ACTION_STATUSES.length + i])));
    for (const [month, m] of this.#months) {
      const levels = tally(INTERVENTION_LEVELS);
      INTERVENTION_LEVELS.forEach((l, i) => (levels[l] = m[i]));
      figures.levelsByMonth.push({ month, levels });
      addTally(figures.levels, levels);
    }
    figures.earlyShare = earlyShare(figures.levels);
    figures.feedback.average = figures.feedback.count > 0 ? round2(this.#feedbackSum / figures.feedback.count) : null;
    return figures;
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function earlyShare(levels: Tally<InterventionLevel>): number | null {
  const early = EARLY_LEVELS.reduce((n, l) => n + levels[l], 0);
  const intrusive = INTRUSIVE_LEVELS.reduce((n, l) => n + levels[l], 0);
  return early + intrusive > 0 ? round2(early / (early + intrusive)) : null;
}

/** A worker's row, added to family by family. */
class WorkerFiguresSum {
  readonly figures: WorkerFigures;
  readonly #levels = new Int32Array(LEVELS);
  readonly #months: Set<string>;
  #feedbackSum = 0;

  constructor(user: { id: string; name: string; sector: WorkerFigures['sector'] }, months: Set<string>) {
    this.#months = months;
    this.figures = {
      userId: user.id,
      name: user.name,
      sector: user.sector,
      caseload: 0,
      tovholderFor: 0,
      ownOpenActions: 0,
      ownOverdueActions: 0,
      familiesWithOverdue: 0,
      consentsExpiring: 0,
      inactive: 0,
      feedback: { count: 0, average: null },
      earlyShare: null
    };
  }

  add(family: SummarisedFamily) {
    const figures = this.figures;
    figures.caseload++;
    if (family.tovholder === figures.userId) figures.tovholderFor++;
    figures.ownOpenActions += family.figures.openByOwner[figures.userId] ?? 0;
    figures.ownOverdueActions += family.figures.overdueByOwner[figures.userId] ?? 0;
    if (family.figures.overdueActions > 0) figures.familiesWithOverdue++;
    if (family.consent.status === 'udloeber') figures.consentsExpiring++;
    if (family.figures.inactive) figures.inactive++;
    for (const lm of family.prepared.levelMonths) if (this.#months.has(lm.month)) for (let i = 0; i < LEVELS; i++) this.#levels[i] += lm.levels[i];
    for (const fb of family.prepared.feedbackMonths) {
      if (!this.#months.has(fb.month)) continue;
      figures.feedback.count += fb.n;
      this.#feedbackSum += fb.sum;
    }
  }

  done(): WorkerFigures {
    const levels = tally(INTERVENTION_LEVELS);
    INTERVENTION_LEVELS.forEach((l, i) => (levels[l] = this.#levels[i]));
    this.figures.earlyShare = earlyShare(levels);
    this.figures.feedback.average = this.figures.feedback.count > 0 ? round2(this.#feedbackSum / this.figures.feedback.count) : null;
    return this.figures;
  }
}

const collator = new Intl.Collator('da');
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export class OverviewService {
  readonly #d: OverviewDeps;
  readonly #refKey: string;
  /**
   * Parsed summaries by family, kept up to date from the store by revision:
   * a request reads only the summaries written since the last one, instead of
   * every plan's JSON (at 5,000 families that is most of a request's time).
   */
  readonly #summaryCache = new Map<string, Prepared>();
  #summaryRev = 0;

  private constructor(deps: OverviewDeps, refKey: string) {
    this.#d = deps;
    this.#refKey = refKey;
  }

  static async create(deps: OverviewDeps): Promise<OverviewService> {
    return new OverviewService(deps, await deps.store.secret('overview-ref-key', () => randomBytes(32).toString('base64url')));
  }

  /** The opaque reference of a family: 50 bits of an HMAC of its id, as XXXXX-XXXXX. */
  ref(familyId: string): string {
    const mac = createHmac('sha256', this.#refKey).update(familyId).digest();
    let bits = 0n;
    for (let i = 0; i < 7; i++) bits = (bits << 8n) | BigInt(mac[i]);
    bits >>= 6n; // 56 -> 50 bits
    let out = '';
    for (let i = 0; i < 10; i++) {
      out = CROCKFORD[Number(bits & 31n)] + out;
      bits >>= 5n;
    }
    return `${out.slice(0, 5)}-${out.slice(5)}`;
  }

  async #summaries(): Promise<Map<string, Prepared>> {
    for (const r of await this.#d.store.summariesSince(this.#summaryRev)) {
      // A concurrent request that read later may have applied newer rows already.
      if (r.rev <= this.#summaryRev) continue;
      const parsed = JSON.parse(r.data) as PlanSummary;
      // A summary of an older derivation is being made again (Summariser.backfill): not yet known.
      if (parsed.version === SUMMARY_VERSION) this.#summaryCache.set(r.familyId, prepare(parsed));
      else this.#summaryCache.delete(r.familyId);
      this.#summaryRev = r.rev;
    }
    return this.#summaryCache;
  }

  async handle(user: UserRow, url: URL): Promise<Response> {
    if (user.role !== 'leader') return failure(403, 'leaders_only');
    const now = this.#d.now();
    const today = copenhagenDay(now);
    const q = url.searchParams;

    // ---- filters ----
    const allTeams = (await this.#d.store.listTeams()).filter((t) => user.teamIds.includes(t.id));
    const team = q.get('team') || null;
    if (team !== null && !allTeams.some((t) => t.id === team)) return failure(403, 'team_not_yours');
    const teams = team ? allTeams.filter((t) => t.id === team) : allTeams;
    const period = parsePeriod(q.get('from'), q.get('to'), now);
    if (!period) return failure(400, 'invalid_period');

    const rows = await this.#d.store.overviewFamilies(allTeams.map((t) => t.id));
    const districts = [...new Set(rows.map((r) => r.district))].sort(collator.compare);
    const district = q.get('district') || null;
    if (district !== null && !districts.includes(district)) return failure(400, 'invalid_district');

    const inScope = rows.filter((r) => (team === null || r.teamId === team) && (district === null || r.district === district));
    const filters: OverviewFilters = { team, district, from: period.from, to: period.to };

    // ---- per family ----
    const windows = new Map<string, ConsentWindow[]>();
    for (const c of await this.#d.store.consentWindowsOfTeams(teams.map((t) => t.id))) {
      const list = windows.get(c.familyId);
      if (list) list.push(c);
      else windows.set(c.familyId, [c]);
    }
    const summaries = await this.#summaries();
    const inactiveFrom = inactiveCutoff(today);
    const warnUntil = expiringBefore(now);
    let pending = 0;
    // Only the team's active workers are people here: action owners and
    // tovholders are ids written by clients into the plan, and the team may
    // have changed since the summary was taken.
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.id, u]));
    const members = new Map<string, Set<string>>(teams.map((t) => [t.id, new Set()]));
    for (const u of users.values()) if (u.role === 'worker' && u.active) for (const t of u.teamIds) members.get(t)?.add(u.id);
    const byTeam = new Map<string, RequestFamily[]>(teams.map((t) => [t.id, []]));
    for (const row of inScope) {
      const prepared = summaries.get(row.familyId) ?? null;
      if (!prepared) pending++;
      const day = prepared ? dayOf(prepared, today, inactiveFrom) : null;
      const consent = familyConsentState((windows.get(row.familyId) ?? []).map(asConsent), now, warnUntil);
      const team = members.get(row.teamId) ?? new Set<string>();
      const tovholder = prepared?.summary.tovholder && team.has(prepared.summary.tovholder.userId) ? prepared.summary.tovholder.userId : null;
      const involved = (day?.involved ?? []).filter((id) => team.has(id));
      byTeam.get(row.teamId)?.push({ row, prepared, figures: day?.figures ?? null, involved, consent, active: (prepared?.summary.status ?? row.status) === 'aktiv', tovholder });
    }

    // ---- aggregate ----
    const months = new Set(period.months);
    const totals = new KeyFiguresSum(period.months);
    const teamFigures: TeamFigures[] = [];
    const workerFamilies = new Map<string, RequestFamily[]>(); // for the drill-down
    for (const t of teams) {
      const teamSum = new KeyFiguresSum(period.months);
      const workers = new Map<string, WorkerFiguresSum>();
      const workerOf = (id: string) => {
        let sum = workers.get(id);
        if (!sum) {
          const u = users.get(id);
          sum = new WorkerFiguresSum({ id, name: u?.name ?? '', sector: u?.sector ?? null }, months);
          workers.set(id, sum);
        }
        return sum;
      };
      // Every worker of the team has a row, also with no families; nobody else has one.
      for (const id of members.get(t.id) ?? []) workerOf(id);
      for (const family of byTeam.get(t.id) ?? []) {
        teamSum.add(family);
        totals.add(family);
        if (!family.active || !family.prepared || !family.figures) continue;
        for (const id of family.involved) {
          workerOf(id).add(family as SummarisedFamily);
          const list = workerFamilies.get(id);
          if (list) list.push(family);
          else workerFamilies.set(id, [family]);
        }
      }
      teamFigures.push({
        id: t.id,
        name: t.name,
        district: t.district,
        cluster: t.cluster,
        figures: teamSum.done(),
        workers: [...workers.values()].map((sum) => sum.done()).sort((a, b) => b.caseload - a.caseload || collator.compare(a.name, b.name))
      });
    }

    const overview: Overview = {
      generatedAt: now.toISOString(),
      today,
      filters,
      options: { teams: allTeams.map((t) => ({ id: t.id, name: t.name })), districts },
      period,
      workableCaseload: WORKABLE_CASELOAD,
      pending,
      totals: totals.done(),
      teams: teamFigures
    };

    const worker = q.get('worker');
    if (worker !== null) {
      const row = teamFigures.flatMap((t) => t.workers).find((w) => w.userId === worker);
      if (!row) return failure(400, 'invalid_worker');
      overview.drill = {
        worker: { userId: row.userId, name: row.name, sector: row.sector },
        families: (workerFamilies.get(worker) ?? [])
          .map((family) => this.#familyFigures(family as SummarisedFamily, worker, users, teams))
          .sort((a, b) => b.overdueActions - a.overdueActions || (a.lastActivity ?? '').localeCompare(b.lastActivity ?? '') || a.ref.localeCompare(b.ref))
      };
    }
    return response(200, overview);
  }

  #familyFigures(family: SummarisedFamily, worker: string, users: Map<string, UserRow>, teams: TeamRow[]): FamilyFigures {
    const { figures: day, row } = family;
    const summary = family.prepared.summary;
    return {
      ref: this.ref(row.familyId),
      teamId: row.teamId,
      teamName: teams.find((t) => t.id === row.teamId)?.name ?? row.teamId,
      district: row.district,
      status: summary.status,
      role: family.tovholder === worker ? 'tovholder' : 'handlinger',
      tovholder: family.tovholder && summary.tovholder ? { userId: family.tovholder, name: users.get(family.tovholder)?.name ?? '', since: summary.tovholder.since } : null,
      openActions: day.openActions,
      ownOpenActions: day.openByOwner[worker] ?? 0,
      overdueActions: day.overdueActions,
      ownOverdueActions: day.overdueByOwner[worker] ?? 0,
      goals: summary.goals,
      actions: summary.actions,
      levels: summary.levels,
      nextMeeting: day.nextMeeting,
      lastActivity: day.lastActivity,
      inactive: day.inactive,
      lastFeedback: summary.lastFeedback,
      consent: family.consent
    };
  }
}

function asConsent(consentWindow: ConsentWindow): AccessConsent {
  return { familyId: consentWindow.familyId, categories: [], recipients: [], validFrom: consentWindow.validFrom, validUntil: consentWindow.validUntil, revokedAt: consentWindow.revokedAt };
}

/** from/to as yyyy-MM (inclusive); by default the last DEFAULT_PERIOD_MONTHS months up to this one. */
export function parsePeriod(from: string | null, to: string | null, now: Date): Overview['period'] | null {
  if ((from && !MONTH_PATTERN.test(from)) || (to && !MONTH_PATTERN.test(to))) return null;
  const thisMonth = copenhagenDay(now).slice(0, 7);
  const end = to || thisMonth;
  const start = from || monthsBack(end, DEFAULT_PERIOD_MONTHS - 1);
  if (start > end) return null;
  const months = monthsBetween(start, end);
  if (months.length > MAX_PERIOD_MONTHS) return null;
  return { from: start, to: end, months };
}

function monthsBack(month: string, n: number): string {
  const d = subMonths(new Date(`${month}-15T12:00:00Z`), n, { in: tz(PLAN_TIME_ZONE) });
  return copenhagenDay(d).slice(0, 7);
}
