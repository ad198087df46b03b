// Insight (aktindsigt, GDPR art. 15; issue #14): GET /api/families/:id/insight
// assembles everything held about a family from what the requester may see —
// the plan, journals only where the one access function says so, consents,
// the access log, the plan's history, the case's events — and audits it. The
// reporter of an underretning is given to the social sector only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { Insight, Manifest } from '../../src/lib/shared/api-types.ts';
import { TestServer } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'frida', 'eva', 'admin']) cookies[u] = await server.login(u);
});
afterAll(() => server?.stop());

const insight = (who: string, familyId: string) => server.api<Insight>(`/api/families/${familyId}/insight`, { cookie: cookies[who] });

describe('insight export', () => {
  it('gives the case-owning social worker everything, with the underretning reporter, and audits it', async () => {
    const familyId = server.family('gel-07'); // opened by social; consent plan + social -> school, health, employment
    const entry = (await insight('anna', familyId)).json.journals.find((j) => j.sector === 'social')!.entries.find((e) => e.kind === 'underretning')!;
    expect(entry).toBeDefined();
    const put = await server.api(`/api/families/${familyId}/underretninger/${entry.id}`, { cookie: cookies.anna, method: 'PUT', body: { reporter: 'Klasselærer Jens' } });
    expect(put.status).toBe(200);
    await server.api(`/api/families/${familyId}/close`, { cookie: cookies.anna, method: 'POST', body: { reason: 'Forløbet er slut' } });

    const r = await insight('anna', familyId);
    expect(r.status).toBe(200);
    const x = r.json;
    expect(x.family).toMatchObject({ id: familyId, name: expect.stringMatching(/^Familien /), teamName: 'Gellerup', status: 'afsluttet', openedBySector: 'social' });
    expect(x.requester).toMatchObject({ id: 'u-anna', name: 'Anna Holm', sector: 'social' });
    expect(x.plan.meta.name).toBe(x.family.name);
    expect(x.plan.goals.length + x.plan.actions.length + x.plan.hopes.length).toBeGreaterThan(0);
    expect(x.journals.map((j) => j.sector)).toContain('social');
    expect(x.journals.find((j) => j.sector === 'social')!.entries.find((e) => e.id === entry.id)?.reporter).toBe('Klasselærer Jens');
    expect(x.consents.length).toBeGreaterThan(0);
    expect(x.consents[0].recordedByName).not.toBe('');
    expect(x.accessLog.length).toBeGreaterThan(0);
    expect(x.history.length).toBeGreaterThan(0);
    expect(x.caseEvents.map((e) => e.action)).toContain('case-closed');
    // Audited: who exported which family, and which journals went with it.
    const audit = await server.app.store.auditOfFamilyActions(familyId, ['insight-exported'], 10);
    expect(audit[0]).toMatchObject({ userId: 'u-anna', familyId, action: 'insight-exported' });
    expect(audit[0].detail).toContain('social');

    // The file to save.
    const file = await fetch(`${server.url}/api/families/${familyId}/insight?download=1`, { headers: { cookie: cookies.anna } });
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="aktindsigt-${familyId}.json"`);
    expect(((await file.json()) as Insight).family.id).toBe(familyId);
  });

  it('gives a worker of another sector the journals their consent covers, never the reporter, and says what is left out', async () => {
    const familyId = server.family('gel-07');
    const r = await insight('bo', familyId);
    expect(r.status).toBe(200);
    const readable = new Set((await server.api<Manifest>('/api/manifest', { cookie: cookies.bo })).json.rooms.map((m) => m.room));
    for (const j of r.json.journals) expect(readable.has(roomName(familyId, j.sector))).toBe(true);
    for (const s of r.json.withheldJournals) expect(readable.has(roomName(familyId, s))).toBe(false);
    const social = r.json.journals.find((j) => j.sector === 'social');
    expect(social).toBeDefined();
    for (const e of social!.entries) expect(e.reporter).toBeUndefined();
    expect(JSON.stringify(r.json)).not.toContain('Jens');
    // The access log covers only what the export covers.
    for (const e of r.json.accessLog) expect(e.part === null || e.part === 'plan' || r.json.journals.some((j) => j.sector === e.part)).toBe(true);
  });

  it('gives no journal without access, and nothing at all without access to the plan', async () => {
    // A Gellerup family whose plan bo may not open (no consent for school).
    const ids = (await server.app.store.familiesOfTeams(['gellerup'])).map((f) => f.id);
    const bosRooms = new Set((await server.api<Manifest>('/api/manifest', { cookie: cookies.bo })).json.rooms.map((m) => m.room));
    const hidden = ids.find((id) => !bosRooms.has(roomName(id, 'plan')));
    expect(hidden).toBeDefined();
    expect((await insight('bo', hidden!)).status).toBe(404);
    // Anna's own sector only, when no consent shares the others' journals with her.
    const annas = await insight('anna', hidden!);
    const annasRooms = new Set((await server.api<Manifest>('/api/manifest', { cookie: cookies.anna })).json.rooms.map((m) => m.room));
    if (annas.status === 200) for (const j of annas.json.journals) expect(annasRooms.has(roomName(hidden!, j.sector))).toBe(true);

    const familyId = server.family('gel-07');
    for (const who of ['frida', 'eva', 'admin']) {
      const r = await insight(who, familyId);
      expect(r.status, who).toBe(404);
      expect((r.json as unknown as { error: string }).error).toBe('not_found');
    }
    expect((await insight('anna', 'NOT A FAMILY')).status).toBe(404);
    expect((await server.api(`/api/families/${familyId}/insight`)).status).toBe(401);
  });
});
