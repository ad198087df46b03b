// The case's administration (issue #14): close / reopen, transfer to another
// team, grants for called-in specialists. Online only: each takes effect on
// the server at once (access is recomputed there), so none waits in an outbox.
import type { CaseGrant, CaseInfo, CaseTransfer, UnderretningReporters } from '../shared/api-types.ts';
import type { Part } from '../shared/rooms.ts';
import { api } from './api.ts';
import type { CaseStatus } from '../shared/plan-terms.ts';

const base = (familyId: string) => `/api/families/${encodeURIComponent(familyId)}`;

export function fetchCase(familyId: string): Promise<CaseInfo> {
  return api<CaseInfo>(`${base(familyId)}/case`);
}

export function setCaseStatus(familyId: string, status: CaseStatus, reason: string): Promise<CaseInfo> {
  return api<CaseInfo>(`${base(familyId)}/${status === 'afsluttet' ? 'close' : 'reopen'}`, { method: 'POST', body: { reason } });
}

export function requestTransfer(familyId: string, t: { toTeamId: string; note: string; meetingAt: string | null }): Promise<CaseTransfer> {
  return api<CaseTransfer>(`${base(familyId)}/transfers`, { method: 'POST', body: t });
}

export async function incomingTransfers(): Promise<CaseTransfer[]> {
  return (await api<{ transfers: CaseTransfer[] }>('/api/transfers')).transfers;
}

export function decideTransfer(transferId: string, decision: 'accept' | 'decline' | 'cancel'): Promise<CaseTransfer> {
  return api<CaseTransfer>(`/api/transfers/${encodeURIComponent(transferId)}/${decision}`, { method: 'POST', body: {} });
}

export function giveGrant(familyId: string, g: { userId: string; parts: Part[]; purpose: string; validUntil: string; renewsId?: string }): Promise<CaseGrant> {
  return api<CaseGrant>(`${base(familyId)}/grants`, { method: 'POST', body: g });
}

export function endGrant(familyId: string, grantId: string): Promise<CaseGrant> {
  return api<CaseGrant>(`${base(familyId)}/grants/${encodeURIComponent(grantId)}/end`, { method: 'POST', body: {} });
}

/** Who made each underretning (the social sector only; 403 for everyone else). */
export async function fetchReporters(familyId: string): Promise<UnderretningReporters['reporters']> {
  return (await api<UnderretningReporters>(`${base(familyId)}/underretninger`)).reporters;
}

export async function saveReporter(familyId: string, entryId: string, reporter: string): Promise<UnderretningReporters['reporters']> {
  return (await api<UnderretningReporters>(`${base(familyId)}/underretninger/${encodeURIComponent(entryId)}`, { method: 'PUT', body: { reporter } })).reporters;
}
