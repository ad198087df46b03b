// A family as GET /api/families lists it, for the index and sync tests.
import type { FamilySummary } from '../../../src/lib/shared/api-types.ts';

export const familySummary = (id: string, over: Partial<FamilySummary> = {}): FamilySummary => ({
  id,
  name: `Familien ${id}`,
  district: 'Gellerup',
  teamId: 'gellerup',
  teamName: 'Gellerup',
  status: 'aktiv',
  parts: [{ part: 'plan', access: 'write' }],
  consentUntil: null,
  ...over
});
