// The worker's inbox on the device (issue #16): the server's list
// (GET /api/notifications), fetched when the device comes online, after every
// access event (the server publishes one to each recipient of a new notice) and
// at each sweep; cached in the local index's meta table, sealed like other
// family-related data, so the badge and the list are there offline too.
// Notifications hold ids and a kind only; the family's name comes from the
// device's own index.
import type { Notification } from '../shared/api-types.ts';
import type { LocalDb } from '../storage/db.ts';
import { sealJson, unsealJson } from '../storage/device-key.ts';
import { api, pendingLogout } from './api.ts';

const CACHE_KEY = 'notifications';
const CONTEXT = 'notifications';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(text: string): Uint8Array {
  // A plain loop: Uint8Array.from(string, fn) goes through the string's iterator and a call per byte.
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class Inbox {
  list = $state.raw<Notification[]>([]);
  /** the list is the device's copy (not fetched since this page loaded, or offline) */
  cached = $state(true);
  readonly unread = $derived(this.list.filter((n) => !n.read).length);
  #db: LocalDb | null = null;
  #fetching: Promise<void> | null = null;

  /** Shows the device's copy of the list (if any) for this user's index. */
  async open(db: LocalDb): Promise<void> {
    if (this.#db === db) return;
    this.#db = db;
    this.list = [];
    this.cached = true;
    try {
      if (pendingLogout()) return;
      const row = await db.meta.get(CACHE_KEY);
      if (row && this.#db === db) this.list = await unsealJson<Notification[]>(fromBase64(row.value), CONTEXT);
    } catch (err) {
      console.warn('inbox: the stored copy does not open', err);
    }
  }

  close() {
    this.#db = null;
    this.list = [];
  }

  /**
   * Stores the sealed copy, unless the index was closed meanwhile: a write to
   * a Dexie database closed by a logout's deletion would open it again (and
   * recreate it), leaving family-related data on the device after logout.
   */
  async #store(db: LocalDb, list: Notification[]) {
    const value = toBase64(await sealJson(list, CONTEXT));
    if (this.#db !== db || !db.isOpen() || pendingLogout()) return;
    await db.meta.put({ key: CACHE_KEY, value });
  }

  /** Fetches the list from the server and keeps a sealed copy; offline it keeps what it has. */
  fetch(): Promise<void> {
    this.#fetching ??= (async () => {
      const db = this.#db;
      try {
        if (pendingLogout()) return;
        const { notifications } = await api<{ notifications: Notification[] }>('/api/notifications');
        if (this.#db !== db) return;
        this.list = notifications;
        this.cached = false;
        if (db) await this.#store(db, notifications);
      } catch {
        // offline or refused: the stored copy stays
      } finally {
        this.#fetching = null;
      }
    })();
    return this.#fetching;
  }

  /** Marks notifications read here at once and on the server (all when `ids` is omitted). */
  async markRead(ids?: string[]): Promise<void> {
    const set = ids ? new Set(ids) : null;
    if (!this.list.some((n) => !n.read && (!set || set.has(n.id)))) return;
    this.list = this.list.map((n) => (!n.read && (!set || set.has(n.id)) ? { ...n, read: true } : n));
    try {
      await api('/api/notifications/read', { method: 'POST', body: ids ? { ids } : { all: true } });
    } catch {
      // offline: the next fetch shows them unread again, and they can be read again then
    }
    const db = this.#db;
    if (db) await this.#store(db, this.list).catch(() => undefined);
  }
}

export const inbox = new Inbox();
