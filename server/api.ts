// The HTTP API (DESIGN §8) as Web Request -> Response functions. SvelteKit's
// handler serves /api/* by delegating here from hooks.server.ts, so the same
// code runs in dev and production and tests can call it without a browser.
import { randomUUID } from 'node:crypto';
import { access, accessUntil, consentActive, type Access } from '../src/lib/shared/access.ts';
import { PARTS, parseRoom, roomName, FAMILY_ID_PATTERN, type Part, type Sector } from '../src/lib/shared/rooms.ts';
import type {
  Consent,
  ConsentList,
  FamilySummary,
  Manifest,
  ManifestRoom,
  Me,
  TeamWorker
} from '../src/lib/shared/api-types.ts';
import type { Auth, SessionUser } from './auth.ts';
import { readCookie } from './auth.ts';
import type { FamilyRow, Store, UserRow } from './store.ts';
import { errorMessages, type ErrorCode } from './messages.ts';
import { ConsentInputError, parseConsentInput, sameConsent, type ConsentInput } from './consent.ts';
import { AUDIT_ACTIONS, summariseAccessLog } from './access-log.ts';

export interface ApiDeps {
  store: Store;
  auth: Auth;
  /**
   * Called after anything that can change who may open which room; `reason`
   * is the close reason open sockets that lost access are given.
   */
  accessChanged(filter: { userId?: string; familyId?: string; reason?: string }): void;
  /** Creates the plan document of a new family. */
  initPlan(family: FamilyRow): void;
  /** True when a state-changing request's Origin is the app's own. */
  originAllowed(origin: string | null, request: Request): boolean;
  /**
   * GET /api/events for a signed-in session (server/event-channel.ts): the
   * streaming response, or null when the session has its maximum of streams.
   */
  events(session: SessionUser, signal: AbortSignal): Response | null;
  /** GET /api/overview for a signed-in user (server/overview.ts). */
  overview(user: UserRow, url: URL): Response;
  secureCookies(request: Request): boolean;
  leaseDays: number;
  sessionTtlMs: number;
  maxBodyBytes: number;
  now?(): Date;
}

export interface RequestInfo {
  clientAddress: string;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(status: number, code: ErrorCode, detail?: string) {
    super(code);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
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

  constructor(deps: ApiDeps) {
    this.#d = deps;
    this.#route('POST', '/api/auth/login', (c) => this.#login(c));
    this.#route('POST', '/api/auth/logout', (c) => this.#logout(c));
    this.#route('GET', '/api/me', (c) => this.#me(c));
    this.#route('GET', '/api/manifest', (c) => this.#manifest(c));
    this.#route('GET', '/api/families', (c) => this.#listFamilies(c));
    this.#route('POST', '/api/families', (c) => this.#createFamily(c));
    this.#route('GET', '/api/families/:id/consents', (c) => this.#listConsents(c));
    this.#route('POST', '/api/families/:id/consents', (c) => this.#createConsent(c));
    this.#route('POST', '/api/families/:id/consents/:consentId/revoke', (c) => this.#revokeConsent(c));
    this.#route('GET', '/api/families/:id/access-log', (c) => this.#accessLog(c));
    this.#route('POST', '/api/access-log', (c) => this.#uploadAccessLog(c));
    this.#route('GET', '/api/events', (c) => this.#events(c));
    this.#route('GET', '/api/overview', (c) => this.#d.overview(this.#session(c.request).user, c.url));
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
        const params: Record<string, string> = {};
        r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
        return await r.run({ request, url, info, params });
      }
      if (allowed.length > 0) return json(405, { error: 'method_not_allowed', message: errorMessages.method_not_allowed }, { allow: allowed.join(', ') });
      throw new HttpError(404, 'not_found');
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      console.error('api error', err);
      return errorResponse(new HttpError(500, 'internal'));
    }
  }

  // ---- helpers -------------------------------------------------------------

  #session(request: Request): SessionUser {
    const s = this.#d.auth.session(readCookie(request.headers.get('cookie'), 'session'), this.#now());
    if (!s) throw new HttpError(401, 'unauthenticated');
    return s;
  }

  async #body(request: Request): Promise<Record<string, unknown>> {
    const type = request.headers.get('content-type') ?? '';
    if (!type.includes('application/json')) throw new HttpError(415, 'unsupported_media_type');
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > this.#d.maxBodyBytes) throw new HttpError(413, 'too_large');
    const text = await request.text();
    if (Buffer.byteLength(text) > this.#d.maxBodyBytes) throw new HttpError(413, 'too_large');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_json');
    return body as Record<string, unknown>;
  }

  #accessOf(user: UserRow, family: FamilyRow, part: Part, consents?: Consent[]): Access {
    return access(
      user,
      { familyId: family.id, part },
      family,
      consents ?? this.#d.store.consentsOfFamily(family.id),
      this.#now()
    );
  }

  /**
   * The family, if the user has `write` on its plan (DESIGN §8: who may see
   * and record consents and see the access log). Anyone outside the family's
   * team gets 404, as for a family that does not exist, so ids cannot be
   * probed; a worker of the family's own team is told why (403).
   */
  #familyWithPlan(user: UserRow, id: string, refusal: ErrorCode): FamilyRow {
    if (!FAMILY_ID_PATTERN.test(id)) throw new HttpError(404, 'not_found');
    const family = this.#d.store.familyById(id);
    if (!family || user.role !== 'worker' || !user.teamIds.includes(family.teamId)) throw new HttpError(404, 'not_found');
    if (this.#accessOf(user, family, 'plan') !== 'write') throw new HttpError(403, refusal);
    return family;
  }

  #audit(userId: string | null, action: string, detail: string | null, familyId: string | null = null) {
    this.#d.store.audit({ at: this.#now().toISOString(), userId, familyId, room: null, action, detail, deviceId: null });
  }

  // ---- auth ----------------------------------------------------------------

  async #login({ request, info }: Ctx) {
    const body = await this.#body(request);
    const { username, password } = body;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || username.length > 100 || password.length > 200) {
      throw new HttpError(400, 'invalid_credentials_format');
    }
    const result = await this.#d.auth.login(username.trim(), password, info.clientAddress, this.#now());
    if (!result.ok) {
      this.#audit(null, result.reason === 'rate-limited' ? 'login-rate-limited' : 'login-failed', `${username.slice(0, 100)} from ${info.clientAddress}`);
      if (result.reason === 'rate-limited') throw new HttpError(429, 'rate_limited');
      throw new HttpError(401, 'invalid_credentials');
    }
    this.#audit(result.user.id, 'login', info.clientAddress);
    const secure = this.#d.secureCookies(request) ? '; Secure' : '';
    const maxAge = Math.floor(this.#d.sessionTtlMs / 1000);
    return new Response(null, {
      status: 204,
      headers: {
        'set-cookie': `session=${result.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
        'cache-control': 'no-store'
      }
    });
  }

  #logout({ request }: Ctx) {
    const s = this.#d.auth.session(readCookie(request.headers.get('cookie'), 'session'), this.#now());
    if (s) {
      this.#d.auth.logout(s.sessionHash);
      this.#audit(s.user.id, 'logout', null);
    }
    const secure = this.#d.secureCookies(request) ? '; Secure' : '';
    return new Response(null, {
      status: 204,
      headers: { 'set-cookie': `session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`, 'cache-control': 'no-store' }
    });
  }

  #events({ request }: Ctx) {
    const stream = this.#d.events(this.#session(request), request.signal);
    if (!stream) throw new HttpError(429, 'too_many_streams');
    return stream;
  }

  #me({ request }: Ctx) {
    const { user } = this.#session(request);
    const teams = this.#d.store.listTeams();
    const me: Me = {
      id: user.id,
      username: user.username,
      name: user.name,
      role: user.role,
      sector: user.sector,
      teams: user.teamIds.map((id) => ({ id, name: teams.find((t) => t.id === id)?.name ?? id }))
    };
    return json(200, me);
  }

  // ---- families and manifest -------------------------------------------------

  /** Every (family, part, access) the user may open, computed with one consent query. */
  #openable(user: UserRow): { family: FamilyRow; consents: Consent[]; parts: { part: Part; access: Exclude<Access, 'none'> }[] }[] {
    if (user.role !== 'worker') return [];
    const families = this.#d.store.familiesOfTeams(user.teamIds);
    const consents = this.#d.store.consentsOfFamilies(families.map((f) => f.id));
    const byFamily = new Map<string, Consent[]>();
    for (const c of consents) {
      const list = byFamily.get(c.familyId) ?? [];
      list.push(c);
      byFamily.set(c.familyId, list);
    }
    const out = [];
    for (const family of families) {
      const parts = [];
      for (const part of PARTS) {
        const a = this.#accessOf(user, family, part, byFamily.get(family.id) ?? []);
        if (a !== 'none') parts.push({ part, access: a });
      }
      if (parts.some((p) => p.part === 'plan')) out.push({ family, parts, consents: byFamily.get(family.id) ?? [] });
    }
    return out;
  }

  /** The family's team workers and whether the access rule lets each into the plan (owners and tovholder are chosen among them). */
  #teamWorkers(family: FamilyRow, consents: Consent[], users: UserRow[]): TeamWorker[] {
    return users
      .filter((u) => u.active && u.role === 'worker' && u.sector !== null && u.teamIds.includes(family.teamId))
      .map((u) => ({ id: u.id, name: u.name, sector: u.sector as Sector, planAccess: this.#accessOf(u, family, 'plan', consents) === 'write' }));
  }

  #listFamilies({ request }: Ctx) {
    const { user } = this.#session(request);
    const teams = this.#d.store.listTeams();
    const users = this.#d.store.listUsers();
    const now = this.#now();
    const families: FamilySummary[] = this.#openable(user).map(({ family, parts, consents }) => ({
      id: family.id,
      name: family.name,
      district: family.district,
      teamId: family.teamId,
      teamName: teams.find((t) => t.id === family.teamId)?.name ?? family.teamId,
      status: family.status,
      parts,
      consentUntil:
        consents
          .filter((c) => consentActive(c, now))
          .map((c) => c.validUntil)
          .sort()
          .at(-1) ?? null,
      workers: this.#teamWorkers(family, consents, users)
    }));
    return json(200, { families });
  }

  #manifest({ request }: Ctx) {
    const { user } = this.#session(request);
    const rooms: ManifestRoom[] = [];
    const now = this.#now();
    for (const { family, parts, consents } of this.#openable(user)) {
      for (const p of parts) {
        const until = accessUntil(user, { familyId: family.id, part: p.part }, family, consents, now);
        rooms.push({ room: roomName(family.id, p.part), access: p.access, seq: 0, until });
      }
    }
    const seqs = this.#d.store.latestSeqs(rooms.map((r) => r.room));
    for (const r of rooms) r.seq = seqs.get(r.room) ?? 0;
    // Every room this user ever opened but may no longer open: devices delete their copies.
    const open = new Set(rooms.map((r) => r.room));
    const purge = this.#d.store.roomsOpenedBy(user.id).filter((r) => !open.has(r));
    const leaseUntil = new Date(now.getTime() + this.#d.leaseDays * 86_400_000).toISOString();
    const manifest: Manifest = { rooms, purge, leaseUntil };
    return json(200, manifest);
  }

  async #createFamily({ request }: Ctx) {
    const { user } = this.#session(request);
    if (user.role !== 'worker' || !user.sector) throw new HttpError(403, 'workers_only');
    const body = await this.#body(request);
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (name.length < 2 || name.length > 120) throw new HttpError(400, 'invalid_family_name');
    let teamId: string;
    if (body.teamId !== undefined) {
      if (typeof body.teamId !== 'string' || !user.teamIds.includes(body.teamId)) throw new HttpError(400, 'invalid_team');
      teamId = body.teamId;
    } else if (user.teamIds.length === 1) {
      teamId = user.teamIds[0];
    } else {
      throw new HttpError(400, 'team_required');
    }
    const team = this.#d.store.listTeams().find((t) => t.id === teamId);
    if (!team) throw new HttpError(400, 'invalid_team');
    const district = typeof body.district === 'string' && body.district.trim() ? body.district.trim().slice(0, 120) : team.district;
    const family: FamilyRow = {
      id: randomUUID(),
      name,
      district,
      teamId,
      openedBySector: user.sector,
      status: 'aktiv',
      createdAt: this.#now().toISOString(),
      createdBy: user.id
    };
    this.#d.store.insertFamily(family);
    this.#d.initPlan(family);
    this.#audit(user.id, 'family-created', null, family.id);
    // Colleagues of the same sector in the team may open it too: their lists should show it.
    this.#d.accessChanged({ familyId: family.id });
    return json(201, { id: family.id });
  }

  // ---- consents --------------------------------------------------------------

  #listConsents({ request, params }: Ctx) {
    const { user } = this.#session(request);
    const family = this.#familyWithPlan(user, params.id, 'consent_plan_access_required');
    const consents = this.#d.store.consentsOfFamily(family.id);
    const ids = consents.flatMap((c) => [c.recordedBy, c.revokedBy ?? '']).filter(Boolean);
    const list: ConsentList = { consents, people: Object.fromEntries(this.#d.store.userNames(ids)) };
    return json(200, list);
  }

  async #createConsent({ request, params }: Ctx) {
    const { user } = this.#session(request);
    const family = this.#familyWithPlan(user, params.id, 'consent_plan_access_required');
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
      const existing = this.#d.store.consentById(input.id);
      if (existing) {
        if (existing.familyId === family.id && existing.recordedBy === user.id && sameConsent(existing, input)) return json(200, existing);
        throw new HttpError(409, 'consent_id_taken');
      }
    }
    if (input.renewsId) {
      const renewed = this.#d.store.consentById(input.renewsId);
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
    this.#d.store.insertConsent(consent);
    this.#audit(
      user.id,
      'consent-recorded',
      `${consent.id}: ${consent.categories.join(',')} -> ${consent.recipients.join(',')}${consent.renewsId ? ` (fornyer ${consent.renewsId})` : ''}`,
      family.id
    );
    this.#d.accessChanged({ familyId: family.id });
    return json(201, consent);
  }

  #revokeConsent({ request, params }: Ctx) {
    const { user } = this.#session(request);
    const family = this.#familyWithPlan(user, params.id, 'consent_plan_access_required');
    const consent = this.#d.store.consentById(params.consentId);
    if (!consent || consent.familyId !== family.id) throw new HttpError(404, 'not_found');
    if (consent.revokedAt !== null) throw new HttpError(409, 'consent_already_revoked');
    const at = this.#now().toISOString();
    this.#d.store.revokeConsent(consent.id, at, user.id);
    this.#audit(user.id, 'consent-revoked', consent.id, family.id);
    this.#d.accessChanged({ familyId: family.id, reason: 'consent withdrawn' });
    return json(200, this.#d.store.consentById(consent.id));
  }

  /**
   * A device uploads the openings it recorded while offline. Each entry is
   * kept with the device's time in the detail; rooms the user may not open
   * now are still recorded (the opening happened), but flagged.
   */
  async #uploadAccessLog({ request }: Ctx) {
    const { user } = this.#session(request);
    const body = await this.#body(request);
    const entries = body.entries;
    if (!Array.isArray(entries) || entries.length > 1000) throw new HttpError(400, 'invalid_access_log');
    const deviceId = typeof body.deviceId === 'string' ? body.deviceId.slice(0, 64) : null;
    const now = this.#now();
    let accepted = 0;
    for (const e of entries as unknown[]) {
      if (typeof e !== 'object' || e === null) throw new HttpError(400, 'invalid_access_log');
      const { at, room } = e as Record<string, unknown>;
      const ref = typeof room === 'string' ? parseRoom(room) : null;
      const when = typeof at === 'string' ? new Date(at) : null;
      if (!ref || !when || Number.isNaN(when.getTime()) || when.getTime() > now.getTime() + 300_000) {
        throw new HttpError(400, 'invalid_access_log');
      }
      const family = this.#d.store.familyById(ref.familyId);
      if (!family || !user.teamIds.includes(family.teamId)) continue;
      const still = this.#accessOf(user, family, ref.part) !== 'none';
      this.#d.store.audit({
        at: when.toISOString(),
        userId: user.id,
        familyId: family.id,
        room: room as string,
        action: 'open-offline',
        detail: `uploaded ${now.toISOString()}${still ? '' : ', access since ended'}`,
        deviceId
      });
      accepted++;
    }
    return json(200, { accepted });
  }

  /** Who opened or changed which part of the family's data, and when: one line per person, part, kind and day. */
  #accessLog({ request, params }: Ctx) {
    const { user } = this.#session(request);
    const family = this.#familyWithPlan(user, params.id, 'access_log_plan_access_required');
    const groups = [
      ...this.#d.store.auditGroupsOfFamily(family.id, Object.keys(AUDIT_ACTIONS)),
      ...this.#d.store.changeGroupsOfRooms(PARTS.map((p) => roomName(family.id, p)))
    ];
    return json(200, { entries: summariseAccessLog(groups) });
  }
}
