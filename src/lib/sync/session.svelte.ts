// Who is signed in on this device. One instance; logout calls reset().
// A logout made offline stays pending on the device (api.ts) until the server
// has confirmed it: meanwhile nobody is signed in here, the old session is
// never used again, and the logout is retried at every chance.
import { holdsFamilyData } from '../shared/access.ts';
import type { Me } from '../shared/api-types.ts';
import { api, ApiFailure, isLogoutPendingKey, markLogoutPending, pendingLogout, sendPendingLogout } from './api.ts';

const CACHE_KEY = 'fp-me';
/** How often a pending logout is retried while the browser claims to be online (a dead access point sends no 'online' event). */
const LOGOUT_RETRY_MS = 15_000;

class SessionManager {
  me = $state<Me | null>(null);
  loaded = $state(false);
  /** true when `me` comes from the device cache because the server was unreachable */
  fromCache = $state(false);
  /** logged out on this device, but the server has not confirmed that the session ended */
  logoutPending = $state(false);
  #retry: ReturnType<typeof setInterval> | null = null;

  constructor() {
    if (typeof window === 'undefined') return;
    // Another tab logged out (or its logout was confirmed): this tab follows at once, so its sockets close too.
    window.addEventListener('storage', (e) => {
      if (!isLogoutPendingKey(e.key)) return;
      if (pendingLogout()) void this.#loggedOutHere();
      else this.#logoutConfirmed();
    });
  }

  async load(): Promise<Me | null> {
    if (pendingLogout()) {
      void this.#loggedOutHere();
      this.loaded = true;
      return null;
    }
    try {
      this.me = await api<Me>('/api/me');
      this.fromCache = false;
      localStorage.setItem(CACHE_KEY, JSON.stringify(this.me));
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 0) {
        const cached = localStorage.getItem(CACHE_KEY);
        this.me = cached ? (JSON.parse(cached) as Me) : null;
        this.fromCache = this.me !== null;
      } else {
        this.me = null;
        localStorage.removeItem(CACHE_KEY);
      }
    }
    this.loaded = true;
    return this.me;
  }

  async login(username: string, password: string) {
    // api() sends a pending logout first and refuses to go on without the server's confirmation.
    await api<void>('/api/auth/login', { method: 'POST', body: { username, password } });
    this.#logoutConfirmed();
    return this.load();
  }

  /** The first step of a logout: from now on this session is not used on this device, whatever happens next. */
  beginLogout(keepUnsynced = false) {
    markLogoutPending(holdsFamilyData(this.me?.role) ? (this.me?.id ?? null) : null, keepUnsynced);
    this.logoutPending = true;
  }

  /** Forgets the user here and tells the server; offline, the logout stays pending and is sent at the next contact. */
  async logout() {
    this.beginLogout();
    await this.#loggedOutHere();
  }

  /** Nobody is signed in here; the pending logout is sent now and retried until the server has it. */
  #loggedOutHere(): Promise<void> {
    this.reset();
    this.logoutPending = true;
    if (!this.#retry) {
      window.addEventListener('online', this.#confirm);
      this.#retry = setInterval(this.#confirm, LOGOUT_RETRY_MS);
    }
    return this.#confirm();
  }

  #confirm = async () => {
    if (!navigator.onLine) return;
    if (await sendPendingLogout()) this.#logoutConfirmed();
  };

  #logoutConfirmed() {
    this.logoutPending = false;
    if (this.#retry) clearInterval(this.#retry);
    this.#retry = null;
    window.removeEventListener('online', this.#confirm);
  }

  reset() {
    this.me = null;
    this.fromCache = false;
    localStorage.removeItem(CACHE_KEY);
  }
}

export const session = new SessionManager();
