// The consent and access-log endpoints, as the consent and log screens use
// them. Recording goes through the sync manager (it owns the offline outbox);
// withdrawal is online only, because it must take effect on the server at once.
import type { AccessLogEntry, Consent, ConsentList } from '../shared/api-types.ts';
import { api } from './api.ts';

const base = (familyId: string) => `/api/families/${encodeURIComponent(familyId)}`;

export function fetchConsents(familyId: string): Promise<ConsentList> {
  return api<ConsentList>(`${base(familyId)}/consents`);
}

export function revokeConsent(familyId: string, consentId: string): Promise<Consent> {
  return api<Consent>(`${base(familyId)}/consents/${encodeURIComponent(consentId)}/revoke`, { method: 'POST' });
}

export async function fetchAccessLog(familyId: string): Promise<AccessLogEntry[]> {
  return (await api<{ entries: AccessLogEntry[] }>(`${base(familyId)}/access-log`)).entries;
}
