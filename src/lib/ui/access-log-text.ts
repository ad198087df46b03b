// What one line of the family's access log says, in the family's words. An
// opening on screen ("åbnede og læste") and a device's automatic background
// copy must never read alike: a family that sees "hentede" under a name
// would believe someone looked.
import type { AccessLogEntry } from '../shared/api-types.ts';
import type { da } from '../i18n/da.ts';

type Catalogue = Pick<typeof da, 'accessLogVerbs' | 'accessLogTails' | 'consentCategoryObjects' | 'accessLogTimes'>;

export function accessLogSentence(e: Pick<AccessLogEntry, 'action' | 'part' | 'count'>, t: Catalogue): string {
  const what = [t.accessLogVerbs[e.action], e.part ? t.consentCategoryObjects[e.part] : '', t.accessLogTails[e.action]].filter(Boolean).join(' ');
  return e.count > 1 ? `${what} (${e.count} ${t.accessLogTimes})` : what;
}
