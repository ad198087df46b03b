// Where the SvelteKit build's request hook finds the running app. The build
// bundles its own copy of this module and the composition root loads the
// source, so the slot is a global symbol both copies name here, once.
import type { App } from './app.ts';

const APP_KEY = Symbol.for('familiens-plan.app');

/** Set once by whoever composes the app (server/index.ts, the dev server, the bench). */
export function registerApp(app: App | null) {
  (globalThis as Record<symbol, unknown>)[APP_KEY] = app;
}

/** The running app, or undefined before it is registered. */
export function registeredApp(): App | undefined {
  return (globalThis as Record<symbol, App | null | undefined>)[APP_KEY] ?? undefined;
}
