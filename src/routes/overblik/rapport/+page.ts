// The steering group's print view of the key figures for the chosen period.
import { fetchOverview } from '#lib/sync/overview.ts';
import type { PageLoad } from './$types';

export const load = (async ({ url }) => ({ result: await fetchOverview(url.searchParams) })) satisfies PageLoad;
