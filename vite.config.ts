import { defineConfig, type Plugin } from 'vite';
import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** In dev the same relay and API as production attach to Vite's server. */
function familiensPlanDev(): Plugin {
  return {
    name: 'familiens-plan-dev',
    apply: 'serve',
    async configureServer(server) {
      if (process.env.VITEST) return;
      const load = (f: string) => import(pathToFileURL(resolve(f)).href);
      const { createApp, registerApp } = await load('server/app.ts');
      const { loadConfig } = await load('server/config.ts');
      const { handleUpgrade } = await load('server/http.ts');
      const app = await createApp(loadConfig(process.env, { port: 5173, demo: true }));
      registerApp(app);
      // The local identity provider (/idp) answers before SvelteKit, as in production (server/http.ts).
      server.middlewares.use((req, res, next) => {
        if (app.idp && req.url?.startsWith('/idp/')) app.idp.handle(req, res).catch(next);
        else next();
      });
      server.httpServer?.on('upgrade', (req, socket, head) => {
        if (req.url?.startsWith('/sync/')) handleUpgrade(app, req, socket, head);
      });
      server.httpServer?.on('close', () => void app.close());
    }
  };
}

export default defineConfig({
  plugins: [
    familiensPlanDev(),
    sveltekit({
      adapter: adapter({ out: 'build' }),
      // Tablets notice a new deployment and offer to reload (see +layout.svelte).
      version: { pollInterval: 60_000 },
      // Offline, the service worker answers every navigation with the one
      // cached shell (rendered for '/'). Relative asset paths ('./_app/…')
      // would resolve under /familie/<id>/ there and leave a blank page, and
      // would register the worker at /familie/service-worker.js; root-relative
      // paths make the shell (and its CSP hash) the same for every route.
      paths: { relative: false },
      csp: {
        mode: 'hash',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          'style-src': ['self', 'unsafe-inline'],
          'img-src': ['self', 'data:'],
          'connect-src': ['self'],
          'object-src': ['none'],
          'base-uri': ['self'],
          'frame-ancestors': ['none']
        }
      }
    })
  ],
  server: { port: 5173, strictPort: true }
});
