// Every action the audit log records, in one typed list (issue 19): a new
// kind of entry is added here first, so the access log, the admin console's
// log and the family's "Hvem har set" read a known set, and a typo in an
// action name is a type error rather than a row nobody ever shows.
import { CASE_EVENTS } from './lifecycle.ts';
import { ADMIN_ACTIONS } from './admin.ts';

export const RELAY_ACTIONS = [
  'open-read',
  'open-write',
  'sync-read',
  'sync-write',
  'open-offline',
  'open-refused',
  'update-dropped',
  'update-refused',
  'access-ended',
  'protocol-error'
] as const;

export const AUDIT_ACTION_NAMES = [
  ...RELAY_ACTIONS,
  ...ADMIN_ACTIONS,
  ...CASE_EVENTS,
  'case-refused',
  'family-created',
  'consent-recorded',
  'consent-revoked',
  'consent-refused',
  'login',
  'login-failed',
  'login-rate-limited',
  'login-oidc-refused',
  'logout',
  'session-ended',
  'device-registered',
  'device-reported-lost',
  'underretning-reporter',
  'insight-exported',
  'retention-deleted',
  // the family's own access (server/family-access.ts)
  'invitation-created',
  'invitation-revoked',
  'invitation-accepted',
  'invitation-refused',
  'invitation-rate-limited',
  'family-link-ended'
] as const;

export type AuditAction = (typeof AUDIT_ACTION_NAMES)[number];
