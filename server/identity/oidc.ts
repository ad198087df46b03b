// OpenID Connect sign-in (DESIGN §10) with openid-client 6: authorization
// code + PKCE, `state` and `nonce`, ID token validation, RP-initiated logout.
// The answer is a user row and then the same `session` cookie as a password
// sign-in: the relay and the API keep asking one question, who is this cookie.
//
// A started sign-in is a row in the store (state hash, nonce, PKCE verifier),
// taken on the callback, so a state is good once, on whichever node answers;
// the browser also carries the state in a cookie, so a callback URL from
// someone else's sign-in does not sign this browser in.
import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { GroupMap } from '../config.ts';
import type { Identity, Sessions, UserRow } from '../store/types.ts';
import type { Sector } from '../../src/lib/shared/rooms.ts';
import type { Role } from '../../src/lib/shared/access.ts';

/** How long a started sign-in waits for the provider's answer. */
export const LOGIN_ATTEMPT_TTL_MS = 10 * 60_000;

export interface ProviderSettings {
  issuer: string;
  /** how users of this provider are keyed in the store (the issuer, or `local` for the demo's own provider) */
  issuerKey: string;
  clientId: string;
  clientSecret: string;
  groupsClaim: string;
  groupMap: GroupMap;
  /** http:// is allowed only for the local provider */
  allowHttp: boolean;
  /** tests and the local provider: where the provider's HTTP requests really go */
  fetch?: client.CustomFetch;
  /**
   * Who signs in through this client: staff (DESIGN §10, the default) or
   * family members (DESIGN §12, `CITIZEN_OIDC_*`, MitID through a broker).
   * Neither client ever signs in the other kind of user.
   */
  audience?: 'staff' | 'citizen';
}

/** Where the provider sends the browser back, per audience. */
export function callbackPath(audience: 'staff' | 'citizen' = 'staff'): string {
  return audience === 'citizen' ? '/auth/borger/callback' : '/auth/callback';
}

export type SignInFailure =
  | 'oidc_state' // unknown, used, expired or foreign state
  | 'oidc_refused' // the provider answered with an error (the user cancelled …)
  | 'oidc_token' // the code exchange or the ID token failed validation
  | 'oidc_deactivated'
  | 'oidc_citizen' // a family member's identity at the staff sign-in
  | 'oidc_not_citizen' // a staff identity at the family's sign-in
  | 'oidc_unavailable';

export type SignInResult = { ok: true; user: UserRow; created: boolean; accessChanged: boolean } | { ok: false; reason: SignInFailure; detail: string };

const hash = (s: string) => createHash('sha256').update(s).digest('base64url');

/** What a user's provider groups make them here, or null when no group is mapped (then the console decides). */
export function mapGroups(
  groups: readonly string[],
  map: GroupMap,
  knownTeams: ReadonlySet<string>
): { role: Exclude<Role, 'pending' | 'citizen'>; sector: Sector | null; teamIds: string[] } | null {
  const entries = [...new Set(groups)].sort().flatMap((g) => (map[g] ? [map[g]] : []));
  if (entries.length === 0) return null;
  const rank = { admin: 3, leader: 2, worker: 1 } as const;
  const role = entries.reduce<Exclude<Role, 'pending' | 'citizen'>>((r, e) => (rank[e.role] > rank[r] ? e.role : r), 'worker');
  if (role === 'admin') return { role, sector: null, teamIds: [] };
  const teamIds = [...new Set(entries.flatMap((e) => e.teams ?? []))].filter((t) => knownTeams.has(t)).sort();
  if (role === 'leader') return teamIds.length > 0 ? { role, sector: null, teamIds } : null;
  const sector = entries.find((e) => e.sector)?.sector ?? null;
  // A worker needs a sector and a team; an incomplete mapping leaves the user to the console.
  return sector && teamIds.length > 0 ? { role, sector, teamIds } : null;
}

/** A username from the provider's claims: the mailbox part, letters and digits, unique here. */
async function freeUsername(store: Pick<Identity, 'userByUsername'>, claims: client.IDToken): Promise<string> {
  const source = [claims.preferred_username, claims.email, claims.sub].find((v) => typeof v === 'string' && v !== '') as string;
  const base =
    source
      .split('@')[0]
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9._-]/g, '')
      .slice(0, 40) || 'bruger';
  for (let n = 1; n < 1000; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await store.userByUsername(candidate))) return candidate;
  }
  return `${base}-${randomBytes(4).toString('hex')}`;
}

const claimString = (v: unknown, max: number): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : null);

/**
 * The user for a validated ID token: found by issuer + sub (created, waiting
 * for access, the first time), name and e-mail refreshed from the claims, and
 * role, sector and teams from the group map when one of the user's groups is
 * mapped (DESIGN §10; docs/identity.md on precedence).
 */
export async function userForClaims(
  store: Pick<Identity, 'userBySubject' | 'userByUsername' | 'upsertUser' | 'listTeams'>,
  settings: Pick<ProviderSettings, 'issuerKey' | 'groupsClaim' | 'groupMap' | 'audience'>,
  claims: client.IDToken
): Promise<SignInResult> {
  const existing = await store.userBySubject(settings.issuerKey, claims.sub);
  if (existing && !existing.active) return { ok: false, reason: 'oidc_deactivated', detail: existing.id };
  const citizen = settings.audience === 'citizen';
  // One identity, one kind of session: a family member never becomes staff here, nor staff a family member.
  if (existing && !citizen && existing.role === 'citizen') return { ok: false, reason: 'oidc_citizen', detail: existing.id };
  if (existing && citizen && existing.role !== 'citizen') return { ok: false, reason: 'oidc_not_citizen', detail: existing.id };
  const name = claimString(claims.name, 200) ?? existing?.name ?? claimString(claims.preferred_username, 200) ?? claims.sub;
  const email = claimString(claims.email, 320) ?? existing?.email ?? null;
  const rawGroups = claims[settings.groupsClaim];
  const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : [];
  // A family member's groups (if a broker sends any) never map to a staff role.
  const mapped = !citizen && Object.keys(settings.groupMap).length > 0 ? mapGroups(groups, settings.groupMap, new Set((await store.listTeams()).map((t) => t.id))) : null;
  const user: UserRow = existing
    ? { ...existing, name, email }
    : {
        id: `u-${randomBytes(9).toString('base64url').replace(/[_-]/g, 'x')}`,
        username: await freeUsername(store, claims),
        name,
        email,
        // A family member is a citizen from the first sign-in; linked to a family only by accepting an invitation.
        role: citizen ? 'citizen' : 'pending',
        sector: null,
        teamIds: [],
        // No password: this user signs in at the provider only.
        passwordHash: '',
        active: true,
        issuer: settings.issuerKey,
        subject: claims.sub
      };
  if (mapped) Object.assign(user, mapped);
  const accessChanged =
    !!existing && (existing.role !== user.role || existing.sector !== user.sector || existing.teamIds.join() !== user.teamIds.join());
  await store.upsertUser(user);
  return { ok: true, user, created: !existing, accessChanged };
}

export class OidcSignIn {
  readonly #store: Identity & Sessions;
  readonly #settings: (origin: string) => Promise<ProviderSettings>;
  #config: Promise<{ config: client.Configuration; settings: ProviderSettings }> | null = null;

  constructor(store: Identity & Sessions, settings: (origin: string) => Promise<ProviderSettings>) {
    this.#store = store;
    this.#settings = settings;
  }

  /** The provider's metadata, discovered once; a failed discovery is tried again on the next sign-in. */
  #client(origin: string) {
    this.#config ??= (async () => {
      const settings = await this.#settings(origin);
      const config = await client.discovery(
        new URL(settings.issuer),
        settings.clientId,
        { client_secret: settings.clientSecret || undefined },
        settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(),
        {
          // The ID token comes straight from the token endpoint over TLS, where
          // the spec lets a client skip its signature; we check it anyway (one
          // cached JWKS fetch), so a token endpoint behind a broken proxy or a
          // misrouted request cannot hand us an unsigned identity.
          execute: [client.enableNonRepudiationChecks, ...(settings.allowHttp ? [client.allowInsecureRequests] : [])],
          ...(settings.fetch ? { [client.customFetch]: settings.fetch } : {}),
          timeout: 10
        }
      );
      return { config, settings };
    })();
    this.#config.catch(() => (this.#config = null));
    return this.#config;
  }

  /** Starts a sign-in: the provider's authorization URL and the state the browser keeps in a cookie. */
  async start(origin: string, now: Date): Promise<{ location: string; state: string }> {
    const ctx = await this.#client(origin);
    const { config } = ctx;
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await this.#store.createLoginAttempt({
      stateHash: hash(state),
      nonce,
      codeVerifier,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + LOGIN_ATTEMPT_TTL_MS).toISOString()
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${origin}${callbackPath(ctx.settings.audience)}`,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256'
    });
    return { location: url.href, state };
  }

  /** Ends a sign-in at the callback: the user, or why not. `cookieState` is the state this browser started. */
  async finish(callbackUrl: URL, origin: string, cookieState: string | undefined, now: Date): Promise<SignInResult> {
    const state = callbackUrl.searchParams.get('state');
    if (!state || state.length > 200) return { ok: false, reason: 'oidc_state', detail: 'no state' };
    // The attempt is taken first: whatever happens next, this state is spent.
    const attempt = await this.#store.takeLoginAttempt(hash(state), now.toISOString());
    if (!attempt) return { ok: false, reason: 'oidc_state', detail: 'unknown, used or expired state' };
    if (cookieState !== state) return { ok: false, reason: 'oidc_state', detail: 'state not started by this browser' };
    let ctx;
    try {
      ctx = await this.#client(origin);
    } catch (err) {
      return { ok: false, reason: 'oidc_unavailable', detail: (err as Error).message };
    }
    // The URL the provider redirected to, on our public origin (a proxy in front may have changed the scheme).
    const current = new URL(`${origin}${callbackPath(ctx.settings.audience)}${callbackUrl.search}`);
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(ctx.config, current, {
        pkceCodeVerifier: attempt.codeVerifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true
      });
      claims = tokens.claims();
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) return { ok: false, reason: 'oidc_refused', detail: `${err.error}: ${err.error_description ?? ''}` };
      return { ok: false, reason: 'oidc_token', detail: (err as Error).message };
    }
    if (!claims) return { ok: false, reason: 'oidc_token', detail: 'no ID token' };
    return userForClaims(this.#store, ctx.settings, claims);
  }

  /** The provider's end-session URL (RP-initiated logout), back to our login page; null when it has none. */
  async endSessionUrl(origin: string): Promise<string | null> {
    const { config } = await this.#client(origin);
    if (!config.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(config, { client_id: config.clientMetadata().client_id, post_logout_redirect_uri: `${origin}/login` }).href;
  }
}
