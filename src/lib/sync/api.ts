// fetch wrapper for the JSON API: throws ApiFailure with the server's Danish message.
// It also holds back every call while a logout the server has not confirmed is
// pending on this device (see sendPendingLogout).
import type { ApiError } from '../shared/api-types.ts';

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const LOGOUT_PATH = '/api/auth/logout';
/** localStorage: survives reloads and closed tabs, and is read synchronously before any request. */
const LOGOUT_PENDING_KEY = 'fp-logout-pending';

export interface PendingLogout {
  at: string;
  /** the worker whose family data the logout removes from this device; null for leaders and admins, who hold none */
  userId: string | null;
  /** the logout keeps what the server does not have yet (sealed, the key locked): finishing it must not delete that */
  keepUnsynced?: boolean;
}

/** A logout done on this device that the server has not confirmed yet (made offline, or its answer was lost). */
export function pendingLogout(): PendingLogout | null {
  if (typeof localStorage === 'undefined') return null;
  const raw = localStorage.getItem(LOGOUT_PENDING_KEY);
  if (raw === null) return null;
  try {
    const p = JSON.parse(raw) as Partial<PendingLogout>;
    return { at: typeof p.at === 'string' ? p.at : '', userId: typeof p.userId === 'string' ? p.userId : null, keepUnsynced: p.keepUnsynced === true };
  } catch {
    // Unreadable is still a logout: the mark's presence is what counts.
    return { at: '', userId: null };
  }
}

/**
 * Marks the logout before anything else happens to it: from here on nothing
 * on this device uses the session (no API call, no sync, no socket) until the
 * server has confirmed it ended, even after a reload or a closed tab.
 */
export function markLogoutPending(userId: string | null, keepUnsynced = false) {
  if (pendingLogout()) return;
  localStorage.setItem(LOGOUT_PENDING_KEY, JSON.stringify({ at: new Date().toISOString(), userId, keepUnsynced } satisfies PendingLogout));
}

/** Whether `key` (of a `storage` event from another tab) is the pending-logout mark. */
export const isLogoutPendingKey = (key: string | null) => key === LOGOUT_PENDING_KEY;

let sending: Promise<boolean> | null = null;

/**
 * Sends the pending logout (the HttpOnly cookie goes with it; the server
 * answers 204 whether or not the session was still alive). True once the
 * server has confirmed it, or when none was pending; false while it cannot be
 * reached or refuses, and the mark stays for the next contact.
 */
export function sendPendingLogout(): Promise<boolean> {
  if (!pendingLogout()) return Promise.resolve(true);
  sending ??= request<void>(LOGOUT_PATH, { method: 'POST' })
    .then(
      () => {
        localStorage.removeItem(LOGOUT_PENDING_KEY);
        return true;
      },
      (err: unknown) => {
        if (!(err instanceof ApiFailure)) throw err;
        if (err.status !== 0) console.error(`pending logout refused: HTTP ${err.status} ${err.code}`);
        return false;
      }
    )
    .finally(() => {
      sending = null;
    });
  return sending;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  // The pending logout goes first; until the server has it, the old session is not used for anything else.
  if (path !== LOGOUT_PATH && pendingLogout() && !(await sendPendingLogout())) {
    throw new ApiFailure(0, 'logout_pending', 'Ingen forbindelse til serveren.');
  }
  return request<T>(path, init);
}

async function request<T>(path: string, init: { method?: string; body?: unknown }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin'
    });
  } catch {
    throw new ApiFailure(0, 'offline', 'Ingen forbindelse til serveren.');
  }
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as ApiError | null;
    throw new ApiFailure(res.status, err?.error ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
