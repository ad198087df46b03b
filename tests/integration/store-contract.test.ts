// The store contract (DESIGN §3): one suite that every Store passes. SQLite
// always; PostgreSQL when DATABASE_URL is set, each run in a fresh schema it
// creates and drops, so parallel runs on one database do not meet.
import type { AuditAction } from '../../server/audit-actions.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../server/store/postgres.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { dropSchema, rawStatement, type RawTarget } from '../../server/store/testing.ts';
import type { NewUpdate, Store, UserRow } from '../../server/store/types.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

interface Opened {
  /** a second store on the same data: another process, another pool */
  another(): Promise<Store>;
  raw: RawTarget;
  cleanup(): Promise<void>;
  store: Store;
}

const variants: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'fp-contract-'));
      const file = join(dir, 'familiens-plan.sqlite');
      // As the server opens it: WAL checkpoints in a thread of their own, here soon after every write.
      const checkpointer = { delayMs: 5 };
      return {
        store: new SqliteStore(file, { checkpointer }),
        another: async () => new SqliteStore(file, { checkpointer }),
        raw: { kind: 'sqlite', file },
        cleanup: async () => rmSync(dir, { recursive: true, force: true })
      };
    }
  }
];
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  variants.push({
    name: 'postgres',
    async open() {
      const schema = `t_contract_${randomBytes(6).toString('hex')}`;
      return {
        store: await PostgresStore.open({ url: databaseUrl, schema }),
        another: () => PostgresStore.open({ url: databaseUrl, schema }),
        raw: { kind: 'postgres', url: databaseUrl, schema },
        cleanup: () => dropSchema(databaseUrl, schema)
      };
    }
  });
}

const bytes = (...b: number[]) => new Uint8Array(b);
const ROOM_A = 'f-aaaaaa.plan';
const ROOM_B = 'f-bbbbbb.plan';

const user = (id: string, teamIds: string[], over: Partial<UserRow> = {}): UserRow => ({
  id,
  username: id.replace(/^u-/, ''),
  name: `Navn ${id}`,
  role: 'worker',
  sector: 'social',
  passwordHash: 'scrypt$x',
  active: true,
  teamIds,
  issuer: null,
  subject: null,
  email: null,
  ...over
});

const consent = (id: string, familyId: string, over: Partial<Consent> = {}): Consent => ({
  id,
  familyId,
  givenBy: 'Mor',
  categories: ['plan', 'school'],
  recipients: ['school'],
  purpose: 'Samarbejde om skolen',
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
  method: 'signed',
  signature: 'data:image/png;base64,AAAA',
  reference: null,
  renewsId: null,
  recordedBy: 'u-anna',
  recordedAt: '2026-01-01T09:00:00.000Z',
  revokedAt: null,
  revokedBy: null,
  ...over
});

async function seedPeople(store: Store) {
  await store.upsertTeam({ id: 'gellerup', name: 'Gellerup', district: 'Gellerup', cluster: 'Vest' });
  await store.upsertTeam({ id: 'viby', name: 'Viby', district: 'Viby', cluster: 'Syd' });
  await store.upsertUser(user('u-anna', ['gellerup']));
  await store.upsertUser(user('u-bo', ['viby', 'gellerup'], { sector: 'school' }));
  for (const [id, teamId, name] of [
    ['fam-1', 'gellerup', 'Familien Berg'],
    ['fam-2', 'gellerup', 'Familien Andersen'],
    ['fam-3', 'viby', 'Familien Ali']
  ]) {
    await store.insertFamily({ id, name, district: teamId, teamId, openedBySector: 'social', status: 'aktiv', createdAt: `2026-01-0${id.slice(-1)}T00:00:00.000Z`, createdBy: 'u-anna' });
  }
}

describe.each(variants)('store contract: $name', (variant) => {
  let opened: Opened;
  let store: Store;
  beforeEach(async () => {
    opened = await variant.open();
    store = opened.store;
  });
  afterEach(async () => {
    await store.close();
    await opened.cleanup();
  });

  describe('rooms’ update log', () => {
    it('appends a batch with per-room seqs in order, and loads it back', async () => {
      const seqs = await store.appendUpdates([
        { room: ROOM_A, author: 'u-anna', at: '2026-01-01T10:00:00.000Z', data: bytes(1) },
        { room: ROOM_B, author: 'u-bo', at: '2026-01-01T10:00:00.001Z', data: bytes(2) },
        { room: ROOM_A, author: 'u-bo', at: '2026-01-01T10:00:00.002Z', data: bytes(3, 3) }
      ]);
      expect(seqs).toEqual([1, 1, 2]);
      expect((await store.loadUpdates(ROOM_A)).map((u) => [u.seq, [...u.data]])).toEqual([
        [1, [1]],
        [2, [3, 3]]
      ]);
      expect(await store.appendUpdates([{ room: ROOM_A, author: 'u-anna', at: '2026-01-01T10:00:01.000Z', data: bytes(4) }])).toEqual([3]);
      expect(await store.appendUpdates([])).toEqual([]);
    });

    it('numbers a room 1..n without gaps under concurrent appends from several connections', async () => {
      const other = await opened.another();
      try {
        const batch = (who: string, i: number): NewUpdate[] =>
          Array.from({ length: 1 + (i % 3) }, (_, k) => ({ room: k === 1 ? ROOM_B : ROOM_A, author: who, at: new Date().toISOString(), data: bytes(i, k) }));
        const work = [store, other].flatMap((s, si) => Array.from({ length: 25 }, (_, i) => s.appendUpdates(batch(`u-${si}`, i))));
        const results = await Promise.all(work);
        // Every batch got seqs increasing within each room.
        for (const seqs of results) expect(seqs.length).toBeGreaterThan(0);
        for (const room of [ROOM_A, ROOM_B]) {
          const loaded = (await store.loadUpdates(room)).map((u) => u.seq);
          expect(loaded).toEqual(Array.from({ length: loaded.length }, (_, i) => i + 1));
          expect((await other.latestSeqs([room])).get(room)).toBe(loaded.length);
        }
        const handedOut = results.flat().sort((a, b) => a - b);
        const total = (await store.loadUpdates(ROOM_A)).length + (await store.loadUpdates(ROOM_B)).length;
        expect(handedOut.length).toBe(total);
      } finally {
        await other.close();
      }
    });

    it('continues a room’s numbering after another connection wrote to it', async () => {
      const other = await opened.another();
      try {
        const one = (room: string, who: string, n: number): NewUpdate[] => [{ room, author: who, at: '2026-01-01T10:00:00.000Z', data: bytes(n) }];
        expect(await store.appendUpdates(one(ROOM_A, 'u-anna', 1))).toEqual([1]);
        expect(await other.appendUpdates([...one(ROOM_A, 'u-bo', 2), ...one(ROOM_A, 'u-bo', 3)])).toEqual([2, 3]);
        expect(await store.appendUpdates([...one(ROOM_A, 'u-anna', 4), ...one(ROOM_B, 'u-anna', 5)])).toEqual([4, 1]);
        expect(await other.appendUpdates(one(ROOM_A, 'u-bo', 6))).toEqual([5]);
        expect((await store.loadUpdates(ROOM_A)).map((u) => u.seq)).toEqual([1, 2, 3, 4, 5]);
      } finally {
        await other.close();
      }
    });

    it('stores nothing of a batch when one update of it fails', async () => {
      await store.appendUpdates([{ room: ROOM_A, author: 'u-anna', at: '2026-01-01T10:00:00.000Z', data: bytes(1) }]);
      await expect(
        store.appendUpdates([
          { room: ROOM_A, author: 'u-anna', at: '2026-01-01T10:00:01.000Z', data: bytes(2) },
          { room: ROOM_B, author: null as unknown as string, at: '2026-01-01T10:00:01.000Z', data: bytes(3) }
        ])
      ).rejects.toThrow();
      expect(await store.latestSeqs([ROOM_A, ROOM_B])).toEqual(new Map([[ROOM_A, 1]]));
      expect((await store.loadUpdates(ROOM_B)).length).toBe(0);
      // The counter did not move either: the next update is 2.
      expect(await store.appendUpdates([{ room: ROOM_A, author: 'u-anna', at: '2026-01-01T10:00:02.000Z', data: bytes(4) }])).toEqual([2]);
    });

    it('loads what came after a seq (a node filling a gap); a snapshot past it comes as one row', async () => {
      await store.appendUpdates([1, 2, 3, 4].map((n) => ({ room: ROOM_A, author: 'u-anna', at: `2026-01-01T10:00:0${n}.000Z`, data: bytes(n) })));
      await store.appendUpdates([{ room: ROOM_B, author: 'u-bo', at: '2026-01-01T10:00:05.000Z', data: bytes(9) }]);
      expect((await store.loadSince(ROOM_A, 2)).map((u) => [u.seq, [...u.data]])).toEqual([
        [3, [3]],
        [4, [4]]
      ]);
      expect(await store.loadSince(ROOM_A, 4)).toEqual([]);
      await store.compact(ROOM_A, 3, bytes(7, 7), '2026-01-01T11:00:00.000Z');
      expect((await store.loadSince(ROOM_A, 1)).map((u) => [u.seq, [...u.data]])).toEqual([
        [3, [7, 7]],
        [4, [4]]
      ]);
      expect((await store.loadSince(ROOM_A, 3)).map((u) => u.seq)).toEqual([4]);
    });

    it('compacts once: a second compaction up to the same seq (another node, a retry) changes nothing', async () => {
      await seedPeople(store);
      await store.appendUpdates([1, 2, 3].map((n) => ({ room: ROOM_A, author: 'u-anna', at: `2026-01-01T10:00:0${n}.000Z`, data: bytes(n) })));
      await store.compact(ROOM_A, 3, bytes(7, 7), '2026-01-01T11:00:00.000Z');
      const other = await opened.another();
      try {
        await other.compact(ROOM_A, 3, bytes(6), '2026-01-01T11:00:01.000Z');
        await other.compact(ROOM_A, 2, bytes(5), '2026-01-01T11:00:02.000Z');
      } finally {
        await other.close();
      }
      expect((await store.loadUpdates(ROOM_A)).map((u) => [u.seq, [...u.data]])).toEqual([[3, [7, 7]]]);
      expect((await store.updateAuthors(ROOM_A)).map((a) => a.seq)).toEqual([1, 2, 3]);
    });

    it('runs once-only work exclusively across connections (PostgreSQL advisory lock; SQLite: one process, it just runs)', async () => {
      const other = await opened.another();
      try {
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let entered!: () => void;
        const inside = new Promise<void>((r) => (entered = r));
        const first = store.exclusive('test-job', async () => {
          entered();
          await held;
          return 1;
        });
        await inside;
        const tried = await other.exclusive('test-job', async () => 2);
        expect(tried).toEqual(store.kind === 'postgres' ? { ran: false } : { ran: true, value: 2 });
        const waited = other.exclusive('test-job', async () => 3, { wait: true });
        release();
        expect(await first).toEqual({ ran: true, value: 1 });
        expect(await waited).toEqual({ ran: true, value: 3 });
        expect(await other.exclusive('test-job', async () => 4)).toEqual({ ran: true, value: 4 });
      } finally {
        await other.close();
      }
    });

    it('keeps who made each update, and when, across compactions; latest seqs stay', async () => {
      await seedPeople(store);
      const made = Array.from({ length: 7 }, (_, i) => ({
        room: ROOM_A,
        author: i % 2 === 0 ? 'u-anna' : 'u-bo',
        at: `2026-01-01T10:00:0${i}.000Z`,
        data: bytes(...Array.from({ length: i + 1 }, () => i))
      }));
      await store.appendUpdates(made.slice(0, 4));
      await store.compact(ROOM_A, 4, bytes(9, 9), '2026-01-01T11:00:00.000Z');
      await store.appendUpdates(made.slice(4));
      await store.compact(ROOM_A, 6, bytes(8, 8, 8), '2026-01-01T12:00:00.000Z'); // folds the first snapshot too
      expect((await store.loadUpdates(ROOM_A)).map((u) => [u.seq, [...u.data]])).toEqual([
        [6, [8, 8, 8]],
        [7, [6, 6, 6, 6, 6, 6, 6]]
      ]);
      expect(await store.updateAuthors(ROOM_A)).toEqual(made.map((u, i) => ({ seq: i + 1, author: u.author, at: u.at, size: i + 1 })));
      // The family's access log counts every change once, compacted or not.
      const groups = await store.changeGroupsOfRooms([ROOM_A]);
      expect(Object.fromEntries(groups.map((g) => [g.userId, g.count]))).toEqual({ 'u-anna': 4, 'u-bo': 3 });
      expect(groups.find((g) => g.userId === 'u-bo')).toMatchObject({ userName: 'Navn u-bo', userSector: 'school', room: ROOM_A, action: 'change', hour: '2026-01-01T10' });
      expect(await store.latestSeqs([ROOM_A, ROOM_B])).toEqual(new Map([[ROOM_A, 7]]));
      expect(await store.appendUpdates([{ room: ROOM_A, author: 'u-anna', at: '2026-01-01T13:00:00.000Z', data: bytes(5) }])).toEqual([8]);
    });
    it('keeps every update whole in the append-only archive across compactions; the history reads archive and log in order', async () => {
      await seedPeople(store);
      const made = Array.from({ length: 7 }, (_, i) => ({
        room: ROOM_A,
        author: i % 2 === 0 ? 'u-anna' : 'u-bo',
        at: `2026-01-01T10:00:0${i}.000Z`,
        data: bytes(i, i + 1)
      }));
      await store.appendUpdates(made.slice(0, 4));
      await store.appendUpdates([{ room: ROOM_B, author: 'u-bo', at: '2026-01-01T10:00:00.000Z', data: bytes(42) }]);
      await store.compact(ROOM_A, 4, bytes(9, 9), '2026-01-01T11:00:00.000Z');
      await store.appendUpdates(made.slice(4));
      await store.compact(ROOM_A, 6, bytes(8, 8, 8), '2026-01-01T12:00:00.000Z');
      const whole = made.map((u, i) => ({ seq: i + 1, author: u.author, at: u.at, data: [...u.data] }));
      const plain = (rows: { seq: number; author: string; at: string; data: Uint8Array }[]) => rows.map((r) => ({ ...r, data: [...r.data] }));
      // Loading still reads only the snapshot and what came after it.
      expect((await store.loadUpdates(ROOM_A)).map((u) => u.seq)).toEqual([6, 7]);
      expect(plain(await store.historyUpdates(ROOM_A))).toEqual(whole);
      expect(plain(await store.historyUpdates(ROOM_A, 5))).toEqual(whole.slice(5));
      expect(plain(await store.historyUpdates(ROOM_B))).toEqual([{ seq: 1, author: 'u-bo', at: '2026-01-01T10:00:00.000Z', data: [42] }]);
      expect(await store.historyUpdates('f-cccccc.plan')).toEqual([]);

      // Past the interface, the database itself refuses to change or drop archived updates.
      const raw = (sql: string, ...params: (string | null)[]) => rawStatement(opened.raw, sql, params);
      expect(await raw('DELETE FROM update_archive WHERE room = ?', ROOM_A)).toMatch(/append-only/);
      expect(await raw('UPDATE update_archive SET author = ? WHERE room = ?', 'u-eva', ROOM_A)).toMatch(/append-only/);
      expect(plain(await store.historyUpdates(ROOM_A))).toEqual(whole);
    });

    it('starts the history of a room compacted before the archive at its snapshot', async () => {
      await seedPeople(store);
      await store.appendUpdates([1, 2, 3].map((i) => ({ room: ROOM_A, author: 'u-anna', at: `2026-01-01T10:00:0${i}.000Z`, data: bytes(i) })));
      await store.compact(ROOM_A, 3, bytes(9, 9), '2026-01-01T11:00:00.000Z');
      // What a data file from before the archive holds: the snapshot, and no archived updates.
      const raw = (sql: string, ...params: (string | null)[]) => rawStatement(opened.raw, sql, params);
      await store.appendUpdates([{ room: ROOM_B, author: 'u-bo', at: '2026-01-01T10:00:00.000Z', data: bytes(1) }]);
      await store.compact(ROOM_B, 1, bytes(7), '2026-01-01T11:00:00.000Z');
      const dropTrigger =
        opened.raw.kind === 'sqlite' ? 'DROP TRIGGER update_archive_no_delete' : 'DROP TRIGGER update_archive_no_change ON update_archive';
      expect(await raw(dropTrigger)).toBeNull();
      expect(await raw('DELETE FROM update_archive WHERE room = ?', ROOM_B)).toBeNull();
      expect((await store.historyUpdates(ROOM_B)).map((r) => [r.seq, r.author, [...r.data]])).toEqual([[1, 'snapshot', [7]]]);
      await store.appendUpdates([{ room: ROOM_B, author: 'u-bo', at: '2026-01-01T12:00:00.000Z', data: bytes(2) }]);
      await store.compact(ROOM_B, 2, bytes(7, 2), '2026-01-01T13:00:00.000Z');
      expect((await store.historyUpdates(ROOM_B)).map((r) => [r.seq, r.author, [...r.data]])).toEqual([
        [1, 'snapshot', [7]],
        [2, 'u-bo', [2]]
      ]);
      expect((await store.historyUpdates(ROOM_A)).map((r) => r.author)).toEqual(['u-anna', 'u-anna', 'u-anna']);
    });
  });

  describe('history checkpoints', () => {
    const cp = (room: string, seq: number, version = 1, data = bytes(seq % 256)) => ({ room, seq, version, at: '2026-02-01T10:00:00.000Z', data });
    const plain = (r: { data: Uint8Array } | undefined) => r && { ...r, data: [...r.data] };

    it('keeps the newest checkpoint per room; one of another format version replaces it', async () => {
      await seedPeople(store);
      expect(await store.historyCheckpoint('f-fam-1.plan')).toBeUndefined();
      expect(await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 10))).toBe(true);
      expect(plain(await store.historyCheckpoint('f-fam-1.plan'))).toEqual(plain(cp('f-fam-1.plan', 10)));
      // An older or equal one (a slower node, a request racing the sweep) changes nothing.
      expect(await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 9))).toBe(false);
      expect(await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 10, 1, bytes(1, 2, 3)))).toBe(false);
      expect((await store.historyCheckpoint('f-fam-1.plan'))?.seq).toBe(10);
      expect(await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 12))).toBe(true);
      expect(await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 3, 2))).toBe(true);
      expect(plain(await store.historyCheckpoint('f-fam-1.plan'))).toEqual(plain(cp('f-fam-1.plan', 3, 2)));
      // Big enough for a two-year plan's state.
      const big = new Uint8Array(600_000).map((_, i) => (i * 31) % 251);
      expect(await store.saveHistoryCheckpoint(cp('f-fam-2.plan', 2000, 1, big))).toBe(true);
      expect((await store.historyCheckpoint('f-fam-2.plan'))?.data).toEqual(big);
    });

    it('names the plan rooms whose log grew more than the given number of updates past their checkpoint, most grown first', async () => {
      await seedPeople(store);
      const add = (room: string, n: number) =>
        store.appendUpdates(Array.from({ length: n }, (_, i) => ({ room, author: 'u-anna', at: `2026-01-01T10:00:00.${String(i).padStart(3, '0')}Z`, data: bytes(i % 256) })));
      await add('f-fam-1.plan', 30);
      await add('f-fam-2.plan', 12);
      await add('f-fam-3.plan', 8);
      await add('f-fam-3.school', 50);
      expect(await store.staleHistoryCheckpoints(1, 10, 'f-', '.plan')).toEqual(['f-fam-1.plan', 'f-fam-2.plan']);
      await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 25));
      expect(await store.staleHistoryCheckpoints(1, 10, 'f-', '.plan')).toEqual(['f-fam-2.plan']);
      // A checkpoint of another version counts as none.
      await store.saveHistoryCheckpoint(cp('f-fam-2.plan', 12, 0));
      expect(await store.staleHistoryCheckpoints(1, 10, 'f-', '.plan')).toEqual(['f-fam-2.plan']);
      // Compaction keeps the seqs: the checkpoint still counts.
      await store.compact('f-fam-1.plan', 20, bytes(9), '2026-01-02T00:00:00.000Z');
      await add('f-fam-1.plan', 20);
      expect(await store.staleHistoryCheckpoints(1, 10, 'f-', '.plan')).toEqual(['f-fam-1.plan', 'f-fam-2.plan']);
      expect((await store.historyUpdates('f-fam-1.plan', 25)).map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 26 + i));
      expect(await store.staleHistoryCheckpoints(1, 100, 'f-', '.plan')).toEqual([]);
    });

    it('retention deletes the family\'s checkpoints and refuses to write one again', async () => {
      await seedPeople(store);
      await store.appendUpdates([{ room: 'f-fam-1.plan', author: 'u-anna', at: '2026-01-01T10:00:00.000Z', data: bytes(1) }]);
      await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 1));
      await store.saveHistoryCheckpoint(cp('f-fam-1.social', 4));
      await store.saveHistoryCheckpoint(cp('f-fam-2.plan', 1));
      await store.setFamilyStatus('fam-1', 'afsluttet', '2020-01-01T00:00:00.000Z');
      const done = await store.deleteForRetention('fam-1', '2021-01-01T00:00:00.000Z', { deletedAt: '2026-02-01T00:00:00.000Z', rule: 'test', deletedBy: 'system', retainedSummary: null });
      expect(done?.record.counts.historyCheckpoints).toBe(2);
      expect(await store.historyCheckpoint('f-fam-1.plan')).toBeUndefined();
      expect(await store.historyCheckpoint('f-fam-1.social')).toBeUndefined();
      expect((await store.historyCheckpoint('f-fam-2.plan'))?.seq).toBe(1);
      // A request or sweep that still held the family's history writes nothing.
      expect(await store.saveHistoryCheckpoint(cp('f-fam-1.plan', 5))).toBe(false);
      expect(await store.historyCheckpoint('f-fam-1.plan')).toBeUndefined();
    });
  });

  describe('people and sessions', () => {
    it('keeps users with their teams, replaces the teams on upsert, and names them', async () => {
      await seedPeople(store);
      expect(await store.userById('u-bo')).toEqual(user('u-bo', ['gellerup', 'viby'], { sector: 'school' }));
      expect((await store.userByUsername('anna'))?.id).toBe('u-anna');
      expect(await store.userByUsername('nobody')).toBeUndefined();
      await store.upsertUser(user('u-bo', ['viby'], { active: false, name: 'Bo B' }));
      expect(await store.userById('u-bo')).toMatchObject({ teamIds: ['viby'], active: false, name: 'Bo B' });
      await store.upsertUser(user('u-cleo', [], { role: 'admin', sector: null }));
      expect((await store.listUsers()).map((u) => [u.username, u.teamIds])).toEqual([
        ['anna', ['gellerup']],
        ['bo', ['viby']],
        ['cleo', []]
      ]);
      expect(await store.userNames(['u-anna', 'u-bo', 'u-anna', 'u-nobody'])).toEqual(new Map([['u-anna', 'Navn u-anna'], ['u-bo', 'Bo B']]));
      expect((await store.listTeams()).map((t) => t.id)).toEqual(['gellerup', 'viby']);
    });

    it('keeps each team’s skoledistrikter in order, and finds a team’s active workers', async () => {
      await seedPeople(store);
      expect(await store.districtsOfTeam('gellerup')).toEqual(['Gellerup']); // no list yet: the team's own district
      await store.setTeamDistricts('gellerup', ['Tovshøj', 'Ellekær', 'Gellerup']);
      expect(await store.districtsOfTeam('gellerup')).toEqual(['Tovshøj', 'Ellekær', 'Gellerup']);
      await store.setTeamDistricts('gellerup', ['Ellekær']);
      expect(await store.districtsOfTeam('gellerup')).toEqual(['Ellekær']);
      expect((await store.activeWorkerIdsOfTeam('gellerup')).sort()).toEqual(['u-anna', 'u-bo']);
      await store.upsertUser(user('u-bo', ['viby', 'gellerup'], { active: false }));
      await store.upsertUser(user('u-eva', ['gellerup'], { role: 'leader', sector: null }));
      expect(await store.activeWorkerIdsOfTeam('gellerup')).toEqual(['u-anna']);
    });

    it('creates, finds and deletes sessions; sweeps the expired ones', async () => {
      await seedPeople(store);
      await store.createSession({ idHash: 'h1', userId: 'u-anna', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-08T00:00:00.000Z' });
      await store.createSession({ idHash: 'h2', userId: 'u-bo', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z' });
      expect(await store.sessionByHash('h1')).toEqual({ idHash: 'h1', userId: 'u-anna', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-08T00:00:00.000Z' });
      expect(await store.deleteExpiredSessions('2026-01-03T00:00:00.000Z')).toBe(1);
      expect(await store.sessionByHash('h2')).toBeUndefined();
      await store.deleteSession('h1');
      expect(await store.sessionByHash('h1')).toBeUndefined();
    });
  });

  describe('identity (issuer + sub, sign-in attempts, districts, administration)', () => {
    it('finds a user by issuer + sub, keeps e-mail, and refuses a second user with the same issuer + sub', async () => {
      await seedPeople(store);
      await store.upsertUser(user('u-helle', ['gellerup'], { issuer: 'https://idp.test', subject: 'abc', email: 'helle@kommune.dk', role: 'pending', sector: null, teamIds: [] }));
      expect(await store.userBySubject('https://idp.test', 'abc')).toMatchObject({ id: 'u-helle', email: 'helle@kommune.dk', issuer: 'https://idp.test', subject: 'abc', role: 'pending' });
      expect(await store.userBySubject('https://other.test', 'abc')).toBeUndefined();
      expect((await store.userById('u-anna'))?.issuer).toBeNull();
      await expect(store.upsertUser(user('u-helle2', [], { username: 'helle2', issuer: 'https://idp.test', subject: 'abc' }))).rejects.toThrow();
      expect(await store.userById('u-helle2')).toBeUndefined();
    });

    it('ends every session of one user and names them', async () => {
      await seedPeople(store);
      for (const [hash, userId] of [['h1', 'u-anna'], ['h2', 'u-anna'], ['h3', 'u-bo']]) {
        await store.createSession({ idHash: hash, userId, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-02-01T00:00:00.000Z' });
      }
      expect((await store.sessionsOfUser('u-anna')).sort()).toEqual(['h1', 'h2']);
      expect((await store.deleteSessionsOfUser('u-anna')).sort()).toEqual(['h1', 'h2']);
      expect(await store.sessionByHash('h1')).toBeUndefined();
      expect(await store.sessionByHash('h3')).toBeDefined();
      expect(await store.deleteSessionsOfUser('u-anna')).toEqual([]);
    });

    it('hands a sign-in attempt out once, on any connection, and never after it expired', async () => {
      const attempt = { stateHash: 's1', nonce: 'n', codeVerifier: 'v', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:10:00.000Z' };
      await store.createLoginAttempt(attempt);
      await store.createLoginAttempt({ ...attempt, stateHash: 's2' });
      const second = await opened.another();
      try {
        const both = await Promise.all([store.takeLoginAttempt('s1', '2026-01-01T00:05:00.000Z'), second.takeLoginAttempt('s1', '2026-01-01T00:05:00.000Z')]);
        expect(both.filter(Boolean)).toEqual([attempt]);
      } finally {
        await second.close();
      }
      expect(await store.takeLoginAttempt('s2', '2026-01-01T00:10:00.000Z')).toBeUndefined();
      expect(await store.takeLoginAttempt('s2', '2026-01-01T00:05:00.000Z')).toBeUndefined();
    });

    it('saves a team with its districts in one go, keeps the district list, and counts families per team', async () => {
      await seedPeople(store);
      await store.upsertDistrict({ name: 'Hasle', cluster: 'Vest' });
      await store.upsertDistrict({ name: 'Hasle', cluster: 'Nord' });
      await store.upsertDistrict({ name: 'Åby', cluster: 'Vest' });
      expect(await store.listDistricts()).toEqual(expect.arrayContaining([{ name: 'Hasle', cluster: 'Nord' }, { name: 'Åby', cluster: 'Vest' }]));
      await store.saveTeam({ id: 'hasle', name: 'Hasle', district: 'Hasle', cluster: 'Nord' }, ['Hasle', 'Åby']);
      expect(await store.districtsOfTeam('hasle')).toEqual(['Hasle', 'Åby']);
      // A district list with a duplicate fails whole: the team is not half-saved.
      await expect(store.saveTeam({ id: 'hasle', name: 'Hasle Nord', district: 'Hasle', cluster: 'Nord' }, ['Hasle', 'Hasle'])).rejects.toThrow();
      expect((await store.listTeams()).find((t) => t.id === 'hasle')?.name).toBe('Hasle');
      expect(await store.districtsOfTeam('hasle')).toEqual(['Hasle', 'Åby']);
      expect(Object.fromEntries(await store.familyCountsByTeam())).toEqual({ gellerup: 2, viby: 1 });
    });

    it('lists audit rows of the given actions, newest first, with the actor’s name', async () => {
      await seedPeople(store);
      for (const [i, action] of (['admin-user-created', 'login', 'admin-team-changed'] as const).entries()) {
        await store.audit({ at: `2026-01-01T00:00:0${i}.000Z`, userId: 'u-anna', familyId: null, room: null, action, detail: '{}', deviceId: null });
      }
      const rows = await store.auditOfActions(['admin-user-created', 'admin-team-changed'], 10);
      expect(rows.map((r) => [r.action, r.userName])).toEqual([['admin-team-changed', 'Navn u-anna'], ['admin-user-created', 'Navn u-anna']]);
      expect(await store.auditOfActions(['admin-user-created', 'admin-team-changed'], 1)).toHaveLength(1);
    });
  });

  describe('families, consents, audit', () => {
    it('lists families by team, by name, and counts them', async () => {
      await seedPeople(store);
      expect((await store.familiesOfTeams(['gellerup'])).map((f) => f.name)).toEqual(['Familien Andersen', 'Familien Berg']);
      expect(await store.familiesOfTeams([])).toEqual([]);
      expect(await store.familyById('fam-3')).toMatchObject({ teamId: 'viby', status: 'aktiv', openedBySector: 'social' });
      expect(await store.familyCount()).toBe(3);
      expect((await store.overviewFamilies(['viby']))).toEqual([{ familyId: 'fam-3', teamId: 'viby', district: 'viby', status: 'aktiv' }]);
    });

    it('keeps consents append-only: one revocation, no edit, no delete', async () => {
      await seedPeople(store);
      await store.insertConsent(consent('c-1', 'fam-1'));
      await store.insertConsent(consent('c-2', 'fam-1', { recordedAt: '2026-02-01T09:00:00.000Z', renewsId: 'c-1', reference: 'SAG-1' }));
      await store.insertConsent(consent('c-3', 'fam-3'));
      expect((await store.consentsOfFamily('fam-1')).map((c) => c.id)).toEqual(['c-1', 'c-2']);
      expect(await store.consentById('c-2')).toEqual(consent('c-2', 'fam-1', { recordedAt: '2026-02-01T09:00:00.000Z', renewsId: 'c-1', reference: 'SAG-1' }));
      expect((await store.consentsOfFamilies(['fam-1', 'fam-3'])).map((c) => c.id).sort()).toEqual(['c-1', 'c-2', 'c-3']);
      await expect(store.insertConsent(consent('c-1', 'fam-1'))).rejects.toThrow();

      await store.revokeConsent('c-1', '2026-03-01T00:00:00.000Z', 'u-anna');
      await store.revokeConsent('c-1', '2026-04-01T00:00:00.000Z', 'u-bo'); // once only: no change
      expect(await store.consentById('c-1')).toMatchObject({ revokedAt: '2026-03-01T00:00:00.000Z', revokedBy: 'u-anna', purpose: 'Samarbejde om skolen' });
      expect(await store.consentWindowsOfTeams(['gellerup'])).toContainEqual({
        familyId: 'fam-1',
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: '2027-01-01T00:00:00.000Z',
        revokedAt: '2026-03-01T00:00:00.000Z'
      });

      // Past the interface, the database itself refuses.
      const raw = (sql: string, ...params: (string | null)[]) => rawStatement(opened.raw, sql, params);
      expect(await raw('DELETE FROM consents WHERE id = ?', 'c-2')).toMatch(/append-only/);
      expect(await raw('UPDATE consents SET purpose = ? WHERE id = ?', 'noget andet', 'c-2')).toMatch(/only be revoked/);
      expect(await raw('UPDATE consents SET revoked_at = NULL, revoked_by = NULL WHERE id = ?', 'c-1')).toMatch(/only be revoked/);
      expect(await raw('UPDATE consents SET revoked_at = ?, revoked_by = ? WHERE id = ?', '2026-05-01T00:00:00.000Z', 'u-bo', 'c-1')).toMatch(/only be revoked/);
      expect(await raw('UPDATE consents SET revoked_at = ?, revoked_by = ?, purpose = ? WHERE id = ?', '2026-05-01T00:00:00.000Z', 'u-bo', 'x', 'c-2')).toMatch(
        /only be revoked/
      );
      expect(await raw('UPDATE consents SET revoked_at = ? WHERE id = ?', '2026-05-01T00:00:00.000Z', 'c-2')).toMatch(/only be revoked/); // no revoker
      expect((await store.consentsOfFamily('fam-1')).map((c) => [c.id, c.purpose, c.revokedAt])).toEqual([
        ['c-1', 'Samarbejde om skolen', '2026-03-01T00:00:00.000Z'],
        ['c-2', 'Samarbejde om skolen', null]
      ]);
    });

    it('reads the access facts of many sessions, users and families in one go, as the single reads give them, never stale', async () => {
      await seedPeople(store);
      await store.createSession({ idHash: 'h1', userId: 'u-anna', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-08T00:00:00.000Z' });
      await store.insertConsent(consent('c-1', 'fam-1'));
      await store.insertConsent(consent('c-2', 'fam-3'));
      const read = () => store.accessFacts({ sessionHashes: ['h1', 'h-none'], userIds: ['u-anna', 'u-bo', 'u-none'], familyIds: ['fam-1', 'fam-3', 'fam-none'] });
      const facts = await read();
      expect([...facts.sessions.keys()]).toEqual(['h1']);
      expect(facts.sessions.get('h1')).toEqual(await store.sessionByHash('h1'));
      expect(facts.users.get('u-bo')).toEqual(await store.userById('u-bo'));
      expect([...facts.users.keys()].sort()).toEqual(['u-anna', 'u-bo']);
      expect(facts.families.get('fam-3')).toEqual(await store.familyById('fam-3'));
      expect(facts.families.has('fam-none')).toBe(false);
      expect(facts.consents.get('fam-1')).toEqual(await store.consentsOfFamily('fam-1'));
      expect(facts.consents.get('fam-3')?.map((c) => c.id)).toEqual(['c-2']);
      expect(facts.grants.get('fam-1') ?? []).toEqual([]);

      // A change is read at once (the SQLite store keeps what it read only while nothing changed).
      await store.revokeConsent('c-1', '2026-03-01T00:00:00.000Z', 'u-anna');
      await store.upsertUser(user('u-bo', ['viby'], { sector: 'school', active: false }));
      const after = await read();
      expect(after.consents.get('fam-1')?.[0]).toMatchObject({ id: 'c-1', revokedAt: '2026-03-01T00:00:00.000Z' });
      expect(after.users.get('u-bo')).toMatchObject({ active: false, teamIds: ['viby'] });
    });

    it('keeps the audit log append-only, grouped per user, room, action and hour; finds rooms a user opened', async () => {
      await seedPeople(store);
      const entry = (at: string, userId: string, room: string, action: AuditAction) => ({ at, userId, familyId: 'fam-1', room, action, detail: null, deviceId: null });
      await store.audit(entry('2026-01-01T10:05:00.000Z', 'u-anna', ROOM_A, 'open-write'));
      await store.audit(entry('2026-01-01T10:35:00.000Z', 'u-anna', ROOM_A, 'open-write'));
      await store.audit(entry('2026-01-01T11:00:00.000Z', 'u-anna', ROOM_A, 'open-write'));
      await store.audit(entry('2026-01-01T10:10:00.000Z', 'u-bo', 'f-aaaaaa.health', 'open-refused'));
      await store.audit(entry('2026-01-01T10:20:00.000Z', 'u-bo', 'f-aaaaaa.school', 'sync-read'));
      await store.audit({ ...entry('2026-01-01T10:30:00.000Z', 'u-bo', ROOM_A, 'open-offline'), familyId: 'fam-2', detail: 'uploaded', deviceId: 'd-1' });
      const groups = await store.auditGroupsOfFamily('fam-1', ['open-write', 'open-refused']);
      expect(groups.map((g) => [g.userId, g.room, g.action, g.hour, g.count, g.firstAt, g.lastAt]).sort()).toEqual([
        ['u-anna', ROOM_A, 'open-write', '2026-01-01T10', 2, '2026-01-01T10:05:00.000Z', '2026-01-01T10:35:00.000Z'],
        ['u-anna', ROOM_A, 'open-write', '2026-01-01T11', 1, '2026-01-01T11:00:00.000Z', '2026-01-01T11:00:00.000Z'],
        ['u-bo', 'f-aaaaaa.health', 'open-refused', '2026-01-01T10', 1, '2026-01-01T10:10:00.000Z', '2026-01-01T10:10:00.000Z']
      ]);
      expect(groups[0]).toMatchObject({ userName: expect.stringMatching(/^Navn /) });
      expect((await store.roomsOpenedBy('u-bo')).sort()).toEqual(['f-aaaaaa.plan', 'f-aaaaaa.school']);

      const raw = (sql: string, ...params: (string | null)[]) => rawStatement(opened.raw, sql, params);
      expect(await raw('DELETE FROM audit WHERE user_id = ?', 'u-anna')).toMatch(/append-only/);
      expect(await raw('UPDATE audit SET action = ? WHERE user_id = ?', 'open-read', 'u-bo')).toMatch(/append-only/);
      expect((await store.auditGroupsOfFamily('fam-1', ['open-write'])).reduce((n, g) => n + g.count, 0)).toBe(3);
    });
  });

  describe('offline openings', () => {
    it('appends a device’s openings once per user, device, room and instant, and lists them newest first', async () => {
      await seedPeople(store);
      const opening = (at: string, room: string) => ({ at, userId: 'u-anna', familyId: 'fam-1', room, action: 'open-offline' as const, detail: 'uploaded', deviceId: 'd-1' });
      const batch = [opening('2026-01-01T10:00:00.000Z', ROOM_A), opening('2026-01-01T11:00:00.000Z', ROOM_A), opening('2026-01-01T11:00:00.000Z', 'f-aaaaaa.social')];
      expect(await store.appendOfflineOpenings(batch)).toBe(3);
      expect(await store.appendOfflineOpenings([...batch, opening('2026-01-01T12:00:00.000Z', ROOM_A)])).toBe(1); // a retry adds only what is new
      expect(await store.appendOfflineOpenings([])).toBe(0);
      await store.audit({ ...opening('2026-01-01T13:00:00.000Z', ROOM_A), action: 'consent-recorded' });
      const rows = await store.auditOfFamilyActions('fam-1', ['open-offline'], 10);
      expect(rows.map((r) => [r.at, r.room])).toEqual([
        ['2026-01-01T12:00:00.000Z', ROOM_A],
        ['2026-01-01T11:00:00.000Z', 'f-aaaaaa.social'],
        ['2026-01-01T11:00:00.000Z', ROOM_A],
        ['2026-01-01T10:00:00.000Z', ROOM_A]
      ]);
      expect(rows[0]).toMatchObject({ userId: 'u-anna', userName: 'Navn u-anna', deviceId: 'd-1', familyId: 'fam-1', detail: 'uploaded' });
      expect((await store.auditOfFamilyActions('fam-1', ['open-offline', 'consent-recorded'], 2)).map((r) => r.action)).toEqual(['consent-recorded', 'open-offline']);
    });
  });

  describe('summaries', () => {
    it('gives every summary write the next revision, and finds summaries behind their plan', async () => {
      await seedPeople(store);
      const row = (familyId: string, seq: number, version: number, data: string) => ({
        familyId,
        seq,
        version,
        computedAt: '2026-01-02T00:00:00.000Z',
        lastUpdateAt: null,
        data
      });
      const plan = (id: string) => roomName(id, 'plan');
      await store.appendUpdates([{ room: plan('fam-1'), author: 'seed', at: '2026-01-01T00:00:00.000Z', data: bytes(1) }]);
      await store.appendUpdates([{ room: plan('fam-2'), author: 'seed', at: '2026-01-01T00:00:00.000Z', data: bytes(1) }]);
      expect(await store.staleSummaries(2, 'f-', '.plan')).toEqual(['fam-1', 'fam-2', 'fam-3']);
      await store.upsertPlanSummary(row('fam-1', 1, 2, '{"a":1}'));
      await store.upsertPlanSummary(row('fam-2', 1, 1, '{"b":1}'));
      await store.upsertPlanSummary(row('fam-3', 0, 2, '{"c":1}'));
      const first = await store.summariesSince(0);
      expect(first.map((r) => [r.familyId, r.data])).toEqual([
        ['fam-1', '{"a":1}'],
        ['fam-2', '{"b":1}'],
        ['fam-3', '{"c":1}']
      ]);
      const last = first.at(-1)!.rev;
      expect(first.map((r) => r.rev)).toEqual([last - 2, last - 1, last]);
      // fam-2 has an older version; fam-1's plan moves on.
      await store.appendUpdates([{ room: plan('fam-1'), author: 'u-anna', at: '2026-01-03T00:00:00.000Z', data: bytes(2) }]);
      expect(await store.staleSummaries(2, 'f-', '.plan')).toEqual(['fam-1', 'fam-2']);
      await store.upsertPlanSummary({ ...row('fam-1', 2, 2, '{"a":2}'), lastUpdateAt: '2026-01-03T00:00:00.000Z' });
      expect(await store.summariesSince(last)).toEqual([{ familyId: 'fam-1', data: '{"a":2}', rev: last + 1 }]);
      expect(await store.planSummary('fam-1')).toEqual({ ...row('fam-1', 2, 2, '{"a":2}'), lastUpdateAt: '2026-01-03T00:00:00.000Z' });
      expect(await store.staleSummaries(2, 'f-', '.plan')).toEqual(['fam-2']);
    });

    it('makes a server secret once and keeps it', async () => {
      const a = await store.secret('k', () => 'first');
      const b = await store.secret('k', () => 'second');
      expect([a, b]).toEqual(['first', 'first']);
    });

    it('keeps caseload norms per sector, changing only the sectors given', async () => {
      expect(await store.caseloadNorms()).toEqual({});
      await store.setCaseloadNorms({ social: 25, school: 30 });
      await store.setCaseloadNorms({ school: 35, health: 40 });
      expect(await store.caseloadNorms()).toEqual({ social: 25, school: 35, health: 40 });
    });
  });

  describe('notifications (issue #16)', () => {
    const note = (id: string, userId: string, key: string, createdAt: string) => ({ id, userId, kind: 'handover-proposed', familyId: 'fam-1', actorId: 'u-anna', key, createdAt, readAt: null });

    it('adds each (user, key) once, lists a user\'s own newest first, and marks only the user\'s own read', async () => {
      await seedPeople(store);
      const added = await store.addNotifications([note('n1', 'u-bo', 'k1', '2026-01-01T10:00:00.000Z'), note('n2', 'u-bo', 'k2', '2026-01-02T10:00:00.000Z'), note('n3', 'u-anna', 'k1', '2026-01-01T10:00:00.000Z')]);
      expect(added.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
      // The same key again for the same user adds nothing.
      expect(await store.addNotifications([note('n4', 'u-bo', 'k1', '2026-01-03T10:00:00.000Z')])).toEqual([]);
      expect((await store.notificationsOf('u-bo', 10)).map((n) => n.id)).toEqual(['n2', 'n1']);
      expect((await store.notificationsOf('u-bo', 1)).map((n) => n.id)).toEqual(['n2']);
      expect(await store.notificationsOf('u-bo', 10)).toContainEqual(note('n1', 'u-bo', 'k1', '2026-01-01T10:00:00.000Z'));

      expect(await store.markNotificationsRead('u-anna', ['n1', 'n2'], '2026-01-05T00:00:00.000Z')).toBe(0);
      expect(await store.markNotificationsRead('u-bo', ['n1'], '2026-01-05T00:00:00.000Z')).toBe(1);
      expect((await store.notificationsOf('u-bo', 10)).map((n) => n.readAt)).toEqual([null, '2026-01-05T00:00:00.000Z']);
      expect(await store.markNotificationsRead('u-bo', 'all', '2026-01-06T00:00:00.000Z')).toBe(1);
      expect((await store.notificationsOf('u-anna', 10))[0].readAt).toBeNull();
    });

    it('keeps the notice keys last derived from a family\'s plan', async () => {
      await seedPeople(store);
      expect(await store.noticeKeys('fam-1')).toBeUndefined();
      await store.setNoticeKeys('fam-1', []);
      expect(await store.noticeKeys('fam-1')).toEqual([]);
      await store.setNoticeKeys('fam-1', ['a', 'b']);
      expect(await store.noticeKeys('fam-1')).toEqual(['a', 'b']);
    });
  });
});
