// SQLite → PostgreSQL (server/store/copy.ts, `npm run store:copy`): a server
// on the embedded store with the demo data and edits (a compacted room, a
// withdrawn consent, openings in the audit log, summaries), copied into a
// fresh PostgreSQL schema; the report's counts and per-room state vectors
// hold, a second copy into the same schema is refused, and a server started on
// the PostgreSQL store serves the same plan and keeps numbering the room's
// updates where SQLite left off. Runs when DATABASE_URL is set.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import * as Y from 'yjs';
import { afterAll, describe, expect, it } from 'vitest';
import { copySqliteToPostgres, CopyRefused } from '../../server/store/copy.ts';
import { sqliteFile } from '../../server/store/index.ts';
import { PostgresStore } from '../../server/store/postgres.ts';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { dropSchema, testSchemaFor } from '../../server/store/testing.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { docFromUpdates, sameState, TestServer, waitFor } from './helpers.ts';

const databaseUrl = process.env.DATABASE_URL;
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe.runIf(databaseUrl)('store:copy, SQLite → PostgreSQL', () => {
  it('copies every table, verifies counts and state vectors, refuses a second copy, and a PostgreSQL server serves the same plan', async () => {
    const url = databaseUrl as string;
    // ---- a SQLite server with the demo data and edits
    const sqlite = await TestServer.start({ config: { databaseUrl: null }, relay: { compactAfterUpdates: 5 } });
    const dataDir = sqlite.dataDir;
    const schema = testSchemaFor(dataDir);
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => dropSchema(url, schema));
    expect(sqlite.app.store.kind).toBe('sqlite');
    const familyId = sqlite.family('gel-01');
    const plan = roomName(familyId, 'plan');
    const anna = await sqlite.login('anna');
    const a = sqlite.provider(plan, anna);
    await a.synced();
    for (let i = 0; i < 12; i++) a.doc.getMap('copy-test').set(`edit-${i}`, `ændring ${i}`); // past compactAfterUpdates: archive rows
    await waitFor(() => a.relay!.holds(a.doc), 5000, 'the edits stored');
    const consent = await sqlite.api(`/api/families/${familyId}/consents`, {
      cookie: anna,
      body: { givenBy: 'Mor', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde med skolen', method: 'paper', reference: 'J.nr. 9' }
    });
    expect(consent.status).toBe(201);
    expect((await sqlite.api(`/api/families/${familyId}/consents/${consent.json.id}/revoke`, { cookie: anna, method: 'POST' })).status).toBe(200);
    const expected = new Y.Doc();
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(a.doc));
    await sqlite.stop({ keepData: true });

    // ---- the copy
    const file = sqliteFile(dataDir);
    const report = await copySqliteToPostgres({ from: file, to: url, schema });
    expect(report.rooms.mismatched).toEqual([]);
    expect(report.tables.filter((t) => !t.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    const copied = new Map(report.tables.map((t) => [t.table, t.copied]));
    for (const table of ['teams', 'districts', 'team_districts', 'users', 'user_teams', 'sessions', 'families', 'consents', 'updates', 'update_authors', 'update_archive', 'audit', 'plan_summaries', 'server_secrets']) {
      expect(copied.get(table), table).toBeGreaterThan(0);
    }
    expect(report.rooms.checked).toBeGreaterThan(44); // 44 demo families' plans and their journals
    expect(report.to).not.toMatch(/:[^:@/]+@/); // no password in the report

    // Independently of the report: every room's log and seq alike on both sides.
    const source = new SqliteStore(file);
    const target = await PostgresStore.open({ url, schema });
    try {
      const families = await source.familiesOfTeams((await source.listTeams()).map((t) => t.id));
      const rooms = families.flatMap((f) => [roomName(f.id, 'plan'), roomName(f.id, 'social'), roomName(f.id, 'school')]);
      expect(await target.latestSeqs(rooms)).toEqual(await source.latestSeqs(rooms));
      expect(sameState(docFromUpdates(await target.loadUpdates(plan)), docFromUpdates(await source.loadUpdates(plan)))).toBe(true);
      expect((await target.historyUpdates(plan)).map((u) => [u.seq, u.author])).toEqual((await source.historyUpdates(plan)).map((u) => [u.seq, u.author]));
      expect(await target.consentsOfFamily(familyId)).toEqual(await source.consentsOfFamily(familyId));
      expect(await target.secret('overview-ref-key', () => 'new')).toBe(await source.secret('overview-ref-key', () => 'other'));
    } finally {
      await source.close();
      await target.close();
    }

    // ---- a second copy into the same schema is refused, and changes nothing
    await expect(copySqliteToPostgres({ from: file, to: url, schema })).rejects.toThrow(CopyRefused);
    await expect(copySqliteToPostgres({ from: file, to: url, schema })).rejects.toThrow(/not empty/);

    // ---- a server on the PostgreSQL store serves the same plan, and anna's session came along
    const pgServer = await TestServer.start({ dataDir, config: { databaseUrl: url } });
    cleanups.push(() => pgServer.stop({ keepData: true }));
    expect(pgServer.app.store.kind).toBe('postgres');
    expect((await pgServer.api('/api/me', { cookie: anna })).status).toBe(200);
    const b = pgServer.provider(plan, anna);
    await b.synced();
    expect(sameState(b.doc, expected)).toBe(true);
    expect(b.doc.getMap('copy-test').get('edit-11')).toBe('ændring 11');
    const consents = await pgServer.api(`/api/families/${familyId}/consents`, { cookie: anna });
    expect(consents.json.consents.find((c: { id: string }) => c.id === consent.json.id)?.revokedAt).toBeTruthy();
    // The room's counter continues where SQLite left off.
    const before = (await pgServer.app.store.latestSeqs([plan])).get(plan) as number;
    b.doc.getMap('copy-test').set('after-copy', 'på PostgreSQL');
    await waitFor(() => b.relay!.holds(b.doc), 5000, 'the edit on PostgreSQL stored');
    const log = await pgServer.app.store.loadSince(plan, before);
    expect(log.map((u) => u.seq)).toEqual([before + 1]);
  });

  it('refuses a SQLite file with a table it does not know, before writing anything', async () => {
    const url = databaseUrl as string;
    const dir = mkdtempSync(join(tmpdir(), 'fp-copy-'));
    const schema = testSchemaFor(dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => dropSchema(url, schema));
    const file = join(dir, 'familiens-plan.sqlite');
    await new SqliteStore(file).close();
    const db = new DatabaseSync(file);
    db.exec('CREATE TABLE lost_devices (id TEXT PRIMARY KEY)');
    db.close();
    await expect(copySqliteToPostgres({ from: file, to: url, schema })).rejects.toThrow(/lost_devices/);
  });
});
