// The leader overview: figures from GET /api/overview for the filters in the URL.
import { fetchOverview } from '#lib/sync/overview.ts';
import type { PageLoad } from './$types';

export const load = (async ({ url }) => ({ result: await fetchOverview(url.searchParams) })) satisfies PageLoad;
