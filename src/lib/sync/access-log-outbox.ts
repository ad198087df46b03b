// The offline access log: an opening of a family's room that the relay could
// not see (offline, or the relay unreachable for a while) is logged on the
// device and uploaded at the next sweep, so the family's access log stays
// complete (DESIGN §6).
import type { LocalDb } from '../storage/db.ts';
import { ApiFailure } from './api.ts';
import type { ApiCall } from './internal/seams.ts';

/** Offline openings per upload (the server takes at most 1,000). */
export const ACCESS_UPLOAD_BATCH = 200;

export class AccessLogOutbox {
  readonly #api: ApiCall;
  readonly #deviceId: () => string;
  readonly #batch: number;

  constructor(seams: { api: ApiCall; deviceId: () => string; batch?: number }) {
    this.#api = seams.api;
    this.#deviceId = seams.deviceId;
    this.#batch = seams.batch ?? ACCESS_UPLOAD_BATCH;
  }

  record(db: LocalDb, entry: { at: string; room: string }) {
    return db.accessOutbox.add({ ...entry, action: 'open-offline' });
  }

  /**
   * Sends the openings made offline. The server takes a batch whole or not at
   * all and stores an opening once however often it is sent, so a batch is
   * deleted only after it was accepted. A batch it refuses (400: an opening
   * it will never accept, e.g. older than the lease) is sent again one by
   * one, so the others still arrive and only the refused ones are dropped;
   * no connection or too many for now (429): everything stays for the next sweep.
   */
  async upload(db: LocalDb) {
    const offline = await db.accessOutbox.toArray();
    const send = (rows: typeof offline) =>
      this.#api('/api/access-log', { method: 'POST', body: { deviceId: this.#deviceId(), entries: rows.map(({ at, room, action }) => ({ at, room, action })) } });
    const done = (rows: typeof offline) => db.accessOutbox.bulkDelete(rows.map((e) => e.localId as number));
    for (let i = 0; i < offline.length; i += this.#batch) {
      const batch = offline.slice(i, i + this.#batch);
      try {
        await send(batch);
        await done(batch);
      } catch (err) {
        if (!(err instanceof ApiFailure) || err.status !== 400) return; // stays queued for the next sweep
        for (const row of batch) {
          try {
            await send([row]);
            await done([row]);
          } catch (one) {
            if (!(one instanceof ApiFailure) || one.status !== 400) return;
            console.warn(`the server refused an offline opening of ${row.room} at ${row.at}: ${one.message}`);
            await done([row]);
          }
        }
      }
    }
  }
}
