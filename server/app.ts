// Composition root: store + auth + relay + API, wired by events. Used by the
// production server (index.ts), the dev server (vite.config.ts's plugin), the
// bench (bench/server.ts) and the tests.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRoom, roomName } from '../src/lib/shared/rooms.ts';
import { copenhagenDay } from '../src/lib/domain/today.ts';
import { firstPlanUpdate, readTovholder, type FirstPlan } from '../src/lib/domain/plan.ts';
import { Api } from './api.ts';
import { affectedUsers, FanoutAccessEvents } from './access-events.ts';
import { accessOfAll } from './access-of.ts';
import { createFanout, type Fanout } from './fanout/index.ts';
import { createLogger, errorFields, id, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { ReadinessCheck } from './health.ts';
import { createCounters, type Counters } from './limits/index.ts';
import { EventChannel } from './event-channel.ts';
import { Auth, readCookie } from './auth.ts';
import type { Config } from './config.ts';
import { Relay } from './relay.ts';
import { openStore } from './store/index.ts';
import type { FamilyRow, Store } from './store/types.ts';
import { Summariser } from './summaries.ts';
import { OverviewService } from './overview.ts';
import { Notifier } from './notifications.ts';
import { Administration } from './admin.ts';
import { DeviceService } from './devices.ts';
import { OidcSignIn, type ProviderSettings } from './identity/oidc.ts';
import { FamilyAccess } from './family-access.ts';
import type { LocalIdp } from './identity/local-idp.ts';
import { HistoryService } from './history.ts';
import { CaseLifecycle } from './lifecycle.ts';
import { UnderretningService } from './underretning.ts';
import { RetentionService } from './retention.ts';
import { InsightService } from './insight.ts';

export interface App {
  config: Config;
  store: Store;
  auth: Auth;
  relay: Relay;
  api: Api;
  /** who must re-fetch what they may open, on every node (the fan-out's control channel) */
  accessEvents: FanoutAccessEvents;
  events: EventChannel;
  summaries: Summariser;
  history: HistoryService;
  /** deletion of closed cases after RETENTION_YEARS (issue #14) */
  retention: RetentionService;
  /**
   * The demo's local identity provider under /idp (DESIGN §10), created on
   * first use; null without DEMO=1 or when OIDC_ISSUER names a real provider.
   */
  idp: { handle(req: IncomingMessage, res: ServerResponse): Promise<void> } | null;
  /** updates, presence and control messages between nodes (LocalFanout in one process) */
  fanout: Fanout;
  /** login and upload counters, shared between nodes through Redis when REDIS_URL is set */
  counters: Counters;
  log: Logger;
  metrics: Metrics;
  /** what GET /readyz asks */
  readiness: ReadinessCheck[];
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
/** How often plan rooms whose log grew are checkpointed for their history (server/history.ts). */
const HISTORY_SWEEP_MS = 15 * 60_000;

export async function createApp(
  config: Config,
  opts: {
    now?: () => Date;
    summaryDebounceMs?: number;
    databaseSchema?: string;
    /** Node.js process metrics (memory, event loop); the production entry turns them on. */
    processMetrics?: boolean;
    /** Where JSON log lines go; default stdout (tests: nowhere unless asked). */
    logWrite?: (line: string) => void;
  } = {}
): Promise<App> {
  const log = createLogger({ level: config.logLevel, write: opts.logWrite }).child({ nodeId: id(config.nodeId) });
  const metrics = createMetrics({ processMetrics: opts.processMetrics, defaultLabels: { node: config.nodeId } });
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    databaseSchema: opts.databaseSchema,
    log,
    onCheckpointError: (err) => log.error('store.checkpoint_failed', errorFields(err))
  });
  const now = opts.now ?? (() => new Date());
  let fanout: Fanout | undefined;
  let counters: Counters;
  try {
    // Nodes share Redis channels and counters only with the nodes of their own
    // store: a namespace kept in the store itself (created by the first node),
    // so deployments — or test runs — sharing one Redis never meet.
    const namespace = config.redisUrl ? await store.secret('redis-namespace', () => randomBytes(8).toString('hex')) : undefined;
    fanout = await createFanout(
      { redisUrl: config.redisUrl, nodeId: config.nodeId, maxMessageBytes: config.relay.maxMessageBytes, secret: config.fanoutSecret, namespace },
      { log, metrics }
    );
    counters = await createCounters({ redisUrl: config.redisUrl, namespace, log });
  } catch (err) {
    await fanout?.close();
    await store.close();
    throw err;
  }
  const auth = new Auth(store, { sessionTtlMs: config.sessionTtlMs, limits: config.login, counters });

  const originOk = (origin: string | null | undefined, expected: string | null) =>
    typeof origin === 'string' && origin !== '' && origin === (config.origin ?? expected);

  // Leaders' summaries follow the plan rooms' updates (debounced) and catch up at start.
  // The inbox (issue #16): its notices reach open devices over the access event channel (set below).
  let publishNotices: (userIds: string[]) => void = () => undefined;
  const notifier = new Notifier({ store, now, log, publish: (ids) => publishNotices(ids) });
  /** The family wrote in its own room: its tovholder hears of it, or without one the case-owning sector's workers in the team. */
  const familyWrote = async (familyId: string, at: string) => {
    const family = await store.familyById(familyId);
    if (!family) return;
    const tovholder = await summaries.readPlan(familyId, (doc) => readTovholder(doc)?.userId ?? null);
    const workers = (await store.listUsers()).filter((u) => u.active && u.role === 'worker' && u.teamIds.includes(family.teamId));
    const to = tovholder && workers.some((u) => u.id === tovholder) ? [tovholder] : workers.filter((u) => u.sector === family.openedBySector).map((u) => u.id);
    await notifier.familyWrote(familyId, copenhagenDay(new Date(at)), to);
  };
  const summaries = new Summariser({
    log,
    store,
    now,
    onPlan: (familyId, doc, isTeamWorker) => notifier.fromPlan(familyId, doc, isTeamWorker),
    liveDoc: (room) => relay.loadedRoom(room),
    debounceMs: opts.summaryDebounceMs,
    exclusive: (name, fn) => store.exclusive(name, fn)
  });
  const overview = await OverviewService.create({ store, now });

  // With several nodes a session's sockets spread over them: each node's bucket
  // holds its share of the rate, so the session's total stays within it
  // (docs/deploy.md "Rate limits on several nodes").
  const share = config.redisUrl ? config.relayNodes : 1;
  const relay = new Relay({
    store,
    onRoomUpdated: (room, at) => {
      summaries.roomUpdated(room, at);
      // Only the family writes its own room (DESIGN §6 rule 7): the team hears of it.
      const ref = parseRoom(room);
      if (ref?.part === 'family') familyWrote(ref.familyId, at).catch((err) => log.error('notifications.family_wrote_failed', errorFields(err)));
    },
    limits: {
      ...config.relay,
      messagesPerSecond: config.relay.messagesPerSecond / share,
      messageBurst: Math.max(1, Math.floor(config.relay.messageBurst / share)),
      // A node's byte burst never drops below one largest frame (the relay enforces that too).
      bytesPerSecond: config.relay.bytesPerSecond / share,
      byteBurst: Math.max(config.relay.maxMessageBytes, Math.floor(config.relay.byteBurst / share))
    },
    now,
    fanout,
    metrics,
    log,
    authenticate: (req: IncomingMessage) => auth.session(readCookie(req.headers.cookie, 'session'), now()),
    sessionLive: async (hash) => (await auth.sessionByHash(hash, now())) !== null,
    originAllowed: (req) => originOk(req.headers.origin, requestOrigin(req)),
    accessOf: (asks) => accessOfAll(store, asks, now())
  });
  const accessEvents = new FanoutAccessEvents(fanout);
  publishNotices = (ids) => accessEvents.publish(ids);
  const events = new EventChannel({ events: accessEvents, limits: config.events, now });
  // One code path for every node: publish, and act when the message arrives
  // (the fan-out delivers to this node at once, to the others through Redis).
  const offControl = fanout.onControl((msg, origin) => {
    if (msg.kind === 'session-ended') {
      relay.endSession(msg.sessionHash);
      events.endSession(msg.sessionHash);
    } else if (msg.kind === 'recheck' && !origin.local) {
      // This node's own rechecks are awaited by the API call that caused them (accessChanged).
      relay.recheck(msg).catch((err) => log.error('relay.recheck_failed', errorFields(err)));
    }
  });
  auth.onSessionEnded((hash) => fanout.publishControl({ kind: 'session-ended', sessionHash: hash }));
  const offReconnect = fanout.onReconnect(() => {
    log.info('fanout.resync', { rooms: relay.roomCount, sockets: relay.connectionCount });
    relay.resyncRooms().catch((err) => log.error('relay.resync_failed', errorFields(err)));
    relay.recheckAll('redis-reconnect').catch((err) => log.error('relay.recheck_failed', errorFields(err)));
    accessEvents.publishAll();
  });

  const initPlan = async (family: FamilyRow, first?: FirstPlan) => {
    await store.appendUpdates([{ room: roomName(family.id, 'plan'), author: family.createdBy, at: family.createdAt, data: firstPlanUpdate(family, first) }]);
    summaries.schedule(family.id, family.createdAt);
  };

  // `notify`: users to tell besides those the family's facts name (a team the family just left).
  const accessChanged = async ({ notify = [], ...filter }: { userId?: string; familyId?: string; reason?: string; notify?: string[] }) => {
    // Every other node rechecks its sockets too (DESIGN §11's control channel).
    if (filter.userId || filter.familyId) fanout.publishControl({ kind: 'recheck', ...filter });
    // This node's sockets close (4403 with the reason) before devices are told: a device told
    // first fetches its manifest and closes the plan itself, knowing only that access ended.
    const [users] = await Promise.all([affectedUsers(store, filter), filter.userId || filter.familyId ? relay.recheck(filter) : undefined]);
    accessEvents.publish([...users, ...notify]);
  };
  const lifecycle = new CaseLifecycle({
    log,
    store,
    now,
    accessChanged,
    tovholderOf: (familyId) => summaries.readPlan(familyId, (doc) => readTovholder(doc)?.userId ?? null),
    changePlan: (familyId, userId, fn) => relay.change(roomName(familyId, 'plan'), userId, fn),
    accessNotice: (userId, familyId, kind, actorId, ref) => notifier.access(userId, familyId, kind, actorId, ref)
  });

  // The local provider: only in the demo and only without a configured one.
  // Its issuer is ORIGIN/idp, or the origin of the first request that needs
  // it (set ORIGIN wherever more than one name reaches the server). The app
  // talks to it over a loopback socket of its own, so what the app fetches
  // never depends on a request's Host header.
  const useLocalIdp = config.demo && !config.oidc;
  let localIdp: Promise<{ idp: LocalIdp; loopback: Server; base: string }> | null = null;
  const startLocalIdp = (origin: string) =>
    (localIdp ??= (async () => {
      const { createLocalIdp } = await import('./identity/local-idp.ts');
      const idp = await createLocalIdp({ issuer: `${origin}/idp`, appOrigin: origin });
      const loopback = createServer((req, res) => {
        idp.handle(req, res).catch((err) => {
          log.error('idp.local_failed', errorFields(err));
          if (!res.headersSent) res.writeHead(500).end();
        });
      });
      await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
      return { idp, loopback, base: `http://127.0.0.1:${(loopback.address() as AddressInfo).port}` };
    })());

  const providerSettings = async (origin: string): Promise<ProviderSettings> => {
    if (config.oidc) return { ...config.oidc, issuerKey: config.oidc.issuer, allowHttp: new URL(config.oidc.issuer).protocol === 'http:' };
    const { idp, base } = await startLocalIdp(origin);
    const { LOCAL_CLIENT_ID, LOCAL_ISSUER_KEY } = await import('./identity/local-idp.ts');
    const issuerOrigin = new URL(idp.issuer).origin;
    return {
      issuer: idp.issuer,
      issuerKey: LOCAL_ISSUER_KEY,
      clientId: LOCAL_CLIENT_ID,
      clientSecret: idp.clientSecret,
      groupsClaim: 'groups',
      groupMap: {},
      allowHttp: true,
      fetch: (url, options) => fetch(url.startsWith(issuerOrigin) ? base + url.slice(issuerOrigin.length) : url, options as RequestInit)
    };
  };
  const oidc = config.oidc || useLocalIdp ? new OidcSignIn(store, providerSettings) : null;
  // The family's sign-in (DESIGN §12): CITIZEN_OIDC_* in production, the local provider's second client in the demo.
  const citizenProviderSettings = async (origin: string): Promise<ProviderSettings> => {
    if (config.citizenOidc) {
      const c = config.citizenOidc;
      return { ...c, issuerKey: c.issuer, groupsClaim: 'groups', groupMap: {}, allowHttp: new URL(c.issuer).protocol === 'http:', audience: 'citizen' };
    }
    const { LOCAL_CITIZEN_CLIENT_ID } = await import('./identity/local-idp.ts');
    return { ...(await providerSettings(origin)), clientId: LOCAL_CITIZEN_CLIENT_ID, audience: 'citizen' };
  };
  const citizenOidc = config.citizenOidc || (config.demo && !config.oidc) ? new OidcSignIn(store, citizenProviderSettings) : null;

  const history = new HistoryService({ store, now, log, exclusive: (name, fn) => store.exclusive(name, fn) });
  const retention = new RetentionService({
    store,
    years: config.retentionYears,
    now,
    familyDeleted: async (familyId, users) => {
      summaries.forget(familyId);
      history.forget(familyId);
      // The family no longer exists: every socket on its rooms closes (4403) on every node, and every device that held it purges.
      await accessChanged({ familyId, reason: 'family deleted (retention)', notify: users });
    }
  });

  const admin = new Administration({
    store,
    now,
    endSessionsOfUser: (userId) => auth.endSessionsOfUser(userId),
    deleteSessionsOfUser: (userId) => auth.deleteSessionsOfUser(userId),
    accessChanged
  });

  const devices = new DeviceService({ store, endSession: (hash) => auth.logout(hash), leaseDays: config.leaseDays, now });

  const api = new Api({
    log,
    store,
    auth,
    now,
    initPlan,
    tovholderOf: (familyId) => summaries.readPlan(familyId, (doc) => readTovholder(doc)?.userId ?? null),
    accessChanged,
    passwordLogin: config.passwordLogin,
    oidc,
    citizenOidc,
    admin,
    devices,
    lifecycle,
    retention,
    underretning: new UnderretningService({ store, now }),
    familyAccess: new FamilyAccess({
      store,
      now,
      counters,
      accessChanged,
      tovholderOf: (familyId) => summaries.readPlan(familyId, (doc) => readTovholder(doc)?.userId ?? null)
    }),
    publicOrigin: (request) => config.origin ?? new URL(request.url).origin,
    events: (session, signal) => events.open(session, signal),
    originAllowed: (origin, request) => originOk(origin, new URL(request.url).origin),
    overview: (user, url) => overview.handle(user, url),
    notifications: notifier,
    familyRef: (familyId) => overview.ref(familyId),
    history,
    insight: new InsightService({ store, history, now }),
    secureCookies: (request) => new URL(config.origin ?? request.url).protocol === 'https:',
    leaseDays: config.leaseDays,
    accessLogMaxPerHour: config.accessLogMaxPerHour,
    counters,
    sessionTtlMs: config.sessionTtlMs,
    maxBodyBytes: config.maxBodyBytes
  });

  // The seed (and the date formatting it needs) is loaded only when it runs:
  // a production process (DEMO=0) never holds it in memory.
  // Several nodes starting together with DEMO=1 seed once: the others wait for the lock, then find the data.
  if (config.demo) {
    await store.exclusive(
      'demo-seed',
      async () => {
        if ((await store.familyCount()) > 0) return;
        const { seedDemo } = await import('./seed.ts');
        await seedDemo(store, now());
        log.info('demo.seeded');
      },
      { wait: true }
    );
  }
  void summaries.backfill();
  // History checkpoints: built at start for plans whose log grew (a first look then restores one instead of replaying
  // two years of updates), and periodically after; one node at a time, each replay in slices.
  void history.sweep();
  const historySweep = setInterval(() => void history.sweep(), HISTORY_SWEEP_MS);
  historySweep.unref();
  const sessionSweep = setInterval(() => {
    store.exclusive('session-sweep', () => auth.sweepExpired(now())).catch((err) => log.error('sessions.sweep_failed', errorFields(err)));
  }, SESSION_SWEEP_MS);
  sessionSweep.unref();
  // Retention runs once across nodes (an advisory lock) and is safe to run twice.
  const retentionSweep = () =>
    store
      .exclusive('retention-sweep', () => retention.run('system'))
      .then((r) => {
        if (r.ran && r.value.deleted.length > 0) log.info('retention.swept', { deleted: r.value.deleted.length });
      })
      .catch((err) => log.error('retention.sweep_failed', errorFields(err)));
  const retentionTimer = config.retentionSweepHours > 0 ? setInterval(retentionSweep, config.retentionSweepHours * 3_600_000) : null;
  retentionTimer?.unref();
  // A node restarted daily would never reach the interval: one run a minute after start too.
  const retentionFirst = config.retentionSweepHours > 0 ? setTimeout(retentionSweep, 60_000) : null;
  retentionFirst?.unref();

  const readiness: ReadinessCheck[] = [
    // A primary-key read: the pool can reach the database and the schema (its migrations) is in place.
    { name: 'store', check: async () => void (await store.userById('readiness-probe')) },
    { name: 'redis', check: () => fanout.ping() }
  ];
  log.info('node.started', { store: id(store.kind), fanout: id(fanout.kind) });

  return {
    config,
    store,
    auth,
    relay,
    api,
    accessEvents,
    events,
    summaries,
    history,
    retention,
    idp: useLocalIdp
      ? {
          async handle(req, res) {
            const origin = config.origin ?? requestOrigin(req);
            if (!origin) {
              res.writeHead(400).end();
              return;
            }
            await (await startLocalIdp(origin)).idp.handle(req, res);
          }
        }
      : null,
    fanout,
    counters,
    log,
    metrics,
    readiness,
    async close() {
      clearInterval(sessionSweep);
      clearInterval(historySweep);
      if (retentionTimer) clearInterval(retentionTimer);
      if (retentionFirst) clearTimeout(retentionFirst);
      if (localIdp) {
        const { loopback } = await localIdp;
        loopback.closeAllConnections();
        await new Promise<void>((resolve) => loopback.close(() => resolve()));
      }
      offControl();
      offReconnect();
      await summaries.close();
      await history.close();
      events.close();
      accessEvents.close();
      await relay.close();
      await fanout.close();
      await counters.close();
      await auth.close();
      await store.close();
      log.info('node.stopped');
    }
  };
}
