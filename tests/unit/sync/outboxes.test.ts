// ConsentOutbox and AccessLogOutbox against fake-indexeddb and a fake API.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ConsentOutbox, type ConsentInput } from '../../../src/lib/sync/consent-outbox.svelte.ts';
import { AccessLogOutbox } from '../../../src/lib/sync/access-log-outbox.ts';
import { FamilyOutbox } from '../../../src/lib/sync/family-outbox.svelte.ts';
import type { NewFamilyRequest } from '../../../src/lib/shared/api-types.ts';
import { fakeApi, freshDb, offline, refused } from '../support/sync-fakes.ts';

const input = (): Omit<ConsentInput, 'id'> => ({
  givenBy: 'Mor',
  categories: ['plan'],
  recipients: ['school'],
  purpose: 'Samarbejde',
  validFrom: '2026-06-15T10:00:00.000Z',
  validUntil: '2027-06-15T00:00:00.000Z',
  method: 'paper',
  signature: null,
  reference: 'J.nr. 1',
  renewsId: null
});

describe('ConsentOutbox', () => {
  it('sends straight away when the server answers, naming the consent, and asks for a sweep', async () => {
    const db = freshDb();
    const api = fakeApi({ '/api/families/fam-1/consents': (body) => ({ ...(body as object), familyId: 'fam-1' }) });
    let accepted = 0;
    const box = new ConsentOutbox({ db: () => db, api: api.call, browserOnline: () => true, onAccepted: () => accepted++, newId: () => 'id-1' });
    const r = await box.submit('fam-1', input());
    expect(r.state).toBe('accepted');
    expect((api.calls[0].body as ConsentInput).id).toBe('id-1');
    expect(accepted).toBe(1);
    expect(await db.consentOutbox.count()).toBe(0);
  });

  it('queues offline, sends the same id at the next flush, and keeps a refusal with its reason', async () => {
    const db = freshDb();
    let answer: 'offline' | 'ok' | 'refuse' = 'offline';
    const api = fakeApi({
      '/api/families/fam-1/consents': (body) => {
        if (answer === 'offline') throw offline();
        if (answer === 'refuse') throw refused(400, 'Datoen er ugyldig');
        return body;
      }
    });
    let n = 0;
    const box = new ConsentOutbox({ db: () => db, api: api.call, browserOnline: () => true, onAccepted: () => {}, newId: () => `id-${++n}` });
    expect((await box.submit('fam-1', input())).state).toBe('afventer');
    expect(box.pending).toBe(1);
    await box.flush(); // still offline: stays
    expect(box.pending).toBe(1);
    answer = 'ok';
    await box.flush();
    expect(box.pending).toBe(0);
    expect(api.calls.map((c) => (c.body as ConsentInput).id)).toEqual(['id-1', 'id-1', 'id-1']);

    answer = 'offline';
    await box.submit('fam-1', input());
    answer = 'refuse';
    await box.flush();
    const [row] = await box.queued('fam-1');
    expect(row).toMatchObject({ state: 'afvist', error: 'Datoen er ugyldig' });
    expect(box.pending).toBe(0);
    await box.discard(row.localId as number);
    expect(await box.queued('fam-1')).toEqual([]);
  });

  it('without the browser online flag it does not try; reset zeroes the count', async () => {
    const db = freshDb();
    const api = fakeApi({});
    const box = new ConsentOutbox({ db: () => db, api: api.call, browserOnline: () => false, onAccepted: () => {} });
    expect((await box.submit('fam-1', input())).state).toBe('afventer');
    expect(api.calls).toEqual([]);
    box.reset();
    expect(box.pending).toBe(0);
  });
});

describe('FamilyOutbox', () => {
  const family = (id: string): NewFamilyRequest => ({
    id,
    name: 'Familien Offline',
    teamId: 'gellerup',
    members: [
      { kind: 'child', name: 'Emma', relation: 'barn', birthYear: '2015' },
      { kind: 'child', name: 'Oliver', relation: 'barn', birthYear: '2019' }
    ]
  });

  it('opens at once when the server answers, and asks for a sweep', async () => {
    const db = freshDb();
    const api = fakeApi({ '/api/families': (body) => ({ id: (body as NewFamilyRequest).id }) });
    let created = 0;
    const box = new FamilyOutbox({ db: () => db, api: api.call, browserOnline: () => true, onCreated: () => created++ });
    expect(await box.open(family('fam-online-1'))).toEqual({ state: 'created', id: 'fam-online-1' });
    expect(created).toBe(1);
    expect(await db.familyOutbox.count()).toBe(0);
  });

  it('keeps an opening without connection sealed on the device, sends it with the same id, and keeps a refusal', async () => {
    const db = freshDb();
    let answer: 'offline' | 'ok' | 'refuse' = 'offline';
    const api = fakeApi({
      '/api/families': (body) => {
        if (answer === 'offline') throw offline();
        if (answer === 'refuse') throw refused(403, 'Dit fagområde kan ikke oprette nye sager.');
        return { id: (body as NewFamilyRequest).id };
      }
    });
    let created = 0;
    const box = new FamilyOutbox({ db: () => db, api: api.call, browserOnline: () => true, onCreated: () => created++ });
    expect(await box.open(family('fam-offline-1'))).toEqual({ state: 'afventer', id: 'fam-offline-1' });
    expect(box.pending).toBe(1);
    expect(box.stored).toBe(1);
    // What the family is called and who is in it is sealed at rest.
    const stored = await db.familyOutbox.get('fam-offline-1');
    expect(JSON.stringify(stored)).not.toMatch(/Offline|Emma/);
    expect((await box.list()).map((r) => r.payload.members.length)).toEqual([2]);
    await box.flush(); // still offline: stays
    expect(box.pending).toBe(1);
    answer = 'ok';
    expect(await box.flush()).toBe(1);
    expect(box.pending).toBe(0);
    expect(box.stored).toBe(0);
    expect(created).toBe(1);
    expect(api.calls.map((c) => (c.body as NewFamilyRequest).id)).toEqual(['fam-offline-1', 'fam-offline-1', 'fam-offline-1']);

    answer = 'offline';
    await box.open(family('fam-offline-2'));
    answer = 'refuse';
    await box.flush();
    const [row] = await box.list();
    expect(row).toMatchObject({ id: 'fam-offline-2', state: 'afvist', error: 'Dit fagområde kan ikke oprette nye sager.' });
    expect(box.pending).toBe(0);
    // Not waiting, but still on the device until the worker has seen why: the caseload loads its list for it.
    expect(box.stored).toBe(1);
    await box.discard('fam-offline-2');
    expect(await box.list()).toEqual([]);
    expect(box.stored).toBe(0);
  });

  it('a refusal while online is the form’s to show: nothing is queued', async () => {
    const db = freshDb();
    const api = fakeApi({ '/api/families': () => { throw refused(400, 'Familiens navn skal være 2–120 tegn.'); } });
    const box = new FamilyOutbox({ db: () => db, api: api.call, browserOnline: () => true, onCreated: () => {} });
    await expect(box.open(family('fam-bad-1'))).rejects.toThrow('Familiens navn');
    expect(await db.familyOutbox.count()).toBe(0);
  });
});

describe('AccessLogOutbox', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ at: `2026-06-15T10:00:${String(i).padStart(2, '0')}.000Z`, room: `f-fam-${String(i).padStart(4, '0')}.plan` }));

  it('uploads in batches and deletes what the server took', async () => {
    const db = freshDb();
    const api = fakeApi({ '/api/access-log': () => ({}) });
    const log = new AccessLogOutbox({ api: api.call, deviceId: () => 'dev-1', batch: 2 });
    for (const r of rows(5)) await log.record(db, r);
    await log.upload(db);
    expect(api.calls.map((c) => (c.body as { entries: unknown[] }).entries.length)).toEqual([2, 2, 1]);
    expect((api.calls[0].body as { deviceId: string }).deviceId).toBe('dev-1');
    expect(await db.accessOutbox.count()).toBe(0);
  });

  it('a refused batch is sent one by one: only the refused opening is dropped; offline keeps everything', async () => {
    const db = freshDb();
    const bad = 'f-fam-0001.plan';
    let down = true;
    const api = fakeApi({
      '/api/access-log': (body) => {
        if (down) throw offline();
        if ((body as { entries: { room: string }[] }).entries.some((e) => e.room === bad)) throw refused(400);
        return {};
      }
    });
    const log = new AccessLogOutbox({ api: api.call, deviceId: () => 'dev-1' });
    for (const r of rows(3)) await log.record(db, r);
    await log.upload(db);
    expect(await db.accessOutbox.count()).toBe(3);
    down = false;
    await log.upload(db);
    expect(await db.accessOutbox.count()).toBe(0);
    expect(api.calls.length).toBe(1 + 1 + 3);
  });
});
