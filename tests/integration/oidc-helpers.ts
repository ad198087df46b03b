// Test helpers for OpenID Connect: a browser-like cookie jar that walks the
// redirect flow against the demo's local provider, and a tiny test issuer (a
// key the test controls, served through openid-client's customFetch) that
// signs whatever ID token a test needs: wrong audience, expired, another nonce.
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { CustomFetch } from 'openid-client';

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #take(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /max-age=0\b/i.test(a.trim()))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, no redirect followed. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const absolute = new URL(url, this.base).href;
    const res = await fetch(absolute, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() } });
    this.#take(res);
    return res;
  }

  /** GETs `url` and follows redirects on our origin while `stop` says go on; resolves with the last response and its URL. */
  async follow(url: string, stop: (u: URL) => boolean = () => false): Promise<{ res: Response; url: URL }> {
    let current = new URL(url, this.base);
    for (let i = 0; i < 20; i++) {
      const res = await this.request(current.href);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      const next = new URL(location, current);
      if (stop(next)) return { res, url: next };
      current = next;
    }
    throw new Error('too many redirects');
  }

  /** Signs in at the local provider as `username` and stops before the callback; resolves with the callback URL. */
  async signInAtProvider(username: string, password = 'demo'): Promise<URL> {
    const { res, url } = await this.follow('/auth/login');
    if (res.status !== 200 || !url.pathname.startsWith('/idp/interaction/')) throw new Error(`no login page: ${res.status} ${url}`);
    const page = await res.text();
    const action = /action="([^"]+\/login)"/.exec(page)?.[1];
    if (!action) throw new Error('no login form');
    const posted = await this.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString()
    });
    const location = posted.headers.get('location');
    if (!location) throw new Error(`login at provider failed: ${posted.status} ${await posted.text()}`);
    const done = await this.follow(location, (u) => u.pathname === '/auth/callback');
    if (done.url.pathname !== '/auth/callback') throw new Error(`did not come back: ${done.url}`);
    return done.url;
  }

  session(): string {
    const v = this.cookies.get('session');
    if (!v) throw new Error('no session cookie');
    return `session=${v}`;
  }
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** An issuer in the test's hands: every HTTP request openid-client makes goes to `fetch`. */
export class TestIssuer {
  readonly issuer: string;
  constructor(issuer = 'https://idp.test') {
    this.issuer = issuer;
  }
  readonly clientId = 'fp-test';
  readonly #key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly kid = randomBytes(4).toString('hex');
  /** the claims of the next ID token: a function of the nonce the app sent */
  nextClaims: (nonce: string) => Record<string, unknown> = (nonce) => this.claims({ nonce });
  /** the nonce of the last authorization request (the test reads it from the URL) */
  nonce = '';

  claims(over: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.issuer, sub: 'sub-1', aud: this.clientId, iat: now, exp: now + 300, nonce: this.nonce, ...over };
  }

  sign(claims: Record<string, unknown>): string {
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid }));
    const body = b64url(JSON.stringify(claims));
    const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(this.#key.privateKey);
    return `${head}.${body}.${b64url(sig)}`;
  }

  fetch: CustomFetch = async (url) => {
    const path = new URL(url).pathname;
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    if (path === '/.well-known/openid-configuration') {
      return json({
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        end_session_endpoint: `${this.issuer}/logout`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256']
      });
    }
    if (path === '/jwks') return json({ keys: [{ ...this.#key.publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' }] });
    if (path === '/token') return json({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: this.sign(this.nextClaims(this.nonce)) });
    return new Response('not found', { status: 404 });
  };
}
