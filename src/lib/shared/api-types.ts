// JSON shapes of the HTTP API (DESIGN §8), shared by server and browser.
import type { Access, Role } from './access.ts';
import type { Part, Sector } from './rooms.ts';

export interface ApiError {
  error: string;
  message: string;
}

export interface Me {
  id: string;
  username: string;
  name: string;
  role: Role;
  sector: Sector | null;
  teams: { id: string; name: string }[];
}

export interface ManifestRoom {
  room: string;
  access: Exclude<Access, 'none'>;
  seq: number;
}

export interface Manifest {
  rooms: ManifestRoom[];
  purge: string[];
  leaseUntil: string;
}

/** A worker in the family's team, and whether the access rule lets them into the plan. */
export interface TeamWorker {
  id: string;
  name: string;
  sector: Sector;
  planAccess: boolean;
}

export interface FamilySummary {
  id: string;
  name: string;
  district: string;
  teamId: string;
  teamName: string;
  status: 'aktiv' | 'afsluttet';
  parts: { part: Part; access: Exclude<Access, 'none'> }[];
  /** ISO instant when the last active consent ends; null when none is active */
  consentUntil: string | null;
  /** the team's workers (owners and tovholder are chosen among them, offline too); absent from servers before issue 4 */
  workers?: TeamWorker[];
}

export type ConsentMethod = 'signed' | 'paper' | 'oral';

export interface Consent {
  id: string;
  familyId: string;
  givenBy: string;
  categories: Part[];
  recipients: Sector[];
  purpose: string;
  validFrom: string;
  validUntil: string;
  method: ConsentMethod;
  signature: string | null;
  recordedBy: string;
  recordedAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface AccessLogEntry {
  at: string;
  userId: string;
  userName: string;
  room: string;
  action: string;
}
