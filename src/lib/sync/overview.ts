// The leader overview from the server (GET /api/overview). Never cached on the
// device: it is live figures for leaders, not family data to take offline.
import type { Overview } from '../shared/overview-types.ts';
import { api, ApiFailure } from './api.ts';
import { overviewPath, overviewQuery } from '../shared/overview-query.ts';

export type FilterField = 'period' | 'team' | 'district' | 'sector';
export type OverviewResult =
  | { ok: true; overview: Overview; filterError?: { field: FilterField; message: string } }
  | { ok: false; status: number; message: string };

/** A refused filter: which one, and what to leave out to show the rest of the page. */
const FILTER_ERRORS: Record<string, { field: FilterField; drop: readonly string[] }> = {
  invalid_period: { field: 'period', drop: ['from', 'to'] },
  invalid_district: { field: 'district', drop: ['district'] },
  invalid_sector: { field: 'sector', drop: ['sector'] },
  team_not_yours: { field: 'team', drop: ['team'] }
};

/**
 * The overview for the filters in `search`. A filter the server refuses is
 * left out and the rest shown, with the server's message for that filter, so
 * a wrong period does not replace the page (and its filters) with an error.
 */
export async function fetchOverview(search: URLSearchParams, worker?: string): Promise<OverviewResult> {
  const q = overviewQuery(search, worker);
  const get = (query: URLSearchParams) => api<Overview>(overviewPath(query));
  try {
    return { ok: true, overview: await get(q) };
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err;
    const known = FILTER_ERRORS[err.code];
    if (!known || !known.drop.some((k) => q.has(k))) return { ok: false, status: err.status, message: err.message };
    for (const k of known.drop) q.delete(k);
    const filterError = { field: known.field, message: err.message };
    try {
      return { ok: true, overview: await get(q), filterError };
    } catch (again) {
      if (again instanceof ApiFailure) return { ok: false, status: again.status, message: again.message };
      throw again;
    }
  }
}
