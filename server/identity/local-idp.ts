// The local identity provider (DESIGN §10): oidc-provider, run by this
// process for development, the demo and the tests, so the whole sign-in
// redirect flow runs without any network. It is a devDependency and is only
// ever imported dynamically, when DEMO=1 (app.ts): a production process
// never loads it.
//
// It has its own directory of people, as a municipality's provider would:
// the demo users (sub = username), a new employee, `helle`, whom the app
// does not know yet, and a father, `jonas`, whom the family's sign-in meets first. Every password is `demo`. Its pages are Danish.
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEMO_USERS } from '../seed.ts';

/** The path the provider is mounted under on the app's own origin. */
export const LOCAL_IDP_PATH = '/idp';
/** How users of the local provider are keyed in the store: its URL follows the port, its people do not. */
export const LOCAL_ISSUER_KEY = 'local';
export const LOCAL_CLIENT_ID = 'familiens-plan';
/** The family's sign-in (DESIGN §12): a second client at the same provider, as CITIZEN_OIDC_* names one in production. */
export const LOCAL_CITIZEN_CLIENT_ID = 'familiens-plan-borger';

interface Account {
  sub: string;
  name: string;
  email: string;
  groups: string[];
}

/** The provider's directory: who can sign in there (not who has access here). */
export const LOCAL_ACCOUNTS: Account[] = [
  ...DEMO_USERS.map((u) => ({ sub: u.username, name: u.name, email: `${u.username}@demo.familiensplan.dk`, groups: [] as string[] })),
  { sub: 'helle', name: 'Helle Nyborg', email: 'helle@demo.familiensplan.dk', groups: ['fp-sundhedspleje-gellerup'] },
  { sub: 'ib', name: 'Ib Skov', email: 'ib@demo.familiensplan.dk', groups: ['fp-skole-viby'] },
  // A father the app does not know yet: he signs in at the family's sign-in (DESIGN §12) and uses the tovholder's code.
  { sub: 'jonas', name: 'Jonas Nielsen', email: 'jonas@demo.familiensplan.dk', groups: [] }
];

const PASSWORD = Buffer.from('demo');

function passwordOk(given: string): boolean {
  const b = Buffer.from(given);
  return b.length === PASSWORD.length && timingSafeEqual(b, PASSWORD);
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The provider's own pages are not SvelteKit's: they carry their own policy.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer'
};

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f6f7;color:#1d2a30;margin:0}
main{max-width:420px;margin:10vh auto;background:#fff;padding:24px 28px;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin:0 0 4px}p{line-height:1.5}label{display:block;font-weight:600;margin-top:12px}
input{width:100%;box-sizing:border-box;font-size:1rem;padding:10px;margin-top:4px;border:1px solid #8a9aa2;border-radius:6px}
button{margin-top:16px;font-size:1rem;padding:10px 16px;min-height:44px;border-radius:6px;border:0;background:#0b5563;color:#fff;cursor:pointer}
button.ghost{background:#e3eef2;color:#0b5563}.error{color:#a4161a;font-weight:600}.muted{color:#4a5a62;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="da"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid: string, error: string | null, username = ''): string {
  return page(
    'Log ind · Kommunens login (demo)',
    `<h1>Kommunens login</h1><p class="muted">Lokal login-tjeneste til udvikling, demo og test. Adgangskoden er <b>demo</b>.</p>
<form method="post" action="${LOCAL_IDP_PATH}/interaction/${escape(uid)}/login" autocomplete="off">
<label for="username">Brugernavn</label><input id="username" name="username" value="${escape(username)}" autocapitalize="none" required autofocus>
<label for="password">Adgangskode</label><input id="password" name="password" type="password" required>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<button type="submit">Log ind</button></form>
<form method="post" action="${LOCAL_IDP_PATH}/interaction/${escape(uid)}/abort"><button class="ghost" type="submit">Annullér</button></form>`
  );
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export interface LocalIdp {
  issuer: string;
  clientSecret: string;
  /** Answers a request under /idp on the app's server. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export async function createLocalIdp(opts: { issuer: string; appOrigin: string }): Promise<LocalIdp> {
  const { default: Provider } = await import('oidc-provider');
  const issuer = new URL(opts.issuer);
  const clientSecret = randomBytes(24).toString('base64url');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
  const accounts = new Map(LOCAL_ACCOUNTS.map((a) => [a.sub, a]));

  const provider = new Provider(opts.issuer, {
    clients: [
      {
        client_id: LOCAL_CLIENT_ID,
        client_secret: clientSecret,
        client_name: 'Familiens Plan',
        redirect_uris: [`${opts.appOrigin}/auth/callback`],
        post_logout_redirect_uris: [`${opts.appOrigin}/login`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic'
      },
      {
        client_id: LOCAL_CITIZEN_CLIENT_ID,
        client_secret: clientSecret,
        client_name: 'Familiens Plan – familien',
        redirect_uris: [`${opts.appOrigin}/auth/borger/callback`],
        post_logout_redirect_uris: [`${opts.appOrigin}/login`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic'
      }
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    // Name, e-mail and groups in the ID token itself, as Entra ID puts them there.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page(
            'Log ud · Kommunens login (demo)',
            `<h1>Log ud</h1><p>Vil du også logge ud af kommunens login?</p>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Ja, log mig ud</button>
<button class="ghost" type="submit" form="op.logoutForm">Nej, bliv logget ind</button>`
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Logget ud', '<h1>Du er logget ud</h1><p>Du kan lukke vinduet.</p>');
        }
      }
    },
    interactions: { url: async (_ctx, interaction) => `${LOCAL_IDP_PATH}/interaction/${interaction.uid}` },
    ttl: { Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, IdToken: 3600, AccessToken: 600, AuthorizationCode: 60 },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, name: account.name, email: account.email, email_verified: true, groups: account.groups };
        }
      };
    },
    // The app is the provider's only client and first-party: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Fejl · Kommunens login (demo)',
        `<h1>Login mislykkedes</h1><p>Login-tjenesten kunne ikke gennemføre forespørgslen.</p><p class="muted">${escape(String(out.error ?? ''))}: ${escape(String(out.error_description ?? ''))}</p>`
      );
    }
  });
  // Every URL the provider writes comes from its issuer, never from a request's Host.
  provider.proxy = true;
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const m = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/abort)?$/.exec(path);
    if (!m) return false;
    const [, uid, action] = m;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      res.writeHead(400, PAGE_HEADERS).end(page('Login udløbet', `<h1>Login udløbet</h1><p>Login-siden er udløbet. Gå tilbage til Familiens Plan, og log ind igen.</p><p><a href="${escape(opts.appOrigin)}/login">Til Familiens Plan</a></p>`));
      return true;
    }
    if (details.uid !== uid) {
      res.writeHead(400, PAGE_HEADERS).end(page('Login udløbet', '<h1>Login udløbet</h1><p>Log ind igen fra Familiens Plan.</p>'));
      return true;
    }
    if (req.method === 'GET' && !action) {
      res.writeHead(200, PAGE_HEADERS).end(loginPage(uid, null));
      return true;
    }
    if (req.method === 'POST' && action === '/abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'Login annulleret' }, { mergeWithLastSubmission: false });
      return true;
    }
    if (req.method === 'POST' && action === '/login') {
      const form = await formBody(req);
      const username = (form.get('username') ?? '').trim().toLowerCase();
      const account = accounts.get(username);
      const ok = passwordOk(form.get('password') ?? '');
      if (!account || !ok) {
        res.writeHead(200, PAGE_HEADERS).end(loginPage(uid, 'Forkert brugernavn eller adgangskode.', username));
        return true;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
      return true;
    }
    return false;
  }

  return {
    issuer: opts.issuer,
    clientSecret,
    async handle(req, res) {
      const url = req.url ?? '/';
      const inner = url.slice(LOCAL_IDP_PATH.length) || '/';
      // As a mount in Express would: the provider routes on the rest and learns the prefix from originalUrl.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
      req.url = inner;
      req.headers['x-forwarded-host'] = issuer.host;
      req.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
      const path = inner.split('?')[0];
      if (await interaction(req, res, path)) return;
      callback(req, res);
    }
  };
}
