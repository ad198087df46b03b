// A worker's inbox (issue #16): GET /api/notifications, POST /api/notifications/read.
//
// A notification carries ids and a kind only — who it is for, which family (by
// id), who caused it — never a family's name or any text of a plan, so it may
// be cached on a device, shown on a lock screen or (later) handed to a push
// service without leaking family content. The device names the family from its
// own index, which only holds families it may open; a family it cannot open is
// shown as "a family you no longer have access to".
//
// Where notices come from:
//  - the plan document (fromPlan, called by the summariser after a plan
//    changed): handovers proposed / accepted / declined, actions assigned. The
//    notice keys a plan yields are kept per family; only keys new since the
//    last time notify, and a plan seen for the first time only sets the
//    baseline (a start-up backfill notifies nobody about old facts);
//  - reminders (an action of mine overdue, a consent expiring for the family
//    whose tovholder I am), derived from the stored summaries and consents
//    when the user's list is read, at most once per user and day per node;
//  - access given or ended (the case lifecycle's grants, accessNotice);
//  - the family's own room (`f-<id>.family`, written only by the family):
//    its tovholder — or, without one, the case-owning sector's workers in the
//    team — hears of it once a day per family (familyWrote).
// Each batch that adds something publishes an access event to its recipients,
// so open devices fetch the list at once — except reminders, derived while the
// user's own list is read (that answer carries them).
import { randomUUID } from 'node:crypto';
import type * as Y from 'yjs';
import { readActions, readTovholderProposals } from '../src/lib/domain/plan.ts';
import { copenhagenDay, figuresOn, type PlanSummary } from '../src/lib/domain/summary.ts';
import { isOpenAction, isOverdueDue } from '../src/lib/domain/today.ts';
import { expiringBefore, familyConsentState } from '../src/lib/shared/consent.ts';
import { NOTIFICATION_KINDS, type Notification, type NotificationKind } from '../src/lib/shared/api-types.ts';
import { HttpError } from './http-error.ts';
import type { Consents, Families, Identity, NotificationRow, Notifications, Summaries, UserRow } from './store/types.ts';
import { errorFields, type Logger } from './log.ts';

export const NOTIFICATION_LIMIT = 200;

export interface Notice {
  userId: string;
  kind: NotificationKind;
  familyId: string | null;
  actorId: string | null;
  key: string;
}

export interface NotifierDeps {
  /** Where failures are logged (structured, never family content); silent when absent. */
  log?: Logger;
  store: Notifications & Pick<Identity, 'userNames'> & Pick<Families, 'familiesOfTeams'> & Pick<Summaries, 'summariesSince'> & Pick<Consents, 'consentsOfFamilies'>;
  now(): Date;
  /** tells the users' open devices to fetch again (the access event channel) */
  publish(userIds: string[]): void;
}

/** The notices a plan yields now, keyed within the family; only workers of the family's team are told. */
export function planNotices(familyId: string, doc: Y.Doc, isTeamWorker: (id: string) => boolean): Notice[] {
  const out: Notice[] = [];
  const key = (k: string) => `plan:${familyId}:${k}`;
  for (const p of readTovholderProposals(doc)) {
    if (p.outcome === '' && isTeamWorker(p.userId) && p.userId !== p.proposedBy) {
      out.push({ userId: p.userId, kind: 'handover-proposed', familyId, actorId: p.proposedBy || null, key: key(`handover:${p.id}`) });
    } else if ((p.outcome === 'accepted' || p.outcome === 'declined') && isTeamWorker(p.proposedBy) && p.proposedBy !== p.decidedBy) {
      out.push({ userId: p.proposedBy, kind: p.outcome === 'accepted' ? 'handover-accepted' : 'handover-declined', familyId, actorId: p.decidedBy || null, key: key(`handover:${p.id}:${p.outcome}`) });
    }
  }
  for (const a of readActions(doc)) {
    if (!isOpenAction(a.status) || !a.ownerId || !isTeamWorker(a.ownerId) || a.ownerId === a.createdBy) continue;
    out.push({ userId: a.ownerId, kind: 'action-assigned', familyId, actorId: null, key: key(`assigned:${a.id}:${a.ownerId}`) });
  }
  return out;
}

export class Notifier {
  readonly #d: NotifierDeps;
  /** user id -> the Copenhagen day reminders were last derived for them (this node) */
  readonly #remindedOn = new Map<string, string>();
  /** the stored summaries, read incrementally by revision (as the overview does) */
  readonly #summaries = new Map<string, PlanSummary>();
  #summaryRev = 0;

  async #readSummaries(): Promise<Map<string, PlanSummary>> {
    for (const r of await this.#d.store.summariesSince(this.#summaryRev)) {
      if (r.rev <= this.#summaryRev) continue;
      try {
        this.#summaries.set(r.familyId, JSON.parse(r.data) as PlanSummary);
      } catch {
        this.#summaries.delete(r.familyId);
      }
      this.#summaryRev = r.rev;
    }
    return this.#summaries;
  }

  constructor(deps: NotifierDeps) {
    this.#d = deps;
  }

  /** Adds notices (those already there are skipped) and tells the recipients' devices (unless `quiet`: the asking device gets them in its answer). */
  async notify(notices: readonly Notice[], opts: { quiet?: boolean } = {}): Promise<NotificationRow[]> {
    if (notices.length === 0) return [];
    const at = this.#d.now().toISOString();
    const added = await this.#d.store.addNotifications(
      notices.map((n) => ({ id: randomUUID(), userId: n.userId, kind: n.kind, familyId: n.familyId, actorId: n.actorId, key: n.key, createdAt: at, readAt: null }))
    );
    if (added.length > 0 && !opts.quiet) this.#d.publish([...new Set(added.map((n) => n.userId))]);
    return added;
  }

  /** The summariser's hook: a family's plan as it stands after a change. */
  async fromPlan(familyId: string, doc: Y.Doc, isTeamWorker: (id: string) => boolean): Promise<void> {
    const notices = planNotices(familyId, doc, isTeamWorker);
    const keys = notices.map((n) => n.key);
    const before = await this.#d.store.noticeKeys(familyId);
    if (before !== undefined) {
      const seen = new Set(before);
      await this.notify(notices.filter((n) => !seen.has(n.key)));
    }
    if (before === undefined || before.length !== keys.length || before.some((k, i) => k !== keys[i])) await this.#d.store.setNoticeKeys(familyId, keys);
  }

  /** The family wrote in its own room (a wish, a question, feedback): once per family and Copenhagen day, to `to`. */
  async familyWrote(familyId: string, day: string, to: readonly string[]): Promise<void> {
    await this.notify(to.map((userId) => ({ userId, kind: 'family-wish' as const, familyId, actorId: null, key: `family-wish:${familyId}:${day}` })));
  }

  /** A grant given or ended (the case lifecycle): the specialist hears of it. */
  async access(userId: string, familyId: string, kind: 'access-given' | 'access-ended', actorId: string, ref: string): Promise<void> {
    await this.notify([{ userId, kind, familyId, actorId, key: `access:${familyId}:${ref}:${kind}` }]);
  }

  /**
   * Reminders for one worker on today's date: an action of theirs overdue (one
   * notice per family until a later action falls overdue), the consent of a
   * family they are tovholder for expiring within 30 days (one per end date).
   */
  async remind(user: UserRow): Promise<void> {
    if (user.role !== 'worker' || user.teamIds.length === 0) return;
    const now = this.#d.now();
    const today = copenhagenDay(now);
    if (this.#remindedOn.get(user.id) === today) return;
    this.#remindedOn.set(user.id, today);
    const families = await this.#d.store.familiesOfTeams(user.teamIds);
    const ids = new Set(families.filter((f) => f.status === 'aktiv').map((f) => f.id));
    if (ids.size === 0) return;
    const notices: Notice[] = [];
    const tovholderOf: string[] = [];
    const summaries = await this.#readSummaries();
    for (const familyId of ids) {
      const s = summaries.get(familyId);
      if (!s) continue;
      const overdue = (s.openDue?.[user.id] ?? []).filter((d) => isOverdueDue(d, today));
      if (s.status === 'aktiv' && overdue.length > 0 && figuresOn(s, today).overdueByOwner[user.id]) {
        notices.push({ userId: user.id, kind: 'action-overdue', familyId, actorId: null, key: `overdue:${familyId}:${overdue.at(-1)}` });
      }
      if (s.tovholder?.userId === user.id) tovholderOf.push(familyId);
    }
    if (tovholderOf.length > 0) {
      const warnUntil = expiringBefore(now);
      const byFamily = new Map<string, Parameters<typeof familyConsentState>[0][number][]>();
      for (const c of await this.#d.store.consentsOfFamilies(tovholderOf)) {
        let list = byFamily.get(c.familyId);
        if (!list) byFamily.set(c.familyId, (list = []));
        list.push(c);
      }
      for (const familyId of tovholderOf) {
        const state = familyConsentState(byFamily.get(familyId) ?? [], now, warnUntil);
        if (state.status === 'udloeber' && state.until) {
          notices.push({ userId: user.id, kind: 'consent-expiring', familyId, actorId: null, key: `consent:${familyId}:${state.until}` });
        }
      }
    }
    // Derived while the user's own list is read: that answer carries them; an access
    // event would only make every open device of the user sweep again.
    await this.notify(notices, { quiet: true });
  }

  /** GET /api/notifications: the user's own, newest first, with the actors' names. */
  async list(user: UserRow): Promise<{ notifications: Notification[]; unread: number }> {
    try {
      await this.remind(user);
    } catch (err) {
      // Reminders are a convenience: the list is still served.
      this.#remindedOn.delete(user.id);
      this.#d.log?.error('notifications.reminders_failed', errorFields(err));
    }
    const rows = await this.#d.store.notificationsOf(user.id, NOTIFICATION_LIMIT);
    const names = await this.#d.store.userNames([...new Set(rows.map((r) => r.actorId).filter((a): a is string => !!a))]);
    const notifications = rows
      .filter((r) => (NOTIFICATION_KINDS as readonly string[]).includes(r.kind))
      .map((r) => ({
        id: r.id,
        kind: r.kind as NotificationKind,
        familyId: r.familyId,
        actorName: r.actorId ? (names.get(r.actorId) ?? '') : '',
        createdAt: r.createdAt,
        read: r.readAt !== null
      }));
    return { notifications, unread: notifications.filter((n) => !n.read).length };
  }

  /** POST /api/notifications/read: `{ ids: string[] }` or `{ all: true }`; only the user's own change. */
  async read(user: UserRow, body: unknown): Promise<{ changed: number }> {
    const b = (body ?? {}) as { ids?: unknown; all?: unknown };
    let ids: string[] | 'all';
    if (b.all === true) ids = 'all';
    else if (Array.isArray(b.ids) && b.ids.length <= NOTIFICATION_LIMIT && b.ids.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64)) ids = b.ids as string[];
    else throw new HttpError(400, 'invalid_notification_read');
    const changed = await this.#d.store.markNotificationsRead(user.id, ids, this.#d.now().toISOString());
    // The user's other devices update their badge.
    if (changed > 0) this.#d.publish([user.id]);
    return { changed };
  }
}
