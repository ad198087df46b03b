// Pages are served by SvelteKit; /api/* is delegated to the server's Api, which
// the composition root (server/app.ts) registers before requests arrive.
import type { Handle } from '@sveltejs/kit/hooks';
import { registeredApp } from '../server/app-registry.ts';

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
  const response = await resolve(event);
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'no-referrer');
  response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  return response;
};
