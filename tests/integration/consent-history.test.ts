// Consents are an append-only legal record: recorded, at most once revoked,
// renewed by a new record pointing back; the store's triggers refuse any
// other change or deletion, and a data file from before `reference` and
// `renews_id` existed is migrated in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { TestServer } from './helpers.ts';

let server: TestServer;
let anna: string;
let familyId: string;

const body = {
  givenBy: 'Far',
  categories: ['plan', 'school'],
  recipients: ['school'],
  purpose: 'Samarbejde med skolen om fremmøde',
  method: 'paper',
  reference: 'Journalnr. 27.12.04-P20-1-25'
};

beforeAll(async () => {
  server = await TestServer.start();
  anna = await server.login('anna');
  familyId = (await server.api('/api/families', { cookie: anna, body: { name: 'Familien Historik' } })).json.id;
});
afterAll(() => server?.stop());

describe('consent history', () => {
  it('keeps every consent: the revoked one, and the renewal that points back to it', async () => {
    const first = (await server.api(`/api/families/${familyId}/consents`, { cookie: anna, body })).json;
    const renewal = await server.api(`/api/families/${familyId}/consents`, {
      cookie: anna,
      body: { ...body, renewsId: first.id, reference: 'Journalnr. 27.12.04-P20-1-25, fornyet' }
    });
    expect(renewal.status).toBe(201);
    expect(renewal.json.renewsId).toBe(first.id);
    const revoked = await server.api(`/api/families/${familyId}/consents/${first.id}/revoke`, { cookie: anna, body: {} });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: first.id, revokedBy: 'u-anna' });
    expect(Date.parse(revoked.json.revokedAt)).toBeGreaterThan(0);

    const again = await server.api(`/api/families/${familyId}/consents/${first.id}/revoke`, { cookie: anna, body: {} });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'consent_already_revoked', message: 'Samtykket er allerede trukket tilbage.' });

    const list = (await server.api(`/api/families/${familyId}/consents`, { cookie: anna })).json;
    expect(list.consents.map((c: { id: string; revokedAt: string | null }) => [c.id, c.revokedAt === null])).toEqual([
      [first.id, false],
      [renewal.json.id, true]
    ]);
    // Everything else about the first consent is as recorded.
    expect({ ...list.consents[0], revokedAt: null, revokedBy: null }).toEqual(first);
    expect(list.people).toEqual({ 'u-anna': 'Anna Holm' });
  });

  // The contract suite holds every store to this; here the SQLite file of a running server.
  it.skipIf(Boolean(process.env.DATABASE_URL))('the store refuses to edit, un-revoke or delete a consent', async () => {
    const db = new DatabaseSync(join(server.dataDir, 'familiens-plan.sqlite'));
    try {
      const [c] = (await server.app.store.consentsOfFamily(familyId));
      expect(() => db.prepare('DELETE FROM consents WHERE id = ?').run(c.id)).toThrow(/append-only/);
      expect(() => db.prepare('UPDATE consents SET purpose = ? WHERE id = ?').run('noget andet', c.id)).toThrow(/only be revoked/);
      expect(() => db.prepare('UPDATE consents SET revoked_at = NULL, revoked_by = NULL WHERE id = ?').run(c.id)).toThrow(/only be revoked/);
      expect(() => db.prepare('UPDATE consents SET revoked_at = ? WHERE id = ?').run(new Date().toISOString(), c.id)).toThrow(/only be revoked/);
    } finally {
      db.close();
    }
    const [after] = (await server.app.store.consentsOfFamily(familyId));
    expect(after.purpose).toBe(body.purpose);
    expect(after.revokedBy).toBe('u-anna');
  });

  it('a data file from before reference and renews_id gains the columns, and its consents read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-mig-'));
    const file = join(dir, 'old.sqlite');
    try {
      const old = new DatabaseSync(file);
      old.exec(`CREATE TABLE consents (
        id TEXT PRIMARY KEY, family_id TEXT NOT NULL, given_by TEXT NOT NULL,
        categories TEXT NOT NULL, recipients TEXT NOT NULL, purpose TEXT NOT NULL,
        valid_from TEXT NOT NULL, valid_until TEXT NOT NULL, method TEXT NOT NULL, signature TEXT,
        recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, revoked_at TEXT, revoked_by TEXT)`);
      old
        .prepare('INSERT INTO consents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run('c-old', 'fam-old', 'Mor', '["plan"]', '["school"]', 'Samarbejde', '2025-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'oral', 'Mundtligt, noteret', 'u-anna', '2025-01-01T00:00:00.000Z', null, null);
      old.close();
      const store = new SqliteStore(file);
      try {
        expect((await store.consentById('c-old'))).toMatchObject({ id: 'c-old', reference: null, renewsId: null, signature: 'Mundtligt, noteret' });
        await store.revokeConsent('c-old', '2025-06-01T00:00:00.000Z', 'u-anna');
        expect((await store.consentById('c-old'))?.revokedAt).toBe('2025-06-01T00:00:00.000Z');
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
