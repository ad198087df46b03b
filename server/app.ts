// Composition root: store + auth + relay + API, wired by events. Used by the
// production server (index.ts), the dev server (dev.ts) and the tests.
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import * as Y from 'yjs';
import { access } from '../src/lib/shared/access.ts';
import { roomName } from '../src/lib/shared/rooms.ts';
import { setMeta } from '../src/lib/domain/plan.ts';
import { ORIGIN_SEED } from '../src/lib/domain/origins.ts';
import { Api } from './api.ts';
import { Auth, readCookie } from './auth.ts';
import type { Config } from './config.ts';
import { Relay } from './relay.ts';
import { SqliteStore, type FamilyRow, type Store } from './store.ts';

export interface App {
  config: Config;
  store: Store;
  auth: Auth;
  relay: Relay;
  api: Api;
  close(): Promise<void>;
}

const APP_KEY = Symbol.for('familiens-plan.app');

/** hooks.server.ts finds the running app here; set once by the composition root. */
export function registerApp(app: App | null) {
  (globalThis as Record<symbol, unknown>)[APP_KEY] = app;
}

/** scheme://host of an upgrade request; the scheme was set by http.ts from the socket. */
function requestOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (typeof host !== 'string') return null;
  return `${req.headers['x-fp-proto'] === 'https' ? 'https' : 'http'}://${host}`;
}

export async function createApp(config: Config, opts: { now?: () => Date } = {}): Promise<App> {
  const store = new SqliteStore(config.dataDir === ':memory:' ? ':memory:' : join(config.dataDir, 'familiens-plan.sqlite'));
  const now = opts.now ?? (() => new Date());
  const auth = new Auth(store, { sessionTtlMs: config.sessionTtlMs, limits: config.login });

  const originOk = (origin: string | null | undefined, expected: string | null) =>
    typeof origin === 'string' && origin !== '' && origin === (config.origin ?? expected);

  const relay = new Relay({
    store,
    limits: config.relay,
    now,
    authenticate: (req: IncomingMessage) => auth.session(readCookie(req.headers.cookie, 'session'), now()),
    originAllowed: (req) => originOk(req.headers.origin, requestOrigin(req)),
    accessOf: (userId, room) => {
      const user = store.userById(userId);
      const family = store.familyById(room.familyId);
      if (!user || !user.active || !family) return 'none';
      return access(user, room, family, store.consentsOfFamily(family.id), now());
    }
  });
  auth.onSessionEnded((hash) => relay.endSession(hash));

  const initPlan = (family: FamilyRow) => {
    const doc = new Y.Doc();
    setMeta(doc, { name: family.name, district: family.district, teamId: family.teamId, status: family.status }, ORIGIN_SEED);
    store.appendUpdate(roomName(family.id, 'plan'), family.createdBy, family.createdAt, Y.encodeStateAsUpdate(doc));
  };

  const api = new Api({
    store,
    auth,
    now,
    initPlan,
    accessChanged: (filter) => relay.recheck(filter),
    originAllowed: (origin, request) => originOk(origin, new URL(request.url).origin),
    secureCookies: (request) => new URL(config.origin ?? request.url).protocol === 'https:',
    leaseDays: config.leaseDays,
    sessionTtlMs: config.sessionTtlMs,
    maxBodyBytes: config.maxBodyBytes
  });

  // The seed (and the date formatting it needs) is loaded only when it runs:
  // a production process (DEMO=0) never holds it in memory.
  if (config.demo && store.familyCount() === 0) {
    const { seedDemo } = await import('./seed.ts');
    await seedDemo(store, now());
  }

  return {
    config,
    store,
    auth,
    relay,
    api,
    async close() {
      await relay.close();
      store.close();
    }
  };
}
