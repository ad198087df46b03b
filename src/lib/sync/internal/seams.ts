// The IO seams the sync managers take, so unit tests pass local stand-ins
// (fake-indexeddb for Dexie, a function for fetch) instead of a browser.
import type { api } from '../api.ts';

export type ApiCall = typeof api;
