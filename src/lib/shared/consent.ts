// Every consent rule, once (DESIGN §6): the methods and their documentation,
// the period's bounds, who may record, what a consent may not widen, and when
// a consent counts as expiring. The consent screens, the server's HTTP-body
// parser (server/consent.ts), the device's index and the leader overview all
// call these; none of them restates a rule.
// A consent is valid from an instant up to, not including, an instant; people
// think in days ("til og med 30. april"), so the form speaks days and these
// helpers turn them into instants in the device's time zone.
import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';
import { parseISO } from 'date-fns/parseISO';
import { startOfDay } from 'date-fns/startOfDay';
import { subDays } from 'date-fns/subDays';
import { TZDate, tz } from '@date-fns/tz';
import { calendarDayIn, formatDay } from './calendar-day.ts';
import { consentActive, type AccessConsent, type AccessFamily, type AccessUser } from './access.ts';
import type { Consent, ConsentMethod } from './api-types.ts';
import { PARTS, SECTORS, type Part, type Sector } from './rooms.ts';

const DAY_MS = 86_400_000;

/** Days before its end when a consent counts as expiring ("udløber snart"). */
export const EXPIRING_WITHIN_DAYS = 30;
/** The default validity of a new consent (DESIGN §6). */
export const DEFAULT_CONSENT_MONTHS = 12;
/** The longest a consent may run before it must be given again. */
export const MAX_CONSENT_MONTHS = 36;
/** How far ahead a consent may start. */
export const MAX_START_AHEAD_DAYS = 366;
/** The longest documentation (reference) of a consent. */
export const MAX_REFERENCE_CHARS = 500;
/** How a consent was given: signed on the screen, on paper, or orally. */
export const CONSENT_METHODS = ['signed', 'paper', 'oral'] as const satisfies readonly ConsentMethod[];
/** The days consents start on are Danish days, whatever the device's or server's zone. */
export const CONSENT_TIME_ZONE = 'Europe/Copenhagen';

// ---- who may record, and what (DESIGN §6) -----------------------------------
//
// Recording or withdrawing a consent decides who sees a family's data, so it
// is not every plan writer's to do. The rule, applied by the server and
// mirrored by the form:
//
//  1. Only the case-owning sector's workers of the family's team, the
//     family's tovholder (read from the plan), or the family itself may record
//     or withdraw a consent. (Citizens do not exist yet: when they do, a
//     citizen linked to the family is 'family' here, and rule 2 does not
//     apply to them — the family may share with whom it wants.)
//  2. A worker may never widen their own sector's access: a consent that
//     names the recorder's own sector as a recipient is refused for every
//     category that sector does not already hold without consent — its own
//     journal, and the plan when it is the case-owning sector. So a social
//     worker (case owner) may record "school may see the plan", but not
//     "social may see the school's notes": the family itself, or a tovholder
//     of another sector, must record that.

/** Who may record and withdraw a family's consents (DESIGN §6): the case-owning sector, the tovholder, the family itself. */
export type ConsentAuthority = 'case-owner' | 'tovholder' | 'family';

/** Why this user may record and withdraw the family's consents, or null when they may not. */
export function consentAuthority(user: AccessUser, family: AccessFamily, tovholderId: string | null, linkedCitizen = false): ConsentAuthority | null {
  // The family itself (a citizen whose link to it is active, DESIGN §6 rule 7), while the case is open.
  if (user.role === 'citizen') return linkedCitizen && family.status !== 'afsluttet' ? 'family' : null;
  if (user.role !== 'worker' || user.sector === null || !user.teamIds.includes(family.teamId)) return null;
  if (user.sector === family.openedBySector) return 'case-owner';
  if (tovholderId !== null && tovholderId === user.id) return 'tovholder';
  return null;
}

/** The categories a consent would newly give the recorder's own sector (empty: it widens nothing of theirs). */
export function widenedForRecorder(
  user: Pick<AccessUser, 'sector'>,
  family: Pick<AccessFamily, 'openedBySector'>,
  consent: { categories: readonly Part[]; recipients: readonly Sector[] }
): Part[] {
  const own = user.sector;
  if (own === null || !consent.recipients.includes(own)) return [];
  return consent.categories.filter((c) => c !== own && !(c === 'plan' && family.openedBySector === own));
}

export function isConsentMethod(v: unknown): v is ConsentMethod {
  return typeof v === 'string' && (CONSENT_METHODS as readonly string[]).includes(v);
}

/** A paper or oral consent without its documentation (where the paper is filed, how the oral consent was given). */
export function documentationMissing(method: ConsentMethod, reference: string | null | undefined): boolean {
  return method !== 'signed' && !(reference ?? '').trim();
}

/** The Danish calendar day (yyyy-MM-dd) of an instant. */
export function consentDay(instant: Date): string {
  return calendarDayIn(instant, CONSENT_TIME_ZONE);
}

/** A consent may not start before today (a Danish day): it cannot cover what already happened. */
export function startsBeforeToday(validFrom: Date, now: Date): boolean {
  return consentDay(validFrom) < consentDay(now);
}

export type PeriodProblem = 'until_before_from' | 'too_long' | 'from_far' | 'from_past';

/**
 * What is wrong with a consent's period, or null. A consent starting in the
 * past would make earlier sharing look consented; one running longer than
 * MAX_CONSENT_MONTHS (a day's slack for the "til og med" day) must be given
 * again instead.
 */
export function periodProblem(validFrom: Date, validUntil: Date, now: Date): PeriodProblem | null {
  if (validFrom.getTime() - now.getTime() > MAX_START_AHEAD_DAYS * DAY_MS) return 'from_far';
  if (validUntil.getTime() <= validFrom.getTime()) return 'until_before_from';
  if (validUntil.getTime() > addMonths(validFrom, MAX_CONSENT_MONTHS).getTime() + DAY_MS) return 'too_long';
  if (startsBeforeToday(validFrom, now)) return 'from_past';
  return null;
}

/** A consent's end when none is given: DEFAULT_CONSENT_MONTHS after its start. */
export function defaultValidUntil(validFrom: Date): Date {
  return addMonths(validFrom, DEFAULT_CONSENT_MONTHS);
}

// ---- expiring ----------------------------------------------------------------

/**
 * The instant from which a consent's end no longer counts as "expiring": the
 * start (Danish day) of the day EXPIRING_WITHIN_DAYS + 1 calendar days after
 * `now`'s day. A consent ending before it ends within the warning window.
 */
export function expiringBefore(now: Date): number {
  return startOfDay(addDays(new TZDate(now.getTime(), CONSENT_TIME_ZONE), EXPIRING_WITHIN_DAYS + 1)).getTime();
}

/** The same for a Danish calendar day (yyyy-MM-dd), as the device's index counts. */
export function expiringBeforeDay(today: string): number {
  return expiringBefore(parseISO(today, { in: tz(CONSENT_TIME_ZONE) }));
}

export type ConsentState = 'kommende' | 'aktiv' | 'udloeber' | 'udloebet' | 'tilbagekaldt';

/** Where one consent stands at `now`. */
export function consentState(c: AccessConsent, now: Date): ConsentState {
  if (c.revokedAt !== null && Date.parse(c.revokedAt) <= now.getTime()) return 'tilbagekaldt';
  if (Date.parse(c.validUntil) <= now.getTime()) return 'udloebet';
  if (!consentActive(c, now)) return 'kommende';
  return Date.parse(c.validUntil) < expiringBefore(now) ? 'udloeber' : 'aktiv';
}

/** A family's consent situation: its consents taken together, as the index, the caseload and the overview show it. */
export type FamilyConsentStatus = 'aktiv' | 'udloeber' | 'udloebet' | 'tilbagekaldt' | 'ingen';

/**
 * A family's consent situation at `now`, from the server's consent records
 * (not the document): `until` is when the last active consent ends, or when
 * the most recent one ended. 'udloeber' when the active cover ends before
 * `warnUntil` (expiringBefore(now), passed in by callers that ask for many families).
 */
export function familyConsentState(
  consents: readonly AccessConsent[],
  now: Date,
  warnUntil: number = expiringBefore(now)
): { status: FamilyConsentStatus; until: string | null } {
  const active = consents.filter((c) => consentActive(c, now));
  if (active.length > 0) {
    const until = active.map((c) => c.validUntil).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
    return { status: Date.parse(until) < warnUntil ? 'udloeber' : 'aktiv', until };
  }
  // No active consent: say how the most recent one ended (one not yet valid counts as none).
  const t = now.getTime();
  let last: { at: number; status: FamilyConsentStatus } | null = null;
  for (const c of consents) {
    const revokedAt = c.revokedAt === null ? Infinity : Date.parse(c.revokedAt);
    const untilAt = Date.parse(c.validUntil);
    const endedAt = Math.min(revokedAt, untilAt);
    if (endedAt > t) continue;
    const status: FamilyConsentStatus = revokedAt < untilAt ? 'tilbagekaldt' : 'udloebet';
    if (last === null || endedAt > last.at) last = { at: endedAt, status };
  }
  return last ? { status: last.status, until: new Date(last.at).toISOString() } : { status: 'ingen', until: null };
}

/** The device index's status for a family whose last active consent ends at `until` (null: none active). */
export function indexedConsentStatus(until: string | null, today: string): 'aktiv' | 'udloeber' | 'ingen' {
  if (!until) return 'ingen';
  return Date.parse(until) < expiringBeforeDay(today) ? 'udloeber' : 'aktiv';
}


/** The form's default period: from today, through the day before the same date 12 months on. */
export function defaultPeriod(now: Date): { fromDay: string; untilDay: string } {
  return { fromDay: formatDay(now), untilDay: formatDay(subDays(addMonths(startOfDay(now), DEFAULT_CONSENT_MONTHS), 1)) };
}

/**
 * Days (yyyy-MM-dd, both inclusive) to the instants the API takes. A period
 * starting today starts now, so the consent takes effect the moment it is
 * accepted; it ends at the start of the day after `untilDay`.
 */
export function periodInstants(fromDay: string, untilDay: string, now: Date): { validFrom: string; validUntil: string } {
  const from = fromDay === formatDay(now) ? now : startOfDay(parseISO(fromDay));
  return { validFrom: from.toISOString(), validUntil: startOfDay(addDays(parseISO(untilDay), 1)).toISOString() };
}

/** The last day a consent is valid ("til og med"), as yyyy-MM-dd in the device's time zone. */
export function lastValidDay(validUntil: string): string {
  return formatDay(new Date(Date.parse(validUntil) - 1));
}

/** The first day a consent is valid, as yyyy-MM-dd. */
export function firstValidDay(validFrom: string): string {
  return formatDay(parseISO(validFrom));
}

/** What the consent form edits: days instead of instants, and the method's evidence. */
export interface ConsentDraft {
  givenBy: string;
  categories: Part[];
  recipients: Sector[];
  purpose: string;
  fromDay: string;
  untilDay: string;
  method: ConsentMethod;
  signature: string | null;
  reference: string;
  renewsId: string | null;
}

export type DraftProblem = 'givenBy' | 'categories' | 'recipients' | 'purpose' | 'dates' | 'signature' | 'reference' | 'widens';

/**
 * The first things a person must fix before the form can be sent; the server
 * checks the same again. With the recorder, also a consent that would widen
 * the recorder's own sector's access (widenedForRecorder).
 */
export function draftProblems(
  d: ConsentDraft,
  now: Date,
  recorder?: { user: Pick<AccessUser, 'sector'>; family: Pick<AccessFamily, 'openedBySector'> }
): DraftProblem[] {
  const out: DraftProblem[] = [];
  if (!d.givenBy.trim()) out.push('givenBy');
  if (d.categories.length === 0) out.push('categories');
  if (d.recipients.length === 0) out.push('recipients');
  if (!d.purpose.trim()) out.push('purpose');
  const okDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(parseISO(s).getTime());
  if (!okDay(d.fromDay) || !okDay(d.untilDay)) out.push('dates');
  else {
    // The same bounds the server applies, to the instants the form would send.
    const { validFrom, validUntil } = periodInstants(d.fromDay, d.untilDay, now);
    if (periodProblem(new Date(validFrom), new Date(validUntil), now)) out.push('dates');
  }
  if (d.method === 'signed' && !d.signature) out.push('signature');
  if (documentationMissing(d.method, d.reference)) out.push('reference');
  if (recorder && widenedForRecorder(recorder.user, recorder.family, d).length > 0) out.push('widens');
  return out;
}

/** The API body for a draft (the device adds the consent's id when it sends it). */
export function draftPayload(d: ConsentDraft, now: Date): Omit<Consent, 'id' | 'familyId' | 'recordedBy' | 'recordedAt' | 'revokedAt' | 'revokedBy'> {
  const { validFrom, validUntil } = periodInstants(d.fromDay, d.untilDay, now);
  // Kept in the catalogue's order, as the server does.
  return {
    givenBy: d.givenBy.trim(),
    categories: PARTS.filter((p) => d.categories.includes(p)),
    recipients: SECTORS.filter((s) => d.recipients.includes(s)),
    purpose: d.purpose.trim(),
    validFrom,
    validUntil,
    method: d.method,
    signature: d.method === 'signed' ? d.signature : null,
    reference: d.reference.trim() || null,
    renewsId: d.renewsId
  };
}

/** A renewal starts from the consent it renews: same content, a fresh period, a fresh signature. */
export function renewalDraft(c: Consent, now: Date): ConsentDraft {
  return {
    givenBy: c.givenBy,
    categories: [...c.categories],
    recipients: [...c.recipients],
    purpose: c.purpose,
    ...defaultPeriod(now),
    method: c.method,
    signature: null,
    reference: '',
    renewsId: c.id
  };
}
