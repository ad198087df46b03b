// What the family's own pages and the tovholder's invitation card exchange
// with the server (DESIGN §12, server/family-access.ts).
import type { Sector } from './rooms.ts';

/** Who may be invited (DESIGN §12): custody holders and young people from 15. */
export const FAMILY_RELATIONS = ['mor', 'far', 'forsorg', 'ung'] as const;
export type FamilyRelation = (typeof FAMILY_RELATIONS)[number];

export interface InvitationInfo {
  id: string;
  memberName: string;
  relation: FamilyRelation;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  status: 'open' | 'used' | 'expired' | 'revoked';
}

export interface FamilyLinkInfo {
  id: string;
  memberName: string;
  relation: FamilyRelation;
  userName: string;
  createdAt: string;
  endedAt: string | null;
  active: boolean;
}

export interface InvitationList {
  /** the case-owning sector or the tovholder, while the case is open */
  mayInvite: boolean;
  invitations: InvitationInfo[];
  links: FamilyLinkInfo[];
}

/** POST /api/families/:id/invitations → the code, shown this once. */
export interface InvitationCreated {
  id: string;
  code: string;
  memberName: string;
  relation: FamilyRelation;
  expiresAt: string;
}

/** A family as its own member sees it: GET /api/vores-plan. */
export interface CitizenFamily {
  familyId: string;
  name: string;
  memberName: string;
  relation: FamilyRelation;
  tovholder: { name: string; sector: Sector | null; email: string | null; teamName: string } | null;
}
