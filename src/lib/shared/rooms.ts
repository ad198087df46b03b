// Room names are the unit of access: `f-<familyId>.<part>` (DESIGN §5).
export const SECTORS = ['social', 'school', 'health', 'employment'] as const;
export type Sector = (typeof SECTORS)[number];

/** What consents and grants name: the plan and the sectors' journals. */
export const PARTS = ['plan', ...SECTORS] as const;
export type Part = (typeof PARTS)[number];

/** Every room part: the consent parts and `family`, what the family writes itself (DESIGN §5, §12). */
export const ROOM_PARTS = [...PARTS, 'family'] as const;
export type RoomPart = (typeof ROOM_PARTS)[number];

export const FAMILY_ID_PATTERN = /^[a-z0-9-]{6,40}$/;
const ROOM_PATTERN = /^f-([a-z0-9-]{6,40})\.(plan|family|social|school|health|employment)$/;

export interface RoomRef {
  familyId: string;
  part: RoomPart;
}

export function parseRoom(name: string): RoomRef | null {
  const m = ROOM_PATTERN.exec(name);
  if (!m) return null;
  return { familyId: m[1], part: m[2] as RoomPart };
}

export function roomName(familyId: string, part: RoomPart): string {
  return `f-${familyId}.${part}`;
}

export function isSector(value: unknown): value is Sector {
  return typeof value === 'string' && (SECTORS as readonly string[]).includes(value);
}

export function isPart(value: unknown): value is Part {
  return typeof value === 'string' && (PARTS as readonly string[]).includes(value);
}

/** A sector's journal among the parts a user may open. */
export type JournalPart = { part: Sector; access: 'read' | 'write' };

/** The journals among the parts a user may open (every part but the plan). */
export function journalsOf(parts: readonly { part: Part; access: 'read' | 'write' }[]): JournalPart[] {
  return parts.filter((p): p is JournalPart => p.part !== 'plan');
}
