// This device's standing with the server (DESIGN §13): at every contact the
// signed-in worker's device asks for the key that unwraps its data key
// (POST /api/device/key), which renews the lease. A session the server no
// longer knows locks the data (the key kept for offline use goes; the data
// and unsynced edits stay, sealed, until the next sign-in unlocks them). A
// device reported lost is told so — with or without a session — and wipes
// every family database and key it holds.
import type { DeviceKey, Me } from '../shared/api-types.ts';
import { forgetDeviceKeys, lockDeviceKey, lockDeviceKeys, unlockDeviceKey } from '../storage/device-key.ts';
import { sealPlainOutbox } from '../storage/sealed-rows.ts';
import { parseRoom } from '../shared/rooms.ts';
import type { LocalDb } from '../storage/db.ts';
import { api, ApiFailure, pendingLogout } from './api.ts';
import { deviceId } from './device.ts';

export type DeviceAnswer = 'unlocked' | 'lost' | 'signed-out' | 'unreachable' | 'refused';

/** A short name for this device in the user's list ("Chrome på Android"): browser and platform, nothing that identifies a person. */
export function deviceName(): string {
  if (typeof navigator === 'undefined') return '';
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const platform = /Android/.test(ua) ? 'Android' : /iPad|iPhone/.test(ua) ? 'iPadOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
  return platform ? `${browser} på ${platform}` : browser;
}

/** Asks for the key; unlocks the data with it. `db`: the user's index, whose outbox rows from before sealing are sealed once unlocked. */
export async function renewDeviceKey(me: Me, db: LocalDb | null): Promise<DeviceAnswer> {
  // A logout waits to reach the server: the old session asks for nothing more (api.ts sends the logout first).
  if (pendingLogout()) return 'signed-out';
  try {
    const answer = await api<DeviceKey>('/api/device/key', { method: 'POST', body: { deviceId: deviceId(), name: deviceName() } });
    await unlockDeviceKey(me.id, answer.key, answer.leaseUntil);
    if (db) await sealPlainOutbox(db);
    return 'unlocked';
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err;
    if (err.status === 0) return 'unreachable';
    if (err.code === 'device_lost') return 'lost';
    if (err.status === 401) {
      await lockDeviceKey(me.id);
      return 'signed-out';
    }
    console.warn(`device key refused: HTTP ${err.status} ${err.code}`);
    return 'refused';
  }
}

/**
 * Signed out: whether the server says this device was reported lost (then it
 * wipes). Otherwise, with the server's word that nobody is signed in here, the
 * data stays locked until the next sign-in.
 */
export async function checkDeviceLost(): Promise<boolean> {
  if (typeof localStorage === 'undefined' || !localStorage.getItem('fp-device-id')) return false;
  // Logged out offline: the pending logout is the first thing the server hears, and the data is gone already.
  if (pendingLogout()) return false;
  // Nothing family-related here (after a logout, say): nothing to wipe or lock, and nothing to ask.
  if (!(await holdsFamilyData())) return false;
  try {
    await api('/api/device/key', { method: 'POST', body: { deviceId: deviceId() } });
    return false;
  } catch (err) {
    if (err instanceof ApiFailure && err.code === 'device_lost') {
      await wipeDevice();
      return true;
    }
    if (err instanceof ApiFailure && err.status === 401) await lockDeviceKeys();
    return false;
  }
}

const isFamilyDatabase = (name: string) => parseRoom(name) !== null || name.startsWith('fp-index-') || name === 'fp-keys';

async function holdsFamilyData(): Promise<boolean> {
  // Without a way to list databases, assume something is there.
  if (typeof indexedDB.databases !== 'function') return true;
  // fp-keys alone holds only wrapped keys, which nothing unwraps again for a lost device.
  return (await indexedDB.databases()).some((d) => isFamilyDatabase(d.name ?? '') && d.name !== 'fp-keys');
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => resolve();
    req.onblocked = () => resolve();
  });
}

/**
 * Everything family-related on this device goes: the keys first (so what a
 * blocked deletion leaves behind is unreadable), then every room database and
 * every user's index.
 */
export async function wipeDevice(): Promise<void> {
  await forgetDeviceKeys();
  const names = typeof indexedDB.databases === 'function' ? (await indexedDB.databases()).map((d) => d.name ?? '') : [];
  for (const name of names) if (parseRoom(name) || name.startsWith('fp-index-')) await deleteDatabase(name);
  localStorage.removeItem('fp-me');
}
