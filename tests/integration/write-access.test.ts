// Writer access inside the append transaction (DESIGN §11, store/write-access.ts):
// an update whose writer lost the session or the access while it was on the way
// is refused by the store, never committed, and the relay closes the socket
// (4401 / 4403). SQLite always; PostgreSQL too when DATABASE_URL is set, where a
// withdrawal running in another connection (another node) is ordered against
// the append by the lock on the writers' facts' version.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../server/store/postgres.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { dropSchema } from '../../server/store/testing.ts';
import type { NewUpdate, Store, UserRow } from '../../server/store/types.ts';
import { WriteRefused } from '../../server/store/write-access.ts';
import type { Consent } from '../../src/lib/shared/api-types.ts';
import { CLOSE_ACCESS_ENDED, CLOSE_SESSION_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { hashToken } from '../../server/auth.ts';
import { barrier, collect, sleep, TestServer, updateMessage, waitFor } from './helpers.ts';

const databaseUrl = process.env.DATABASE_URL;

interface Opened {
  store: Store;
  /** PostgreSQL only: the schema, for a second raw connection playing another node */
  schema?: string;
  /** a write from another connection (another node, or another process on the SQLite file) */
  writeElsewhere(sql: string, params: string[]): Promise<void>;
  cleanup(): Promise<void>;
}

const variants: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'fp-write-access-'));
      const file = join(dir, 'familiens-plan.sqlite');
      const store = new SqliteStore(file);
      return {
        store,
        async writeElsewhere(sql, params) {
          const other = new DatabaseSync(file);
          try {
            other.prepare(sql.replace(/\$\d+/g, '?')).run(...params);
          } finally {
            other.close();
          }
        },
        cleanup: async () => rmSync(dir, { recursive: true, force: true })
      };
    }
  }
];
if (databaseUrl) {
  variants.push({
    name: 'postgres',
    async open() {
      const schema = `t_write_${randomBytes(6).toString('hex')}`;
      return {
        store: await PostgresStore.open({ url: databaseUrl, schema }),
        schema,
        async writeElsewhere(sql, params) {
          const node = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
          await node.connect();
          try {
            await node.query(sql, params);
          } finally {
            await node.end();
          }
        },
        cleanup: () => dropSchema(databaseUrl, schema)
      };
    }
  });
}

const FAMILY = 'fam-write-1';
const PLAN = roomName(FAMILY, 'plan');
const BO_SESSION = 'bo-session-hash';
const ANNA_SESSION = 'anna-session-hash';
const at = () => new Date().toISOString();

const user = (id: string, sector: UserRow['sector']): UserRow => ({
  id,
  username: id.slice(2),
  name: id,
  role: 'worker',
  sector,
  passwordHash: 'scrypt$x',
  active: true,
  teamIds: ['gellerup'],
  issuer: null,
  subject: null,
  email: null
});

const planConsent: Consent = {
  id: 'consent-plan-school',
  familyId: FAMILY,
  givenBy: 'Mor',
  categories: ['plan'],
  recipients: ['school'],
  purpose: 'Samarbejde om skolen',
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2099-01-01T00:00:00.000Z',
  method: 'paper',
  signature: null,
  reference: 'J.nr. 1',
  renewsId: null,
  recordedBy: 'u-anna',
  recordedAt: '2026-01-01T09:00:00.000Z',
  revokedAt: null,
  revokedBy: null
};

const boUpdate = (n: number): NewUpdate => ({ room: PLAN, author: 'u-bo', at: at(), data: new Uint8Array([0, 0, n]), writer: BO_SESSION });
const annaUpdate = (n: number): NewUpdate => ({ room: PLAN, author: 'u-anna', at: at(), data: new Uint8Array([1, 0, n]), writer: ANNA_SESSION });

async function refusal(p: Promise<unknown>): Promise<Map<string, string> | 'accepted'> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    if (err instanceof WriteRefused) return new Map(err.refused);
    throw err;
  }
}

describe.each(variants)('writer access in the append: $name', (variant) => {
  let opened: Opened;
  let store: Store;
  beforeEach(async () => {
    opened = await variant.open();
    store = opened.store;
    await store.upsertTeam({ id: 'gellerup', name: 'Gellerup', district: 'Gellerup', cluster: 'Vest' });
    await store.upsertUser(user('u-anna', 'social'));
    await store.upsertUser(user('u-bo', 'school'));
    await store.insertFamily({ id: FAMILY, name: 'Familien Berg', district: 'Gellerup', teamId: 'gellerup', openedBySector: 'social', status: 'aktiv', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'u-anna' });
    await store.insertConsent(planConsent);
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await store.createSession({ idHash: BO_SESSION, userId: 'u-bo', createdAt: at(), expiresAt });
    await store.createSession({ idHash: ANNA_SESSION, userId: 'u-anna', createdAt: at(), expiresAt });
  });
  afterEach(async () => {
    await store.close();
    await opened.cleanup();
  });

  it('accepts writers who may write, and refuses the whole batch once one may not', async () => {
    expect(await store.appendUpdates([annaUpdate(1), boUpdate(1)])).toEqual([1, 2]);
    await store.revokeConsent(planConsent.id, at(), 'u-anna');
    expect(await refusal(store.appendUpdates([annaUpdate(2), boUpdate(2)]))).toEqual(new Map([[BO_SESSION, 'access-ended']]));
    // Nothing of the refused batch is stored; the counter did not move.
    expect((await store.loadUpdates(PLAN)).map((u) => u.seq)).toEqual([1, 2]);
    expect(await store.appendUpdates([annaUpdate(3)])).toEqual([3]);
    // Updates without a writer (seeding, the system) are not checked.
    expect(await store.appendUpdates([{ room: PLAN, author: 'system', at: at(), data: new Uint8Array([2]) }])).toEqual([4]);
  });

  it('refuses a writer whose session ended, expired, belongs to someone else, or whose user left the team or was deactivated', async () => {
    await store.deleteSession(BO_SESSION);
    expect(await refusal(store.appendUpdates([boUpdate(1)]))).toEqual(new Map([[BO_SESSION, 'session-ended']]));
    expect(await refusal(store.appendUpdates([{ ...annaUpdate(1), writer: 'no-such-session' }]))).toEqual(new Map([['no-such-session', 'session-ended']]));
    expect(await refusal(store.appendUpdates([{ ...annaUpdate(1), author: 'u-bo' }]))).toEqual(new Map([[ANNA_SESSION, 'session-ended']]));
    expect(await refusal(store.appendUpdates([{ ...annaUpdate(1), at: '2099-06-01T00:00:00.000Z' }]))).toEqual(new Map([[ANNA_SESSION, 'session-ended']]));
    await store.upsertUser({ ...user('u-anna', 'social'), teamIds: [] });
    expect(await refusal(store.appendUpdates([annaUpdate(1)]))).toEqual(new Map([[ANNA_SESSION, 'access-ended']]));
    await store.upsertUser({ ...user('u-anna', 'social'), active: false });
    expect(await refusal(store.appendUpdates([annaUpdate(1)]))).toEqual(new Map([[ANNA_SESSION, 'session-ended']]));
    expect(await store.loadUpdates(PLAN)).toEqual([]);
  });

  it('refuses a writer whose consent expired before the update arrived', async () => {
    await store.insertConsent({ ...planConsent, id: 'c-short', validUntil: '2026-06-01T00:00:00.000Z' });
    await store.revokeConsent(planConsent.id, '2026-01-02T00:00:00.000Z', 'u-anna');
    expect(await refusal(store.appendUpdates([{ ...boUpdate(1), at: '2026-05-31T00:00:00.000Z' }]))).toBe('accepted');
    expect(await refusal(store.appendUpdates([{ ...boUpdate(2), at: '2026-06-02T00:00:00.000Z' }]))).toEqual(new Map([[BO_SESSION, 'access-ended']]));
  });

  // Both stores keep the facts an append read until a change to their tables
  // moves a version (write-access.ts, WriteFactCache): each change here comes
  // after an append that read the facts, and the next append must see it.
  const changes: { name: string; change(o: Opened): Promise<unknown>; expected: Map<string, string> }[] = [
    { name: 'a logout', change: (o) => o.store.deleteSession(ANNA_SESSION), expected: new Map([[ANNA_SESSION, 'session-ended']]) },
    { name: 'leaving the team', change: (o) => o.store.upsertUser({ ...user('u-anna', 'social'), teamIds: [] }), expected: new Map([[ANNA_SESSION, 'access-ended']]) },
    { name: 'a deactivation', change: (o) => o.store.upsertUser({ ...user('u-anna', 'social'), active: false }), expected: new Map([[ANNA_SESSION, 'session-ended']]) },
    { name: 'the case closed', change: (o) => o.store.setFamilyStatus(FAMILY, 'afsluttet', at()), expected: new Map([[ANNA_SESSION, 'access-ended'], [BO_SESSION, 'access-ended']]) },
    { name: 'a withdrawal', change: (o) => o.store.revokeConsent(planConsent.id, at(), 'u-anna'), expected: new Map([[BO_SESSION, 'access-ended']]) },
    {
      name: 'a logout written by another connection',
      change: (o) => o.writeElsewhere('DELETE FROM sessions WHERE id_hash = $1', [BO_SESSION]),
      expected: new Map([[BO_SESSION, 'session-ended']])
    },
    {
      name: 'a team membership ended by another connection',
      change: (o) => o.writeElsewhere('DELETE FROM user_teams WHERE user_id = $1', ['u-bo']),
      expected: new Map([[BO_SESSION, 'access-ended']])
    },
    {
      name: 'a withdrawal written by another connection',
      change: (o) => o.writeElsewhere('UPDATE consents SET revoked_at = $1, revoked_by = $2 WHERE id = $3', [at(), 'u-anna', planConsent.id]),
      expected: new Map([[BO_SESSION, 'access-ended']])
    }
  ];
  it.each(changes)('sees $name made after an earlier append read the facts', async ({ change, expected }) => {
    expect(await store.appendUpdates([annaUpdate(1), boUpdate(1)])).toEqual([1, 2]);
    expect(await store.appendUpdates([annaUpdate(2), boUpdate(2)])).toEqual([3, 4]);
    await change(opened);
    expect(await refusal(store.appendUpdates([annaUpdate(3), boUpdate(3)]))).toEqual(expected);
    expect((await store.loadUpdates(PLAN)).map((u) => u.seq)).toEqual([1, 2, 3, 4]);
  });

  it('never refuses over kept facts: a consent given after a refusal lets the next append through', async () => {
    await opened.writeElsewhere('UPDATE consents SET revoked_at = $1, revoked_by = $2 WHERE id = $3', [at(), 'u-anna', planConsent.id]);
    expect(await refusal(store.appendUpdates([boUpdate(1)]))).toEqual(new Map([[BO_SESSION, 'access-ended']]));
    await store.insertConsent({ ...planConsent, id: 'consent-again' });
    expect(await refusal(store.appendUpdates([boUpdate(2)]))).toBe('accepted');
    expect((await store.loadUpdates(PLAN)).map((u) => u.seq)).toEqual([1]);
  });

  it.runIf(variant.name === 'postgres')('orders a withdrawal on another connection against the append: an append waiting on it sees it', async () => {
    // Another node's withdrawal, held open between its statements: it holds
    // the family row (as PostgresStore.revokeConsent does) and has revoked,
    // but not committed. The append must wait for it and then refuse.
    const node = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${opened.schema}` });
    await node.connect();
    try {
      await node.query('BEGIN');
      await node.query('SELECT id FROM families WHERE id = $1 FOR UPDATE', [FAMILY]);
      await node.query('UPDATE consents SET revoked_at = $1, revoked_by = $2 WHERE id = $3', [at(), 'u-anna', planConsent.id]);
      let settled = false;
      const append = refusal(store.appendUpdates([boUpdate(1)])).finally(() => (settled = true));
      await sleep(300);
      expect(settled).toBe(false); // waiting on the family row, not reading the consent as it was
      await node.query('COMMIT');
      expect(await append).toEqual(new Map([[BO_SESSION, 'access-ended']]));

      // The other way round: a withdrawal that starts while an append holds the
      // family row waits for the append, so the append committed first.
      await store.insertConsent({ ...planConsent, id: 'consent-2' });
      const results = await Promise.all([
        refusal(store.appendUpdates([boUpdate(2)])),
        store.revokeConsent('consent-2', at(), 'u-anna').then(() => 'revoked')
      ]);
      expect(results[1]).toBe('revoked');
      // Either order is allowed; what is not is an append after the revocation that was accepted.
      const stored = await store.loadUpdates(PLAN);
      if (results[0] === 'accepted') expect(stored.map((u) => u.seq)).toEqual([1]);
      else expect(stored).toEqual([]);
      expect(await refusal(store.appendUpdates([boUpdate(3)]))).toEqual(new Map([[BO_SESSION, 'access-ended']]));
    } finally {
      await node.end();
    }
  });

  it.runIf(variant.name === 'postgres')('orders a logout on another connection against the append', async () => {
    const node = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${opened.schema}` });
    await node.connect();
    try {
      await node.query('BEGIN');
      await node.query('DELETE FROM sessions WHERE id_hash = $1', [BO_SESSION]);
      let settled = false;
      const append = refusal(store.appendUpdates([boUpdate(1), annaUpdate(1)])).finally(() => (settled = true));
      await sleep(300);
      expect(settled).toBe(false);
      await node.query('COMMIT');
      expect(await append).toEqual(new Map([[BO_SESSION, 'session-ended']]));
      expect(await store.loadUpdates(PLAN)).toEqual([]);
    } finally {
      await node.end();
    }
  });
});

// The relay: the withdrawal or logout reaches the store while the relay has not
// heard of it yet (another node's control message still on the way), so its
// cached access still says `write`; the append refuses and the socket closes.
describe('relay: a write racing a withdrawal or logout', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start();
  });
  afterEach(() => server.clients.closeAll());
  afterAll(() => server?.stop());

  async function boWithPlanConsent(familyPrefix: string) {
    const familyId = server.family(familyPrefix);
    const anna = await server.login('anna');
    const r = await server.api(`/api/families/${familyId}/consents`, {
      cookie: anna,
      body: { givenBy: 'Far', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde med skolen', method: 'paper', reference: 'J.nr. 2' }
    });
    expect(r.status).toBe(201);
    const bo = await server.login('bo');
    return { familyId, consentId: r.json.id as string, anna, bo };
  }

  function edit(text: string) {
    const doc = new Y.Doc();
    doc.getMap('race').set('text', text);
    return updateMessage(Y.encodeStateAsUpdate(doc));
  }

  async function storedText(room: string) {
    const doc = new Y.Doc();
    for (const u of await server.app.store.loadUpdates(room)) Y.applyUpdate(doc, u.data);
    return doc.getMap('race').get('text');
  }

  it('closes the writer with 4403 and stores nothing of what it sent after the withdrawal', async () => {
    const { familyId, consentId, anna, bo } = await boWithPlanConsent('gel-01');
    const room = roomName(familyId, 'plan');
    const ws = await server.raw(room, bo);
    collect(ws);
    const annaWs = await server.raw(room, anna);
    expect(await barrier(ws)).toBe(true);
    ws.send(edit('før'));
    await waitFor(async () => (await storedText(room)) === 'før', 5000, 'bo’s edit before the withdrawal is stored');

    // Past the API: no recheck, no control message — as when it ran on another node.
    await server.app.store.revokeConsent(consentId, new Date().toISOString(), 'u-anna');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(edit('efter'));
    expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    expect(await storedText(room)).toBe('før');
    // Anna, in the same room, was not part of the refusal.
    expect(await barrier(annaWs)).toBe(true);
    // The relay does not wait for its audit rows (relay.ts #audit): the refusal's row is written after the close.
    const refusals = () => server.app.store.auditOfFamilyActions(familyId, ['update-refused'], 10);
    await waitFor(async () => (await refusals()).length > 0, 5000, 'the refusal’s audit row');
    expect((await refusals()).map((e) => [e.userId, e.detail])).toEqual([['u-bo', 'access-ended']]);
  });

  it('closes the writer with 4401 when its session ended in the store meanwhile', async () => {
    const { familyId, bo } = await boWithPlanConsent('gel-02');
    const room = roomName(familyId, 'plan');
    const ws = await server.raw(room, bo);
    collect(ws);
    expect(await barrier(ws)).toBe(true);
    const token = bo.split(';')[0].split('=')[1];
    await server.app.store.deleteSession(hashToken(token));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(edit('efter logout'));
    expect(await closed).toBe(CLOSE_SESSION_ENDED);
    expect(await storedText(room)).toBeUndefined();
  });
});
