// Who must hear that their access may have changed (DESIGN §8: "access changes
// reach open devices at once"). A fact carries user ids only, never a family
// or what changed: each device asks the API again with its own session.
//
// The seam is publish/subscribe by user id. This process' implementation is
// LocalAccessEvents; several relay nodes (DESIGN §11) replace it with one that
// publishes on the control channel and delivers what arrives to the local
// subscribers, so the event channel (event-channel.ts) never knows which it has.
import type { Families, FamilyLinks, Identity, Lifecycle, UserRow } from './store/types.ts';
import type { Fanout } from './fanout/index.ts';
import { MAX_ACCESS_EVENT_USERS } from './fanout/frame.ts';

export interface AccessEvents {
  /** Tells every open channel of these users, on every node, to re-fetch what it may open. */
  publish(userIds: Iterable<string>): void;
  /** Calls `fn` whenever `userId` is published; returns the unsubscribe. */
  subscribe(userId: string, fn: () => void): () => void;
  close(): void;
}

export class LocalAccessEvents implements AccessEvents {
  readonly #subscribers = new Map<string, Set<() => void>>();

  publish(userIds: Iterable<string>) {
    for (const id of new Set(userIds)) {
      // A copy: a subscriber may unsubscribe (its stream ended) while being told.
      for (const fn of [...(this.#subscribers.get(id) ?? [])]) fn();
    }
  }

  subscribe(userId: string, fn: () => void): () => void {
    let set = this.#subscribers.get(userId);
    if (!set) this.#subscribers.set(userId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.#subscribers.get(userId) === set) this.#subscribers.delete(userId);
    };
  }

  /** Tells every open channel (after missed messages: a Redis reconnect). */
  publishAll() {
    this.publish([...this.#subscribers.keys()]);
  }

  /** Users with at least one subscriber (tests and metrics). */
  get subscribedUsers(): number {
    return this.#subscribers.size;
  }

  close() {
    this.#subscribers.clear();
  }
}

/**
 * Everyone whose view of a family may change when its access facts change:
 * every active worker of the family's team (rules 3–5) and every specialist
 * who ever held a grant for it (rule 6: one ending must reach them too), and
 * every citizen ever linked to it (rule 7: an ended link, a closed case or a
 * withdrawn consent must reach the family's own phones too). A filter by user
 * names that user.
 */
export async function affectedUsers(
  store: Pick<Families, 'familyById'> & Pick<Identity, 'listUsers'> & Pick<Lifecycle, 'grantsOfFamily'> & Partial<Pick<FamilyLinks, 'linksOfFamily'>>,
  filter: { userId?: string; familyId?: string }
): Promise<string[]> {
  if (filter.userId) return [filter.userId];
  if (!filter.familyId) return [];
  const family = await store.familyById(filter.familyId);
  if (!family) return [];
  const granted = new Set((await store.grantsOfFamily(family.id)).map((g) => g.userId));
  const linked = new Set((await store.linksOfFamily?.(family.id))?.map((l) => l.userId) ?? []);
  const inTeam = (u: UserRow) =>
    u.active && ((u.role === 'worker' && (u.teamIds.includes(family.teamId) || granted.has(u.id))) || (u.role === 'citizen' && linked.has(u.id)));
  return (await store.listUsers()).filter(inTeam).map((u) => u.id);
}

/**
 * Several nodes: a publish goes out on the fan-out's control channel
 * (`access-events`), which delivers it to this node at once and to every
 * other node through Redis; each node tells its own subscribers.
 */
export class FanoutAccessEvents implements AccessEvents {
  readonly #local = new LocalAccessEvents();
  readonly #fanout: Pick<Fanout, 'publishControl'>;
  readonly #off: () => void;

  constructor(fanout: Pick<Fanout, 'publishControl' | 'onControl'>) {
    this.#fanout = fanout;
    this.#off = fanout.onControl((msg) => {
      if (msg.kind === 'access-events') this.#local.publish(msg.userIds);
    });
  }

  publish(userIds: Iterable<string>) {
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += MAX_ACCESS_EVENT_USERS) {
      this.#fanout.publishControl({ kind: 'access-events', userIds: ids.slice(i, i + MAX_ACCESS_EVENT_USERS) });
    }
  }

  subscribe(userId: string, fn: () => void): () => void {
    return this.#local.subscribe(userId, fn);
  }

  /** This node's open channels all refetch (after a reconnect, control messages may have been missed). */
  publishAll() {
    this.#local.publishAll();
  }

  get subscribedUsers(): number {
    return this.#local.subscribedUsers;
  }

  close() {
    this.#off();
    this.#local.close();
  }
}
