// GET /api/overview (DESIGN §8): the leader's key figures per team and per
// worker, from the stored plan summaries (server/summaries.ts) and the consent
// records. Counts and dates only: this module never reads a family's name or
// any text of a plan, and names families in a drill-down by an opaque keyed
// hash of their id (demo ids embed surnames), stable across restarts.
import { createHmac, randomBytes } from 'node:crypto';
import { subMonths } from 'date-fns/subMonths';
import { tz } from '@date-fns/tz';
import { ACTION_STATUSES, GOAL_STATUSES } from '../src/lib/domain/plan.ts';
import {
  ACTION_AREAS,
  GOAL_OUTCOMES,
  SUMMARY_LEVELS,
  EARLY_LEVELS,
  INTRUSIVE_LEVELS,
  PLAN_TIME_ZONE,
  SUMMARY_VERSION,
  copenhagenDay,
  figuresOn,
  inactiveCutoff,
  monthsBetween,
  type DayFigures,
  type PlanSummary,
  type SummaryLevel
} from '../src/lib/domain/summary.ts';
import { SECTORS, type Sector } from '../src/lib/shared/rooms.ts';
import type { AccessConsent } from '../src/lib/shared/access.ts';
import { expiringBefore, familyConsentState } from '../src/lib/shared/consent.ts';
import {
  DEFAULT_CASELOAD_NORMS,
  DEFAULT_PERIOD_MONTHS,
  MAX_PERIOD_MONTHS,
  MONTH_PATTERN,
  type FamilyFigures,
  type ProfessionFigures,
  type TrendMonth,
  type KeyFigures,
  type Overview,
  type OverviewFilters,
  type TeamFigures,
  type WorkerFigures
} from '../src/lib/shared/overview-types.ts';
import { errorMessages, periodMessages, type ErrorCode, type PeriodProblem } from './messages.ts';
import type { ConsentWindow, Identity, OverviewFamilyRow, Retention, Summaries, TeamRow, UserRow } from './store/types.ts';

export interface OverviewDeps {
  store: Pick<Identity, 'listTeams' | 'listUsers'> & Summaries & Pick<Retention, 'retainedSummaries'>;
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
const LEVELS = SUMMARY_LEVELS.length;
const OUTCOMES = GOAL_OUTCOMES.length;
const NOT_REACHED = GOAL_OUTCOMES.indexOf('ikke_naaet');

/** A stored summary prepared once for adding up, with a memo of its figures on one day. */
interface Prepared {
  s: PlanSummary;
  vec: Int32Array;
  levelMonths: { month: string; levels: Int32Array }[];
  feedbackMonths: { month: string; n: number; sum: number }[];
  outcomeMonths: { month: string; outcomes: Int32Array }[];
  day: { today: string; inactiveFrom: string; f: DayFigures; involved: string[] } | null;
}

function prepare(s: PlanSummary): Prepared {
  const vec = new Int32Array(VEC_LENGTH);
  GOAL_STATUSES.forEach((g, i) => (vec[GOALS_AT + i] = s.goals[g] ?? 0));
  ACTION_STATUSES.forEach((a, i) => (vec[ACTIONS_AT + i] = s.actions[a] ?? 0));
  ACTION_AREAS.forEach((area, j) =>
    ACTION_STATUSES.forEach((a, i) => (vec[AREAS_AT + j * ACTION_STATUSES.length + i] = s.actionsByArea[area]?.[a] ?? 0))
  );
  return {
    s,
    vec,
    levelMonths: Object.entries(s.levelsByMonth).map(([month, t]) => ({ month, levels: Int32Array.from(SUMMARY_LEVELS, (l) => t[l] ?? 0) })),
    feedbackMonths: Object.entries(s.feedbackByMonth).map(([month, f]) => ({ month, n: f.n, sum: f.sum })),
    outcomeMonths: Object.entries(s.outcomesByMonth).map(([month, t]) => ({ month, outcomes: Int32Array.from(GOAL_OUTCOMES, (o) => t[o] ?? 0) })),
    day: null
  };
}

/** The family's figures on `today`, and who carries it (its tovholder and the owners of its open actions); memoised per day. */
function dayOf(p: Prepared, today: string, inactiveFrom: string) {
  if (p.day?.today === today && p.day.inactiveFrom === inactiveFrom) return p.day;
  const f = figuresOn(p.s, today, inactiveFrom);
  const involved = Object.keys(f.openByOwner).filter((id) => id !== '');
  if (p.s.tovholder && !involved.includes(p.s.tovholder.userId)) involved.push(p.s.tovholder.userId);
  p.day = { today, inactiveFrom, f, involved };
  return p.day;
}

/** One family as a request works with it. */
interface RequestFamily {
  row: OverviewFamilyRow;
  p: Prepared | null;
  f: DayFigures | null;
  involved: string[];
  consent: ReturnType<typeof familyConsentState>;
  active: boolean;
  /** the plan's tovholder, when an active worker of the family's team (a plan can name anyone) */
  tovholder: string | null;
  /** deleted by retention: only its past months' figures remain */
  deleted?: boolean;
}
/** A family whose plan has a summary: its prepared plan (`p`) and today's figures (`f`) are there. */
type FamilyWithPlan = RequestFamily & { p: Prepared; f: DayFigures };

/** Adds families into KeyFigures. */
class KeyFigureSum {
  readonly k: KeyFigures;
  readonly #vec = new Int32Array(VEC_LENGTH);
  readonly #monthList: readonly string[];
  /** month -> its index in the period */
  readonly #months: Map<string, number>;
  readonly #levels: Int32Array;
  readonly #outcomes: Int32Array;
  readonly #fbN: Int32Array;
  readonly #fbSum: Float64Array;
  readonly #today: string;

  constructor(months: readonly string[], today: string) {
    this.#monthList = months;
    this.#months = new Map(months.map((m, i) => [m, i]));
    this.#levels = new Int32Array(months.length * LEVELS);
    this.#outcomes = new Int32Array(months.length * OUTCOMES);
    this.#fbN = new Int32Array(months.length);
    this.#fbSum = new Float64Array(months.length);
    this.#today = today;
    this.k = {
      families: 0,
      closedFamilies: 0,
      deletedFamilies: 0,
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
      levels: tally(SUMMARY_LEVELS),
      earlyShare: null,
      levelsByMonth: [],
      outcomes: tally(GOAL_OUTCOMES),
      trend: [],
      feedback: { count: 0, average: null },
      lastFeedbackDate: null
    };
  }

  add(x: RequestFamily) {
    const k = this.k;
    if (x.active) {
      k.families++;
      if (x.consent.status === 'udloeber') k.consentsExpiring++;
      if (x.consent.status !== 'aktiv' && x.consent.status !== 'udloeber') k.withoutConsent++;
    } else if (x.deleted) {
      k.deletedFamilies = (k.deletedFamilies ?? 0) + 1;
    } else {
      k.closedFamilies++;
    }
    const { p, f } = x;
    if (!p || !f) return;
    if (x.active) {
      if (!x.tovholder) k.withoutTovholder++;
      k.overdueActions += f.overdueActions;
      if (f.overdueActions > 0) k.familiesWithOverdue++;
      k.openActions += f.openActions;
      if (f.inactive) k.inactive++;
      const vec = this.#vec;
      for (let i = 0; i < VEC_LENGTH; i++) vec[i] += p.vec[i];
    }
    // What happened within the period counts for closed families too.
    for (const lm of p.levelMonths) {
      const m = this.#months.get(lm.month);
      if (m !== undefined) for (let i = 0; i < LEVELS; i++) this.#levels[m * LEVELS + i] += lm.levels[i];
    }
    for (const fb of p.feedbackMonths) {
      const m = this.#months.get(fb.month);
      if (m === undefined) continue;
      this.#fbN[m] += fb.n;
      this.#fbSum[m] += fb.sum;
    }
    for (const om of p.outcomeMonths) {
      const m = this.#months.get(om.month);
      if (m !== undefined) for (let i = 0; i < OUTCOMES; i++) this.#outcomes[m * OUTCOMES + i] += om.outcomes[i];
    }
    // An open goal whose target date has passed is not reached (sorted: stop at today).
    for (const target of p.s.openGoalTargets) {
      if (target >= this.#today) break;
      const m = this.#months.get(target.slice(0, 7));
      if (m !== undefined) this.#outcomes[m * OUTCOMES + NOT_REACHED]++;
    }
    const last = p.s.lastFeedback;
    if (last && (k.lastFeedbackDate === null || last.date > k.lastFeedbackDate)) k.lastFeedbackDate = last.date;
  }

  done(): KeyFigures {
    const k = this.k;
    const vec = this.#vec;
    GOAL_STATUSES.forEach((g, i) => (k.goals[g] = vec[GOALS_AT + i]));
    ACTION_STATUSES.forEach((a, i) => (k.actions[a] = vec[ACTIONS_AT + i]));
    ACTION_AREAS.forEach((area, j) => ACTION_STATUSES.forEach((a, i) => (k.actionsByArea[area][a] = vec[AREAS_AT + j * ACTION_STATUSES.length + i])));
    let fbSum = 0;
    this.#monthList.forEach((month, m) => {
      const levels = tally(SUMMARY_LEVELS);
      SUMMARY_LEVELS.forEach((l, i) => (levels[l] = this.#levels[m * LEVELS + i]));
      const outcomes = tally(GOAL_OUTCOMES);
      GOAL_OUTCOMES.forEach((o, i) => (outcomes[o] = this.#outcomes[m * OUTCOMES + i]));
      k.levelsByMonth.push({ month, levels });
      addTally(k.levels, levels);
      addTally(k.outcomes, outcomes);
      k.feedback.count += this.#fbN[m];
      fbSum += this.#fbSum[m];
      const trend: TrendMonth = {
        month,
        newActions: SUMMARY_LEVELS.reduce((n, l) => n + levels[l], 0),
        earlyShare: earlyShare(levels),
        notChosen: levels.ikke_angivet,
        feedbackCount: this.#fbN[m],
        feedbackAverage: this.#fbN[m] > 0 ? round2(this.#fbSum[m] / this.#fbN[m]) : null,
        outcomes
      };
      k.trend.push(trend);
    });
    k.earlyShare = earlyShare(k.levels);
    k.feedback.average = k.feedback.count > 0 ? round2(fbSum / k.feedback.count) : null;
    return k;
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Among actions whose level someone chose: an unset level is neither early nor intrusive. */
function earlyShare(levels: Tally<SummaryLevel>): number | null {
  const early = EARLY_LEVELS.reduce((n, l) => n + levels[l], 0);
  const intrusive = INTRUSIVE_LEVELS.reduce((n, l) => n + levels[l], 0);
  return early + intrusive > 0 ? round2(early / (early + intrusive)) : null;
}

/** A worker's row, added to family by family. */
class WorkerAcc {
  readonly w: WorkerFigures;
  readonly #levels = new Int32Array(LEVELS);
  readonly #months: Set<string>;
  #feedbackSum = 0;

  constructor(user: { id: string; name: string; sector: WorkerFigures['sector'] }, months: Set<string>, norm: number) {
    this.#months = months;
    this.w = {
      userId: user.id,
      name: user.name,
      sector: user.sector,
      caseload: 0,
      norm,
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

  add(x: FamilyWithPlan) {
    const w = this.w;
    w.caseload++;
    if (x.tovholder === w.userId) w.tovholderFor++;
    w.ownOpenActions += x.f.openByOwner[w.userId] ?? 0;
    w.ownOverdueActions += x.f.overdueByOwner[w.userId] ?? 0;
    if (x.f.overdueActions > 0) w.familiesWithOverdue++;
    if (x.consent.status === 'udloeber') w.consentsExpiring++;
    if (x.f.inactive) w.inactive++;
    for (const lm of x.p.levelMonths) if (this.#months.has(lm.month)) for (let i = 0; i < LEVELS; i++) this.#levels[i] += lm.levels[i];
    for (const fb of x.p.feedbackMonths) {
      if (!this.#months.has(fb.month)) continue;
      w.feedback.count += fb.n;
      this.#feedbackSum += fb.sum;
    }
  }

  done(): WorkerFigures {
    const levels = tally(SUMMARY_LEVELS);
    SUMMARY_LEVELS.forEach((l, i) => (levels[l] = this.#levels[i]));
    this.w.earlyShare = earlyShare(levels);
    this.w.feedback.average = this.w.feedback.count > 0 ? round2(this.#feedbackSum / this.w.feedback.count) : null;
    return this.w;
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

  /** References already computed: a worker's family list asks for every family it holds, on every sweep. */
  readonly #refs = new Map<string, string>();

  /** The opaque reference of a family: 50 bits of an HMAC of its id, as XXXXX-XXXXX. */
  ref(familyId: string): string {
    let out = this.#refs.get(familyId);
    if (out === undefined) {
      out = this.#computeRef(familyId);
      this.#refs.set(familyId, out);
    }
    return out;
  }

  #computeRef(familyId: string): string {
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

  /** The caseload norm of every profession: what an admin set, else the default. */
  async norms(): Promise<Record<Sector, number>> {
    return { ...DEFAULT_CASELOAD_NORMS, ...(await this.#d.store.caseloadNorms()) };
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
    if (typeof period === 'string') {
      // Which field is wrong, and how, so the filters can say it beside that field.
      const field = period === 'period_from_format' ? 'from' : period === 'period_to_format' ? 'to' : 'period';
      return response(400, { error: 'invalid_period', message: periodMessages[period], field, problem: period });
    }
    const sectorParam = q.get('sector') || null;
    if (sectorParam !== null && !(SECTORS as readonly string[]).includes(sectorParam)) return failure(400, 'invalid_sector');
    const sector = sectorParam as Sector | null;
    const norms = await this.norms();

    const rows = await this.#d.store.overviewFamilies(allTeams.map((t) => t.id));
    // Families deleted by retention keep their past months' figures (counts and dates only).
    const retained = await this.#d.store.retainedSummaries(allTeams.map((t) => t.id));
    const districts = [...new Set([...rows, ...retained].map((r) => r.district))].sort(collator.compare);
    const district = q.get('district') || null;
    if (district !== null && !districts.includes(district)) return failure(400, 'invalid_district');

    const inScope = rows.filter((r) => (team === null || r.teamId === team) && (district === null || r.district === district));
    const filters: OverviewFilters = { team, district, sector, from: period.from, to: period.to };

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
      const p = summaries.get(row.familyId) ?? null;
      if (!p) pending++;
      const day = p ? dayOf(p, today, inactiveFrom) : null;
      const consent = familyConsentState((windows.get(row.familyId) ?? []).map(asConsent), now, warnUntil);
      const team = members.get(row.teamId) ?? new Set<string>();
      const tovholder = p?.s.tovholder && team.has(p.s.tovholder.userId) ? p.s.tovholder.userId : null;
      const involved = (day?.involved ?? []).filter((id) => team.has(id));
      byTeam.get(row.teamId)?.push({ row, p, f: day?.f ?? null, involved, consent, active: (p?.s.status ?? row.status) === 'aktiv', tovholder });
    }
    for (const r of retained) {
      if ((team !== null && r.teamId !== team) || (district !== null && r.district !== district)) continue;
      const p = prepare(JSON.parse(r.data) as PlanSummary);
      const row: OverviewFamilyRow = { familyId: r.familyId, teamId: r.teamId, district: r.district, status: 'afsluttet' };
      const consent = familyConsentState([], now, warnUntil);
      byTeam.get(r.teamId)?.push({ row, p, f: dayOf(p, today, inactiveFrom).f, involved: [], consent, active: false, tovholder: null, deleted: true });
    }

    // ---- aggregate ----
    const months = new Set(period.months);
    const totals = new KeyFigureSum(period.months, today);
    const teamFigures: TeamFigures[] = [];
    const allWorkers: WorkerFigures[] = [];
    const workerFamilies = new Map<string, RequestFamily[]>(); // for the drill-down
    for (const t of teams) {
      const acc = new KeyFigureSum(period.months, today);
      const workers = new Map<string, WorkerAcc>();
      const workerOf = (id: string) => {
        let w = workers.get(id);
        if (!w) {
          const u = users.get(id);
          const s = u?.sector ?? null;
          w = new WorkerAcc({ id, name: u?.name ?? '', sector: s }, months, s ? norms[s] : norms.social);
          workers.set(id, w);
        }
        return w;
      };
      // Every worker of the team (of the chosen profession) has a row, also with no families; nobody else has one.
      for (const id of members.get(t.id) ?? []) if (sector === null || users.get(id)?.sector === sector) workerOf(id);
      for (const x of byTeam.get(t.id) ?? []) {
        acc.add(x);
        totals.add(x);
        if (!x.active || !x.p || !x.f) continue;
        for (const id of x.involved) {
          if (sector !== null && users.get(id)?.sector !== sector) continue;
          workerOf(id).add(x as FamilyWithPlan);
          const list = workerFamilies.get(id);
          if (list) list.push(x);
          else workerFamilies.set(id, [x]);
        }
      }
      const rows = [...workers.values()].map((w) => w.done()).sort((a, b) => b.caseload - a.caseload || collator.compare(a.name, b.name));
      allWorkers.push(...rows);
      teamFigures.push({
        id: t.id,
        name: t.name,
        district: t.district,
        cluster: t.cluster,
        figures: acc.done(),
        workers: rows,
        professions: professions(rows, norms)
      });
    }

    const overview: Overview = {
      generatedAt: now.toISOString(),
      today,
      filters,
      options: { teams: allTeams.map((t) => ({ id: t.id, name: t.name })), districts, sectors: [...SECTORS] },
      period,
      workableCaseload: norms.social,
      norms,
      professions: professions(allWorkers, norms),
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
          .map((x) => this.#familyFigures(x as FamilyWithPlan, worker, users, teams))
          .sort((a, b) => b.overdueActions - a.overdueActions || (a.lastActivity ?? '').localeCompare(b.lastActivity ?? '') || a.ref.localeCompare(b.ref))
      };
    }
    return response(200, overview);
  }

  #familyFigures(x: FamilyWithPlan, worker: string, users: Map<string, UserRow>, teams: TeamRow[]): FamilyFigures {
    const { f, row } = x;
    const s = x.p.s;
    return {
      ref: this.ref(row.familyId),
      teamId: row.teamId,
      teamName: teams.find((t) => t.id === row.teamId)?.name ?? row.teamId,
      district: row.district,
      status: s.status,
      role: x.tovholder === worker ? 'tovholder' : 'handlinger',
      tovholder: x.tovholder && s.tovholder ? { userId: x.tovholder, name: users.get(x.tovholder)?.name ?? '', since: s.tovholder.since } : null,
      openActions: f.openActions,
      ownOpenActions: f.openByOwner[worker] ?? 0,
      overdueActions: f.overdueActions,
      ownOverdueActions: f.overdueByOwner[worker] ?? 0,
      goals: s.goals,
      actions: s.actions,
      levels: s.levels,
      nextMeeting: f.nextMeeting,
      lastActivity: f.lastActivity,
      inactive: f.inactive,
      lastFeedback: s.lastFeedback,
      consent: x.consent
    };
  }
}

function asConsent(w: ConsentWindow): AccessConsent {
  return { familyId: w.familyId, categories: [], recipients: [], validFrom: w.validFrom, validUntil: w.validUntil, revokedAt: w.revokedAt };
}

/**
 * from/to as yyyy-MM (inclusive); by default the last DEFAULT_PERIOD_MONTHS
 * months up to this one. An invalid period is the error code that says what
 * is wrong with it, so the filters can say it beside the period.
 */
export function parsePeriod(
  from: string | null,
  to: string | null,
  now: Date
): Overview['period'] | PeriodProblem {
  if (from && !MONTH_PATTERN.test(from)) return 'period_from_format';
  if (to && !MONTH_PATTERN.test(to)) return 'period_to_format';
  const thisMonth = copenhagenDay(now).slice(0, 7);
  const end = to || thisMonth;
  const start = from || monthsBack(end, DEFAULT_PERIOD_MONTHS - 1);
  if (start > end) return 'period_order';
  const months = monthsBetween(start, end);
  if (months.length > MAX_PERIOD_MONTHS) return 'period_too_long';
  return { from: start, to: end, months };
}

/** Caseload per profession against its norm, over the given worker rows. */
export function professions(workers: readonly WorkerFigures[], norms: Record<Sector, number>): ProfessionFigures[] {
  const out: ProfessionFigures[] = [];
  for (const sector of SECTORS) {
    const rows = workers.filter((w) => w.sector === sector);
    if (rows.length === 0) continue;
    const caseloadSum = rows.reduce((n, w) => n + w.caseload, 0);
    out.push({
      sector,
      norm: norms[sector],
      workers: rows.length,
      caseloadSum,
      averageCaseload: round2(caseloadSum / rows.length),
      overNorm: rows.filter((w) => w.caseload > norms[sector]).length
    });
  }
  return out;
}

function monthsBack(month: string, n: number): string {
  const d = subMonths(new Date(`${month}-15T12:00:00Z`), n, { in: tz(PLAN_TIME_ZONE) });
  return copenhagenDay(d).slice(0, 7);
}
