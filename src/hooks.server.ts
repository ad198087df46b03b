// Pages are served by SvelteKit; /api/* is delegated to the server's Api, which
// the composition root (server/app.ts) registers before requests arrive.
import type { Handle } from '@sveltejs/kit/hooks';
import { registeredApp } from '../server/app-registry.ts';
import { overviewRequestOf } from '#lib/shared/overview-query.ts';
import { version } from '$app/env';
import firstPaint from 'virtual:first-paint-script';

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Pages render in the browser, so their first requests would wait for all of
 * their code: who is signed in (GET /api/me, which every page waits for) and,
 * on the leader's overview pages, the figures. The shell names them in
 * preload hints and the browser fetches them while the code loads; the app's
 * own fetch of the same URL, with the same credentials, takes the answer.
 * (A logout still pending on the device never asks for /api/me; the hint's
 * answer then goes unused. The overview holds counts, never family content.)
 */
function withEarlyRequests(html: string, url: URL): string {
  const requests = ['/api/me', overviewRequestOf(url)].filter((r): r is string => r !== null);
  const links = requests.map((r) => `<link rel="preload" href="${escapeAttr(r)}" as="fetch" crossorigin="anonymous">`).join('\n    ');
  // The caseload's first paint before the app (src/first-paint.js; its hash is in the CSP, vite.config.ts), and the build it
  // must match: first in the head (app.html), so that its reads start before the parser has taken in the app's scripts.
  return html
    .replace('<!--first-paint-->', `<meta name="fp-build" content="${escapeAttr(version)}">\n    <script>${firstPaint}</script>`)
    .replace('</head>', `  ${links}\n  </head>`);
}

export const handle: Handle = async ({ event, resolve }) => {
  // /auth/* is the OpenID Connect sign-in (login, callback, logout): the Api's too.
  if (event.url.pathname.startsWith('/api/') || event.url.pathname.startsWith('/auth/')) {
    const app = registeredApp();
    if (!app) {
      return new Response(JSON.stringify({ error: 'unavailable', message: 'Serveren starter. Prøv igen om lidt.' }), {
        status: 503,
        headers: { 'content-type': 'application/json; charset=utf-8' }
      });
    }
    return app.api.handle(event.request, { clientAddress: event.getClientAddress() });
  }
  const response = await resolve(event, { transformPageChunk: ({ html }) => withEarlyRequests(html, event.url) });
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'no-referrer');
  response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  return response;
};
