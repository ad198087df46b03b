// Devices and their keys (DESIGN §13). Each device keeps its family data
// encrypted under a data key it made itself and stores only wrapped, under a
// key the server holds per user and device. That wrapping key is handed out
// here, to a signed-in session of the user on that device, and never once the
// device was reported lost: then the device is told to wipe instead, and its
// sessions end at once (their sockets close 4401). A session is bound to the
// first device it asks a key for; asking for another device's key is refused.
import type { AuditAction } from './audit-actions.ts';
import { randomBytes } from 'node:crypto';
import type { DeviceInfo, DeviceKey } from '../src/lib/shared/api-types.ts';
import type { SessionUser } from './auth.ts';
import { HttpError } from './http-error.ts';
import type { AuditLog, DeviceRow, Devices, Identity, UserRow } from './store/types.ts';

/** A device's id (the app's is a UUID), as for access-log uploads. */
export const DEVICE_ID = /^[A-Za-z0-9-]{8,64}$/;
const MAX_NAME = 80;

export interface DeviceDeps {
  store: Devices & AuditLog & Pick<Identity, 'userNames'>;
  /** ends one session and closes its sockets (the logout path) */
  endSession(sessionHash: string): Promise<void>;
  leaseDays: number;
  now(): Date;
}

function info(d: DeviceRow, current?: string): DeviceInfo {
  return {
    deviceId: d.deviceId,
    name: d.name,
    createdAt: d.createdAt,
    lastSeenAt: d.lastSeenAt,
    leaseUntil: d.leaseUntil,
    lostAt: d.lostAt,
    lostBy: d.lostBy,
    wipedAt: d.wipedAt,
    ...(current !== undefined ? { current: d.deviceId === current } : {})
  };
}

export function parseDeviceId(v: unknown): string {
  if (typeof v !== 'string' || !DEVICE_ID.test(v)) throw new HttpError(400, 'device_id');
  return v;
}

function parseName(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || v.length > MAX_NAME) throw new HttpError(400, 'device_name');
  return v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}

export class DeviceService {
  readonly #d: DeviceDeps;

  constructor(deps: DeviceDeps) {
    this.#d = deps;
  }

  /**
   * Whether a device was reported lost. Asked before the session: a lost
   * device's sessions have ended, and it must still learn to wipe. Knowing a
   * device's random id is having it (the id never leaves the device but to
   * this server), and the answer says nothing else.
   */
  async refuseLost(deviceId: string): Promise<void> {
    if (await this.#d.store.deviceIdLost(deviceId)) {
      await this.#d.store.markDeviceWiped(deviceId, this.#d.now().toISOString());
      throw new HttpError(410, 'device_lost');
    }
  }

  /** POST /api/device/key: the wrapping key for this session's device, and the renewed lease. */
  async key(session: SessionUser, body: Record<string, unknown>): Promise<DeviceKey> {
    const deviceId = parseDeviceId(body.deviceId);
    const name = parseName(body.name);
    await this.refuseLost(deviceId);
    const store = this.#d.store;
    const bound = await store.deviceOfSession(session.sessionHash);
    if (bound !== undefined && bound !== deviceId) throw new HttpError(403, 'device_mismatch');
    const now = this.#d.now();
    const leaseUntil = new Date(now.getTime() + this.#d.leaseDays * 86_400_000).toISOString();
    const row = await store.registerDevice({
      userId: session.user.id,
      deviceId,
      name,
      wrapKey: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      leaseUntil,
      lostAt: null,
      lostBy: null,
      wipedAt: null
    });
    // Lost between the check above and now (another node): still no key.
    if (row.lostAt) throw new HttpError(410, 'device_lost');
    if (bound === undefined) await store.bindSessionDevice(session.sessionHash, session.user.id, deviceId);
    await store.touchDevice(session.user.id, deviceId, name || row.name, now.toISOString(), leaseUntil);
    if (row.createdAt === now.toISOString()) await this.#audit(session.user, 'device-registered', session.user.id, deviceId);
    return { key: row.wrapKey, leaseUntil };
  }

  /** GET /api/devices: the user's own devices, the asking session's marked. */
  async mine(session: SessionUser): Promise<{ devices: DeviceInfo[] }> {
    const current = (await this.#d.store.deviceOfSession(session.sessionHash)) ?? '';
    return { devices: (await this.#d.store.devicesOfUser(session.user.id)).map((d) => info(d, current)) };
  }

  /** GET /api/admin/devices: every user's devices, with the user's name (no family content). */
  async all(): Promise<{ devices: DeviceInfo[] }> {
    const rows = await this.#d.store.listDevices();
    const names = await this.#d.store.userNames([...new Set(rows.map((r) => r.userId))]);
    return { devices: rows.map((d) => ({ ...info(d), userId: d.userId, userName: names.get(d.userId) ?? '' })) };
  }

  /**
   * Reports `userId`'s device lost (by that user, or an admin): it gets no key
   * again, its sessions end now (sockets close 4401), and at its next contact
   * it is told to wipe.
   */
  async reportLost(actor: UserRow, userId: string, deviceIdParam: string): Promise<DeviceInfo> {
    const deviceId = parseDeviceId(deviceIdParam);
    const store = this.#d.store;
    const mine = await store.devicesOfUser(userId);
    if (!mine.some((d) => d.deviceId === deviceId)) throw new HttpError(404, 'device_not_found');
    const at = this.#d.now().toISOString();
    if (!(await store.markDeviceLost(userId, deviceId, at, actor.id))) throw new HttpError(409, 'device_already_lost');
    await this.#audit(actor, 'device-reported-lost', userId, deviceId);
    for (const hash of await store.sessionsOfDevice(userId, deviceId)) await this.#d.endSession(hash);
    const row = (await store.devicesOfUser(userId)).find((d) => d.deviceId === deviceId);
    if (!row) throw new HttpError(404, 'device_not_found');
    return info(row);
  }

  async #audit(actor: UserRow, action: AuditAction, userId: string, deviceId: string) {
    await this.#d.store.audit({
      at: this.#d.now().toISOString(),
      userId: actor.id,
      familyId: null,
      room: null,
      action,
      detail: JSON.stringify({ userId }),
      deviceId
    });
  }
}
