// Stand-ins for the sync managers' seams: a fresh fake-indexeddb store per
// test, an API that answers from a table of handlers, and rooms that settle
// when told to. No browser, no socket, no timers of their own.
import 'fake-indexeddb/auto';
import './device-key.ts';
import * as Y from 'yjs';
import { ApiFailure } from '../../../src/lib/sync/api.ts';
import { openDb, type LocalDb } from '../../../src/lib/storage/db.ts';
import type { ApiCall } from '../../../src/lib/sync/internal/seams.ts';
import type { ClosedReason } from '../../../src/lib/sync/live-room.svelte.ts';

let n = 0;
/** A Dexie index of its own (a fresh user id), in fake-indexeddb. */
export function freshDb(): LocalDb {
  return openDb(`u-test-${Date.now()}-${++n}`);
}

export type Handler = (body: unknown, method: string) => unknown;

/** Answers `api()` from `routes` (path → handler); a handler throws an ApiFailure to refuse. Records every call. */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: { path: string; method: string; body: unknown }[] = [];
  const call = (async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const method = init.method ?? 'GET';
    calls.push({ path, method, body: init.body });
    const handler = routes[path];
    if (!handler) throw new ApiFailure(404, 'not_found', `no route ${path}`);
    return handler(init.body, method);
  }) as ApiCall;
  return { call, calls, routes };
}

export const offline = () => new ApiFailure(0, 'offline', 'Ingen forbindelse');
export const refused = (status = 400, message = 'Afvist') => new ApiFailure(status, 'refused', message);

/** A room as the registry and the sweep see it: settles when the test says so. */
export class FakeRoom {
  readonly doc = new Y.Doc();
  closed: ClosedReason | null = null;
  ended = '';
  destroyed = false;
  #settle!: () => void;
  readonly settled = new Promise<void>((r) => (this.#settle = r));
  readonly room: string;
  constructor(room: string) {
    this.room = room;
  }
  settle() {
    this.#settle();
  }
  whenSettled() {
    return this.settled;
  }
  markEnded(reason: string) {
    this.ended = reason;
  }
  async destroy() {
    this.destroyed = true;
  }
}
