import { defineConfig, minifySync, type Plugin } from 'vite';
import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The caseload's first paint before the app (src/first-paint.js), inlined by
 * hooks.server.ts (minified: it is in every page) and allowed by its hash in
 * the CSP: both from this one read of the file, so that they cannot differ.
 */
const firstPaintScript = minifySync('first-paint.js', readFileSync('src/first-paint.js', 'utf8')).code;
const firstPaintHash: `sha256-${string}` = `sha256-${createHash('sha256').update(firstPaintScript).digest('base64')}`;
function firstPaint(): Plugin {
  const id = 'virtual:first-paint-script';
  return {
    name: 'familiens-plan-first-paint',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (resolved) => (resolved === `\0${id}` ? `export default ${JSON.stringify(firstPaintScript)};` : undefined)
  };
}

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
    firstPaint(),
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
          'script-src': ['self', firstPaintHash],
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
  build: {
    // No preloading of a lazily loaded chunk's imports (CSS still is). Vite's
    // helper resolved every dependency's URL again at each navigation,
    // because SvelteKit calls a route's loader at every navigation (≈ 6–19 ms
    // of a tablet's in-app opening of a plan, docs/performance.md); and the
    // list of every route's dependencies was in the initial JavaScript. The
    // service worker has every chunk of the build from the first load on, so
    // a route's imports found as it loads come from the device.
    modulePreload: false
  },
  server: { port: 5173, strictPort: true }
});
