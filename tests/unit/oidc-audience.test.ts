// One identity, one kind of session (DESIGN §10, §12): the staff sign-in never
// signs in a family member (citizen), and the family's sign-in never signs in
// staff; a new identity at the family's sign-in is a citizen with no access
// until an invitation is accepted, whatever groups its token carries.
import { describe, expect, it } from 'vitest';
import type { IDToken } from 'openid-client';
import { userForClaims, type ProviderSettings } from '../../server/identity/oidc.ts';
import type { UserRow } from '../../server/store/types.ts';

function memoryStore(users: UserRow[]) {
  return {
    users,
    async userBySubject(issuer: string, subject: string) {
      return users.find((u) => u.issuer === issuer && u.subject === subject);
    },
    async userByUsername(username: string) {
      return users.find((u) => u.username === username);
    },
    async upsertUser(u: UserRow) {
      const i = users.findIndex((x) => x.id === u.id);
      if (i >= 0) users[i] = u;
      else users.push(u);
    },
    async listTeams() {
      return [{ id: 'gellerup', name: 'Gellerup', district: 'Gellerup', cluster: 'Vest' }];
    }
  };
}

const user = (id: string, role: UserRow['role']): UserRow => ({
  id,
  username: id,
  name: id,
  role,
  sector: role === 'worker' ? 'social' : null,
  teamIds: role === 'worker' ? ['gellerup'] : [],
  passwordHash: '',
  active: true,
  issuer: 'local',
  subject: id
});

const claims = (sub: string, extra: Record<string, unknown> = {}) => ({ sub, iss: 'x', aud: 'x', iat: 0, exp: 0, ...extra }) as unknown as IDToken;
const staff: Pick<ProviderSettings, 'issuerKey' | 'groupsClaim' | 'groupMap' | 'audience'> = {
  issuerKey: 'local',
  groupsClaim: 'groups',
  groupMap: { 'fp-social': { role: 'worker', sector: 'social', teams: ['gellerup'] } }
};
const citizen = { ...staff, audience: 'citizen' as const };

describe('sign-in audiences', () => {
  it('the staff sign-in refuses a citizen (maria) and the family sign-in refuses staff (anna)', async () => {
    const store = memoryStore([user('maria', 'citizen'), user('anna', 'worker')]);
    expect(await userForClaims(store, staff, claims('maria', { groups: ['fp-social'] }))).toMatchObject({ ok: false, reason: 'oidc_citizen' });
    expect(await userForClaims(store, citizen, claims('anna'))).toMatchObject({ ok: false, reason: 'oidc_not_citizen' });
    expect(store.users.find((u) => u.id === 'maria')?.role).toBe('citizen');
    expect(await userForClaims(store, citizen, claims('maria'))).toMatchObject({ ok: true, user: { id: 'maria', role: 'citizen' } });
    expect(await userForClaims(store, staff, claims('anna'))).toMatchObject({ ok: true, user: { id: 'anna', role: 'worker' } });
  });

  it('a new identity at the family sign-in is a citizen, never mapped to staff by its groups', async () => {
    const store = memoryStore([]);
    const r = await userForClaims(store, citizen, claims('new-mother', { name: 'Ny Mor', groups: ['fp-social'] }));
    expect(r).toMatchObject({ ok: true, created: true, user: { role: 'citizen', sector: null, teamIds: [] } });
    const s = await userForClaims(store, staff, claims('new-worker', { groups: ['fp-social'] }));
    expect(s).toMatchObject({ ok: true, user: { role: 'worker', sector: 'social' } });
  });
});
