// The Yjs client ids this user has written with on this device (one per opened
// document), so that a write made offline before a reload is still known as
// theirs when a merge shows it clashed (domain/concurrent.ts). Only numbers,
// no family data; the newest MAX are kept.
const KEY = 'fp-my-clients:';
const MAX = 200;

function read(userId: string): number[] {
  if (typeof localStorage === 'undefined') return [];
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY + userId) ?? '[]');
    return Array.isArray(v) ? v.filter((n): n is number => Number.isInteger(n)) : [];
  } catch {
    return [];
  }
}

let cache: { userId: string; ids: Set<number> } | null = null;

export function isMyClient(userId: string, client: number): boolean {
  if (cache?.userId !== userId) cache = { userId, ids: new Set(read(userId)) };
  return cache.ids.has(client);
}

export function rememberMyClient(userId: string, client: number) {
  const ids = read(userId).filter((c) => c !== client);
  ids.push(client);
  const kept = ids.slice(-MAX);
  try {
    localStorage.setItem(KEY + userId, JSON.stringify(kept));
  } catch {
    // A full or unavailable storage only weakens the notice after a reload.
  }
  cache = { userId, ids: new Set(kept) };
}
