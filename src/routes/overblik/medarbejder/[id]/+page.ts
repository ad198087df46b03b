// Drill-down: one worker's families, by opaque reference and summary fields only.
import { fetchOverview } from '#lib/sync/overview.ts';
import type { PageLoad } from './$types';

export const load = (async ({ url, params }) => ({ result: await fetchOverview(url.searchParams, params.id), workerId: params.id })) satisfies PageLoad;
