// GET /api/families/:id/access-log: who opened or changed which part of the
// family's data and when — the relay's openings, background copies, refused
// attempts, the devices' uploaded offline openings and every accepted update
// (from update_authors), summarised per person, part, kind and day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AccessLogEntry } from '../../src/lib/shared/api-types.ts';
import { parseRoom, roomName } from '../../src/lib/shared/rooms.ts';
import { addEntry } from '../../src/lib/domain/journal.ts';
import { barrier, closeCode, TestServer, updateMessage, upgradeStatus, waitFor, latestSeq } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};
let familyId: string;
let consentId: string;
let entries: AccessLogEntry[];
let offlineAt: string;

const line = (userId: string, action: string, part: string | null) =>
  entries.filter((e) => e.userId === userId && e.action === action && e.part === part);

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'cecilie', 'dennis']) cookies[u] = await server.login(u);
  familyId = (await server.api('/api/families', { cookie: cookies.anna, body: { name: 'Familien Log' } })).json.id;
  const c = await server.api(`/api/families/${familyId}/consents`, {
    cookie: cookies.anna,
    body: { givenBy: 'Mor', categories: ['plan', 'health'], recipients: ['health', 'school'], purpose: 'Samarbejde', method: 'paper', reference: 'J.nr. 1' }
  });
  consentId = c.json.id;
  const plan = roomName(familyId, 'plan');
  const health = roomName(familyId, 'health');

  // cecilie opens the plan on screen and makes five edits; then writes one journal entry.
  const cp = server.provider(plan, cookies.cecilie);
  await cp.synced();
  for (let i = 0; i < 5; i++) cp.doc.getMap('probe').set(`k${i}`, i);
  await waitFor(async () => (await latestSeq(server.app.store, plan)) >= 6, 5000, 'five plan updates');
  const ch = server.provider(health, cookies.cecilie);
  await ch.synced();
  addEntry(ch.doc, { date: '2025-05-01', kind: 'note', text: 'Besøg', authorId: 'u-cecilie', authorName: 'Cecilie Dam', createdAt: new Date().toISOString() });
  await waitFor(async () => (await latestSeq(server.app.store, health)) >= 1, 5000, 'journal entry');

  // bo's device copies the plan in the background; bo reads the health journal and tries to write it.
  const bp = server.provider(plan, cookies.bo, { params: { sync: '1' } });
  await bp.synced();
  const bh = await server.raw(health, cookies.bo);
  const sneaky = new Y.Doc();
  sneaky.getMap('entries').set('x', new Y.Map());
  bh.send(updateMessage(Y.encodeStateAsUpdate(sneaky)));
  expect(await barrier(bh)).toBe(true);

  // dennis (employment) is refused; bo's tablet uploads an opening made offline.
  expect(await upgradeStatus(server.url, `/sync/${plan}`, { cookie: cookies.dennis, origin: server.url })).toBe(403);
  // An opening bo could make: after the consent gave school the plan (the server checks the access at that time).
  offlineAt = new Date(Date.parse(c.json.validFrom) + 1).toISOString();
  const up = await server.api('/api/access-log', { cookie: cookies.bo, body: { deviceId: 'tablet-bo', entries: [{ at: offlineAt, room: plan, action: 'open-offline' }] } });
  expect(up.json).toEqual({ accepted: 1 });

  // anna withdraws: cecilie's plan socket ends.
  const ended = closeCode(cp.ws());
  await server.api(`/api/families/${familyId}/consents/${consentId}/revoke`, { cookie: cookies.anna, body: {} });
  expect(await ended).toBe(4403);

  const r = await server.api(`/api/families/${familyId}/access-log`, { cookie: cookies.anna });
  expect(r.status).toBe(200);
  entries = r.json.entries;
});
afterAll(() => server?.stop());

describe('the family’s access log', () => {
  it('summarises changes per person, part and day instead of one line per update', () => {
    expect(line('u-cecilie', 'change', 'plan')).toEqual([expect.objectContaining({ count: 5, userName: 'Cecilie Dam', userSector: 'health', room: roomName(familyId, 'plan') })]);
    expect(line('u-cecilie', 'change', 'health')).toEqual([expect.objectContaining({ count: 1 })]);
    // The plan's first version, written when anna created the family.
    expect(line('u-anna', 'change', 'plan')).toEqual([expect.objectContaining({ count: 1 })]);
    const [c] = line('u-cecilie', 'change', 'plan');
    expect(c.firstAt <= c.at).toBe(true);
    expect(c.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('tells openings on screen from background copies, and shows refused attempts', () => {
    expect(line('u-cecilie', 'open', 'plan')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(line('u-cecilie', 'open', 'health')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(line('u-bo', 'sync', 'plan')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(line('u-bo', 'open', 'plan')).toEqual([]);
    expect(line('u-bo', 'open', 'health')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(line('u-bo', 'change-refused', 'health')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(line('u-bo', 'change', 'health')).toEqual([]);
    expect(line('u-dennis', 'open-refused', 'plan')).toEqual([expect.objectContaining({ userName: 'Dennis Vang', userSector: 'employment' })]);
  });

  it('includes the opening made offline, with the device’s time', () => {
    const [o] = line('u-bo', 'open-offline', 'plan');
    expect(o).toMatchObject({ count: 1, userName: 'Bo Lindqvist' });
    expect(o.at).toBe(offlineAt);
  });

  it('records the consent events and the access they ended', () => {
    expect(line('u-anna', 'family-created', null)).toHaveLength(1);
    expect(line('u-anna', 'consent-recorded', null)).toHaveLength(1);
    expect(line('u-anna', 'consent-revoked', null)).toHaveLength(1);
    expect(line('u-cecilie', 'access-ended', 'plan')).toHaveLength(1);
  });

  it('is newest first and never shows logins or other families', () => {
    const times = entries.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(entries.every((e) => !e.room || parseRoom(e.room)?.familyId === familyId)).toBe(true);
    expect(entries.some((e) => (e.action as string) === 'login')).toBe(false);
  });

  it('does not present the demo seed’s imported history as a person’s changes', async () => {
    const r = await server.api(`/api/families/${server.family('gel-02')}/access-log`, { cookie: cookies.anna });
    expect(r.status).toBe(200);
    expect(r.json.entries.some((e: AccessLogEntry) => e.userId === 'seed')).toBe(false);
  });
});
