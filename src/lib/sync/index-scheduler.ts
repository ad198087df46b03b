// Keeps the local index (Dexie rows the caseload reads) in step with the plan
// documents: a burst of edits re-indexes a family once, a short while after
// the last one, from the live document or else from its y-indexeddb copy.
import type * as Y from 'yjs';
import type { FamilySummary } from '../shared/api-types.ts';
import type { LocalDb } from '../storage/db.ts';
import { getFamily } from '../storage/sealed-rows.ts';
import { realClock, type Clock } from './internal/clock.ts';
import type { RoomEngine } from './internal/room-engine.ts';

export const INDEX_DELAY_MS = 400;

export interface IndexSchedulerSeams {
  db: () => LocalDb | null;
  engine: () => Promise<Pick<RoomEngine, 'familyRows' | 'indexStamp' | 'reindexFamily' | 'openStoredPlan'>>;
  /** the index changed: pages re-query */
  onIndexed: () => void;
  /** a scheduled run failed (nobody awaits it) */
  onError: (err: unknown) => void;
  clock?: Clock;
  /** today as yyyy-MM-dd (the device's day) */
  today: () => string;
}

export class IndexScheduler {
  readonly #timers = new Map<string, unknown>();
  readonly #s: IndexSchedulerSeams;
  readonly #clock: Clock;

  constructor(seams: IndexSchedulerSeams) {
    this.#s = seams;
    this.#clock = seams.clock ?? realClock;
  }

  schedule(familyId: string, doc?: Y.Doc) {
    const t = this.#timers.get(familyId);
    if (t) this.#clock.cancel(t);
    this.#timers.set(
      familyId,
      this.#clock.after(() => {
        this.#timers.delete(familyId);
        this.index(familyId, doc).catch((err: unknown) => this.#s.onError(err));
      }, INDEX_DELAY_MS)
    );
  }

  /**
   * Re-indexes one family from a live doc, or from its y-indexeddb copy. A
   * family the index does not list is left alone, and so is a row already
   * built from this state of the plan today: opening a plan to read it (its
   * stored updates arrive as changes) and leaving it write nothing, and the
   * row's last activity stays that of the plan's last change.
   */
  async index(familyId: string, doc?: Y.Doc) {
    const db = this.#s.db();
    if (!db) return;
    const existing = await getFamily(db, familyId);
    if (!existing) return;
    const summary: FamilySummary = {
      id: existing.id,
      name: existing.name,
      district: existing.district,
      teamId: existing.teamId,
      teamName: existing.teamName,
      status: existing.status,
      parts: existing.parts,
      // the server's date, kept as the sweep stored it (the desk shows when a consent ends)
      consentUntil: existing.consentUntil ?? null,
      workers: existing.workers,
      openedBySector: existing.openedBySector,
      ref: existing.ref,
      // a called-in specialist's row keeps its end date (only the server's list sets it)
      grantUntil: existing.grantUntil
    };
    const engine = await this.#s.engine();
    const stored = doc ? null : await engine.openStoredPlan(familyId);
    try {
      const plan = doc ?? (stored as { doc: Y.Doc }).doc;
      const today = this.#s.today();
      if (existing.indexedFrom === engine.indexStamp(plan, today)) return;
      const rows = engine.familyRows(summary, plan, today, this.#clock.now().toISOString());
      rows.family.consentStatus = existing.consentStatus;
      await engine.reindexFamily(db, rows);
      this.#s.onIndexed();
    } finally {
      await stored?.close();
    }
  }

  /** Drops scheduled runs (stop, logout). */
  reset() {
    for (const t of this.#timers.values()) this.#clock.cancel(t);
    this.#timers.clear();
  }
}
