// What a page says when something it asked for failed: the server's own
// message (Danish, from the API's error body), or the page's text for "no
// connection" when it has one, else the error's message, else the generic text.
import { ApiFailure } from '../sync/api.ts';
import { t } from '../i18n/index.ts';

export function errorText(err: unknown, offline?: string): string {
  if (offline !== undefined && err instanceof ApiFailure && err.status === 0) return offline;
  return err instanceof Error ? err.message : t.errorGeneric;
}
