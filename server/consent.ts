// The HTTP-body adapter for a consent (DESIGN §6, §8). Pure: it turns an
// untrusted JSON body into the fields of a consent record, or names the first
// thing that is wrong with a stable error code (and, where it helps, the
// offending value) so the API can answer 400 with a Danish message. The rules
// themselves (methods, documentation, period bounds) are src/lib/shared/consent.ts',
// which the consent form applies too; this file only reads JSON.
import { PARTS, SECTORS, isPart, isSector, type Part, type Sector } from '../src/lib/shared/rooms.ts';
import type { ConsentMethod } from '../src/lib/shared/api-types.ts';
import { MAX_REFERENCE_CHARS, defaultValidUntil, documentationMissing, isConsentMethod, periodProblem } from '../src/lib/shared/consent.ts';
import type { ErrorCode } from './messages.ts';

export class ConsentInputError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(code: ErrorCode, detail?: string) {
    super(code);
    this.code = code;
    this.detail = detail;
  }
}

export interface ConsentInput {
  /** a client-chosen id (an offline device's outbox), so a retried upload is recognised */
  id: string | null;
  givenBy: string;
  categories: Part[];
  recipients: Sector[];
  purpose: string;
  validFrom: Date;
  validUntil: Date;
  method: ConsentMethod;
  signature: string | null;
  reference: string | null;
  renewsId: string | null;
}

const MAX_SIGNATURE_CHARS = 200_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PNG_PREFIX = 'data:image/png;base64,';
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function fail(code: ErrorCode, detail?: string): never {
  throw new ConsentInputError(code, detail);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function quoted(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** A drawn signature: a PNG data URL that really is a PNG, of bounded size. */
function validSignature(v: unknown): v is string {
  if (typeof v !== 'string' || !v.startsWith(PNG_PREFIX) || v.length > MAX_SIGNATURE_CHARS) return false;
  const b64 = v.slice(PNG_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const bytes = Buffer.from(b64, 'base64');
  return bytes.length > PNG_MAGIC.length && PNG_MAGIC.every((b, i) => bytes[i] === b);
}

function date(v: unknown, fallback: Date): Date {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v !== 'string') fail('consent_dates', JSON.stringify(v));
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) fail('consent_dates', JSON.stringify(v));
  return d;
}

function distinct<T>(label: ErrorCode, raw: unknown, valid: (v: unknown) => v is T, known: readonly string[]): T[] {
  if (!Array.isArray(raw) || raw.length === 0) fail(label);
  const unknown = raw.filter((v) => !valid(v));
  if (unknown.length > 0) fail(label, `ukendt: ${quoted(unknown.slice(0, 5))}; gyldige: ${known.join(', ')}`);
  // Kept in the catalogue's order, so equal consents read the same.
  return known.filter((k) => raw.includes(k)) as T[];
}

export function parseConsentInput(b: Record<string, unknown>, now: Date): ConsentInput {
  let id: string | null = null;
  if (b.id !== undefined && b.id !== null) {
    if (typeof b.id !== 'string' || !UUID.test(b.id)) fail('consent_id');
    id = b.id;
  }
  const givenBy = text(b.givenBy);
  if (!givenBy || givenBy.length > 200) fail('consent_given_by');
  const categories = distinct<Part>('consent_categories', b.categories, isPart, PARTS);
  const recipients = distinct<Sector>('consent_recipients', b.recipients, isSector, SECTORS);
  const purpose = text(b.purpose);
  if (!purpose || purpose.length > 2000) fail('consent_purpose');

  const method = b.method;
  if (!isConsentMethod(method)) fail('consent_method', method === undefined ? undefined : JSON.stringify(method));
  let signature: string | null = null;
  let reference: string | null = null;
  if (method === 'signed') {
    if (!validSignature(b.signature)) fail('consent_signature');
    signature = b.signature;
    // An optional note (e.g. who signed on whose behalf) is allowed with a signature.
    reference = text(b.reference).slice(0, MAX_REFERENCE_CHARS) || null;
  } else {
    // DESIGN §6: paper and oral consents carry their documentation — where the
    // paper is filed, how and before whom the oral consent was given. Without
    // it an oral consent is only the recorder's word, which is how a consent
    // could be laundered. DESIGN §8 names only `signature?`, so a client of the
    // contract may document it there, as text; the app sends `reference`.
    const asText = typeof b.signature === 'string' && !b.signature.startsWith('data:') ? b.signature : undefined;
    if (b.signature !== undefined && b.signature !== null && b.signature !== '' && asText === undefined) fail('consent_signature_not_allowed');
    reference = text(b.reference ?? asText) || null;
    if (documentationMissing(method, reference) || (reference ?? '').length > MAX_REFERENCE_CHARS) fail(method === 'paper' ? 'consent_reference_paper' : 'consent_reference_oral');
  }

  const validFrom = date(b.validFrom, now);
  const validUntil = date(b.validUntil, defaultValidUntil(validFrom));
  const period = periodProblem(validFrom, validUntil, now);
  if (period) fail(`consent_${period}`);

  let renewsId: string | null = null;
  if (b.renewsId !== undefined && b.renewsId !== null && b.renewsId !== '') {
    if (typeof b.renewsId !== 'string' || b.renewsId.length > 100) fail('consent_renews');
    renewsId = b.renewsId;
  }
  return { id, givenBy, categories, recipients, purpose, validFrom, validUntil, method, signature, reference, renewsId };
}

/** True when a stored consent has the content a retried upload carries (same id, same family and recorder). */
export function sameConsent(
  a: { givenBy: string; categories: readonly string[]; recipients: readonly string[]; purpose: string; validFrom: string; validUntil: string; method: string },
  b: ConsentInput
): boolean {
  return (
    a.givenBy === b.givenBy &&
    a.purpose === b.purpose &&
    a.method === b.method &&
    a.validFrom === b.validFrom.toISOString() &&
    a.validUntil === b.validUntil.toISOString() &&
    a.categories.join() === b.categories.join() &&
    a.recipients.join() === b.recipients.join()
  );
}
