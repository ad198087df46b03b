// Who is signed in on this device. One instance; logout calls reset().
import type { Me } from '../shared/api-types.ts';
import { api, ApiFailure } from './api.ts';

const CACHE_KEY = 'fp-me';

class SessionManager {
  me = $state<Me | null>(null);
  loaded = $state(false);
  /** true when `me` comes from the device cache because the server was unreachable */
  fromCache = $state(false);

  async load(): Promise<Me | null> {
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
    await api<void>('/api/auth/login', { method: 'POST', body: { username, password } });
    return this.load();
  }

  async logout() {
    await api<void>('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    this.reset();
  }

  reset() {
    this.me = null;
    this.fromCache = false;
    localStorage.removeItem(CACHE_KEY);
  }
}

export const session = new SessionManager();
