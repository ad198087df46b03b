// Who made an underretning (DESIGN §5, issue #14): never shown outside the
// social sector, whatever a consent says. So it is never written into a
// shared document (journal.ts leaves an underretning's author out), and the
// reporter the social worker names is kept here, server-side, and given only
// to workers of the social sector who may open the family's social journal.
import type { Consent } from '../src/lib/shared/api-types.ts';
import type { UnderretningReporters } from '../src/lib/shared/api-types.ts';
import { FAMILY_ID_PATTERN } from '../src/lib/shared/rooms.ts';
import { accessFromFacts } from './access-of.ts';
import { HttpError } from './http-error.ts';
import type { AuditLog, Consents, Families, FamilyRow, Identity, Lifecycle, Underretninger, UserRow } from './store/types.ts';

const ENTRY_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface UnderretningDeps {
  store: Identity & Families & Consents & Pick<Lifecycle, 'grantsOfFamily'> & Underretninger & AuditLog;
  now(): Date;
}

export class UnderretningService {
  readonly #d: UnderretningDeps;

  constructor(deps: UnderretningDeps) {
    this.#d = deps;
  }

  /** The family and the user's access to its social journal; 404 for anyone who may not open the family at all. */
  async #social(user: UserRow, id: string): Promise<{ family: FamilyRow; access: 'read' | 'write' }> {
    if (!FAMILY_ID_PATTERN.test(id)) throw new HttpError(404, 'not_found');
    const family = await this.#d.store.familyById(id);
    if (!family) throw new HttpError(404, 'not_found');
    const [consents, grants]: [Consent[], Awaited<ReturnType<Lifecycle['grantsOfFamily']>>] = await Promise.all([
      this.#d.store.consentsOfFamily(family.id),
      this.#d.store.grantsOfFamily(family.id)
    ]);
    const now = this.#d.now();
    if (accessFromFacts(user, { familyId: family.id, part: 'plan' }, family, consents, now, grants) === 'none') throw new HttpError(404, 'not_found');
    const access = accessFromFacts(user, { familyId: family.id, part: 'social' }, family, consents, now, grants);
    // Reading the social journal with consent is not enough: the sector's own workers only.
    if (user.sector !== 'social' || access === 'none') throw new HttpError(403, 'underretning_social_only');
    return { family, access };
  }

  async reporters(user: UserRow, id: string): Promise<UnderretningReporters> {
    const { family } = await this.#social(user, id);
    const rows = await this.#d.store.reportersOfFamily(family.id);
    const names = await this.#d.store.userNames(rows.map((r) => r.recordedBy));
    return { reporters: Object.fromEntries(rows.map((r) => [r.entryId, { reporter: r.reporter, recordedByName: names.get(r.recordedBy) ?? '', recordedAt: r.recordedAt }])) };
  }

  async setReporter(user: UserRow, id: string, entryId: string, body: Record<string, unknown>): Promise<UnderretningReporters> {
    const { family, access } = await this.#social(user, id);
    if (access !== 'write') throw new HttpError(409, 'case_closed');
    if (!ENTRY_ID.test(entryId)) throw new HttpError(400, 'underretning_entry');
    const reporter = typeof body.reporter === 'string' ? body.reporter.trim() : '';
    if (reporter.length < 2 || reporter.length > 200) throw new HttpError(400, 'underretning_reporter');
    const at = this.#d.now().toISOString();
    await this.#d.store.setReporter({ familyId: family.id, entryId, reporter, recordedBy: user.id, recordedAt: at });
    // The audit names the entry, never the reporter: the family's access log is shown outside the sector.
    await this.#d.store.audit({ at, userId: user.id, familyId: family.id, room: null, action: 'underretning-reporter', detail: entryId, deviceId: null });
    return this.reporters(user, id);
  }
}
