// The leader overview from the server (GET /api/overview). Never cached on the
// device: it is live figures for leaders, not family data to take offline.
import type { Overview, OverviewFilters } from '../shared/overview-types.ts';
import { api, ApiFailure } from './api.ts';

export type OverviewResult = { ok: true; overview: Overview } | { ok: false; status: number; message: string };

const FILTER_KEYS = ['team', 'district', 'from', 'to'] as const;

/** The filter part of a page's URL, to carry from page to page (overview, drill-down, report). */
export function filterQuery(source: URLSearchParams | Partial<OverviewFilters>): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = source instanceof URLSearchParams ? source.get(k) : source[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function fetchOverview(search: URLSearchParams, worker?: string): Promise<OverviewResult> {
  const q = new URLSearchParams(filterQuery(search));
  if (worker) q.set('worker', worker);
  const s = q.toString();
  try {
    return { ok: true, overview: await api<Overview>(`/api/overview${s ? `?${s}` : ''}`) };
  } catch (err) {
    if (err instanceof ApiFailure) return { ok: false, status: err.status, message: err.message };
    throw err;
  }
}
