// Retention (issue #14): a closed case is deleted RETENTION_YEARS (default 5)
// after closing — update logs, the compaction archive, journals, consents,
// audit — leaving a deletion record; a dry run lists it first (admins only,
// ids and dates); a second run finds nothing; an active case and a recently
// closed one are untouched; open sockets close (4403), the devices that held
// the family purge it, and the leader overview keeps its past months' figures.
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addHope } from '../../src/lib/domain/plan.ts';
import { CLOSE_ACCESS_ENDED } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { Manifest, RetentionListing, RetentionRunResult } from '../../src/lib/shared/api-types.ts';
import type { Overview } from '../../src/lib/shared/overview-types.ts';
import { closeCode, EventStream, TestServer, waitFor } from './helpers.ts';

const YEAR_MS = 365.25 * 86_400_000;
let server: TestServer;
let offsetMs = 0;

beforeAll(async () => {
  server = await TestServer.start({ now: () => new Date(Date.now() + offsetMs), relay: { roomIdleUnloadMs: 100 } });
});
afterAll(() => server?.stop());

const post = (cookie: string, path: string, body: unknown = {}) => server.api(path, { cookie, method: 'POST', body });
const month = (d: Date) => d.toISOString().slice(0, 7);

describe('retention of closed cases', () => {
  it('lists, then deletes only due closed cases with everything held about them, keeps a record, and is safe twice', async () => {
    const due = server.family('gel-12'); // opened by social, consent to every sector
    const recent = server.family('gel-07'); // opened by social
    const active = server.family('gel-02');
    const store = server.app.store;
    let anna = await server.login('anna');

    // Anna works in the family: an edit on the plan and one in the social journal, then the plan is compacted (the archive).
    const plan = server.provider(roomName(due, 'plan'), anna);
    const social = server.provider(roomName(due, 'social'), anna);
    await Promise.all([plan.synced(), social.synced()]);
    const before = (await store.latestSeqs([roomName(due, 'plan')])).get(roomName(due, 'plan')) ?? 0;
    addHope(plan.doc, { text: 'At mor får arbejde', saidBy: 'mor', createdAt: new Date().toISOString() });
    social.doc.getMap('entries').set('e1', 'Samtale med mor');
    await waitFor(async () => ((await store.latestSeqs([roomName(due, 'plan')])).get(roomName(due, 'plan')) ?? 0) > before, 5000, 'the edit persisted');
    const seq = (await store.latestSeqs([roomName(due, 'plan')])).get(roomName(due, 'plan'))!;
    const merged = Y.mergeUpdates((await store.loadUpdates(roomName(due, 'plan'))).map((u) => u.data));
    await store.compact(roomName(due, 'plan'), seq, merged, new Date().toISOString());
    expect((await store.historyUpdates(roomName(due, 'plan'))).length).toBeGreaterThan(1);
    server.clients.closeAll();

    expect((await post(anna, `/api/families/${due}/close`, { reason: 'Målene er nået' })).status).toBe(200);
    offsetMs += 3 * YEAR_MS;
    anna = await server.login('anna');
    expect((await post(anna, `/api/families/${recent}/close`, { reason: 'Familien er flyttet ud af kommunen' })).status).toBe(200);
    offsetMs += 2.5 * YEAR_MS; // due: closed 5.5 years ago; recent: 2.5 years ago

    anna = await server.login('anna');
    const admin = await server.login('admin');
    const eva = await server.login('eva');
    const realNow = new Date();
    const past = `/api/overview?from=${month(new Date(realNow.getTime() - 18 * 31 * 86_400_000))}&to=${month(realNow)}`;
    // Every plan summarised first (the start-up backfill), so "before" has every family's figures.
    let overviewBefore = (await server.api<Overview>(past, { cookie: eva })).json;
    await waitFor(async () => (overviewBefore = (await server.api<Overview>(past, { cookie: eva })).json).pending === 0, 20_000, 'every plan summarised');

    // The dry run: admins only, ids and dates, no family content.
    expect((await server.api('/api/admin/retention', { cookie: anna })).status).toBe(403);
    expect((await post(anna, '/api/admin/retention/run')).status).toBe(403);
    const listing = (await server.api<RetentionListing>('/api/admin/retention', { cookie: admin })).json;
    expect(listing.rule).toBe('RETENTION_YEARS=5');
    expect(listing.due.map((d) => d.familyId)).toEqual([due]);
    expect(Object.keys(listing.due[0]).sort()).toEqual(['closedAt', 'dueAt', 'familyId', 'teamId']);
    expect(new Date(listing.due[0].dueAt).getTime() - new Date(listing.due[0].closedAt).getTime()).toBeGreaterThan(4.9 * YEAR_MS);
    expect(JSON.stringify(listing)).not.toContain('Familien');
    expect(await store.familyById(due)).toBeDefined(); // a dry run deletes nothing

    // An open device: its socket closes at once, and its event stream tells it to fetch the manifest.
    expect((await server.api<Manifest>('/api/manifest', { cookie: anna })).json.rooms.map((r) => r.room)).toContain(roomName(due, 'plan'));
    const socket = await server.raw(roomName(due, 'plan'), anna);
    const closed = closeCode(socket);
    const stream = await EventStream.open(server.url, anna);
    const seen = stream.events.length;

    // The plan's history checkpoint (server/history.ts) holds its content too.
    await server.app.history.sessions(roomName(due, 'plan'), 'plan');
    await store.saveHistoryCheckpoint({ room: roomName(due, 'plan'), seq: 1, version: 1, at: realNow.toISOString(), data: new Uint8Array([1]) });
    // The family's own access goes too (issue 15): an invitation and the link it made.
    const inviteAt = realNow.toISOString();
    await store.insertInvitation({
      id: 'inv-retention', familyId: due, codeHash: 'h-retention', memberName: 'Mor', relation: 'mor', invitedBy: 'u-anna',
      createdAt: inviteAt, expiresAt: new Date(realNow.getTime() + 86_400_000).toISOString(), usedAt: null, usedBy: null, revokedAt: null, revokedBy: null
    });
    expect((await store.acceptInvitation('h-retention', 'u-maria', inviteAt, 'link-retention')).ok).toBe(true);

    const ran = await post(admin, '/api/admin/retention/run');
    expect(ran.status).toBe(200);
    const result = ran.json as RetentionRunResult;
    expect(result.deleted.map((d) => d.familyId)).toEqual([due]);
    const record = result.deleted[0];
    expect(record).toMatchObject({ familyId: due, teamId: 'gellerup', rule: 'RETENTION_YEARS=5', deletedBy: 'u-admin' });
    expect(record.counts.updates).toBeGreaterThan(0);
    expect(record.counts.archivedUpdates).toBeGreaterThan(0);
    expect(record.counts.consents).toBeGreaterThan(0);
    expect(record.counts.auditEntries).toBeGreaterThan(0);
    expect(record.counts.families).toBe(1);
    expect(record.counts.historyCheckpoints).toBe(1);
    expect(record.counts.familyLinks).toBe(1);
    expect(record.counts.familyInvitations).toBe(1);
    expect(await store.linksOfFamily(due)).toEqual([]);
    expect(await store.noticeKeys(due)).toBeUndefined();
    expect(await closed).toBe(CLOSE_ACCESS_ENDED);
    await waitFor(() => stream.events.length > seen, 2000, 'the access event');
    stream.close();

    // Everything held about the family is gone, in every room.
    expect(await store.familyById(due)).toBeUndefined();
    for (const part of ['plan', 'social', 'school', 'health', 'employment', 'family'] as const) {
      expect(await store.historyUpdates(roomName(due, part as 'plan'))).toEqual([]);
    }
    expect(await store.consentsOfFamily(due)).toEqual([]);
    expect(await store.grantsOfFamily(due)).toEqual([]);
    expect(await store.planSummary(due)).toBeUndefined();
    expect(await store.historyCheckpoint(roomName(due, 'plan'))).toBeUndefined();
    expect(await store.auditOfFamilyActions(due, ['open-read', 'open-write', 'case-closed', 'consent-recorded', 'family-created'], 100)).toEqual([]);
    // The relay still held the room: unloading it writes nothing back.
    await new Promise((r) => setTimeout(r, 500));
    expect(await store.historyUpdates(roomName(due, 'plan'))).toEqual([]);

    // The devices that held it purge it.
    const m = (await server.api<Manifest>('/api/manifest', { cookie: anna })).json;
    expect(m.rooms.some((r) => r.room.startsWith(`f-${due}.`))).toBe(false);
    expect(m.purge).toEqual(expect.arrayContaining([roomName(due, 'plan'), roomName(due, 'social')]));

    // Untouched: the recently closed case and an active one.
    expect((await store.familyById(recent))?.status).toBe('afsluttet');
    expect((await store.historyUpdates(roomName(recent, 'plan'))).length).toBeGreaterThan(0);
    expect((await store.consentsOfFamily(recent)).length).toBeGreaterThan(0);
    expect((await store.familyById(active))?.status).toBe('aktiv');
    expect((await store.historyUpdates(roomName(active, 'plan'))).length).toBeGreaterThan(0);

    // Twice is safe: nothing more is due; the record stays.
    const again = (await post(admin, '/api/admin/retention/run')).json as RetentionRunResult;
    expect(again.deleted).toEqual([]);
    const after = (await server.api<RetentionListing>('/api/admin/retention', { cookie: admin })).json;
    expect(after.due).toEqual([]);
    expect(after.deleted.map((d) => d.familyId)).toEqual([due]);
    expect(after.deleted[0].counts).toEqual(record.counts);
    // The sweep's path: under the lock, nothing to do.
    const swept = await store.exclusive('retention-sweep', () => server.app.retention.run('system'));
    expect(swept.ran && swept.value.deleted).toEqual([]);

    // The leader overview keeps the family's past months and says it was deleted.
    const overviewAfter = (await server.api<Overview>(past, { cookie: eva })).json;
    expect(overviewAfter.totals.deletedFamilies).toBe(1);
    // (A summary may still show a just-closed plan as active: count cases either way.)
    expect(overviewAfter.totals.families + overviewAfter.totals.closedFamilies).toBe(overviewBefore.totals.families + overviewBefore.totals.closedFamilies - 1);
    expect(overviewAfter.totals.trend).toEqual(overviewBefore.totals.trend);
    expect(overviewAfter.totals.levels).toEqual(overviewBefore.totals.levels);
    expect(overviewAfter.totals.outcomes).toEqual(overviewBefore.totals.outcomes);
  });

  it.skipIf(Boolean(process.env.DATABASE_URL))('keeps the deletion record: the database refuses to drop or reopen it', async () => {
    const db = new DatabaseSync(join(server.dataDir, 'familiens-plan.sqlite'));
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      expect(() => db.prepare('DELETE FROM retention_deletions').run()).toThrow(/kept/);
      expect(() => db.prepare(`UPDATE retention_deletions SET state = 'running'`).run()).toThrow(/kept/);
      // Nothing else of another family can be deleted past the triggers.
      expect(() => db.prepare('DELETE FROM consents').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});
