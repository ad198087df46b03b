// Finding 5 of the hardening review: what reaches a leader must not be free
// text or made-up people. A family's skoledistrikt is one of its team's known
// districts (DESIGN §4); a plan's action owners and tovholder count in the
// overview only when they are active workers of the family's team.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAction, setTovholder } from '../../src/lib/domain/plan.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { Overview } from '../../src/lib/shared/overview-types.ts';
import { TestServer, waitFor, latestSeq } from './helpers.ts';

let server: TestServer;
let anna: string;
let eva: string;

beforeAll(async () => {
  server = await TestServer.start();
  anna = await server.login('anna');
  eva = await server.login('eva');
});
afterAll(() => server?.stop());

const create = (body: Record<string, unknown>) => server.api('/api/families', { cookie: anna, body: { name: 'Familien Distrikt', ...body } });

describe('a family’s skoledistrikt', () => {
  it('is offered from the team’s list in /api/me', async () => {
    const me = (await server.api('/api/me', { cookie: anna })).json;
    expect(me.teams).toEqual([{ id: 'gellerup', name: 'Gellerup', districts: expect.arrayContaining(['Gellerup', 'Tovshøj']) }]);
    expect(me.teams[0].districts[0]).toBe('Gellerup');
  });

  it('refuses a district that is not on the team’s list, with a Danish message naming the choices', async () => {
    for (const district of ['=HYPERLINK("http://evil.example")', 'Viby', 'Ukendt distrikt', 42, ['Gellerup']]) {
      const r = await create({ district });
      expect(r.status, JSON.stringify(district)).toBe(400);
      expect(r.json.error).toBe('family_district');
      expect(r.json.message).toMatch(/Skoledistriktet.*Gellerup.*Tovshøj/);
    }
    const families = (await server.app.store.familiesOfTeams(['gellerup'])).filter((f) => f.name === 'Familien Distrikt');
    expect(families).toEqual([]);
  });

  it('takes a district from the list, and the team’s first when none is given', async () => {
    const chosen = await create({ district: ' Tovshøj ' });
    expect(chosen.status).toBe(201);
    expect((await server.app.store.familyById(chosen.json.id))?.district).toBe('Tovshøj');
    const plain = await create({});
    expect(plain.status).toBe(201);
    expect((await server.app.store.familyById(plain.json.id))?.district).toBe('Gellerup');
  });
});

describe('made-up people in a plan', () => {
  it('an action owner or tovholder who is not an active worker of the team never becomes a worker row', async () => {
    const id = (await create({})).json.id;
    const room = roomName(id, 'plan');
    const client = server.provider(room, anna);
    await client.synced();
    const before = (await latestSeq(server.app.store, room));
    // What a crafted client can write into the document: any string as a person.
    addAction(client.doc, { title: 'Falsk', ownerId: 'u-ghost', ownerName: 'Spøgelse', due: '2020-01-01', status: 'aaben', level: 'raad', createdAt: new Date().toISOString(), createdBy: 'u-anna' });
    addAction(client.doc, { title: 'Frida er ikke i teamet', ownerId: 'u-frida', ownerName: 'Frida Krogh', due: '2020-01-01', status: 'aaben', level: 'raad', createdAt: new Date().toISOString(), createdBy: 'u-anna' });
    addAction(client.doc, { title: 'Leder', ownerId: 'u-eva', ownerName: 'Eva', due: '2020-01-01', status: 'aaben', level: 'raad', createdAt: new Date().toISOString(), createdBy: 'u-anna' });
    setTovholder(client.doc, { userId: 'u-fake', name: 'Falsk Tovholder', since: '2026-01-01', note: '' });
    await waitFor(async () => (await latestSeq(server.app.store, room)) >= before + 4, 5000, 'four updates');
    await server.app.summaries.summarise(id);

    const o: Overview = (await server.api('/api/overview?team=gellerup', { cookie: eva })).json;
    const rows = o.teams.flatMap((t) => t.workers.map((w) => w.userId));
    expect(rows).not.toContain('u-ghost');
    expect(rows).not.toContain('u-fake');
    expect(rows).not.toContain('u-eva');
    expect(rows).not.toContain('u-frida');
    expect(rows.every((r) => ['u-anna', 'u-bo', 'u-cecilie', 'u-dennis'].includes(r))).toBe(true);
    // A tovholder who is nobody of the team is no tovholder: the family counts as without one.
    const drill: Overview = (await server.api('/api/overview?team=gellerup&worker=u-fake', { cookie: eva })).json;
    expect((drill as unknown as { error: string }).error).toBe('invalid_worker');
    const stored = JSON.parse((await server.app.store.planSummary(id))!.data);
    expect(stored.tovholder).toBeNull();
    expect(Object.keys(stored.openDue)).toEqual(['']);
    expect(stored.openDue['']).toHaveLength(3);
  });
});
