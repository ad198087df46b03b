// The device's data key (DESIGN §13). Everything family-related this device
// stores — the rooms' Yjs updates, the stored view copies, the index rows and
// the outboxes — is sealed with AES-GCM (WebCrypto) under one data key per
// user, made on this device. The key is kept only wrapped (AES-KW) under a
// key the server holds for this user and device (POST /api/device/key); the
// server hands that out only to a signed-in session on a device not reported
// lost. While the lease runs, the unwrapped key is kept too, non-extractable,
// so the device opens its data offline; the lease's end, a logout and a lost
// report drop it, and without the server's key the data is unreadable.
//
// The database holding the keys (`fp-keys`) names users by id only.

const KEYS_DB = 'fp-keys';
const STORE = 'keys';
/** sealed = version byte, 12-byte IV, AES-GCM ciphertext with its 16-byte tag */
const VERSION = 1;
const IV_BYTES = 12;

interface KeyRecord {
  userId: string;
  /** the data key wrapped under the server's key (AES-KW) */
  wrapped: ArrayBuffer;
  /** the data key, non-extractable, kept while the lease runs (absent: locked) */
  unlocked?: CryptoKey;
  /** ISO instant: the lease's end; the unlocked key is not used after it */
  until?: string;
}

/** There is no usable data key on this device now: locked (lease over, not yet unlocked by the server) or none at all. */
export class DeviceLockedError extends Error {
  constructor() {
    super('device locked: no data key');
    this.name = 'DeviceLockedError';
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openKeys(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(KEYS_DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'userId' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openKeys();
  try {
    const tx = db.transaction(STORE, mode);
    const out = await request(run(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return out;
  } finally {
    db.close();
  }
}

const readRecord = (userId: string) => withStore<KeyRecord | undefined>('readonly', (s) => s.get(userId) as IDBRequest<KeyRecord | undefined>);
const writeRecord = (r: KeyRecord) => withStore('readwrite', (s) => s.put(r));

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

const GCM = { name: 'AES-GCM', length: 256 } as const;

/** The user whose key seals data now, and the key once known (null: locked). */
let active: { userId: string; key: Promise<CryptoKey | null> } | null = null;
/** sealing and opening that wait for the server to unlock the device */
let waiters: ((k: CryptoKey) => void)[] = [];

function usable(r: KeyRecord | undefined, now: number): CryptoKey | null {
  if (!r?.unlocked || !r.until || !(Date.parse(r.until) > now)) return null;
  return r.unlocked;
}

/**
 * The signed-in user's key is the one data is sealed with from now on. Reads
 * the kept key (offline within the lease); null when locked until the server
 * unlocks it (unlockDeviceKey).
 */
export function useDeviceKey(userId: string): Promise<CryptoKey | null> {
  if (active?.userId === userId) return active.key;
  const key = readRecord(userId).then(
    (r) => usable(r, Date.now()),
    () => null
  );
  active = { userId, key };
  void key.then((k) => {
    if (k && active?.key === key) for (const w of waiters.splice(0)) w(k);
  });
  return key;
}

/**
 * The data key to seal and open with. Waits while the device is locked and
 * the server's answer may still unlock it (`wait`: true); otherwise throws
 * DeviceLockedError.
 */
export async function dataKey(opts: { wait?: boolean } = {}): Promise<CryptoKey> {
  const a = active;
  if (!a) throw new DeviceLockedError();
  const k = await a.key;
  if (k) return k;
  if (!opts.wait) throw new DeviceLockedError();
  return new Promise<CryptoKey>((resolve) => waiters.push(resolve));
}

/** Whether a data key is usable now (for the screen: "locked"). */
export async function deviceUnlocked(): Promise<boolean> {
  return !!(await active?.key);
}

/**
 * The server handed out its key for this user and device: unwrap the data
 * key with it (or make the data key, the first time) and keep it until the
 * lease ends. The server's key itself is never stored.
 */
export async function unlockDeviceKey(userId: string, serverKey: string, leaseUntil: string): Promise<void> {
  const kek = await crypto.subtle.importKey('raw', fromBase64url(serverKey), 'AES-KW', false, ['wrapKey', 'unwrapKey']);
  const r = await readRecord(userId);
  let wrapped = r?.wrapped;
  if (!wrapped) {
    // Made extractable only to be wrapped; the copy that is used and kept is not.
    const fresh = await crypto.subtle.generateKey(GCM, true, ['encrypt', 'decrypt']);
    wrapped = await crypto.subtle.wrapKey('raw', fresh, kek, 'AES-KW');
  }
  let unlocked: CryptoKey;
  try {
    unlocked = await crypto.subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', GCM, false, ['encrypt', 'decrypt']);
  } catch {
    // The server's key does not open this wrapped key (the server lost it, or
    // the record is damaged): what it sealed is unreadable for good. Start over.
    const fresh = await crypto.subtle.generateKey(GCM, true, ['encrypt', 'decrypt']);
    wrapped = await crypto.subtle.wrapKey('raw', fresh, kek, 'AES-KW');
    unlocked = await crypto.subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', GCM, false, ['encrypt', 'decrypt']);
  }
  await writeRecord({ userId, wrapped, unlocked, until: leaseUntil });
  active = { userId, key: Promise.resolve(unlocked) };
  for (const w of waiters.splice(0)) w(unlocked);
}

/** Locks the user's data (the lease ran out): the kept key goes, the wrapped one stays for the server to unlock again. */
export async function lockDeviceKey(userId: string): Promise<void> {
  const r = await readRecord(userId);
  if (r) await writeRecord({ userId, wrapped: r.wrapped });
  if (active?.userId === userId) {
    active.key = Promise.resolve(null);
    kept = null;
  }
}

/** Locks every user's data on this device (nobody is signed in: the server said so). */
export async function lockDeviceKeys(): Promise<void> {
  let records: KeyRecord[];
  try {
    records = await withStore<KeyRecord[]>('readonly', (s) => s.getAll() as IDBRequest<KeyRecord[]>);
  } catch {
    return;
  }
  for (const r of records) if (r.unlocked) await writeRecord({ userId: r.userId, wrapped: r.wrapped });
  if (active) active.key = Promise.resolve(null);
  kept = null;
}

/** Forgets every data key on this device (logout, a lost report): whatever is still sealed with them can never be read again. */
export async function forgetDeviceKeys(): Promise<void> {
  active = null;
  kept = null;
  waiters = [];
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(KEYS_DB);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
    req.onblocked = () => resolve();
  });
}

/** Forgets one user's data key (their logout on a shared tablet). */
export async function forgetDeviceKey(userId: string): Promise<void> {
  await withStore('readwrite', (s) => s.delete(userId));
  if (active?.userId === userId) {
    active = null;
    kept = null;
  }
}

// ---- sealing ------------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Seals `data` under the data key; `context` (e.g. the room's name) must be given again to open it, so sealed values cannot be swapped between places. */
export async function seal(data: Uint8Array, context: string): Promise<Uint8Array> {
  const k = await dataKey({ wait: true });
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, k, data as Uint8Array<ArrayBuffer>));
  const out = new Uint8Array(1 + IV_BYTES + ct.byteLength);
  out[0] = VERSION;
  out.set(iv, 1);
  out.set(ct, 1 + IV_BYTES);
  return out;
}

/**
 * Opens what seal() sealed; throws when it was not sealed with this key and
 * context (tampered, or another key). `wait`: a locked device waits for the
 * server's key (a room being loaded) instead of throwing DeviceLockedError.
 */
export async function unseal(sealed: Uint8Array, context: string, opts: { wait?: boolean } = {}): Promise<Uint8Array> {
  if (sealed[0] !== VERSION || sealed.byteLength < 1 + IV_BYTES + 16) throw new Error('not a sealed value');
  const k = await dataKey({ wait: opts.wait ?? false });
  const bytes = sealed as Uint8Array<ArrayBuffer>;
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, k, bytes.subarray(1 + IV_BYTES));
  return new Uint8Array(plain);
}

export async function sealJson(value: unknown, context: string): Promise<Uint8Array> {
  return seal(encoder.encode(JSON.stringify(value)), context);
}

export async function unsealJson<T>(sealed: Uint8Array, context: string, opts: { wait?: boolean } = {}): Promise<T> {
  return JSON.parse(decoder.decode(await unseal(sealed, context, opts))) as T;
}

// ---- values opened once, read again ---------------------------------------------

/**
 * How many opened values unsealJsonKept keeps on each shelf (the one read
 * longest ago goes first): the local index's bundles, many and small; and
 * the stored copy of a plan's view, large, only the last one opened (going
 * from a plan to the caseload and back opens it again).
 */
export const KEPT_VALUES = { index: 64, view: 1 } as const;
export type KeptShelf = keyof typeof KEPT_VALUES;

type Shelf = Map<string, { iv: Uint8Array; value: unknown }>;

/**
 * What unsealJsonKept opened, for the data key it opened it with: a value is
 * used again only while that key is the one in use, and a lock, a logout or
 * forgetKeptValues drops them all.
 */
let kept: { key: CryptoKey; shelves: Record<KeptShelf, Shelf> } | null = null;

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

/**
 * unsealJson for values read again and again that never change under their
 * context (the local index's bundles: a new id at every write; a view copy:
 * a new IV at every write): the value opened last time is returned while the
 * sealed value is the same one (its random IV), without decrypting and
 * parsing it again. Callers must not change what it returns: the next read
 * gets the same object.
 */
export async function unsealJsonKept<T>(sealed: Uint8Array, context: string, shelf: KeptShelf = 'index'): Promise<T> {
  const key = await dataKey();
  if (kept?.key !== key) kept = { key, shelves: { index: new Map(), view: new Map() } };
  const opened = kept;
  const values = opened.shelves[shelf];
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const hit = values.get(context);
  if (hit && sameBytes(hit.iv, iv)) {
    values.delete(context); // the most recently read last
    values.set(context, hit);
    return hit.value as T;
  }
  const value = await unsealJson<T>(sealed, context);
  if (kept !== opened) return value; // locked or forgotten meanwhile (a purge): nothing is kept
  values.delete(context);
  values.set(context, { iv: iv.slice(), value });
  if (values.size > KEPT_VALUES[shelf]) values.delete(values.keys().next().value as string);
  return value;
}

/**
 * The value unsealJsonKept kept for `context` under the data key in use,
 * without the sealed value to compare: only for a context whose sealed value
 * never changes (an index bundle: its id, in the context, is new at every
 * write). Undefined when none is kept (or the device is locked).
 */
export async function keptValue<T>(context: string, shelf: KeptShelf = 'index'): Promise<T | undefined> {
  const key = await keyInUse();
  const values = key && kept?.key === key ? kept.shelves[shelf] : null;
  const hit = values?.get(context);
  if (!values || !hit) return undefined;
  values.delete(context); // the most recently read last
  values.set(context, hit);
  return hit.value as T;
}

/**
 * A synchronous test of which contexts have a value kept on `shelf` under the
 * data key in use now, for an IndexedDB transaction (which cannot await
 * anything but its own requests) to leave out what need not be read. It says
 * no once that key is locked or the values are forgotten; what it said yes to
 * is then taken with keptValue, which may still find nothing.
 */
export async function keptTest(shelf: KeptShelf = 'index'): Promise<(context: string) => boolean> {
  const key = await keyInUse();
  return (context) => !!key && kept?.key === key && kept.shelves[shelf].has(context);
}

/** The data key in use; null while the device is locked (nothing kept is given then). */
async function keyInUse(): Promise<CryptoKey | null> {
  try {
    return await dataKey();
  } catch {
    return null;
  }
}

/** Drops every value unsealJsonKept kept (a purge, a cleared index, family rows deleted). */
export function forgetKeptValues() {
  kept = null;
}
