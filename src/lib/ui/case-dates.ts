// Dates on the case screens: instants shown as the Danish calendar day they fall on.
import { copenhagenDay } from '../domain/today.ts';
import { longDay } from '../i18n/dates.ts';

export const dayOf = (iso: string) => longDay(copenhagenDay(new Date(iso)));
/** yyyy-MM-ddTHH:mm (a proposed meeting) -> "3. december 2026 kl. 10:00" */
export const meetingOf = (local: string) => `${longDay(local.slice(0, 10))} kl. ${local.slice(11, 16)}`;
