// GET /api/families/:id/history and /history/as-of: the plan's and journals'
// history from the stored updates (archived across compaction), readable by
// whoever may read the room and by nobody else (404, as for a family that
// does not exist).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { addGoal, readGoals, removeItem, updateItem } from '../../src/lib/domain/plan.ts';
import { addEntry } from '../../src/lib/domain/journal.ts';
import { filterHistory, type HistoryResponse, type HistorySession } from '../../src/lib/domain/history.ts';
import { HistoryService } from '../../server/history.ts';
import { latestSeq, sameState, TestServer, updateCount, waitFor } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};
let familyId: string;
let goalId: string;
/** The server's clock: a later session of work is more than ten minutes later. */
let clock = Date.now();

const changesOf = (sessions: HistorySession[]) => sessions.flatMap((s) => s.changes.map((c) => ({ author: s.author, ...c })));

beforeAll(async () => {
  // Compaction after a handful of updates: the history must outlive it.
  server = await TestServer.start({ relay: { compactAfterUpdates: 3 }, now: () => new Date(clock) });
  for (const u of ['anna', 'bo', 'cecilie', 'frida']) cookies[u] = await server.login(u);
  familyId = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Historik' } })).json.id;
  // Health may read the social journal (a read-only consent reader); nobody else outside social.
  const c = await server.api(`/api/families/${familyId}/consents`, {
    cookie: cookies.anna,
    body: { givenBy: 'Mor', categories: ['social'], recipients: ['health'], purpose: 'Samarbejde', method: 'paper', reference: 'J.nr. 7' }
  });
  expect(c.status).toBe(201);

  const plan = roomName(familyId, 'plan');
  const p = server.provider(plan, cookies.anna);
  await p.synced();
  goalId = addGoal(p.doc, { title: 'Fast fremmøde', hopeId: null, targetDate: '2026-06-01', createdAt: new Date().toISOString() });
  updateItem(p.doc, 'goals', goalId, { targetDate: '2026-07-01' });
  addGoal(p.doc, { title: 'Ro om aftenen', hopeId: null, targetDate: null, createdAt: new Date().toISOString() });
  removeItem(p.doc, 'goals', goalId);
  await waitFor(async () => (await latestSeq(server.app.store, plan)) >= 5, 5000, 'plan updates');
  const social = server.provider(roomName(familyId, 'social'), cookies.anna);
  await social.synced();
  addEntry(social.doc, { date: '2026-03-02', kind: 'samtale', text: 'Samtale med mor', authorId: 'u-anna', authorName: 'Anna', createdAt: new Date().toISOString() });
  await waitFor(async () => (await latestSeq(server.app.store, roomName(familyId, 'social'))) >= 1, 5000, 'journal entry');
  // Unloading the room compacts what is left.
  p.destroy();
  social.destroy();
  await waitFor(async () => (await updateCount(server.app.store, plan)) <= 2, 10_000, 'plan compacted');
});
afterAll(() => server?.stop());

describe('plan history', () => {
  it('lists who changed what, across compaction, newest first, with names', async () => {
    expect((await server.app.store.loadUpdates(roomName(familyId, 'plan')))[0]).toBeDefined();
    const r = await server.api<HistoryResponse>(`/api/families/${familyId}/history`, { cookie: cookies.anna });
    expect(r.status).toBe(200);
    expect(r.json.people['u-anna']).toMatch(/Anna/);
    const all = changesOf([...r.json.sessions].reverse());
    // One session of work by anna: the goal she added and deleted again within it is not there; the other is.
    // Opening the case made her tovholder (issue 14), in the same session.
    expect(all.map((c) => [c.author, c.kind, c.section, c.label]).sort()).toEqual([
      ['u-anna', 'added', 'goals', 'Ro om aftenen'],
      ['u-anna', 'changed', 'tovholder', '']
    ]);
  });

  it('keeps a deletion with what it deleted when it came in a later session', async () => {
    const plan = roomName(familyId, 'plan');
    const p = server.provider(plan, cookies.anna);
    await p.synced();
    const [goal] = readGoals(p.doc);
    clock += 3_600_000;
    const before = await latestSeq(server.app.store, plan);
    removeItem(p.doc, 'goals', goal.id);
    await waitFor(async () => (await latestSeq(server.app.store, plan)) > before, 5000, 'deletion stored');
    p.destroy();
    const r = await server.api<HistoryResponse>(`/api/families/${familyId}/history?section=goals`, { cookie: cookies.anna });
    const removed = changesOf(r.json.sessions).find((c) => c.kind === 'removed');
    expect(removed).toMatchObject({ author: 'u-anna', section: 'goals', label: 'Ro om aftenen', item: { id: goal.id, title: 'Ro om aftenen' } });
    // Filters: a person with no changes, a section with none.
    expect((await server.api<HistoryResponse>(`/api/families/${familyId}/history?user=u-bo`, { cookie: cookies.anna })).json.sessions).toEqual([]);
    expect((await server.api<HistoryResponse>(`/api/families/${familyId}/history?section=meetings`, { cookie: cookies.anna })).json.sessions).toEqual([]);
  });

  it('gives the plan as it was at a time', async () => {
    const created = (await server.app.store.historyUpdates(roomName(familyId, 'plan')))[0].at;
    const r = await server.api(`/api/families/${familyId}/history/as-of?at=${encodeURIComponent(created)}`, { cookie: cookies.anna });
    expect(r.status).toBe(200);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Buffer.from(r.json.update, 'base64'));
    // Before the deletion an hour later: the goal is there.
    expect(readGoals(doc).map((g) => g.title)).toEqual(['Ro om aftenen']);
    expect(doc.getMap('meta').get('name')).toBe('Familien Historik');
    const earlier = await server.api(`/api/families/${familyId}/history/as-of?at=2000-01-01T00:00:00Z`, { cookie: cookies.anna });
    expect(earlier.json.update).toBe(Buffer.from(Y.encodeStateAsUpdate(new Y.Doc())).toString('base64'));
    const bad = await server.api(`/api/families/${familyId}/history/as-of?at=i-går`, { cookie: cookies.anna });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'history_at', message: expect.stringMatching(/ISO/) });
  });

  it('refuses bad filters with a clear message', async () => {
    for (const [q, code] of [
      ['part=family', 'history_part'],
      ['part=x', 'history_part'],
      ['section=nope', 'history_section'],
      [`user=${'x'.repeat(101)}`, 'history_user'],
      ['limit=0', 'history_limit'],
      ['limit=-3', 'history_limit'],
      ['limit=2.5', 'history_limit'],
      ['limit=abc', 'history_limit'],
      ['limit=', 'history_limit'],
      ['limit=10001', 'history_limit'],
      ['limit=99999999999999999999', 'history_limit']
    ]) {
      const r = await server.api(`/api/families/${familyId}/history?${q}`, { cookie: cookies.anna });
      expect([q, r.status, r.json.error]).toEqual([q, 400, code]);
      expect(r.json.message).toMatch(/\S/);
    }
  });

  it('gives only the newest sessions when asked for a limit', async () => {
    const all = await server.api<HistoryResponse>(`/api/families/${familyId}/history`, { cookie: cookies.anna });
    expect(all.json.sessions.length).toBeGreaterThan(1);
    const one = await server.api<HistoryResponse>(`/api/families/${familyId}/history?limit=1`, { cookie: cookies.anna });
    expect(one.status).toBe(200);
    expect(one.json.sessions).toEqual(all.json.sessions.slice(0, 1));
    expect(one.json.seq).toBe(all.json.seq);
    const many = await server.api<HistoryResponse>(`/api/families/${familyId}/history?limit=10000`, { cookie: cookies.anna });
    expect(many.json.sessions).toEqual(all.json.sessions);
  });
});

describe('history checkpoints', () => {
  /** A plan of `n` stored updates by anna, an hour apart (each its own session), written straight into the store. */
  async function longPlan(name: string, n: number): Promise<string> {
    const id = (await server.api('/api/families', { cookie: cookies.anna, body: { name } })).json.id as string;
    const room = roomName(id, 'plan');
    const doc = new Y.Doc();
    for (const u of await server.app.store.historyUpdates(room)) Y.applyUpdate(doc, u.data);
    const rows: { room: string; author: string; at: string; data: Uint8Array }[] = [];
    let at = Date.parse('2025-01-06T09:00:00Z');
    doc.on('update', (data: Uint8Array) => rows.push({ room, author: 'u-anna', at: new Date((at += 3_600_000)).toISOString(), data }));
    const goal = addGoal(doc, { title: 'Fast fremmøde', hopeId: null, targetDate: null, createdAt: new Date(at).toISOString() });
    for (let i = 0; rows.length < n; i++) updateItem(doc, 'goals', goal, { title: `Fast fremmøde ${i}` });
    await server.app.store.appendUpdates(rows);
    return id;
  }

  it('writes a checkpoint after a long first replay; a service started afresh restores it and reads only what came after', async () => {
    const id = await longPlan('Familien Lang', 150);
    const room = roomName(id, 'plan');
    const r = await server.api<HistoryResponse>(`/api/families/${id}/history`, { cookie: cookies.anna });
    expect(r.json.sessions.length).toBeGreaterThan(100);
    await server.app.history.idle();
    const cp = await server.app.store.historyCheckpoint(room);
    expect(cp?.seq).toBe(r.json.seq);
    const reads: number[] = [];
    const store = server.app.store;
    const fresh = new HistoryService({
      store: {
        historyCheckpoint: (room) => store.historyCheckpoint(room),
        saveHistoryCheckpoint: (row) => store.saveHistoryCheckpoint(row),
        staleHistoryCheckpoints: (...a) => store.staleHistoryCheckpoints(...a),
        historyUpdates: (room, after) => (reads.push(after ?? 0), store.historyUpdates(room, after))
      }
    });
    const again = await fresh.sessions(room, 'plan');
    expect(reads).toEqual([cp!.seq]);
    expect(filterHistory(again.sessions, {})).toEqual(r.json.sessions);
  });

  it('the sweep checkpoints a plan whose log grew, before anyone asks for its history', async () => {
    const id = await longPlan('Familien Fejet', 130);
    const room = roomName(id, 'plan');
    expect(await server.app.store.historyCheckpoint(room)).toBeUndefined();
    await server.app.history.sweep();
    expect((await server.app.store.historyCheckpoint(room))?.seq).toBe(await latestSeq(server.app.store, room));
  });
});

describe('concurrent writes to one field', () => {
  // Yjs keeps the write of the higher client id; the other is integrated already
  // deleted. Both orders: the offline write that lost must still be anna's change.
  for (const annaLoses of [true, false]) {
    it(`lists both authors' due-date changes when anna's offline write ${annaLoses ? 'lost' : 'won'}`, async () => {
      clock += 3_600_000;
      const id = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Samtidig' } })).json.id;
      const c = await server.api(`/api/families/${id}/consents`, {
        cookie: cookies.anna,
        body: { givenBy: 'Mor', categories: ['plan'], recipients: ['school'], purpose: 'Samarbejde', method: 'paper', reference: 'J.nr. 8' }
      });
      expect(c.status).toBe(201);
      const plan = roomName(id, 'plan');
      const annaDoc = new Y.Doc();
      const boDoc = new Y.Doc();
      annaDoc.clientID = annaLoses ? 1 : 2 ** 31;
      boDoc.clientID = annaLoses ? 2 ** 31 : 1;
      const anna = server.provider(plan, cookies.anna, { doc: annaDoc });
      await anna.synced();
      const goal = addGoal(anna.doc, { title: 'Fast fremmøde', hopeId: null, targetDate: '2026-06-01', createdAt: new Date().toISOString() });
      await waitFor(async () => (await latestSeq(server.app.store, plan)) >= 2, 5000, 'goal stored');
      const bo = server.provider(plan, cookies.bo, { doc: boDoc });
      await bo.synced();
      await waitFor(() => readGoals(bo.doc).length === 1, 5000, 'bo to hold the goal');
      clock += 3_600_000;
      anna.provider.disconnect();
      updateItem(anna.doc, 'goals', goal, { targetDate: '2026-08-01' });
      const before = await latestSeq(server.app.store, plan);
      updateItem(bo.doc, 'goals', goal, { targetDate: '2026-09-01' });
      await waitFor(async () => (await latestSeq(server.app.store, plan)) > before, 5000, 'bo’s change stored');
      clock += 60_000;
      anna.provider.connect();
      await waitFor(() => sameState(anna.doc, bo.doc), 5000, 'anna and bo to converge');
      const kept = annaLoses ? '2026-09-01' : '2026-08-01';
      expect(readGoals(anna.doc)[0].targetDate).toBe(kept);
      const r = await server.api<HistoryResponse>(`/api/families/${id}/history?section=goals`, { cookie: cookies.anna });
      const changes = changesOf([...r.json.sessions].reverse()).filter((ch) => ch.kind === 'changed');
      expect(changes).toEqual([
        // bo's write was the plan's value until anna's arrived: a later change, not an overridden one.
        expect.objectContaining({ author: 'u-bo', field: 'targetDate', from: '2026-06-01', to: '2026-09-01' }),
        expect.objectContaining({ author: 'u-anna', field: 'targetDate', from: '2026-06-01', to: '2026-08-01', ...(annaLoses ? { overridden: true } : {}) })
      ]);
      anna.destroy();
      bo.destroy();
    });
  }
});

describe('who may read the history', () => {
  it('follows the room’s access: 404 for another team, for a sector without access, and without a session 401', async () => {
    for (const [who, path] of [
      ['frida', 'history'],
      ['frida', 'history/as-of?at=2026-01-01T00:00:00Z'],
      ['bo', 'history'],
      ['bo', 'history?part=social'],
      ['cecilie', 'history'],
      ['cecilie', 'history?part=school']
    ]) {
      const r = await server.api(`/api/families/${familyId}/${path}`, { cookie: cookies[who] });
      expect([who, path, r.status, r.json.error]).toEqual([who, path, 404, 'not_found']);
    }
    expect((await server.api(`/api/families/not-a-family/history`, { cookie: cookies.anna })).status).toBe(404);
    expect((await server.api(`/api/families/${familyId}/history`)).status).toBe(401);
  });

  it('lets a consent reader (read access) see a journal’s history', async () => {
    const r = await server.api<HistoryResponse>(`/api/families/${familyId}/history?part=social`, { cookie: cookies.cecilie });
    expect(r.status).toBe(200);
    expect(changesOf(r.json.sessions).map((c) => [c.author, c.kind, c.section, c.label])).toEqual([['u-anna', 'added', 'entries', 'samtale 2026-03-02']]);
  });
});
