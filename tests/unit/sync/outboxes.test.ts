// ConsentOutbox and AccessLogOutbox against fake-indexeddb and a fake API.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ConsentOutbox, type ConsentInput } from '../../../src/lib/sync/consent-outbox.svelte.ts';
import { AccessLogOutbox } from '../../../src/lib/sync/access-log-outbox.ts';
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
