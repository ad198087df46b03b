// Passwords (scrypt), opaque sessions (only their SHA-256 is stored) and
// login rate limits. Session ends are announced so the relay can close sockets.
// The server hashes in one worker thread (identity/password-hasher.ts) so that
// logins do not leave 16 MiB per libuv pool thread behind.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { Identity, Sessions, UserRow } from './store/types.ts';
import { LocalCounters } from './limits/local.ts';
import type { Counters } from './limits/types.ts';
import { HasherBusy, PasswordHasher, type ScryptRunner } from './identity/password-hasher.ts';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** node's asynchronous scrypt on the libuv pool: for one-off hashing (the demo seed, benches), not for the server's logins. */
const poolScrypt: ScryptRunner = (password, salt, keylen, params) =>
  new Promise((resolve, reject) => scryptCb(password, salt, keylen, params, (err, key) => (err ? reject(err) : resolve(key))));

export async function hashPassword(password: string, scrypt: ScryptRunner = poolScrypt): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string, scrypt: ScryptRunner = poolScrypt): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(
    password,
    Buffer.from(salt, 'base64'),
    expected.length,
    { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }
  );
  return timingSafeEqual(key, expected);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface SessionUser {
  user: UserRow;
  sessionHash: string;
  expiresAt: string;
}

export interface LoginLimits {
  windowMs: number;
  /** failures per username and address within the window before 429: an attacker elsewhere cannot lock a colleague out */
  maxPerUsernameAddress: number;
  /** failures per address within the window before 429 (one address spraying many usernames) */
  maxPerAddress: number;
  /** failures per username within the window (from any address) after which every attempt for it waits */
  delayAfter: number;
  /** the first wait; it doubles with every further failure */
  delayBaseMs: number;
  /** the longest wait */
  delayMaxMs: number;
}

export type LoginResult =
  | { ok: true; token: string; user: UserRow; expiresAt: string }
  | { ok: false; reason: 'invalid' | 'rate-limited' | 'busy' };

/** The wait before an attempt for a username with `failures` recent failures: none, then doubling, capped. */
export function loginDelayMs(failures: number, limits: Pick<LoginLimits, 'delayAfter' | 'delayBaseMs' | 'delayMaxMs'>): number {
  if (failures < limits.delayAfter) return 0;
  return Math.min(limits.delayBaseMs * 2 ** Math.min(failures - limits.delayAfter, 30), limits.delayMaxMs);
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Auth {
  readonly #store: Identity & Sessions;
  readonly #ttlMs: number;
  readonly #limits: LoginLimits;
  /** failed logins per key; shared between nodes when the counters are (limits/) */
  readonly #failures: Counters;
  readonly #listeners = new Set<(sessionHash: string) => void>();
  readonly #dummyHash: Promise<string>;
  readonly #hasher: PasswordHasher;

  constructor(store: Identity & Sessions, opts: { sessionTtlMs: number; limits: LoginLimits; counters?: Counters; hasher?: PasswordHasher }) {
    this.#store = store;
    this.#hasher = opts.hasher ?? new PasswordHasher();
    this.#ttlMs = opts.sessionTtlMs;
    this.#limits = opts.limits;
    this.#failures = opts.counters ?? new LocalCounters();
    // Unknown usernames still pay for one scrypt, so timing does not reveal who exists.
    this.#dummyHash = hashPassword(randomBytes(12).toString('base64'), this.#hasher.scrypt);
    // Not awaited until the first unknown username; a failure then fails that login, not the start.
    this.#dummyHash.catch(() => undefined);
  }

  /** Ends the hashing thread. */
  close(): Promise<void> {
    return this.#hasher.close();
  }

  /** Called with the hash of every session that ends (logout, user disabled). */
  onSessionEnded(fn: (sessionHash: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Every key is derived from the username as typed, never from whether it
   * exists, so an unknown username meets the same limits and waits as a known
   * one. A hard limit per username alone would let anyone lock a colleague
   * out; here the hard limits are per username + address and per address,
   * and a username under attack from many addresses only answers more slowly.
   */
  async login(username: string, password: string, address: string, now = new Date()): Promise<LoginResult> {
    const t = now.getTime();
    const name = username.toLowerCase();
    const userKey = `u:${name}`;
    const pairKey = `ua:${name}\u0000${address}`;
    const addrKey = `a:${address}`;
    const windowMs = this.#limits.windowMs;
    const [pairFailures, addrFailures, userFailures] = await Promise.all(
      [pairKey, addrKey, userKey].map((key) => this.#failures.count(`login:${key}`, windowMs, t))
    );
    if (pairFailures >= this.#limits.maxPerUsernameAddress || addrFailures >= this.#limits.maxPerAddress) {
      return { ok: false, reason: 'rate-limited' };
    }
    const delay = loginDelayMs(userFailures, this.#limits);
    if (delay > 0) await wait(delay);
    const user = await this.#store.userByUsername(username);
    let ok: boolean;
    try {
      ok = user?.active
        ? await verifyPassword(password, user.passwordHash, this.#hasher.scrypt)
        : (await verifyPassword(password, await this.#dummyHash, this.#hasher.scrypt), false);
    } catch (err) {
      // Too many logins waiting for the one hashing thread: not a failed attempt, and not counted as one.
      if (err instanceof HasherBusy) return { ok: false, reason: 'busy' };
      throw err;
    }
    if (!ok || !user) {
      await Promise.all([userKey, pairKey, addrKey].map((key) => this.#failures.add(`login:${key}`, windowMs, t)));
      return { ok: false, reason: 'invalid' };
    }
    // The owner's success ends the pair's count; the username's stays, so an
    // attack from elsewhere is still slowed.
    await this.#failures.clear(`login:${pairKey}`);
    return { ok: true, user, ...(await this.startSession(user, now)) };
  }

  /** A new session for a user whose identity is already proven (password above, or OpenID Connect). */
  async startSession(user: UserRow, now = new Date()): Promise<{ token: string; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.#ttlMs).toISOString();
    await this.#store.createSession({ idHash: hashToken(token), userId: user.id, createdAt: now.toISOString(), expiresAt });
    return { token, expiresAt };
  }

  /**
   * Ends every session of a deactivated user: each is announced, so sockets
   * close 4401 and streams end. The rows stay (the user is inactive, so none
   * opens anything) as tombstones until reactivation or expiry: a device that
   * comes back with one is told `account_deactivated` and wipes its family
   * data, which a plain 401 (an expired session, whose unsynced edits must
   * survive the next sign-in) would not justify.
   */
  async endSessionsOfUser(userId: string): Promise<number> {
    const hashes = await this.#store.sessionsOfUser(userId);
    for (const hash of hashes) for (const fn of this.#listeners) fn(hash);
    return hashes.length;
  }

  /** True when the cookie names a live session of a deactivated user (see endSessionsOfUser). */
  async deactivated(token: string | undefined): Promise<boolean> {
    if (!token || token.length > 200) return false;
    const s = await this.#store.sessionByHash(hashToken(token));
    if (!s) return false;
    const user = await this.#store.userById(s.userId);
    return !!user && !user.active;
  }

  /** Before a reactivation: the tombstones go, so no old session comes back to life. */
  deleteSessionsOfUser(userId: string): Promise<string[]> {
    return this.#store.deleteSessionsOfUser(userId);
  }

  /** A session by its hash as the store holds it now, or null when it is gone, expired or its user inactive. */
  async sessionByHash(idHash: string, now = new Date()): Promise<SessionUser | null> {
    const s = await this.#store.sessionByHash(idHash);
    if (!s || Date.parse(s.expiresAt) <= now.getTime()) return null;
    const user = await this.#store.userById(s.userId);
    if (!user || !user.active) return null;
    return { user, sessionHash: idHash, expiresAt: s.expiresAt };
  }

  /** Resolves a cookie token to a live session, or null. */
  async session(token: string | undefined, now = new Date()): Promise<SessionUser | null> {
    if (!token || token.length > 200) return null;
    const idHash = hashToken(token);
    const s = await this.#store.sessionByHash(idHash);
    if (!s) return null;
    if (Date.parse(s.expiresAt) <= now.getTime()) {
      await this.#store.deleteSession(idHash);
      return null;
    }
    const user = await this.#store.userById(s.userId);
    if (!user || !user.active) return null;
    return { user, sessionHash: idHash, expiresAt: s.expiresAt };
  }

  /** Deletes the sessions that have expired (each is refused on use anyway); resolves with how many. */
  sweepExpired(now = new Date()): Promise<number> {
    return this.#store.deleteExpiredSessions(now.toISOString());
  }

  async logout(sessionHash: string) {
    await this.#store.deleteSession(sessionHash);
    for (const fn of this.#listeners) fn(sessionHash);
  }
}

/** A cookie value as we set it: session tokens are base64url, so nothing needs unescaping. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The value of cookie `name`, or undefined when it is absent or not a value
 * this server could have set. Never throws: a malformed header is the
 * client's problem and must read as "no session" (401), not end the process.
 */
export function readCookie(header: string | undefined | null, name: string): string | undefined {
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return COOKIE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}
