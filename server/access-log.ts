// The family's access log (DESIGN §8, "Hvem har set vores oplysninger"): the
// audit table's openings and the per-update authorship in update_authors,
// summarised to one line per person, part of the family's data, kind of
// access and day in Danish time — a family reads "Bo (skole) ændrede planen
// 14 gange den 3. maj", not one line per keystroke.
import { parseRoom } from '../src/lib/shared/rooms.ts';
import type { AccessLogAction, AccessLogEntry } from '../src/lib/shared/api-types.ts';
import type { AccessGroup } from './store/types.ts';

export const FAMILY_TIME_ZONE = 'Europe/Copenhagen';

/** Audit actions the family sees, and what they mean to the family. */
export const AUDIT_ACTIONS: Record<string, AccessLogAction> = {
  'open-read': 'open',
  'open-write': 'open',
  'open-offline': 'open-offline',
  'sync-read': 'sync',
  'sync-write': 'sync',
  'update-dropped': 'change-refused',
  'update-refused': 'change-refused',
  'open-refused': 'open-refused',
  'access-ended': 'access-ended',
  'consent-recorded': 'consent-recorded',
  'consent-revoked': 'consent-revoked',
  'family-created': 'family-created'
};

/** Authors that are not people: the demo seed's imported history. */
const NOT_A_PERSON = new Set(['seed']);

export function summariseAccessLog(groups: readonly AccessGroup[], timeZone = FAMILY_TIME_ZONE): AccessLogEntry[] {
  const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const lines = new Map<string, AccessLogEntry>();
  for (const g of groups) {
    const action: AccessLogAction | undefined = g.action === 'change' ? 'change' : AUDIT_ACTIONS[g.action];
    if (!action) continue;
    if (action === 'change' && g.userId !== null && NOT_A_PERSON.has(g.userId)) continue;
    // Every zone the family lives in is a whole number of hours from UTC, so a
    // UTC hour falls on exactly one local day.
    const day = dayOf.format(new Date(`${g.hour}:00:00Z`));
    const room = g.room ?? '';
    const key = `${g.userId ?? ''}\u0000${room}\u0000${action}\u0000${day}`;
    const line = lines.get(key);
    if (line) {
      line.count += g.count;
      if (g.firstAt < line.firstAt) line.firstAt = g.firstAt;
      if (g.lastAt > line.at) line.at = g.lastAt;
      continue;
    }
    lines.set(key, {
      at: g.lastAt,
      firstAt: g.firstAt,
      day,
      userId: g.userId ?? '',
      userName: g.userName ?? '',
      userSector: g.userSector,
      room,
      part: room ? (parseRoom(room)?.part ?? null) : null,
      action,
      count: g.count
    });
  }
  return [...lines.values()].sort((a, b) => b.at.localeCompare(a.at) || a.userName.localeCompare(b.userName, 'da'));
}

