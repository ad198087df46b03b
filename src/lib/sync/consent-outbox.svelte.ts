// Consents recorded on this device: straight to the server when it answers;
// otherwise they wait in the outbox as "afventer" and widen nobody's access
// until the server accepts them at the next sweep (or refuses them: "afvist",
// with the server's message, until the person discards them). What a queued
// consent says is sealed on the device (sealed-rows.ts).
import type { Consent } from '../shared/api-types.ts';
import type { ConsentOutboxRow, LocalDb } from '../storage/db.ts';
import { openOutbox, sealOutbox } from '../storage/sealed-rows.ts';
import { ApiFailure } from './api.ts';
import type { ApiCall } from './internal/seams.ts';

export type ConsentInput = ConsentOutboxRow['payload'];
export type SubmitResult = { state: 'accepted'; consent: Consent } | { state: 'afventer' };

export interface ConsentOutboxSeams {
  db: () => LocalDb | null;
  api: ApiCall;
  /** the browser's hint: without it the device does not even try */
  browserOnline: () => boolean;
  /** the server accepted a consent: access may have widened */
  onAccepted: () => void;
  newId?: () => string;
  now?: () => Date;
}

export class ConsentOutbox {
  /** consents waiting to be sent */
  pending = $state(0);
  readonly #s: ConsentOutboxSeams;

  constructor(seams: ConsentOutboxSeams) {
    this.#s = seams;
  }

  async submit(familyId: string, input: Omit<ConsentInput, 'id'>): Promise<SubmitResult> {
    const db = this.#s.db();
    // The device names the consent, so an upload retried after a lost answer is not recorded twice.
    const payload: ConsentInput = { ...input, id: (this.#s.newId ?? (() => crypto.randomUUID()))() };
    if (this.#s.browserOnline()) {
      try {
        const consent = await this.#s.api<Consent>(`/api/families/${familyId}/consents`, { method: 'POST', body: payload });
        this.#s.onAccepted();
        return { state: 'accepted', consent };
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 0) throw err;
      }
    }
    if (!db) throw new Error('no local store');
    await db.consentOutbox.add(await sealOutbox({ familyId, payload, createdAt: (this.#s.now?.() ?? new Date()).toISOString(), state: 'afventer', error: '' }));
    await this.count();
    return { state: 'afventer' };
  }

  /** Sends what waits. A refusal is kept with the server's reason; no connection keeps it waiting. */
  async flush() {
    const db = this.#s.db();
    if (!db) return;
    for (const row of await openOutbox(await db.consentOutbox.where('state').equals('afventer').toArray())) {
      try {
        await this.#s.api<Consent>(`/api/families/${row.familyId}/consents`, { method: 'POST', body: row.payload });
        await db.consentOutbox.delete(row.localId as number);
      } catch (err) {
        if (err instanceof ApiFailure && err.status !== 0) {
          await db.consentOutbox.put(await sealOutbox({ ...row, state: 'afvist', error: err.message }));
        }
      }
    }
    await this.count();
  }

  /** Consents of a family still in this device's outbox. */
  async queued(familyId: string): Promise<ConsentOutboxRow[]> {
    const db = this.#s.db();
    return db ? openOutbox(await db.consentOutbox.where('familyId').equals(familyId).toArray()) : [];
  }

  /** Drops a queued consent the server refused (the person has seen why). */
  async discard(localId: number) {
    await this.#s.db()?.consentOutbox.delete(localId);
    await this.count();
  }

  async count() {
    const db = this.#s.db();
    if (db) this.pending = await db.consentOutbox.where('state').equals('afventer').count();
  }

  reset() {
    this.pending = 0;
  }
}
