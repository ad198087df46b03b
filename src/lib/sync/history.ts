// The history API (server/history.ts): read from the server only; a device holds no history of its own.
import type { AsOfResponse, HistoryResponse, HistorySection } from '#lib/domain/history.ts';
import type { Sector } from '#lib/shared/rooms.ts';
import { api } from './api.ts';

/** `limit`: only the newest that many sessions (after the filters). */
export function fetchHistory(familyId: string, q: { part?: 'plan' | Sector; user?: string; section?: HistorySection | ''; limit?: number } = {}): Promise<HistoryResponse> {
  const params = new URLSearchParams();
  if (q.part && q.part !== 'plan') params.set('part', q.part);
  if (q.user) params.set('user', q.user);
  if (q.section) params.set('section', q.section);
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  const query = params.size ? `?${params}` : '';
  return api<HistoryResponse>(`/api/families/${encodeURIComponent(familyId)}/history${query}`);
}

/** The plan's document as it was at the end of `day` (yyyy-MM-dd, the device's time zone), as one Yjs update. */
export async function fetchPlanAsOf(familyId: string, day: string): Promise<Uint8Array> {
  const end = new Date(`${day}T23:59:59.999`);
  const r = await api<AsOfResponse>(`/api/families/${encodeURIComponent(familyId)}/history/as-of?at=${encodeURIComponent(end.toISOString())}`);
  return Uint8Array.from(atob(r.update), (ch) => ch.charCodeAt(0));
}
