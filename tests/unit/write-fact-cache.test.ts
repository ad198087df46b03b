// The writers' facts as a store's append keeps them (server/store/write-access.ts):
// a batch is checked over kept facts only when every one it names was read at
// the kept version, and a version that moved empties what was kept.
import { describe, expect, it } from 'vitest';
import { WriteFactCache, type WriteFactKeys, type WriteFacts } from '../../server/store/write-access.ts';
import type { FamilyRow, SessionRow, UserRow } from '../../server/store/types.ts';

const session: SessionRow = { idHash: 's1', userId: 'u-anna', createdAt: '2026-12-01T08:00:00.000Z', expiresAt: '2026-12-01T20:00:00.000Z' };
const user = { id: 'u-anna', active: true } as UserRow;
const family = { id: 'fam-1', status: 'aktiv' } as FamilyRow;

const keys = (k: Partial<WriteFactKeys> = {}): WriteFactKeys => ({ sessionHashes: ['s1'], userIds: ['u-anna'], familyIds: ['fam-1'], ...k });
const facts = (): WriteFacts => ({
  sessions: new Map([['s1', session]]),
  users: new Map([['u-anna', user]]),
  families: new Map([['fam-1', family]]),
  consents: new Map([['fam-1', []]]),
  grants: new Map([['fam-1', []]]),
  links: new Map([['fam-1', []]])
});

describe('WriteFactCache', () => {
  it('keeps what was read at a version and gives it back for the same keys', () => {
    const cache = new WriteFactCache();
    expect(cache.lookup(keys())).toBeNull();
    cache.fill(7, keys(), facts());
    expect(cache.version).toBe(7);
    expect(cache.lookup(keys())).toEqual(facts());
  });

  it('answers null when one key was never read, and keeps a missing row as a miss', () => {
    const cache = new WriteFactCache();
    cache.fill(1, keys({ sessionHashes: ['s1', 'gone'] }), facts());
    expect(cache.lookup(keys({ userIds: ['u-anna', 'u-bo'] }))).toBeNull();
    const kept = cache.lookup(keys({ sessionHashes: ['gone'] }));
    expect(kept?.sessions.size).toBe(0);
    expect(kept?.users.get('u-anna')).toBe(user);
  });

  it('empties what it kept when the version moves', () => {
    const cache = new WriteFactCache();
    cache.fill(1, keys(), facts());
    cache.fill(2, keys({ sessionHashes: ['s2'], userIds: [], familyIds: [] }), { ...facts(), sessions: new Map() });
    expect(cache.lookup(keys())).toBeNull();
    cache.at(Number.NaN);
    expect(cache.lookup(keys({ sessionHashes: ['s2'], userIds: [], familyIds: [] }))).toBeNull();
  });
});
