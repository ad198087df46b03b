// What one line of the family's access log says, in the family's words. An
// opening on screen ("åbnede og læste") and a device's automatic background
// copy must never read alike: a family that sees "hentede" under a name
// would believe someone looked.
import type { AccessLogEntry } from '../shared/api-types.ts';
import type { Catalogue } from '../i18n/da.ts';

export function accessLogSentence(
  e: Pick<AccessLogEntry, 'action' | 'part' | 'count'>,
  t: Pick<Catalogue, 'accessLogVerbs' | 'accessLogTails' | 'consentCategoryObjects' | 'accessLogTimes'>
): string {
  const what = [t.accessLogVerbs[e.action], e.part ? t.consentCategoryObjects[e.part] : '', t.accessLogTails[e.action]].filter(Boolean).join(' ');
  return e.count > 1 ? `${what} (${e.count} ${t.accessLogTimes})` : what;
}
