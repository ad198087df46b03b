// Room names are the unit of access: `f-<familyId>.<part>` (DESIGN §5).
export const SECTORS = ['social', 'school', 'health', 'employment'] as const;
export type Sector = (typeof SECTORS)[number];

export const PARTS = ['plan', ...SECTORS] as const;
export type Part = (typeof PARTS)[number];

export const FAMILY_ID_PATTERN = /^[a-z0-9-]{6,40}$/;
const ROOM_PATTERN = /^f-([a-z0-9-]{6,40})\.(plan|social|school|health|employment)$/;

export interface RoomRef {
  familyId: string;
  part: Part;
}

export function parseRoom(name: string): RoomRef | null {
  const m = ROOM_PATTERN.exec(name);
  if (!m) return null;
  return { familyId: m[1], part: m[2] as Part };
}

export function roomName(familyId: string, part: Part): string {
  return `f-${familyId}.${part}`;
}

export function isSector(value: unknown): value is Sector {
  return typeof value === 'string' && (SECTORS as readonly string[]).includes(value);
}

export function isPart(value: unknown): value is Part {
  return typeof value === 'string' && (PARTS as readonly string[]).includes(value);
}
