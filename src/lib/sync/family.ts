// The family's own access on the client (DESIGN §12): its families and
// invitations over the API, and its own room (`family`) opened like any other
// room through the sync manager (offline copy, access log, purge on 4403).
import type * as Y from 'yjs';
import type { CitizenFamily, InvitationCreated, InvitationList, FamilyRelation } from '../shared/family-types.ts';
import { readNotes, type FamilyNote } from '../domain/family.ts';
import { api } from './api.ts';

const base = (familyId: string) => `/api/families/${encodeURIComponent(familyId)}`;

export const fetchMyFamilies = () => api<{ families: CitizenFamily[] }>('/api/vores-plan');
export const acceptInvitation = (code: string) => api<CitizenFamily>('/api/invitations/accept', { method: 'POST', body: { code } });
export const fetchInvitations = (familyId: string) => api<InvitationList>(`${base(familyId)}/invitations`);
export const createInvitation = (familyId: string, memberName: string, relation: FamilyRelation) =>
  api<InvitationCreated>(`${base(familyId)}/invitations`, { method: 'POST', body: { memberName, relation } });
export const revokeInvitation = (familyId: string, id: string) => api(`${base(familyId)}/invitations/${encodeURIComponent(id)}/revoke`, { method: 'POST' });
export const endFamilyLink = (familyId: string, id: string) => api(`${base(familyId)}/links/${encodeURIComponent(id)}/end`, { method: 'POST' });

/**
 * Opens the family's own room once the room code is loaded; its notes are
 * re-read after every transaction. Returns the close (safe before the open).
 */
export function openFamilyRoom<R extends { doc: Y.Doc }>(
  rooms: { openRoom(name: string): R; closeRoom(room: R): void; loadEngine(): Promise<unknown> },
  name: string,
  on: { room(room: R | null): void; notes(notes: FamilyNote[]): void }
): () => void {
  let closed = false;
  let close: (() => void) | null = null;
  void rooms.loadEngine().then(() => {
    if (closed) return;
    const r = rooms.openRoom(name);
    const read = () => on.notes(readNotes(r.doc));
    r.doc.on('afterTransaction', read);
    read();
    on.room(r);
    close = () => {
      r.doc.off('afterTransaction', read);
      rooms.closeRoom(r);
      on.room(null);
      on.notes([]);
    };
  });
  return () => {
    closed = true;
    close?.();
  };
}
