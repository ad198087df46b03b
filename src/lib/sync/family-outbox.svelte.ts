// Families opened on this device (issue 14): straight to the server when it
// answers; otherwise the opening waits here, sealed, and is sent at the next
// sweep — the device chose the family's id, so a request whose answer was
// lost is sent again without opening the family twice. Until the server has
// it the family is listed as waiting and nobody else can see it; a refusal
// stays with the server's reason until the worker discards it.
import type { NewFamilyRequest } from '../shared/api-types.ts';
import type { FamilyOutboxRow, LocalDb } from '../storage/db.ts';
import { openFamilyOutbox, sealFamilyOutbox } from '../storage/sealed-rows.ts';
import { ApiFailure } from './api.ts';
import type { ApiCall } from './internal/seams.ts';

export type OpenResult = { state: 'created'; id: string } | { state: 'afventer'; id: string };

export interface FamilyOutboxSeams {
  db: () => LocalDb | null;
  api: ApiCall;
  browserOnline: () => boolean;
  /** the server has a new family: the caseload should list it */
  onCreated: () => void;
  now?: () => Date;
}

export class FamilyOutbox {
  /** families waiting to be sent */
  pending = $state(0);
  /** families on this device the server does not have: waiting, or refused until the worker has seen why */
  stored = $state(0);
  /** bumped whenever the waiting list changes, for pages that show it */
  version = $state(0);
  readonly #s: FamilyOutboxSeams;

  constructor(seams: FamilyOutboxSeams) {
    this.#s = seams;
  }

  async open(input: NewFamilyRequest): Promise<OpenResult> {
    if (this.#s.browserOnline()) {
      try {
        const { id } = await this.#s.api<{ id: string }>('/api/families', { method: 'POST', body: input });
        this.#s.onCreated();
        return { state: 'created', id };
      } catch (err) {
        // Only "no connection" queues; a refusal is the form's to show.
        if (!(err instanceof ApiFailure) || err.status !== 0) throw err;
      }
    }
    const db = this.#s.db();
    if (!db) throw new Error('no local store');
    await db.familyOutbox.put(await sealFamilyOutbox({ id: input.id, payload: input, createdAt: (this.#s.now?.() ?? new Date()).toISOString(), state: 'afventer', error: '' }));
    await this.count();
    return { state: 'afventer', id: input.id };
  }

  /** Sends what waits; resolves with how many families the server now has. */
  async flush(): Promise<number> {
    const db = this.#s.db();
    if (!db) return 0;
    let created = 0;
    for (const row of await openFamilyOutbox(await db.familyOutbox.where('state').equals('afventer').toArray())) {
      try {
        await this.#s.api<{ id: string }>('/api/families', { method: 'POST', body: row.payload });
        await db.familyOutbox.delete(row.id);
        created++;
      } catch (err) {
        if (err instanceof ApiFailure && err.status !== 0) {
          await db.familyOutbox.put(await sealFamilyOutbox({ ...row, state: 'afvist', error: err.message }));
        } else {
          break; // no connection: the rest waits too
        }
      }
    }
    await this.count();
    if (created > 0) this.#s.onCreated();
    return created;
  }

  /** What waits on this device, oldest first. */
  async list(): Promise<FamilyOutboxRow[]> {
    const db = this.#s.db();
    if (!db) return [];
    return (await openFamilyOutbox(await db.familyOutbox.toArray())).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Drops a refused opening (the worker has seen why). */
  async discard(id: string) {
    await this.#s.db()?.familyOutbox.delete(id);
    await this.count();
  }

  async count() {
    const db = this.#s.db();
    if (db) [this.pending, this.stored] = await Promise.all([db.familyOutbox.where('state').equals('afventer').count(), db.familyOutbox.count()]);
    this.version++;
  }

  reset() {
    this.pending = 0;
    this.stored = 0;
    this.version++;
  }
}
