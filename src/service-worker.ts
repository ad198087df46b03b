/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// Precaches the app shell and this version's assets so a cold start with the
// network off (or too slow) works. Family data never passes through this cache: /api/* and
// /sync/* go to the network only; the data lives in IndexedDB.
import { assets, immutable } from '$app/manifest';
import { version } from '$app/env';
import { answerNavigation } from './lib/sw/navigation.ts';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `fp-shell-${version}`;
const SHELL = '/';
const abs = (p: string) => (p.startsWith('/') ? p : `/${p}`);
const ASSETS = [...immutable.map((f) => abs(f.path)), ...assets.map((f) => abs(f.path)), SHELL];

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await sw.clients.claim();
    })()
  );
});

sw.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') void sw.skipWaiting();
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  // Sign-in (/auth/*) and the demo's identity provider (/idp/*) are redirects and cookies: network only.
  if (['/api/', '/sync/', '/auth/', '/idp/'].some((p) => url.pathname.startsWith(p))) return;

  if (ASSETS.includes(url.pathname) && url.pathname !== SHELL) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit ?? fetch(req)));
    return;
  }
  if (req.mode === 'navigate') {
    // From the network in time, else the one cached shell (offline, or a weak signal): src/lib/sw/navigation.ts.
    event.respondWith(
      answerNavigation(req, url.pathname === SHELL, {
        fetch: (r) => fetch(r),
        cachedShell: () => caches.match(SHELL, { cacheName: CACHE }),
        storeShell: async (res) => (await caches.open(CACHE)).put(SHELL, res),
        waitUntil: (work) => event.waitUntil(work)
      })
    );
  }
});
