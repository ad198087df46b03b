// The leader overview's filters in a URL: the same query string for the page's
// address, its request to GET /api/overview, and the server's early request
// hint (src/hooks.server.ts), which only helps when it names the very URL the
// page then fetches.
import type { OverviewFilters } from './overview-types.ts';

const FILTER_KEYS = ['team', 'district', 'sector', 'from', 'to'] as const;

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

/** The query of a page's overview request: its filters, and the worker on a drill-down. */
export function overviewQuery(search: URLSearchParams, worker?: string): URLSearchParams {
  const q = new URLSearchParams(filterQuery(search));
  if (worker) q.set('worker', worker);
  return q;
}

/** The API path the overview page requests for `query` (filters, and `worker` on a drill-down). */
export function overviewPath(query: URLSearchParams): string {
  const s = query.toString();
  return `/api/overview${s ? `?${s}` : ''}`;
}

/**
 * The overview request a page at `url` makes as soon as its code runs, or
 * null: /overblik and /overblik/rapport (filters), a drill-down
 * /overblik/medarbejder/<id> (filters and the worker).
 */
export function overviewRequestOf(url: URL): string | null {
  if (url.pathname === '/overblik' || url.pathname === '/overblik/rapport') return overviewPath(overviewQuery(url.searchParams));
  const drill = /^\/overblik\/medarbejder\/([^/]+)$/.exec(url.pathname);
  if (!drill) return null;
  try {
    return overviewPath(overviewQuery(url.searchParams, decodeURIComponent(drill[1])));
  } catch {
    return null;
  }
}
