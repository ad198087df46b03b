// A consent's recipients and what they may see, in running text ("skole og PPR
// og sundhedsplejen", "familiens plan og notater fra socialområdet"): written
// the same way on every screen that shows or asks about a consent.
import type { Part, Sector } from '../shared/rooms.ts';
import { t } from './index.ts';
import { joinList } from './list.ts';

export const recipientsText = (sectors: readonly Sector[]): string => joinList(sectors.map((s) => t.consentRecipientObjects[s]), t.and);

export const categoriesText = (parts: readonly Part[]): string => joinList(parts.map((p) => t.consentCategoryObjects[p]), t.and);
