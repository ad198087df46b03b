// Composition root: store + auth + relay + API, wired by events. Used by the
// production server (index.ts), the dev server (vite.config.ts's plugin), the
// bench (bench/server.ts) and the tests.
import type { IncomingMessage } from 'node:http';
import { access } from '../src/lib/shared/access.ts';
import { roomName } from '../src/lib/shared/rooms.ts';
import { firstPlanUpdate, readTovholder } from '../src/lib/domain/plan.ts';
import { Api } from './api.ts';
import { affectedUsers, LocalAccessEvents, type AccessEvents } from './access-events.ts';
import { EventChannel } from './event-channel.ts';
import { Auth, readCookie } from './auth.ts';
import type { Config } from './config.ts';
import { Relay } from './relay.ts';
import { openStore } from './store/index.ts';
import type { FamilyRow, Store } from './store/types.ts';
import { Summariser } from './summaries.ts';
import { OverviewService } from './overview.ts';
import { HistoryService } from './history.ts';

export interface App {
  config: Config;
  store: Store;
  auth: Auth;
  relay: Relay;
  api: Api;
  /** who must re-fetch what they may open (the seam several nodes replace) */
  accessEvents: AccessEvents;
  events: EventChannel;
  summaries: Summariser;
  close(): Promise<void>;
}

export { registerApp } from './app-registry.ts';

/** scheme://host of an upgrade request; the scheme was set by http.ts from the socket. */
function requestOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (typeof host !== 'string') return null;
  return `${req.headers['x-fp-proto'] === 'https' ? 'https' : 'http'}://${host}`;
}

/** Expired sessions are refused on use; the sweep only keeps the table small. */
const SESSION_SWEEP_MS = 3_600_000;

export async function createApp(
  config: Config,
  opts: { now?: () => Date; summaryDebounceMs?: number; databaseSchema?: string } = {}
): Promise<App> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, databaseSchema: opts.databaseSchema });
  const now = opts.now ?? (() => new Date());
  const auth = new Auth(store, { sessionTtlMs: config.sessionTtlMs, limits: config.login });

  const originOk = (origin: string | null | undefined, expected: string | null) =>
    typeof origin === 'string' && origin !== '' && origin === (config.origin ?? expected);

  // Leaders' summaries follow the plan rooms' updates (debounced) and catch up at start.
  const summaries = new Summariser({ store, now, liveDoc: (room) => relay.loadedDoc(room), debounceMs: opts.summaryDebounceMs });
  const overview = await OverviewService.create({ store, now });

  const relay = new Relay({
    store,
    onRoomUpdated: (room, at) => summaries.roomUpdated(room, at),
    limits: config.relay,
    now,
    authenticate: (req: IncomingMessage) => auth.session(readCookie(req.headers.cookie, 'session'), now()),
    originAllowed: (req) => originOk(req.headers.origin, requestOrigin(req)),
    accessOf: async (userId, room) => {
      const [user, family, consents] = await Promise.all([
        store.userById(userId),
        store.familyById(room.familyId),
        store.consentsOfFamily(room.familyId)
      ]);
      if (!user || !user.active || !family) return 'none';
      return access(user, room, family, consents, now());
    }
  });
  const accessEvents: AccessEvents = new LocalAccessEvents();
  const events = new EventChannel({ events: accessEvents, limits: config.events, now });
  auth.onSessionEnded((hash) => {
    relay.endSession(hash);
    events.endSession(hash);
  });

  const initPlan = async (family: FamilyRow) => {
    await store.appendUpdates([{ room: roomName(family.id, 'plan'), author: family.createdBy, at: family.createdAt, data: firstPlanUpdate(family) }]);
    summaries.schedule(family.id, family.createdAt);
  };

  const api = new Api({
    store,
    auth,
    now,
    initPlan,
    tovholderOf: (familyId) => summaries.readPlan(familyId, (doc) => readTovholder(doc)?.userId ?? null),
    accessChanged: async (filter) => {
      await Promise.all([relay.recheck(filter), affectedUsers(store, filter).then((users) => accessEvents.publish(users))]);
    },
    events: (session, signal) => events.open(session, signal),
    originAllowed: (origin, request) => originOk(origin, new URL(request.url).origin),
    overview: (user, url) => overview.handle(user, url),
    familyRef: (familyId) => overview.ref(familyId),
    history: new HistoryService({ store }),
    secureCookies: (request) => new URL(config.origin ?? request.url).protocol === 'https:',
    leaseDays: config.leaseDays,
    accessLogMaxPerHour: config.accessLogMaxPerHour,
    sessionTtlMs: config.sessionTtlMs,
    maxBodyBytes: config.maxBodyBytes
  });

  // The seed (and the date formatting it needs) is loaded only when it runs:
  // a production process (DEMO=0) never holds it in memory.
  if (config.demo && (await store.familyCount()) === 0) {
    const { seedDemo } = await import('./seed.ts');
    await seedDemo(store, now());
  }
  void summaries.backfill();
  const sessionSweep = setInterval(() => {
    auth.sweepExpired(now()).catch((err) => console.error('session sweep failed', err));
  }, SESSION_SWEEP_MS);
  sessionSweep.unref();

  return {
    config,
    store,
    auth,
    relay,
    api,
    accessEvents,
    events,
    summaries,
    async close() {
      clearInterval(sessionSweep);
      await summaries.close();
      events.close();
      accessEvents.close();
      await relay.close();
      await store.close();
    }
  };
}
