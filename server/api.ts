// The HTTP API (DESIGN §8) as Web Request -> Response functions. SvelteKit's
// handler serves /api/* by delegating here from hooks.server.ts, so the same
// code runs in dev and production and tests can call it without a browser.
import type { AuditAction } from './audit-actions.ts';
import { randomUUID } from 'node:crypto';
import { accessEnd, consentActive, grantActive, linkActive, type Access } from '../src/lib/shared/access.ts';
import { accessFromFacts } from './access-of.ts';
import { ROOM_PARTS, SECTORS, parseRoom, roomName, isPart, isSector, FAMILY_ID_PATTERN, type Part, type RoomPart, type Sector } from '../src/lib/shared/rooms.ts';
import { CASELOAD_NORM_MAX, CASELOAD_NORM_MIN, DEFAULT_CASELOAD_NORMS } from '../src/lib/shared/overview-types.ts';
import { caseOpeners, DEFAULT_CASE_OPENERS } from '../src/lib/shared/case-openers.ts';
import { checkNewFamily, isProblem } from '../src/lib/domain/new-family.ts';
import type { FirstPlan } from '../src/lib/domain/plan.ts';
import { copenhagenDay } from '../src/lib/domain/today.ts';
import type {
  Consent,
  CaseTransfer,
  ConsentEvent,
  ConsentList,
  FamilySummary,
  Manifest,
  ManifestRoom,
  Me,
  TeamWorker
} from '../src/lib/shared/api-types.ts';
import type { Auth, SessionUser } from './auth.ts';
import { readCookie } from './auth.ts';
import type { AuditEntry, AuditLog, Consents, Families, FamilyLinkRow, FamilyLinks, FamilyRow, GrantRow, Identity, Lifecycle, RoomLog, Summaries, UserRow } from './store/types.ts';
import type { FamilyAccess } from './family-access.ts';
import { errorMessages, type ErrorCode } from './messages.ts';
import { HttpError } from './http-error.ts';
import { ConsentInputError, parseConsentInput, sameConsent, type ConsentInput } from './consent.ts';
import { consentAuthority, widenedForRecorder, type ConsentAuthority } from '../src/lib/shared/consent.ts';
import { AUDIT_ACTIONS, summariseAccessLog } from './access-log.ts';
import { LocalCounters } from './limits/local.ts';
import type { Counters } from './limits/types.ts';
import type { OidcSignIn } from './identity/oidc.ts';
import type { Administration } from './admin.ts';
import { parseDeviceId, type DeviceService } from './devices.ts';
import type { CaseLifecycle } from './lifecycle.ts';
import type { UnderretningService } from './underretning.ts';
import type { RetentionService } from './retention.ts';
import type { InsightService } from './insight.ts';
import type { Notifier } from './notifications.ts';
import { nextTurn, slices } from './turns.ts';
import type { AuthMethods } from '../src/lib/shared/api-types.ts';

/** The cookie that binds a started OpenID Connect sign-in to this browser (SameSite=Lax: the provider's redirect back is cross-site). */
const OIDC_STATE_COOKIE = 'fp_oidc';
import { filterHistory, HISTORY_SECTIONS, type HistoryResponse, type HistorySection, type HistorySession, type AsOfResponse } from '../src/lib/domain/history.ts';
import { errorFields, type Logger } from './log.ts';

export interface ApiDeps {
  /** Where failures are logged (structured, never family content); silent when absent. */
  log?: Logger;
  store: Identity & Families & Pick<Lifecycle, 'grantsOfUser' | 'grantsOfFamily'> & Pick<FamilyLinks, 'linksOfUser' | 'linksOfFamily'> & Consents & AuditLog & Pick<RoomLog, 'latestSeqs' | 'changeGroupsOfRooms'> & Pick<Summaries, 'caseloadNorms' | 'setCaseloadNorms' | 'caseOpeners' | 'setCaseOpeners'>;
  auth: Auth;
  /**
   * Called after anything that can change who may open which room; `reason`
   * is the close reason open sockets that lost access are given.
   */
  accessChanged(filter: { userId?: string; familyId?: string; reason?: string; notify?: string[] }): Promise<void>;
  /** Creates the plan document of a new family. */
  initPlan(family: FamilyRow, first?: FirstPlan): Promise<void>;
  /** The user id of the family's current tovholder, as the plan document says now; null when none. */
  tovholderOf(familyId: string): Promise<string | null>;
  /** True when a state-changing request's Origin is the app's own. */
  originAllowed(origin: string | null, request: Request): boolean;
  /**
   * GET /api/events for a signed-in session (server/event-channel.ts): the
   * streaming response, or null when the session has its maximum of streams.
   */
  events(session: SessionUser, signal: AbortSignal): Response | null;
  /** A room's history, oldest session first (server/history.ts). */
  history: {
    sessions(room: string, kind: 'plan' | 'journal'): Promise<{ sessions: HistorySession[]; seq: number }>;
    asOf(room: string, at: string): Promise<Uint8Array>;
  };
  /** The worker's inbox (server/notifications.ts); absent: the routes answer 404. */
  notifications?: Pick<Notifier, 'list' | 'read'>;
  /** GET /api/overview for a signed-in user (server/overview.ts). */
  overview(user: UserRow, url: URL): Promise<Response>;
  /** The anonymous case reference leaders see for a family (server/overview.ts), shown to its workers too. */
  familyRef(familyId: string): string;
  secureCookies(request: Request): boolean;
  leaseDays: number;
  /** offline openings a session may upload per hour */
  accessLogMaxPerHour: number;
  /** where the upload budget is counted (shared between nodes with Redis); default this process */
  counters?: Counters;
  sessionTtlMs: number;
  maxBodyBytes: number;
  now?(): Date;
  /** Password sign-in (POST /api/auth/login) is on: DEMO=1 or PASSWORD_LOGIN=1. */
  passwordLogin: boolean;
  /** OpenID Connect sign-in (GET /auth/login, /auth/callback); null when neither configured nor the demo's local provider. */
  oidc: OidcSignIn | null;
  /** The family's OpenID Connect sign-in (GET /auth/borger/login, /auth/borger/callback; DESIGN §12); null when not configured. */
  citizenOidc?: OidcSignIn | null;
  /** The app's public origin for a request (ORIGIN, else the request's). */
  publicOrigin(request: Request): string;
  admin: Administration;
  /** devices, their keys and lost reports (DESIGN §13) */
  devices: DeviceService;
  /** close / reopen, transfer, grants (server/lifecycle.ts) */
  lifecycle: CaseLifecycle;
  /** who made an underretning, for the social sector only (server/underretning.ts) */
  underretning: UnderretningService;
  /** deletion of closed cases after the retention period (server/retention.ts); admins only */
  retention?: RetentionService;
  /** aktindsigt: everything held about a family that the requester may see (server/insight.ts) */
  insight?: InsightService;
  /** invitations and citizens' links to families (server/family-access.ts, DESIGN §12) */
  familyAccess: FamilyAccess;
}

const CONSENT_EVENTS = ['consent-recorded', 'consent-revoked', 'consent-refused'];

/** Offline openings in one upload; the app sends at most UPLOAD_BATCH (src/lib/sync). */
const MAX_UPLOAD_ENTRIES = 1000;
/** How far a device's clock may run ahead of the server's. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** A device's id (the app's is a UUID). */
const DEVICE_ID = /^[A-Za-z0-9-]{8,64}$/;
/** yyyy-MM-ddTHH:mm[:ss[.fff]] with Z or an offset: what toISOString and other clients write. */
/** The most sessions one history request may ask for by `limit`. */
const HISTORY_LIMIT_MAX = 10_000;
/** A caseload's list and manifest give the event loop back this often (a page's HTML waits behind them otherwise). */
const CASELOAD_SLICE_MS = 8;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface RequestInfo {
  clientAddress: string;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }
  });
}

function errorResponse(e: HttpError): Response {
  const message = errorMessages[e.code] + (e.detail ? ` (${e.detail})` : '');
  return json(e.status, { error: e.code, message });
}

/** The route's parameters, percent-decoded; null when one does not decode. */
function decodeParams(keys: readonly string[], match: RegExpExecArray): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (const [i, k] of keys.entries()) {
    try {
      params[k] = decodeURIComponent(match[i + 1]);
    } catch {
      return null;
    }
  }
  return params;
}

/** Strict UTF-8: a body with invalid sequences is refused rather than silently repaired. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Ctx = { request: Request; url: URL; info: RequestInfo; params: Record<string, string> };
type Route = {
  method: string;
  pattern: RegExp;
  keys: string[];
  run: (ctx: Ctx) => Promise<Response> | Response;
};

export class Api {
  readonly #d: ApiDeps;
  readonly #routes: Route[] = [];
  readonly #uploads: Counters;

  constructor(deps: ApiDeps) {
    this.#d = deps;
    this.#uploads = deps.counters ?? new LocalCounters();
    this.#route('GET', '/api/auth/methods', () => json(200, { oidc: this.#d.oidc !== null, password: this.#d.passwordLogin, citizen: !!this.#d.citizenOidc } satisfies AuthMethods));
    this.#route('POST', '/api/auth/login', (c) => this.#login(c));
    this.#route('GET', '/auth/login', (c) => this.#oidcLogin(c));
    this.#route('GET', '/auth/callback', (c) => this.#oidcCallback(c));
    this.#route('GET', '/auth/logout', (c) => this.#oidcLogout(c));
    this.#route('GET', '/auth/borger/login', (c) => this.#oidcLogin(c, 'citizen'));
    this.#route('GET', '/auth/borger/callback', (c) => this.#oidcCallback(c, 'citizen'));
    const admin = this.#d.admin;
    this.#route('GET', '/api/admin/users', (c) => this.#admin(c, () => admin.listUsers()));
    this.#route('POST', '/api/admin/users', (c) => this.#admin(c, async (actor) => admin.createUser(actor, await this.#body(c.request)), 201));
    this.#route('PATCH', '/api/admin/users/:id', (c) => this.#admin(c, async (actor) => admin.changeUser(actor, c.params.id, await this.#body(c.request))));
    this.#route('POST', '/api/admin/users/:id/deactivate', (c) => this.#admin(c, (actor) => admin.setActive(actor, c.params.id, false)));
    this.#route('POST', '/api/admin/users/:id/reactivate', (c) => this.#admin(c, (actor) => admin.setActive(actor, c.params.id, true)));
    this.#route('GET', '/api/admin/teams', (c) => this.#admin(c, () => admin.listTeams()));
    this.#route('POST', '/api/admin/teams', (c) => this.#admin(c, async (actor) => admin.createTeam(actor, await this.#body(c.request)), 201));
    this.#route('PATCH', '/api/admin/teams/:id', (c) => this.#admin(c, async (actor) => admin.changeTeam(actor, c.params.id, await this.#body(c.request))));
    this.#route('GET', '/api/admin/districts', (c) => this.#admin(c, () => admin.listDistricts()));
    this.#route('POST', '/api/admin/districts', (c) => this.#admin(c, async (actor) => admin.saveDistrict(actor, await this.#body(c.request), true), 201));
    this.#route('PATCH', '/api/admin/districts', (c) => this.#admin(c, async (actor) => admin.saveDistrict(actor, await this.#body(c.request), false)));
    this.#route('GET', '/api/admin/audit', (c) => this.#admin(c, () => admin.auditLog()));
    this.#route('GET', '/api/admin/retention', (c) => this.#admin(c, () => this.#retention().listing()));
    this.#route('POST', '/api/admin/retention/run', (c) => this.#admin(c, (actor) => this.#retention().run(actor.id)));
    const devices = this.#d.devices;
    this.#route('GET', '/api/admin/devices', (c) => this.#admin(c, () => devices.all()));
    this.#route('POST', '/api/admin/users/:userId/devices/:id/lost', (c) => this.#admin(c, (actor) => devices.reportLost(actor, c.params.userId, c.params.id)));
    this.#route('POST', '/api/device/key', (c) => this.#deviceKey(c));
    this.#route('GET', '/api/devices', async (c) => json(200, await devices.mine(await this.#session(c.request))));
    this.#route('POST', '/api/devices/:id/lost', async (c) => {
      const { user } = await this.#session(c.request);
      return json(200, await devices.reportLost(user, user.id, c.params.id));
    });
    this.#route('POST', '/api/auth/logout', (c) => this.#logout(c));
    this.#route('GET', '/api/me', (c) => this.#me(c));
    this.#route('GET', '/api/manifest', (c) => this.#manifest(c));
    this.#route('GET', '/api/families', (c) => this.#listFamilies(c));
    this.#route('POST', '/api/families', (c) => this.#createFamily(c));
    this.#route('GET', '/api/families/:id/consents', (c) => this.#listConsents(c));
    this.#route('POST', '/api/families/:id/consents', (c) => this.#createConsent(c));
    this.#route('POST', '/api/families/:id/consents/:consentId/revoke', (c) => this.#revokeConsent(c));
    this.#route('GET', '/api/families/:id/access-log', (c) => this.#accessLog(c));
    const life = this.#d.lifecycle;
    this.#route('GET', '/api/families/:id/case', (c) => this.#staff(c, (u) => life.info(u, c.params.id)));
    this.#route('POST', '/api/families/:id/close', (c) => this.#staff(c, async (u) => life.setStatus(u, c.params.id, await this.#body(c.request), 'afsluttet')));
    this.#route('POST', '/api/families/:id/reopen', (c) => this.#staff(c, async (u) => life.setStatus(u, c.params.id, await this.#body(c.request), 'aktiv')));
    this.#route('POST', '/api/families/:id/transfers', (c) => this.#staff(c, async (u) => life.requestTransfer(u, c.params.id, await this.#body(c.request)), 201));
    this.#route('GET', '/api/transfers', (c) => this.#staff(c, async (u) => ({ transfers: (await life.incoming(u)).map((x) => this.#transferFor(u, x)) })));
    this.#route('POST', '/api/transfers/:id/accept', (c) => this.#staff(c, async (u) => this.#transferFor(u, await life.decide(u, c.params.id, 'accepted'))));
    this.#route('POST', '/api/transfers/:id/decline', (c) => this.#staff(c, async (u) => this.#transferFor(u, await life.decide(u, c.params.id, 'declined'))));
    this.#route('POST', '/api/transfers/:id/cancel', (c) => this.#staff(c, (u) => life.decide(u, c.params.id, 'cancelled')));
    this.#route('POST', '/api/families/:id/grants', (c) => this.#staff(c, async (u) => life.giveGrant(u, c.params.id, await this.#body(c.request)), 201));
    const und = this.#d.underretning;
    this.#route('GET', '/api/families/:id/underretninger', (c) => this.#staff(c, (u) => und.reporters(u, c.params.id)));
    this.#route('PUT', '/api/families/:id/underretninger/:entryId', (c) => this.#staff(c, async (u) => und.setReporter(u, c.params.id, c.params.entryId, await this.#body(c.request))));
    this.#route('POST', '/api/families/:id/grants/:grantId/end', (c) => this.#staff(c, (u) => life.endGrant(u, c.params.id, c.params.grantId)));
    const fam = this.#d.familyAccess;
    this.#route('GET', '/api/families/:id/invitations', (c) => this.#worker(c, (u) => fam.list(u, c.params.id)));
    this.#route('POST', '/api/families/:id/invitations', (c) => this.#worker(c, async (u) => fam.create(u, c.params.id, await this.#body(c.request)), 201));
    this.#route('POST', '/api/families/:id/invitations/:invId/revoke', (c) => this.#worker(c, (u) => fam.revoke(u, c.params.id, c.params.invId)));
    this.#route('POST', '/api/families/:id/links/:linkId/end', (c) => this.#worker(c, (u) => fam.endLink(u, c.params.id, c.params.linkId)));
    this.#route('POST', '/api/invitations/accept', (c) => this.#worker(c, async (u) => fam.accept(u, await this.#body(c.request), c.info.clientAddress)));
    this.#route('GET', '/api/vores-plan', (c) => this.#worker(c, (u) => fam.mine(u)));
    this.#route('GET', '/api/families/:id/history', (c) => this.#history(c));
    this.#route('GET', '/api/families/:id/insight', (c) => this.#insight(c));
    this.#route('GET', '/api/families/:id/history/as-of', (c) => this.#historyAsOf(c));
    this.#route('POST', '/api/access-log', (c) => this.#uploadAccessLog(c));
    this.#route('GET', '/api/events', (c) => this.#events(c));
    // Every signed-in user's own inbox: the user id comes from the session, never from the request.
    this.#route('GET', '/api/notifications', (c) => this.#worker(c, (u) => this.#notifications().list(u)));
    this.#route('POST', '/api/notifications/read', (c) => this.#worker(c, async (u) => this.#notifications().read(u, await this.#body(c.request))));
    this.#route('GET', '/api/overview', async (c) => this.#d.overview((await this.#session(c.request)).user, c.url));
    this.#route('GET', '/api/admin/norms', (c) => this.#norms(c));
    this.#route('PUT', '/api/admin/norms', (c) => this.#setNorms(c));
    this.#route('GET', '/api/admin/case-openers', (c) => this.#caseOpeners(c));
    this.#route('PUT', '/api/admin/case-openers', (c) => this.#setCaseOpeners(c));
  }

  #now() {
    return this.#d.now?.() ?? new Date();
  }

  #route(method: string, path: string, run: Route['run']) {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/:([a-zA-Z]+)/g, (_, k: string) => {
          keys.push(k);
          return '([^/]+)';
        }) +
        '$'
    );
    this.#routes.push({ method, pattern, keys, run });
  }

  async handle(request: Request, info: RequestInfo): Promise<Response> {
    const url = new URL(request.url);
    try {
      let allowed: string[] = [];
      for (const r of this.#routes) {
        const m = r.pattern.exec(url.pathname);
        if (!m) continue;
        if (r.method !== request.method) {
          allowed.push(r.method);
          continue;
        }
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          if (!this.#d.originAllowed(request.headers.get('origin'), request)) throw new HttpError(403, 'bad_origin');
        }
        const params = decodeParams(r.keys, m);
        // An id with a broken escape cannot name anything we hold.
        if (!params) throw new HttpError(404, 'not_found');
        return await r.run({ request, url, info, params });
      }
      if (allowed.length > 0) return json(405, { error: 'method_not_allowed', message: errorMessages.method_not_allowed }, { allow: allowed.join(', ') });
      throw new HttpError(404, 'not_found');
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      this.#d.log?.error('api.failed', errorFields(err));
      return errorResponse(new HttpError(500, 'internal'));
    }
  }

  // ---- helpers -------------------------------------------------------------

  async #session(request: Request): Promise<SessionUser> {
    const token = readCookie(request.headers.get('cookie'), 'session');
    const s = await this.#d.auth.session(token, this.#now());
    if (s) return s;
    // The device wipes its family data on this answer (a deactivated user never syncs again).
    if (await this.#d.auth.deactivated(token)) throw new HttpError(401, 'account_deactivated');
    throw new HttpError(401, 'unauthenticated');
  }

  async #body(request: Request): Promise<Record<string, unknown>> {
    const type = request.headers.get('content-type') ?? '';
    if (!type.includes('application/json')) throw new HttpError(415, 'unsupported_media_type');
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > this.#d.maxBodyBytes) throw new HttpError(413, 'too_large');
    const text = await this.#readText(request);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_json');
    return body as Record<string, unknown>;
  }

  /**
   * The body as text, read chunk by chunk so that a chunked body (no
   * Content-Length) over the limit is refused at the limit (413) instead of
   * being buffered whole. A body stream that fails (the client went away, or
   * SvelteKit's own BODY_SIZE_LIMIT) is the client's error, never a 500.
   */
  async #readText(request: Request): Promise<string> {
    if (!request.body) return '';
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > this.#d.maxBodyBytes) {
          // Not cancel(): under adapter-node that destroys the socket before the
          // 413 is written. The server discards the rest of the body after answering.
          reader.releaseLock();
          throw new HttpError(413, 'too_large');
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if ((err as { status?: unknown })?.status === 413) throw new HttpError(413, 'too_large');
      throw new HttpError(400, 'invalid_body');
    }
    try {
      return utf8.decode(Buffer.concat(chunks, total));
    } catch {
      throw new HttpError(400, 'invalid_encoding');
    }
  }

  #accessOf(user: UserRow, family: FamilyRow, part: RoomPart, consents: Consent[], links: readonly FamilyLinkRow[] = []): Access {
    return accessFromFacts(user, { familyId: family.id, part }, family, consents, this.#now(), [], links);
  }

  /** The citizen's links to the family (DESIGN §6 rule 7); none for anyone else. */
  async #linksFor(user: UserRow, familyId: string): Promise<FamilyLinkRow[]> {
    return user.role === 'citizen' ? (await this.#d.store.linksOfUser(user.id)).filter((l) => l.familyId === familyId) : [];
  }


  /**
   * The family, if the user has `write` on its plan (DESIGN §8: who may see
   * and record consents and see the access log), a called-in specialist's
   * grant included (rule 6). Anyone else outside the family's team gets 404,
   * as for a family that does not exist, so ids cannot be probed; a worker of
   * the family's own team is told why (403).
   */
  async #familyWithPlan(user: UserRow, id: string, refusal: ErrorCode): Promise<FamilyRow> {
    if (!FAMILY_ID_PATTERN.test(id)) throw new HttpError(404, 'not_found');
    const family = (await this.#d.store.familyById(id));
    // The family itself (DESIGN §12): a linked citizen reads the plan, sees the consents and the access log.
    if (family && user.role === 'citizen') {
      if (this.#accessOf(user, family, 'plan', [], await this.#linksFor(user, family.id)) === 'none') throw new HttpError(404, 'not_found');
      return family;
    }
    if (!family || user.role !== 'worker') throw new HttpError(404, 'not_found');
    const [consents, grants] = await Promise.all([this.#d.store.consentsOfFamily(family.id), this.#d.store.grantsOfFamily(family.id)]);
    const access = accessFromFacts(user, { familyId: family.id, part: 'plan' }, family, consents, this.#now(), grants);
    // Outside the team only a called-in specialist's grant (rule 6) lets anyone know the family exists.
    if (access === 'none' && !user.teamIds.includes(family.teamId)) throw new HttpError(404, 'not_found');
    if (access !== 'write') throw new HttpError(403, refusal);
    return family;
  }

  async #audit(userId: string | null, action: AuditAction, detail: string | null, familyId: string | null = null) {
    (await this.#d.store.audit({ at: this.#now().toISOString(), userId, familyId, room: null, action, detail, deviceId: null }));
  }

  /**
   * A transfer as a leader sees it: a leader reads no family content (DESIGN
   * §6 rule 1, §8), so the family is named by its anonymous case reference
   * (the one the overview and the family's workers use) and the handover note
   * is for the team's workers only.
   */
  #transferFor(user: UserRow, x: CaseTransfer): CaseTransfer {
    return user.role === 'leader' ? { ...x, familyName: this.#d.familyRef(x.familyId), note: '' } : x;
  }

  #notifications() {
    if (!this.#d.notifications) throw new HttpError(404, 'not_found');
    return this.#d.notifications;
  }

  /** A case lifecycle route: any signed-in user (the lifecycle module decides), the answer as JSON. */
  async #worker(c: Ctx, run: (user: UserRow) => Promise<unknown>, status = 200) {
    const { user } = await this.#session(c.request);
    return json(status, await run(user));
  }

  /** GET /api/families/:id/insight[?download=1]: the export as JSON (a file to save with download=1). */
  async #insight({ request, url, params }: Ctx) {
    const { user } = await this.#session(request);
    if (!this.#d.insight) throw new HttpError(404, 'not_found');
    const out = await this.#d.insight.export(user, params.id);
    const headers: Record<string, string> = url.searchParams.get('download') === '1' ? { 'content-disposition': `attachment; filename="aktindsigt-${out.family.id}.json"` } : {};
    return new Response(JSON.stringify(out, null, 2), {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }
    });
  }

  #retention(): RetentionService {
    if (!this.#d.retention) throw new HttpError(404, 'not_found');
    return this.#d.retention;
  }

  /** A route for the municipality's staff: a family member (citizen) is refused (403) before anything is looked up. */
  async #staff(c: Ctx, run: (user: UserRow) => Promise<unknown>, status = 200) {
    const { user } = await this.#session(c.request);
    if (user.role === 'citizen') throw new HttpError(403, 'staff_only');
    return json(status, await run(user));
  }

  /** An administration route: admins only (403 for everyone else), the answer as JSON. */
  /** POST /api/device/key { deviceId, name? }: a lost device hears so even without a session (it wipes). */
  async #deviceKey(c: Ctx) {
    const body = await this.#body(c.request);
    await this.#d.devices.refuseLost(parseDeviceId(body.deviceId));
    return json(200, await this.#d.devices.key(await this.#session(c.request), body));
  }

  async #admin(c: Ctx, run: (actor: UserRow) => Promise<unknown>, status = 200) {
    const { user } = await this.#session(c.request);
    if (user.role !== 'admin') throw new HttpError(403, 'admins_only');
    return json(status, await run(user));
  }

  #cookie(request: Request, name: string, value: string, attrs: string) {
    return `${name}=${value}; ${attrs}${this.#d.secureCookies(request) ? '; Secure' : ''}`;
  }

  #sessionCookie(request: Request, token: string) {
    return this.#cookie(request, 'session', token, `Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.#d.sessionTtlMs / 1000)}`);
  }

  // ---- OpenID Connect (DESIGN §10) -------------------------------------------

  /** A browser navigation ends on the login page with a reason it can show in Danish. */
  #toLogin(error: string, headers: Record<string, string> = {}) {
    return new Response(null, { status: 302, headers: { location: `/login?error=${encodeURIComponent(error)}`, 'cache-control': 'no-store', ...headers } });
  }

  #signIn(audience: 'staff' | 'citizen'): OidcSignIn | null {
    return audience === 'citizen' ? (this.#d.citizenOidc ?? null) : this.#d.oidc;
  }

  async #oidcLogin({ request }: Ctx, audience: 'staff' | 'citizen' = 'staff') {
    const oidc = this.#signIn(audience);
    if (!oidc) return this.#toLogin('oidc_not_configured');
    let started;
    try {
      started = await oidc.start(this.#d.publicOrigin(request), this.#now());
    } catch (err) {
      this.#d.log?.error('oidc.start_failed', errorFields(err));
      return this.#toLogin('oidc_unavailable');
    }
    return new Response(null, {
      status: 302,
      headers: {
        location: started.location,
        'cache-control': 'no-store',
        'set-cookie': this.#cookie(request, OIDC_STATE_COOKIE, started.state, 'Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600')
      }
    });
  }

  async #oidcCallback({ request, url, info }: Ctx, audience: 'staff' | 'citizen' = 'staff') {
    const clearState = this.#cookie(request, OIDC_STATE_COOKIE, '', 'Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0');
    const oidc = this.#signIn(audience);
    if (!oidc) return this.#toLogin('oidc_not_configured');
    const result = await oidc.finish(url, this.#d.publicOrigin(request), readCookie(request.headers.get('cookie'), OIDC_STATE_COOKIE), this.#now());
    if (!result.ok) {
      await this.#audit(result.reason === 'oidc_deactivated' ? result.detail : null, 'login-oidc-refused', `${result.reason}: ${result.detail} from ${info.clientAddress}`.slice(0, 500));
      return this.#toLogin(result.reason, { 'set-cookie': clearState });
    }
    const { user } = result;
    if (result.created) await this.#audit(user.id, 'login-oidc-created', JSON.stringify({ userId: user.id, username: user.username }));
    await this.#audit(user.id, 'login', `oidc from ${info.clientAddress}`);
    if (result.accessChanged) await this.#d.accessChanged({ userId: user.id, reason: 'access changed at the identity provider' });
    const { token } = await this.#d.auth.startSession(user, this.#now());
    const headers = new Headers({ location: user.role === 'citizen' ? '/vores-plan' : '/', 'cache-control': 'no-store' });
    headers.append('set-cookie', this.#sessionCookie(request, token));
    headers.append('set-cookie', clearState);
    return new Response(null, { status: 302, headers });
  }

  /** RP-initiated logout: after POST /api/auth/logout the browser comes here and goes on to the provider's end of session. */
  async #oidcLogout({ request }: Ctx) {
    let location = '/login';
    if (this.#d.oidc) {
      try {
        location = (await this.#d.oidc.endSessionUrl(this.#d.publicOrigin(request))) ?? '/login';
      } catch (err) {
        this.#d.log?.error('oidc.end_session_failed', errorFields(err));
      }
    }
    return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
  }

  /**
   * The family, if the user may read the given part (DESIGN §6: the access
   * rule, for workers, specialists with a grant and the family itself); 404
   * otherwise, as for a family that does not exist.
   */
  async #familyReadable(user: UserRow, id: string, part: Part): Promise<FamilyRow> {
    if (!FAMILY_ID_PATTERN.test(id)) throw new HttpError(404, 'not_found');
    const family = await this.#d.store.familyById(id);
    // The history (who changed what, when, and earlier versions) is the professionals' tool, not the family's.
    if (!family || user.role !== 'worker') throw new HttpError(404, 'not_found');
    const [consents, grants] = await Promise.all([this.#d.store.consentsOfFamily(family.id), this.#d.store.grantsOfFamily(family.id)]);
    if (accessFromFacts(user, { familyId: family.id, part }, family, consents, this.#now(), grants) === 'none') throw new HttpError(404, 'not_found');
    return family;
  }

  // ---- history -------------------------------------------------------------

  async #history({ request, url, params }: Ctx) {
    const { user } = await this.#session(request);
    const part = url.searchParams.get('part') ?? 'plan';
    if (part !== 'plan' && !isSector(part)) throw new HttpError(400, 'history_part');
    const section = url.searchParams.get('section') || undefined;
    if (section !== undefined && !(HISTORY_SECTIONS as readonly string[]).includes(section)) throw new HttpError(400, 'history_section');
    const who = url.searchParams.get('user') || undefined;
    if (who !== undefined && who.length > 100) throw new HttpError(400, 'history_user');
    // The newest `limit` sessions (after the filters): a print or a first screen asks only for what it shows.
    const limitParam = url.searchParams.get('limit');
    if (limitParam !== null && !/^[1-9][0-9]{0,4}$/.test(limitParam)) throw new HttpError(400, 'history_limit');
    const limit = limitParam === null ? undefined : Number(limitParam);
    if (limit !== undefined && limit > HISTORY_LIMIT_MAX) throw new HttpError(400, 'history_limit');
    const family = await this.#familyReadable(user, params.id, part);
    const all = await this.#d.history.sessions(roomName(family.id, part), part === 'plan' ? 'plan' : 'journal');
    let sessions = filterHistory(all.sessions, { user: who, section: section as HistorySection | undefined, limit });
    // DESIGN §5: who made an underretning is never shown outside the social sector.
    if (part !== 'plan' && user.sector !== 'social') sessions = sessions.map((s) => (s.changes.some((c) => c.section === 'entries' && c.label.startsWith('underretning')) ? { ...s, author: '' } : s));
    const people = Object.fromEntries(await this.#d.store.userNames(sessions.map((s) => s.author).filter(Boolean)));
    const body: HistoryResponse = { part, sessions, people, seq: all.seq };
    return json(200, body);
  }

  async #historyAsOf({ request, url, params }: Ctx) {
    const { user } = await this.#session(request);
    const at = url.searchParams.get('at') ?? '';
    if (!ISO_INSTANT.test(at) || Number.isNaN(Date.parse(at))) throw new HttpError(400, 'history_at');
    const family = await this.#familyReadable(user, params.id, 'plan');
    const update = await this.#d.history.asOf(roomName(family.id, 'plan'), new Date(at).toISOString());
    const body: AsOfResponse = { at: new Date(at).toISOString(), update: Buffer.from(update).toString('base64') };
    return json(200, body);
  }

  // ---- auth ----------------------------------------------------------------

  async #login({ request, info }: Ctx) {
    if (!this.#d.passwordLogin) throw new HttpError(403, 'password_login_disabled');
    const body = await this.#body(request);
    const { username, password } = body;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || username.length > 100 || password.length > 200) {
      throw new HttpError(400, 'invalid_credentials_format');
    }
    const result = await this.#d.auth.login(username.trim(), password, info.clientAddress, this.#now());
    if (!result.ok) {
      if (result.reason !== 'busy') {
        await this.#audit(null, result.reason === 'rate-limited' ? 'login-rate-limited' : 'login-failed', `${username.slice(0, 100)} from ${info.clientAddress}`);
      }
      if (result.reason === 'rate-limited') throw new HttpError(429, 'rate_limited');
      if (result.reason === 'busy') throw new HttpError(503, 'login_busy');
      throw new HttpError(401, 'invalid_credentials');
    }
    await this.#audit(result.user.id, 'login', info.clientAddress);
    return new Response(null, { status: 204, headers: { 'set-cookie': this.#sessionCookie(request, result.token), 'cache-control': 'no-store' } });
  }

  async #logout({ request }: Ctx) {
    const s = await this.#d.auth.session(readCookie(request.headers.get('cookie'), 'session'), this.#now());
    if (s) {
      await this.#d.auth.logout(s.sessionHash);
      await this.#audit(s.user.id, 'logout', null);
    }
    const secure = this.#d.secureCookies(request) ? '; Secure' : '';
    return new Response(null, {
      status: 204,
      headers: { 'set-cookie': `session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`, 'cache-control': 'no-store' }
    });
  }

  async #events({ request }: Ctx) {
    const stream = this.#d.events(await this.#session(request), request.signal);
    if (!stream) throw new HttpError(429, 'too_many_streams');
    return stream;
  }

  async #me({ request }: Ctx) {
    const { user } = await this.#session(request);
    const teams = (await this.#d.store.listTeams());
    const me: Me = {
      id: user.id,
      username: user.username,
      name: user.name,
      role: user.role,
      sector: user.sector,
      teams: await Promise.all(
        user.teamIds.map(async (id) => ({ id, name: teams.find((t) => t.id === id)?.name ?? id, districts: await this.#d.store.districtsOfTeam(id) }))
      ),
      mayOpenCase: await this.#mayOpenCase(user)
    };
    return json(200, me);
  }

  // ---- families and manifest -------------------------------------------------

  /** Every (family, part, access) the user may open, computed with one consent query. */
  async #openable(user: UserRow): Promise<{ family: FamilyRow; consents: Consent[]; grants: GrantRow[]; links: FamilyLinkRow[]; parts: { part: RoomPart; access: Exclude<Access, 'none'> }[] }[]> {
    if (user.role === 'citizen') return this.#citizenOpenable(user);
    if (user.role !== 'worker') return [];
    const families = (await this.#d.store.familiesOfTeams(user.teamIds));
    // Called in (DESIGN §6 rule 6): families of other teams this user holds a grant for.
    const grants = await this.#d.store.grantsOfUser(user.id);
    const now = this.#now();
    const inTeams = new Set(families.map((f) => f.id));
    for (const familyId of new Set(grants.filter((g) => grantActive(g, now)).map((g) => g.familyId))) {
      if (inTeams.has(familyId)) continue;
      const f = await this.#d.store.familyById(familyId);
      if (f) families.push(f);
    }
    const consents = (await this.#d.store.consentsOfFamilies(families.map((f) => f.id)));
    const byFamily = new Map<string, Consent[]>();
    for (const c of consents) {
      const list = byFamily.get(c.familyId) ?? [];
      list.push(c);
      byFamily.set(c.familyId, list);
    }
    const out = [];
    // A caseload of thousands: other requests are served between slices (a page's HTML waits for this otherwise).
    const slice = slices(CASELOAD_SLICE_MS);
    for (const family of families) {
      if (slice.due()) await nextTurn();
      const parts = [];
      const own = grants.filter((g) => g.familyId === family.id);
      for (const part of ROOM_PARTS) {
        const a = accessFromFacts(user, { familyId: family.id, part }, family, byFamily.get(family.id) ?? [], now, own);
        if (a !== 'none') parts.push({ part, access: a });
      }
      if (parts.some((p) => p.part === 'plan')) out.push({ family, parts, grants: own, links: [], consents: byFamily.get(family.id) ?? [] });
    }
    return out;
  }

  /** A citizen's families (DESIGN §6 rule 7): those their active links name, while the case is open. */
  async #citizenOpenable(user: UserRow) {
    const now = this.#now();
    const links = (await this.#d.store.linksOfUser(user.id)).filter((l) => linkActive(l, now));
    const out = [];
    for (const familyId of new Set(links.map((l) => l.familyId))) {
      const family = await this.#d.store.familyById(familyId);
      if (!family) continue;
      const own = links.filter((l) => l.familyId === familyId);
      const parts: { part: RoomPart; access: Exclude<Access, 'none'> }[] = [];
      for (const part of ROOM_PARTS) {
        const a = accessFromFacts(user, { familyId, part }, family, [], now, [], own);
        if (a !== 'none') parts.push({ part, access: a });
      }
      if (parts.some((p) => p.part === 'plan')) out.push({ family, parts, grants: [] as GrantRow[], links: own, consents: [] as Consent[] });
    }
    return out;
  }

  /** The family's team workers and whether the access rule lets each into the plan (owners and tovholder are chosen among them). */
  #teamWorkers(family: FamilyRow, consents: Consent[], users: UserRow[]): TeamWorker[] {
    return users
      .filter((u) => u.active && u.role === 'worker' && u.sector !== null && u.teamIds.includes(family.teamId))
      // Any access: a closed case is read-only for everyone, and its workers still belong to it.
      .map((u) => ({ id: u.id, name: u.name, sector: u.sector as Sector, planAccess: this.#accessOf(u, family, 'plan', consents) !== 'none' }));
  }

  async #listFamilies({ request }: Ctx) {
    const { user } = await this.#session(request);
    const teams = (await this.#d.store.listTeams());
    const users = (await this.#d.store.listUsers());
    const now = this.#now();
    const citizen = user.role === 'citizen';
    const families: FamilySummary[] = [];
    const slice = slices(CASELOAD_SLICE_MS);
    for (const { family, parts, consents, grants } of await this.#openable(user)) {
      if (slice.due()) await nextTurn();
      families.push({
        id: family.id,
        name: family.name,
        district: family.district,
        teamId: family.teamId,
        teamName: teams.find((t) => t.id === family.teamId)?.name ?? family.teamId,
        status: family.status,
        // The caseload's parts are the plan and the journals; the family's own room travels in the manifest.
        parts: parts.filter((p): p is { part: Part; access: Exclude<Access, 'none'> } => isPart(p.part)),
        consentUntil:
          consents
            .filter((c) => consentActive(c, now))
            .map((c) => c.validUntil)
            .sort()
            .at(-1) ?? null,
        // A family member sees its own family, never the team's roster or the leaders' case reference.
        workers: citizen ? [] : this.#teamWorkers(family, consents, users),
        openedBySector: family.openedBySector,
        ref: citizen ? '' : this.#d.familyRef(family.id),
        ...(citizen || user.teamIds.includes(family.teamId)
          ? {}
          : { grantUntil: grants.filter((g) => grantActive(g, now)).map((g) => g.validUntil).sort().at(-1) ?? null })
      });
    }
    return json(200, { families });
  }

  async #manifest({ request }: Ctx) {
    const { user } = await this.#session(request);
    const rooms: ManifestRoom[] = [];
    const now = this.#now();
    const slice = slices(CASELOAD_SLICE_MS);
    for (const { family, parts, consents, grants, links } of (await this.#openable(user))) {
      if (slice.due()) await nextTurn();
      for (const p of parts) {
        const end = accessEnd(user, { familyId: family.id, part: p.part }, family, consents, now, grants, links);
        rooms.push({ room: roomName(family.id, p.part), access: p.access, seq: 0, until: end?.at ?? null, ...(end ? { untilBy: end.by } : {}) });
      }
    }
    const seqs = (await this.#d.store.latestSeqs(rooms.map((r) => r.room)));
    for (const r of rooms) r.seq = seqs.get(r.room) ?? 0;
    // Every room this user ever opened but may no longer open: devices delete their copies.
    const open = new Set(rooms.map((r) => r.room));
    const purge = (await this.#d.store.roomsOpenedBy(user.id)).filter((r) => !open.has(r));
    const leaseUntil = new Date(now.getTime() + this.#d.leaseDays * 86_400_000).toISOString();
    const manifest: Manifest = { rooms, purge, leaseUntil };
    return json(200, manifest);
  }

  // ---- caseload norms (admin) -----------------------------------------------

  async #adminUser(request: Request): Promise<UserRow> {
    const { user } = await this.#session(request);
    if (user.role !== 'admin') throw new HttpError(403, 'admins_only');
    return user;
  }

  async #currentNorms(): Promise<Record<Sector, number>> {
    return { ...DEFAULT_CASELOAD_NORMS, ...(await this.#d.store.caseloadNorms()) };
  }

  /** GET /api/admin/norms → { norms, defaults }: families per worker, by profession (sector). */
  async #norms({ request }: Ctx) {
    await this.#adminUser(request);
    return json(200, { norms: await this.#currentNorms(), defaults: DEFAULT_CASELOAD_NORMS });
  }

  /** PUT /api/admin/norms { norms: { social?: n, school?: n, … } } → 200 { norms, defaults }; all or nothing. */
  async #setNorms({ request }: Ctx) {
    const user = await this.#adminUser(request);
    const body = await this.#body(request);
    const input = body.norms;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'invalid_norms');
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length === 0) throw new HttpError(400, 'invalid_norms');
    const norms: Partial<Record<Sector, number>> = {};
    for (const [sector, norm] of entries) {
      if (!(SECTORS as readonly string[]).includes(sector)) throw new HttpError(400, 'invalid_norms', sector);
      if (typeof norm !== 'number' || !Number.isInteger(norm) || norm < CASELOAD_NORM_MIN || norm > CASELOAD_NORM_MAX) {
        throw new HttpError(400, 'invalid_norms', sector);
      }
      norms[sector as Sector] = norm;
    }
    const before = await this.#currentNorms();
    await this.#d.store.setCaseloadNorms(norms);
    await this.#audit(user.id, 'caseload-norms-changed', entries.map(([s, n]) => `${s}: ${before[s as Sector]} -> ${String(n)}`).join(', '));
    return json(200, { norms: await this.#currentNorms(), defaults: DEFAULT_CASELOAD_NORMS });
  }

  // ---- who may open a case (admin) --------------------------------------------

  async #mayOpenCase(user: UserRow): Promise<boolean> {
    return user.role === 'worker' && user.sector !== null && caseOpeners(await this.#d.store.caseOpeners())[user.sector];
  }

  /** GET /api/admin/case-openers → { openers, defaults }: which sectors may open a new case. */
  async #caseOpeners({ request }: Ctx) {
    await this.#adminUser(request);
    return json(200, { openers: caseOpeners(await this.#d.store.caseOpeners()), defaults: DEFAULT_CASE_OPENERS });
  }

  /** PUT /api/admin/case-openers { openers: { school?: true, … } } → 200 { openers, defaults }; all or nothing, at least one sector left. */
  async #setCaseOpeners({ request }: Ctx) {
    const user = await this.#adminUser(request);
    const input = (await this.#body(request)).openers;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'invalid_case_openers');
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length === 0) throw new HttpError(400, 'invalid_case_openers');
    const openers: Partial<Record<Sector, boolean>> = {};
    for (const [sector, may] of entries) {
      if (!(SECTORS as readonly string[]).includes(sector) || typeof may !== 'boolean') throw new HttpError(400, 'invalid_case_openers', sector);
      openers[sector as Sector] = may;
    }
    const before = caseOpeners(await this.#d.store.caseOpeners());
    if (!Object.values({ ...before, ...openers }).some(Boolean)) throw new HttpError(400, 'case_openers_none');
    await this.#d.store.setCaseOpeners(openers);
    await this.#audit(user.id, 'case-openers-changed', entries.map(([s, m]) => `${s}: ${String(before[s as Sector])} -> ${String(m)}`).join(', '));
    return json(200, { openers: caseOpeners(await this.#d.store.caseOpeners()), defaults: DEFAULT_CASE_OPENERS });
  }

  /**
   * POST /api/families { id?, name, teamId?, district?, members?, tovholderId? } → 201 { id }.
   * The device may name the family (a family opened offline is sent when the
   * tablet is back): the same request again answers 200 with the same id.
   * The members and the tovholder (the creator unless a colleague of the
   * same sector in the team is chosen) are the plan's first update.
   */
  async #createFamily({ request }: Ctx) {
    const { user } = await this.#session(request);
    if (user.role !== 'worker' || !user.sector) throw new HttpError(403, 'workers_only');
    if (!(await this.#mayOpenCase(user))) throw new HttpError(403, 'case_opening_not_allowed');
    const body = await this.#body(request);
    const checked = checkNewFamily(body.name, body.members, this.#now().getUTCFullYear());
    if (isProblem(checked)) {
      if (checked.code === 'invalid_member') throw new HttpError(400, 'invalid_member', `${checked.index + 1}: ${checked.field}`);
      throw new HttpError(400, checked.code);
    }
    let id: string = randomUUID();
    if (body.id !== undefined) {
      if (typeof body.id !== 'string' || !FAMILY_ID_PATTERN.test(body.id)) throw new HttpError(400, 'invalid_family_id');
      id = body.id;
    }
    let teamId: string;
    if (body.teamId !== undefined) {
      if (typeof body.teamId !== 'string' || !user.teamIds.includes(body.teamId)) throw new HttpError(400, 'invalid_team');
      teamId = body.teamId;
    } else if (user.teamIds.length === 1) {
      teamId = user.teamIds[0];
    } else {
      throw new HttpError(400, 'team_required');
    }
    const team = (await this.#d.store.listTeams()).find((t) => t.id === teamId);
    if (!team) throw new HttpError(400, 'invalid_team');
    // Known districts only: the name reaches leaders' overviews, drill-downs and CSV exports.
    const districts = (await this.#d.store.districtsOfTeam(teamId));
    let district = districts[0] ?? team.district;
    if (body.district !== undefined && body.district !== null && body.district !== '') {
      const chosen = typeof body.district === 'string' ? body.district.trim() : null;
      if (chosen === null || !districts.includes(chosen)) throw new HttpError(400, 'family_district', districts.join(', '));
      district = chosen;
    }
    // The tovholder must be able to open the plan at once: the creator, or a
    // worker of the case-owning (the creator's) sector in the same team.
    let tovholder: UserRow = user;
    if (body.tovholderId !== undefined && body.tovholderId !== user.id) {
      const chosen = typeof body.tovholderId === 'string' ? await this.#d.store.userById(body.tovholderId) : undefined;
      if (!chosen || !chosen.active || chosen.role !== 'worker' || chosen.sector !== user.sector || !chosen.teamIds.includes(teamId)) {
        throw new HttpError(400, 'invalid_tovholder');
      }
      tovholder = chosen;
    }
    const existing = await this.#d.store.familyById(id);
    if (existing) {
      // A retry of the same opening (the answer was lost): the same id, nothing new.
      if (existing.createdBy === user.id && existing.name === checked.name && existing.teamId === teamId) return json(200, { id });
      throw new HttpError(409, 'family_exists');
    }
    const family: FamilyRow = {
      id,
      name: checked.name,
      district,
      teamId,
      openedBySector: user.sector,
      status: 'aktiv',
      createdAt: this.#now().toISOString(),
      createdBy: user.id
    };
    (await this.#d.store.insertFamily(family));
    // The creator holds the family from the start; a chosen colleague is asked to take over (and told).
    await this.#d.initPlan(family, {
      members: checked.members,
      tovholder: { userId: user.id, name: user.name, since: copenhagenDay(new Date(family.createdAt)) },
      ...(tovholder.id !== user.id ? { proposed: { userId: tovholder.id, name: tovholder.name } } : {})
    });
    await this.#audit(user.id, 'family-created', null, family.id);
    // Colleagues of the same sector in the team may open it too: their lists should show it.
    await this.#d.accessChanged({ familyId: family.id });
    return json(201, { id: family.id });
  }

  // ---- consents --------------------------------------------------------------

  async #listConsents({ request, params }: Ctx) {
    const { user } = await this.#session(request);
    const family = await this.#familyWithPlan(user, params.id, 'consent_plan_access_required');
    const consents = (await this.#d.store.consentsOfFamily(family.id));
    const ids = consents.flatMap((c) => [c.recordedBy, c.revokedBy ?? '']).filter(Boolean);
    const authority = (await this.#consentAuthority(user, family));
    const list: ConsentList = {
      consents,
      people: Object.fromEntries((await this.#d.store.userNames(ids))),
      openedBySector: family.openedBySector,
      authority,
      // The history (refused attempts included) is the case owner's and the tovholder's; the family sees the consents themselves.
      ...(authority && authority !== 'family' ? { history: (await this.#consentHistory(family, consents)) } : {})
    };
    return json(200, list);
  }

  async #consentAuthority(user: UserRow, family: FamilyRow): Promise<ConsentAuthority | null> {
    // The family itself: #familyWithPlan let the citizen in only through an active link.
    if (user.role === 'citizen') return consentAuthority(user, family, null, this.#accessOf(user, family, 'plan', [], await this.#linksFor(user, family.id)) !== 'none');
    // The plan is read only when the case-owning sector does not settle it.
    if (user.sector === family.openedBySector) return consentAuthority(user, family, null);
    return consentAuthority(user, family, (await this.#d.tovholderOf(family.id)));
  }

  /** Only the case-owning sector, the tovholder (and, later, the family) may record or withdraw: 403 with the reason otherwise, and the attempt is audited. */
  async #requireConsentAuthority(user: UserRow, family: FamilyRow, what: string) {
    if ((await this.#consentAuthority(user, family))) return;
    await this.#audit(user.id, 'consent-refused', `consent_not_authorised: ${what}`, family.id);
    throw new HttpError(403, 'consent_not_authorised');
  }

  /** Every recording, withdrawal and refused attempt, newest first, from the audit log. */
  async #consentHistory(family: FamilyRow, consents: Consent[]): Promise<ConsentEvent[]> {
    const byId = new Map(consents.map((c) => [c.id, c]));
    return (await this.#d.store.auditOfFamilyActions(family.id, CONSENT_EVENTS, 500)).map((r) => {
      const detail = r.detail ?? '';
      if (r.action === 'consent-refused') {
        // "<code>: <categories> -> <recipients>" or "<code>: <what>"
        const m = /^([a-z_]+): (?:([a-z,]*) -> ([a-z,]*))?/.exec(detail);
        return {
          at: r.at,
          userId: r.userId ?? '',
          userName: r.userName ?? '',
          action: 'refused',
          consentId: null,
          categories: (m?.[2] ?? '').split(',').filter(isPart),
          recipients: (m?.[3] ?? '').split(',').filter(isSector),
          reason: m?.[1] ?? null
        };
      }
      // "<id>: ..." for a recording, "<id>" for a withdrawal
      const c = byId.get(detail.split(':')[0]);
      return {
        at: r.at,
        userId: r.userId ?? '',
        userName: r.userName ?? '',
        action: r.action === 'consent-revoked' ? 'revoked' : 'recorded',
        consentId: c?.id ?? null,
        categories: c?.categories ?? [],
        recipients: c?.recipients ?? [],
        reason: null
      };
    });
  }

  async #createConsent({ request, params }: Ctx) {
    const { user } = await this.#session(request);
    const family = await this.#familyWithPlan(user, params.id, 'consent_plan_access_required');
    await this.#requireConsentAuthority(user, family, 'registrering');
    const body = await this.#body(request);
    const now = this.#now();
    let input: ConsentInput;
    try {
      input = parseConsentInput(body, now);
    } catch (err) {
      if (err instanceof ConsentInputError) throw new HttpError(400, err.code, err.detail);
      throw err;
    }
    if (input.id) {
      // A device retrying an upload whose answer it never got: the same consent again is not a new one.
      const existing = (await this.#d.store.consentById(input.id));
      if (existing) {
        if (existing.familyId === family.id && existing.recordedBy === user.id && sameConsent(existing, input)) return json(200, existing);
        throw new HttpError(409, 'consent_id_taken');
      }
    }
    // The family gives its consent on its own phone, signed there (DESIGN §12).
    if (user.role === 'citizen' && (input.method !== 'signed' || !input.signature)) throw new HttpError(400, 'consent_family_signed');
    const widened = widenedForRecorder(user, family, input);
    if (widened.length > 0) {
      await this.#audit(user.id, 'consent-refused', `consent_widens_own: ${input.categories.join(',')} -> ${input.recipients.join(',')}`, family.id);
      throw new HttpError(403, 'consent_widens_own', widened.join(', '));
    }
    if (input.renewsId) {
      const renewed = (await this.#d.store.consentById(input.renewsId));
      if (!renewed || renewed.familyId !== family.id) throw new HttpError(400, 'consent_renews');
    }
    const consent: Consent = {
      id: input.id ?? randomUUID(),
      familyId: family.id,
      givenBy: input.givenBy,
      categories: input.categories,
      recipients: input.recipients,
      purpose: input.purpose,
      validFrom: input.validFrom.toISOString(),
      validUntil: input.validUntil.toISOString(),
      method: input.method,
      signature: input.signature,
      reference: input.reference,
      renewsId: input.renewsId,
      recordedBy: user.id,
      recordedAt: now.toISOString(),
      revokedAt: null,
      revokedBy: null
    };
    (await this.#d.store.insertConsent(consent));
    await this.#audit(
      user.id,
      'consent-recorded',
      `${consent.id}: ${consent.categories.join(',')} -> ${consent.recipients.join(',')}${consent.renewsId ? ` (fornyer ${consent.renewsId})` : ''}`,
      family.id
    );
    await this.#d.accessChanged({ familyId: family.id });
    return json(201, consent);
  }

  async #revokeConsent({ request, params }: Ctx) {
    const { user } = await this.#session(request);
    const family = await this.#familyWithPlan(user, params.id, 'consent_plan_access_required');
    const consent = (await this.#d.store.consentById(params.consentId));
    if (!consent || consent.familyId !== family.id) throw new HttpError(404, 'not_found');
    await this.#requireConsentAuthority(user, family, `tilbagekaldelse af ${consent.id}`);
    if (consent.revokedAt !== null) throw new HttpError(409, 'consent_already_revoked');
    const at = this.#now().toISOString();
    (await this.#d.store.revokeConsent(consent.id, at, user.id));
    await this.#audit(user.id, 'consent-revoked', consent.id, family.id);
    await this.#d.accessChanged({ familyId: family.id, reason: 'consent withdrawn' });
    return json(200, (await this.#d.store.consentById(consent.id)));
  }

  /**
   * A device uploads the openings it recorded while offline; the family reads
   * them as openings on screen, so they must be true ones. The whole batch is
   * checked before anything is written: an ISO instant within the lease
   * before now (a device offline longer has purged its copies) and not in the
   * future; a room the user could open at that instant — the access rule
   * with the family's consents as they stood then (consents are append-only
   * with their period and revocation, so the past is exact) and today's team
   * membership (no team history is kept); the device's id. Then it is written
   * in one transaction, each opening once per user, device, room and instant,
   * so a retry after a lost answer does not double it.
   */
  async #uploadAccessLog({ request }: Ctx) {
    const { user, sessionHash } = await this.#session(request);
    const body = await this.#body(request);
    const entries = body.entries;
    if (!Array.isArray(entries) || entries.length > MAX_UPLOAD_ENTRIES) throw new HttpError(400, 'invalid_access_log');
    if (typeof body.deviceId !== 'string' || !DEVICE_ID.test(body.deviceId)) throw new HttpError(400, 'access_log_device');
    const deviceId = body.deviceId;
    const now = this.#now();
    const earliest = now.getTime() - this.#d.leaseDays * 86_400_000;
    const latest = now.getTime() + CLOCK_SKEW_MS;
    const families = new Map<string, { family: FamilyRow; consents: Consent[]; links: FamilyLinkRow[] } | null>();
    const rows: AuditEntry[] = [];
    for (const [i, e] of (entries as unknown[]).entries()) {
      const post = `post ${i + 1}`;
      if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new HttpError(400, 'invalid_access_log', post);
      const { at, room, action } = e as Record<string, unknown>;
      const ref = typeof room === 'string' ? parseRoom(room) : null;
      if (!ref || typeof at !== 'string' || !ISO_INSTANT.test(at) || (action !== undefined && action !== 'open-offline')) {
        throw new HttpError(400, 'invalid_access_log', post);
      }
      const when = new Date(at);
      if (Number.isNaN(when.getTime())) throw new HttpError(400, 'invalid_access_log', post);
      if (when.getTime() < earliest || when.getTime() > latest) throw new HttpError(400, 'access_log_time', post);
      let known = families.get(ref.familyId);
      if (known === undefined) {
        const family = (await this.#d.store.familyById(ref.familyId));
        known = family ? { family, consents: (await this.#d.store.consentsOfFamily(family.id)), links: await this.#linksFor(user, family.id) } : null;
        families.set(ref.familyId, known);
      }
      // An unknown family and one the user could not open read the same: ids cannot be probed.
      if (!known || accessFromFacts(user, ref, known.family, known.consents, when, [], known.links) === 'none') throw new HttpError(400, 'access_log_no_access', post);
      const still = accessFromFacts(user, ref, known.family, known.consents, now, [], known.links) !== 'none';
      rows.push({
        at: when.toISOString(),
        userId: user.id,
        familyId: known.family.id,
        room: roomName(ref.familyId, ref.part),
        action: 'open-offline',
        detail: `uploaded ${now.toISOString()}${still ? '' : ', access since ended'}`,
        deviceId
      });
    }
    // Only a batch that would be stored counts: a refused one writes nothing.
    if (!(await this.#uploads.take(`upload:${sessionHash}`, rows.length, this.#d.accessLogMaxPerHour, 3_600_000, now.getTime()))) throw new HttpError(429, 'access_log_rate_limited');
    (await this.#d.store.appendOfflineOpenings(rows));
    return json(200, { accepted: rows.length });
  }

  /** Who opened or changed which part of the family's data, and when: one line per person, part, kind and day. */
  async #accessLog({ request, params }: Ctx) {
    const { user } = await this.#session(request);
    const family = await this.#familyWithPlan(user, params.id, 'access_log_plan_access_required');
    const groups = [
      ...(await this.#d.store.auditGroupsOfFamily(family.id, Object.keys(AUDIT_ACTIONS))),
      ...(await this.#d.store.changeGroupsOfRooms(ROOM_PARTS.map((p) => roomName(family.id, p))))
    ];
    return json(200, { entries: summariseAccessLog(groups) });
  }
}
