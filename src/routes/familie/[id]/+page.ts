// The plan's first reads start with the navigation (see plan-opening.ts).
import { prepareOpening } from '#lib/sync/plan-opening.ts';
import type { PageLoad } from './$types';

export const load = (({ params }) => {
  prepareOpening(params.id);
}) satisfies PageLoad;
