// Aktindsigt (server/insight.ts): assembled on the server from what the user may see; never from the device's copies.
import type { Insight } from '../shared/api-types.ts';
import { api } from './api.ts';

export const insightPath = (familyId: string) => `/api/families/${encodeURIComponent(familyId)}/insight`;

export function fetchInsight(familyId: string): Promise<Insight> {
  return api<Insight>(insightPath(familyId));
}
