// Writers' access, checked inside the append transaction (DESIGN §11: "an
// update is appended in one transaction that checks the writer's access").
// The relay checks access when a socket opens and whenever an access event
// arrives, but an update that was in flight when a consent was withdrawn, a
// user left a team or a session ended (possibly on another node) could
// otherwise commit after the access was gone. Each store asks `refusedWriters`
// over the facts below as they stand at the append, and any refusal stores
// nothing of the batch (`WriteRefused`). Any change to the tables the facts
// come from moves one version (triggers, in the changing transaction), and both
// stores keep what they read while it stands (`WriteFactCache`): SQLite reads
// the version inside the append's transaction; PostgreSQL's append is one
// statement that takes FOR SHARE on the version row and inserts only if it is
// the version the facts were read at, so a change is ordered before or after
// the append, never beside it (docs/deploy.md "Writer access in the append").
//
// One function to extend: a new fact that ends a writer's access (a lost
// device, a closed or transferred case, a grant's end) is read beside these by
// both stores and decided here, and its table gets the version's triggers in
// both stores.
import { parseRoom } from '../../src/lib/shared/rooms.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';
import { accessInFacts } from '../access-of.ts';
import type { AccessGrant, AccessLink } from '../../src/lib/shared/access.ts';
import type { FamilyRow, NewUpdate, SessionRow, UserRow } from './types.ts';

/** Why a writer's updates were refused: its session is gone (4401) or its access to the room is (4403). */
export type WriteRefusal = 'session-ended' | 'access-ended';

/** The append refused some writers' updates; nothing of the batch was stored. */
export class WriteRefused extends Error {
  /** by the writer's session hash */
  readonly refused: ReadonlyMap<string, WriteRefusal>;

  constructor(refused: ReadonlyMap<string, WriteRefusal>) {
    super(`append refused for ${refused.size} writer session(s)`);
    this.name = 'WriteRefused';
    this.refused = refused;
  }
}

/** What the append's transaction reads about the batch's writers, as it stands inside that transaction. */
export interface WriteFacts {
  sessions: ReadonlyMap<string, SessionRow>;
  users: ReadonlyMap<string, UserRow>;
  families: ReadonlyMap<string, FamilyRow>;
  /** every consent of each family in `families` */
  consents: ReadonlyMap<string, readonly Consent[]>;
  /** every grant of each family in `families` (called-in specialists, DESIGN §6 rule 6) */
  grants: ReadonlyMap<string, readonly AccessGrant[]>;
  /** every citizen link of each family in `families` (DESIGN §6 rule 7); absent reads as none */
  links?: ReadonlyMap<string, readonly AccessLink[]>;
}

/** The rows a batch's check needs (and PostgreSQL locks), each list sorted so lock order is fixed. */
export interface WriteFactKeys {
  sessionHashes: string[];
  userIds: string[];
  familyIds: string[];
}

/** Only updates with a `writer` are checked (the relay's; seeding and tests append as the system). */
export function writeFactKeys(updates: readonly NewUpdate[]): WriteFactKeys | null {
  const sessions = new Set<string>();
  const users = new Set<string>();
  const families = new Set<string>();
  for (const u of updates) {
    if (u.writer === undefined) continue;
    sessions.add(u.writer);
    users.add(u.author);
    const ref = parseRoom(u.room);
    if (ref) families.add(ref.familyId);
  }
  if (sessions.size === 0) return null;
  return { sessionHashes: [...sessions].sort(), userIds: [...users].sort(), familyIds: [...families].sort() };
}

/**
 * The writers (by session hash) that may not write what they sent: the
 * session must still exist, belong to the update's author (an active user)
 * and not have expired at the update's time of receipt, and `access()` over the facts must
 * answer `write` for the room at that time.
 */
export function refusedWriters(updates: readonly NewUpdate[], facts: WriteFacts): Map<string, WriteRefusal> {
  const refused = new Map<string, WriteRefusal>();
  const decided = new Set<string>();
  for (const u of updates) {
    const hash = u.writer;
    if (hash === undefined || refused.has(hash)) continue;
    const key = `${hash} ${u.room}`;
    if (decided.has(key)) continue;
    decided.add(key);
    const session = facts.sessions.get(hash);
    const user = facts.users.get(u.author);
    // A deactivated user's sessions end (DESIGN §10), whatever the store still holds.
    if (!session || session.userId !== u.author || Date.parse(session.expiresAt) <= Date.parse(u.at) || !user?.active) {
      refused.set(hash, 'session-ended');
      continue;
    }
    const ref = parseRoom(u.room);
    const access = ref ? accessInFacts(facts, user, ref, new Date(u.at)) : 'none';
    if (access !== 'write') refused.set(hash, 'access-ended');
  }
  return refused;
}

/** A family's rows that the check reads. */
export interface FamilyWriteFacts {
  row: FamilyRow;
  consents: readonly Consent[];
  grants: readonly AccessGrant[];
  links: readonly AccessLink[];
}

/** How a store reads one writer's fact that is not kept (undefined: no such row). */
export interface WriteFactReaders {
  session(hash: string): SessionRow | undefined;
  user(id: string): UserRow | undefined;
  family(id: string): FamilyWriteFacts | undefined;
}

const NOT_READ: WriteFactReaders = { session: () => undefined, user: () => undefined, family: () => undefined };

/**
 * What a store's append read of the writers' facts, kept while the version of
 * the tables they come from stays the same (the store moves the version on
 * every change to them, in the same transaction as the change). A miss is kept
 * too (a session that does not exist stays refused). Bounded: past `limit`
 * entries it starts again.
 */
export class WriteFactCache {
  readonly #entries = new Map<string, unknown>();
  readonly #limit: number;
  #version = Number.NaN;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** The cache for facts read at `version`: emptied when the version moved (or is unknown: NaN never matches). */
  at(version: number): this {
    if (version !== this.#version || this.#entries.size >= this.#limit) {
      this.#entries.clear();
      this.#version = version;
    }
    return this;
  }

  /** The version what is kept was read at (NaN before the first read). */
  get version(): number {
    return this.#version;
  }

  /** The facts `keys` names: kept ones as they are, the others read one by one (SQLite: inside the append's transaction) and kept. */
  read(keys: WriteFactKeys, read: WriteFactReaders): WriteFacts {
    const sessions = new Map<string, SessionRow>();
    const users = new Map<string, UserRow>();
    const families = new Map<string, FamilyRow>();
    const consents = new Map<string, readonly Consent[]>();
    const grants = new Map<string, readonly AccessGrant[]>();
    const links = new Map<string, readonly AccessLink[]>();
    for (const hash of keys.sessionHashes) {
      const session = this.#get(`s ${hash}`, () => read.session(hash));
      if (session) sessions.set(hash, session);
    }
    for (const id of keys.userIds) {
      const user = this.#get(`u ${id}`, () => read.user(id));
      if (user) users.set(id, user);
    }
    for (const id of keys.familyIds) {
      const family = this.#get(`f ${id}`, () => read.family(id));
      if (!family) continue;
      families.set(id, family.row);
      consents.set(id, family.consents);
      grants.set(id, family.grants);
      links.set(id, family.links);
    }
    return { sessions, users, families, consents, grants, links };
  }

  /** Every fact `keys` names as kept at the current version; null when one of them was never read. */
  lookup(keys: WriteFactKeys): WriteFacts | null {
    const kept =
      keys.sessionHashes.every((hash) => this.#entries.has(`s ${hash}`)) &&
      keys.userIds.every((id) => this.#entries.has(`u ${id}`)) &&
      keys.familyIds.every((id) => this.#entries.has(`f ${id}`));
    return kept ? this.read(keys, NOT_READ) : null;
  }

  /** Keeps the facts of `keys` as read together at `version` (a key without a row, as a miss). */
  fill(version: number, keys: WriteFactKeys, facts: WriteFacts) {
    this.at(version);
    for (const hash of keys.sessionHashes) this.#entries.set(`s ${hash}`, facts.sessions.get(hash));
    for (const id of keys.userIds) this.#entries.set(`u ${id}`, facts.users.get(id));
    for (const id of keys.familyIds) {
      const row = facts.families.get(id);
      this.#entries.set(`f ${id}`, row && { row, consents: facts.consents.get(id) ?? [], grants: facts.grants.get(id) ?? [], links: facts.links?.get(id) ?? [] });
    }
  }

  #get<T>(key: string, read: () => T | undefined): T | undefined {
    if (this.#entries.has(key)) return this.#entries.get(key) as T | undefined;
    const value = read();
    this.#entries.set(key, value);
    return value;
  }
}
