// Retention (issue #14): a closed case is deleted RETENTION_YEARS (default 5)
// after the day it was closed — its update logs and their archive, journals,
// consents, audit, grants, transfers and summary — leaving a deletion record
// (family id, when, by which rule, counts of what went). The store does the
// deletion in one transaction and is the only path past the append-only
// triggers (docs/security.md "Retention"). A dry run lists what is due first;
// the sweep runs it under an advisory lock (one node of several) and is safe
// to run twice: a family deleted already, or reopened meanwhile, is skipped.
import { addYears } from 'date-fns/addYears';
import { subYears } from 'date-fns/subYears';
import type { PlanSummary } from '../src/lib/domain/summary.ts';
import type { RetentionDue, RetentionListing, RetentionRunResult } from '../src/lib/shared/api-types.ts';
import type { AuditLog, Identity, Retention, RetentionDeletion, Summaries } from './store/types.ts';

export const DEFAULT_RETENTION_YEARS = 5;

export interface RetentionDeps {
  store: Retention & Pick<Summaries, 'planSummary'> & Pick<AuditLog, 'audit'> & Pick<Identity, 'listUsers'>;
  years: number;
  now(): Date;
  /**
   * After a deletion: every socket on the family's rooms closes (4403) on every
   * node, and these users' devices fetch their manifest at once and purge.
   */
  familyDeleted(familyId: string, users: string[]): Promise<void>;
}

/**
 * What the leader overview keeps of a deleted family: the past months'
 * tallies and dates that earlier periods are made of, without any person
 * (tovholder, action owners) or anything about the future.
 */
export function retainedSummary(data: string): string {
  const s = JSON.parse(data) as PlanSummary;
  const kept: PlanSummary = { ...s, status: 'afsluttet', openDue: {}, tovholder: null, upcomingMeetings: [] };
  return JSON.stringify(kept);
}

export class RetentionService {
  readonly #d: RetentionDeps;

  constructor(deps: RetentionDeps) {
    if (!(deps.years > 0)) throw new Error('RETENTION_YEARS must be more than 0');
    this.#d = deps;
  }

  get rule(): string {
    return `RETENTION_YEARS=${this.#d.years}`;
  }

  #cutoff(now: Date): string {
    return subYears(now, this.#d.years).toISOString();
  }

  /** The dry run: closed cases whose period has run out (ids and dates only), and the latest deletion records. */
  async listing(): Promise<RetentionListing> {
    const now = this.#d.now();
    const due: RetentionDue[] = (await this.#d.store.closedBefore(this.#cutoff(now))).map((c) => ({
      familyId: c.familyId,
      teamId: c.teamId,
      closedAt: c.closedAt,
      dueAt: addYears(new Date(c.closedAt), this.#d.years).toISOString()
    }));
    return { rule: this.rule, years: this.#d.years, now: now.toISOString(), due, deleted: await this.#d.store.retentionDeletions(200) };
  }

  /** Deletes every due case; `by` is the admin's user id, or `system` for the sweep. */
  async run(by: string): Promise<RetentionRunResult> {
    const now = this.#d.now();
    const cutoff = this.#cutoff(now);
    const deleted: RetentionDeletion[] = [];
    for (const c of await this.#d.store.closedBefore(cutoff)) {
      const summary = await this.#d.store.planSummary(c.familyId);
      // The team's workers hear of it too: their lists drop the family at once.
      const team = (await this.#d.store.listUsers()).filter((u) => u.active && u.teamIds.includes(c.teamId)).map((u) => u.id);
      const out = await this.#d.store.deleteForRetention(c.familyId, cutoff, {
        deletedAt: this.#d.now().toISOString(),
        rule: this.rule,
        deletedBy: by,
        retainedSummary: summary ? retainedSummary(summary.data) : null
      });
      if (!out) continue; // reopened, or deleted by another run meanwhile
      deleted.push(out.record);
      await this.#d.store.audit({
        at: out.record.deletedAt,
        userId: by === 'system' ? null : by,
        familyId: null,
        room: null,
        action: 'retention-deleted',
        detail: JSON.stringify({ familyId: out.record.familyId, rule: out.record.rule, counts: out.record.counts }),
        deviceId: null
      });
      await this.#d.familyDeleted(c.familyId, [...new Set([...out.users, ...team])]);
    }
    return { rule: this.rule, deleted };
  }
}
