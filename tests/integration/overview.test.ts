// GET /api/overview against a real app on port 0 with the demo seed: leader
// only, both teams' figures checked against the seeded plans read directly,
// filters and their validation, the drill-down's opaque references, no family
// content in any response, summaries that follow live edits (debounced) and
// that catch up at start on plans written straight to the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createApp, type App } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { listen, type Running } from '../../server/http.ts';
import { openStore } from '../../server/store/index.ts';
import { dropSchema, testSchemaFor } from '../../server/store/testing.ts';
import {
  addAction,
  readActions,
  readFeedback,
  readGoals,
  readHopes,
  readMeetings,
  readMembers,
  readNetwork,
  readTovholder,
  setTovholder
} from '../../src/lib/domain/plan.ts';
import { copenhagenDay } from '../../src/lib/domain/summary.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import type { Overview } from '../../src/lib/shared/overview-types.ts';
import type { ApiError } from '../../src/lib/shared/api-types.ts';
import { api, appendOne, Clients, docFromUpdates, login } from './helpers.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fp-overview-'));
let app: App;
let running: Running;
let url: string;
const clients = new Clients();
let eva: string;

// With DATABASE_URL, on PostgreSQL in a schema of this file's own.
const databaseUrl = process.env.DATABASE_URL || null;
const databaseSchema = testSchemaFor(dataDir);
let familyIds: string[] = [];

async function start() {
  const config = { ...loadConfig({}, { port: 0, demo: true }), dataDir, databaseUrl };
  app = await createApp(config, { summaryDebounceMs: 50, databaseSchema });
  familyIds = (await app.store.familiesOfTeams(['gellerup', 'viby'])).map((f) => f.id);
  running = await listen(app, null, 0);
  url = running.url;
  await app.summaries.idle();
}

/** Closes the clients, the server and the app (listen's close closes the app). */
async function stop() {
  clients.closeAll();
  await running.close();
}

/** The id of the seeded family whose id starts with `prefix` (e.g. `gel-07`). */
function family(prefix: string): string {
  const found = familyIds.filter((id) => id.startsWith(`${prefix}-`));
  if (found.length !== 1) throw new Error(`no single seeded family ${prefix}-*`);
  return found[0];
}

const overview = async (query = '', cookie = eva) => {
  const r = await api<Overview>(url, `/api/overview${query}`, { cookie });
  return r;
};

/** Every piece of family content the seed wrote: names, ids and every text in the plans. */
async function familyContent(store: App['store']): Promise<string[]> {
  const families = await store.familiesOfTeams((await store.listTeams()).map((t) => t.id));
  const out = new Set<string>();
  for (const f of families) {
    out.add(f.name);
    out.add(f.id);
    const doc = docFromUpdates((await store.loadUpdates(roomName(f.id, 'plan'))));
    for (const h of readHopes(doc)) out.add(h.text);
    for (const g of readGoals(doc)) out.add(g.title);
    for (const a of readActions(doc)) out.add(a.title);
    for (const m of readMeetings(doc)) {
      out.add(m.title);
      for (const d of m.decisions) out.add(d.text);
    }
    for (const fb of readFeedback(doc)) out.add(fb.comment);
    for (const m of readMembers(doc)) if (m.name.length > 3) out.add(m.name);
    for (const n of readNetwork(doc)) {
      out.add(n.name);
      out.add(n.contact);
    }
    const notes = doc.getMap('meetings');
    for (const m of notes.values()) {
      const t = (m as Y.Map<unknown>).get('notes');
      if (t instanceof Y.Text && t.length > 0) out.add(t.toString());
    }
  }
  out.delete('');
  return [...out];
}

beforeAll(async () => {
  await start();
  eva = await login(url, 'eva');
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropSchema(databaseUrl, databaseSchema);
});

describe('GET /api/overview', () => {
  it('is for leaders only', async () => {
    expect((await api(url, '/api/overview')).status).toBe(401);
    for (const who of ['anna', 'frida', 'admin']) {
      const r = await overview('', await login(url, who));
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ error: 'leaders_only', message: expect.stringContaining('teamledere') });
    }
  });

  it('gives both teams’ figures, matching the seeded plans', async () => {
    const r = await overview();
    expect(r.status).toBe(200);
    const o = r.json;
    expect(o.pending).toBe(0);
    expect(o.workableCaseload).toBe(25);
    expect(o.teams.map((t) => t.id).sort()).toEqual(['gellerup', 'viby']);
    expect(o.period.months).toHaveLength(6);
    expect(o.today).toBe(copenhagenDay(new Date()));

    const store = app.store;
    for (const team of o.teams) {
      // Independently: read each seeded plan of the team and count.
      const families = (await store.familiesOfTeams([team.id]));
      let active = 0;
      let withoutTovholder = 0;
      let overdue = 0;
      for (const f of families) {
        const doc = docFromUpdates((await store.loadUpdates(roomName(f.id, 'plan'))));
        if (f.status !== 'aktiv') continue;
        active++;
        if (!readTovholder(doc)) withoutTovholder++;
        overdue += readActions(doc).filter((a) => (a.status === 'aaben' || a.status === 'igang') && a.due && a.due < o.today).length;
      }
      expect(team.figures.families).toBe(active);
      expect(team.figures.closedFamilies).toBe(families.length - active);
      expect(team.figures.withoutTovholder).toBe(withoutTovholder);
      expect(team.figures.overdueActions).toBe(overdue);
      expect(team.figures.withoutTovholder).toBeGreaterThan(0);
      expect(team.figures.overdueActions).toBeGreaterThan(0);
    }
    const gellerup = o.teams.find((t) => t.id === 'gellerup')!;
    const viby = o.teams.find((t) => t.id === 'viby')!;
    // The seed gives four Gellerup families a consent ending within 30 days, none in Viby.
    expect(gellerup.figures.consentsExpiring).toBe(4);
    expect(viby.figures.consentsExpiring).toBe(0);
    expect(o.totals.families).toBe(gellerup.figures.families + viby.figures.families);
    // Every worker of the team has a row; the seeded workers carry families.
    expect(gellerup.workers.map((w) => w.name).sort()).toEqual(['Anna Holm', 'Bo Lindqvist', 'Cecilie Dam', 'Dennis Vang']);
    expect(viby.workers.map((w) => w.name)).toEqual(['Frida Krogh']);
    const anna = gellerup.workers.find((w) => w.userId === 'u-anna')!;
    expect(anna.caseload).toBeGreaterThan(10);
    expect(anna.tovholderFor).toBeGreaterThan(0);
    // Intervention levels within the period, and the early share.
    const levels = o.totals.levels;
    const early = levels.raad + levels.forebyggende;
    const intrusive = levels.stoettende + levels.anbringelse;
    expect(early + intrusive).toBeGreaterThan(0);
    expect(o.totals.earlyShare).toBeCloseTo(early / (early + intrusive), 2);
    expect(o.totals.levelsByMonth.map((m) => m.month)).toEqual(o.period.months);
    expect(o.totals.feedback.count).toBeGreaterThan(0);
    expect(o.totals.feedback.average).toBeGreaterThanOrEqual(1);
  });

  it('filters by team, district and period, and refuses what it cannot serve with a Danish message', async () => {
    const g = (await overview('?team=gellerup')).json;
    expect(g.teams.map((t) => t.id)).toEqual(['gellerup']);
    expect(g.filters.team).toBe('gellerup');
    expect(g.options.teams.map((t) => t.id).sort()).toEqual(['gellerup', 'viby']);
    expect(g.options.districts).toEqual(['Gellerup', 'Viby']);
    const v = (await overview('?district=Viby')).json;
    expect(v.totals.families + v.totals.closedFamilies).toBe(22);
    expect(v.teams.find((t) => t.id === 'gellerup')!.figures.families).toBe(0);
    const p = (await overview('?from=2025-01&to=2025-12')).json;
    expect(p.period).toMatchObject({ from: '2025-01', to: '2025-12' });
    expect(p.totals.levelsByMonth).toHaveLength(12);

    const refusals: [string, number, string][] = [
      ['?team=aarhus-c', 403, 'team_not_yours'],
      ['?district=Hasle', 400, 'invalid_district'],
      ['?from=2026-13', 400, 'invalid_period'],
      ['?from=26-01', 400, 'invalid_period'],
      ['?from=2026-05&to=2026-01', 400, 'invalid_period'],
      ['?from=2020-01&to=2026-01', 400, 'invalid_period'],
      ['?worker=u-nobody', 400, 'invalid_worker'],
      ['?team=viby&worker=u-anna', 400, 'invalid_worker']
    ];
    for (const [query, status, error] of refusals) {
      const r = await api<ApiError>(url, `/api/overview${query}`, { cookie: eva });
      expect(r.status, query).toBe(status);
      expect(r.json.error, query).toBe(error);
      expect(r.json.message, query).toMatch(/[a-zæøå]/);
    }
  });

  it('drills down to a worker’s families by opaque, stable references only', async () => {
    const o = (await overview('?worker=u-anna')).json;
    const anna = o.teams.flatMap((t) => t.workers).find((w) => w.userId === 'u-anna')!;
    expect(o.drill?.worker).toEqual({ userId: 'u-anna', name: 'Anna Holm', sector: 'social' });
    const families = o.drill!.families;
    expect(families).toHaveLength(anna.caseload);
    expect(families.filter((f) => f.role === 'tovholder')).toHaveLength(anna.tovholderFor);
    for (const f of families) expect(f.ref).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(new Set(families.map((f) => f.ref)).size).toBe(families.length);
    const again = (await overview('?worker=u-anna&team=gellerup')).json;
    expect(again.drill!.families.map((f) => f.ref).sort()).toEqual(families.map((f) => f.ref).sort());
  });

  it('lets no family content out: no names, no ids, no plan text in any variant', async () => {
    const content = await familyContent(app.store);
    expect(content.length).toBeGreaterThan(100);
    const variants = ['', '?team=gellerup', '?team=viby', '?district=Gellerup', '?from=2024-01&to=2026-12', '?worker=u-anna', '?worker=u-frida', '?worker=u-bo&team=gellerup'];
    for (const q of variants) {
      const r = await api(url, `/api/overview${q}`, { cookie: eva });
      expect(r.status).toBe(200);
      const text = JSON.stringify(r.json);
      for (const c of content) expect(text.includes(c), `${q} leaks "${c}"`).toBe(false);
    }
  });
});

describe('caseload per profession, outcomes and levels (issue "Leader overview that does not mislead")', () => {
  it('measures each profession against its own norm, and filters by profession', async () => {
    const o = (await overview()).json;
    expect(o.norms).toEqual({ social: 25, school: 30, health: 40, employment: 35 });
    expect(o.workableCaseload).toBe(25);
    const gellerup = o.teams.find((t) => t.id === 'gellerup')!;
    expect(gellerup.professions.map((p) => p.sector)).toEqual(['social', 'school', 'health', 'employment']);
    for (const w of gellerup.workers) expect(w.norm).toBe(o.norms[w.sector!]);
    const school = gellerup.professions.find((p) => p.sector === 'school')!;
    const bo = gellerup.workers.find((w) => w.userId === 'u-bo')!;
    expect(school).toEqual({ sector: 'school', norm: 30, workers: 1, caseloadSum: bo.caseload, averageCaseload: bo.caseload, overNorm: bo.caseload > 30 ? 1 : 0 });

    const only = (await overview('?sector=school')).json;
    expect(only.filters.sector).toBe('school');
    expect(only.teams.flatMap((t) => t.workers).map((w) => w.name)).toEqual(['Bo Lindqvist']);
    expect(only.professions.map((p) => p.sector)).toEqual(['school']);
    // The families' figures are the team's, whoever carries them.
    expect(only.totals.overdueActions).toBe(o.totals.overdueActions);
    const bad = await api<ApiError>(url, '/api/overview?sector=police', { cookie: eva });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'invalid_sector', message: expect.stringContaining('Faggruppen') });
  });

  it('says which part of the period is wrong and how', async () => {
    const cases: [string, string, string][] = [
      ['?from=2026-13', 'from', 'Fra-måneden er ikke en gyldig måned'],
      ['?to=2026-1', 'to', 'Til-måneden er ikke en gyldig måned'],
      ['?from=2026-05&to=2026-01', 'period', 'Fra-måneden ligger efter til-måneden'],
      ['?from=2020-01&to=2026-01', 'period', 'højst 36 måneder']
    ];
    for (const [query, field, message] of cases) {
      const r = await api(url, `/api/overview${query}`, { cookie: eva });
      expect(r.status, query).toBe(400);
      expect(r.json, query).toMatchObject({ error: 'invalid_period', field, message: expect.stringContaining(message) });
    }
  });

  it('counts actions without a chosen level as "ikke angivet", never as early, and goal outcomes by target month', async () => {
    const o = (await overview()).json;
    const k = o.totals;
    // The seed leaves some levels unchosen.
    expect(k.levels.ikke_angivet).toBeGreaterThan(0);
    const early = k.levels.raad + k.levels.forebyggende;
    const intrusive = k.levels.stoettende + k.levels.anbringelse;
    expect(k.earlyShare).toBeCloseTo(early / (early + intrusive), 2);
    // The seed's first goals had their target dates within the last months, with each outcome in turn.
    for (const outcome of ['naaet', 'delvist', 'ikke_naaet', 'droppet'] as const) expect(k.outcomes[outcome], outcome).toBeGreaterThan(0);
    expect(k.trend.map((m) => m.month)).toEqual(o.period.months);
    expect(k.trend.reduce((n, m) => n + m.outcomes.naaet, 0)).toBe(k.outcomes.naaet);
    expect(k.trend.reduce((n, m) => n + m.newActions, 0)).toBe(Object.values(k.levels).reduce((n, v) => n + v, 0));
    expect(k.trend.reduce((n, m) => n + m.notChosen, 0)).toBe(k.levels.ikke_angivet);
  });

  it('gives the family’s workers the same anonymous reference the leader sees', async () => {
    const anna = await login(url, 'anna');
    const list = await api<{ families: { id: string; ref?: string }[] }>(url, '/api/families', { cookie: anna });
    expect(list.status).toBe(200);
    const refs = new Set(list.json.families.map((f) => f.ref));
    for (const r of refs) expect(r).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(refs.size).toBe(list.json.families.length);
    // Every family in Anna's drill-down is one she can open, under the same reference.
    const drill = (await overview('?worker=u-anna')).json.drill!.families;
    expect(drill.length).toBeGreaterThan(0);
    for (const f of drill) expect(refs.has(f.ref), f.ref).toBe(true);
  });
});

describe('PUT /api/admin/norms', () => {
  it('lets only an admin change the norms, from the app’s own origin, all or nothing, audited', async () => {
    const admin = await login(url, 'admin');
    expect((await api(url, '/api/admin/norms', { cookie: eva })).status).toBe(403);
    const put = (body: unknown, cookie = admin) => api<ApiError>(url, '/api/admin/norms', { cookie, method: 'PUT', body });
    const forbidden = await put({ norms: { school: 28 } }, eva);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error).toBe('admins_only');
    expect((await api(url, '/api/admin/norms', { method: 'PUT', body: { norms: { school: 28 } } })).status).toBe(401);
    // Another origin is refused before anything is read.
    const foreign = await fetch(`${url}/api/admin/norms`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example', cookie: admin },
      body: JSON.stringify({ norms: { school: 28 } })
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as ApiError).error).toBe('bad_origin');

    for (const body of [{}, { norms: {} }, { norms: [] }, { norms: { school: 0 } }, { norms: { school: 501 } }, { norms: { school: 2.5 } }, { norms: { school: '28' } }, { norms: { police: 10 } }, { norms: { school: 28, health: -1 } }]) {
      const r = await put(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json, JSON.stringify(body)).toEqual({ error: 'invalid_norms', message: expect.stringContaining('hele tal fra 1 til 500') });
    }
    // Nothing of a refused request was kept.
    expect((await api(url, '/api/admin/norms', { cookie: admin })).json.norms).toEqual({ social: 25, school: 30, health: 40, employment: 35 });

    const ok = await put({ norms: { school: 28, health: 45 } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ norms: { social: 25, school: 28, health: 45, employment: 35 }, defaults: { social: 25, school: 30, health: 40, employment: 35 } });
    const o = (await overview()).json;
    expect(o.norms.school).toBe(28);
    expect(o.teams.flatMap((t) => t.workers).find((w) => w.userId === 'u-bo')!.norm).toBe(28);
    if (app.store.kind === 'sqlite') {
      const { DatabaseSync } = await import('node:sqlite');
      const db = new DatabaseSync(join(dataDir, 'familiens-plan.sqlite'), { readOnly: true });
      try {
        const rows = db.prepare(`SELECT user_id, detail FROM audit WHERE action = 'caseload-norms-changed'`).all();
        expect(rows).toEqual([{ user_id: 'u-admin', detail: 'school: 30 -> 28, health: 40 -> 45' }]);
      } finally {
        db.close();
      }
    }
    await put({ norms: { school: 30, health: 40 } });
  });
});

describe('summaries follow the plans', () => {
  it('updates a family’s figures shortly after a live edit (debounced)', async () => {
    const anna = await login(url, 'anna');
    const familyId = family('gel-07'); // i = 6: no tovholder in the seed
    const before = (await overview('?team=gellerup')).json.teams[0];
    const p = clients.provider(url, roomName(familyId, 'plan'), anna);
    await p.synced();
    expect(readTovholder(p.doc)).toBeNull();
    const yesterday = copenhagenDay(new Date(Date.now() - 86_400_000));
    addAction(p.doc, { title: 'Ny forsinket handling', createdAt: new Date().toISOString(), createdBy: 'u-anna', ownerId: 'u-anna', due: yesterday, status: 'aaben', level: 'raad', sector: 'social' });
    setTovholder(p.doc, { userId: 'u-anna', name: 'Anna Holm', since: copenhagenDay(new Date()), note: 'Overtaget' });
    let after = before;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      after = (await overview('?team=gellerup')).json.teams[0];
      if (after.figures.withoutTovholder === before.figures.withoutTovholder - 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(after.figures.withoutTovholder).toBe(before.figures.withoutTovholder - 1);
    expect(after.figures.overdueActions).toBe(before.figures.overdueActions + 1);
    const annaBefore = before.workers.find((w) => w.userId === 'u-anna')!;
    const annaAfter = after.workers.find((w) => w.userId === 'u-anna')!;
    expect(annaAfter.ownOverdueActions).toBe(annaBefore.ownOverdueActions + 1);
    expect(annaAfter.tovholderFor).toBe(annaBefore.tovholderFor + 1);
    p.destroy();
  });

  it('takes consent status from the consent records at once (no summary involved)', async () => {
    const anna = await login(url, 'anna');
    const familyId = family('gel-02'); // consent plan+social, active for 9 more months
    const before = (await overview('?team=gellerup')).json.teams[0].figures;
    const consent = (await app.store.consentsOfFamily(familyId))[0];
    const r = await api(url, `/api/families/${familyId}/consents/${consent.id}/revoke`, { cookie: anna, method: 'POST' });
    expect(r.status).toBe(200);
    const after = (await overview('?team=gellerup')).json.teams[0].figures;
    expect(after.withoutConsent).toBe(before.withoutConsent + 1);
  });

  it('catches up at start on plans written straight to the store, and keeps references stable', async () => {
    const refsBefore = (await overview('?worker=u-frida')).json.drill!.families.map((f) => f.ref).sort();
    expect(refsBefore.length).toBeGreaterThan(5);
    const before = (await overview('?team=viby')).json.teams[0].figures;
    const viby02 = family('vib-02');
    await stop();

    // While the server is down, a plan changes in the store (as the demo seed writes them).
    const store = await openStore({ dataDir, databaseUrl, databaseSchema });
    const room = roomName(viby02, 'plan');
    const doc = docFromUpdates((await store.loadUpdates(room)));
    const sv = Y.encodeStateVector(doc);
    const yesterday = copenhagenDay(new Date(Date.now() - 86_400_000));
    addAction(doc, { title: 'Skrevet direkte i lageret', createdAt: new Date().toISOString(), createdBy: 'u-frida', ownerId: 'u-frida', due: yesterday, status: 'igang', level: 'stoettende', sector: 'social' });
    await appendOne(store, room, 'u-frida', new Date().toISOString(), Y.encodeStateAsUpdate(doc, sv));
    await store.close();

    await start();
    eva = await login(url, 'eva');
    const after = (await overview('?team=viby')).json;
    expect(after.pending).toBe(0);
    expect(after.teams[0].figures.overdueActions).toBe(before.overdueActions + 1);
    const refsAfter = (await overview('?worker=u-frida')).json.drill!.families.map((f) => f.ref).sort();
    expect(refsAfter).toEqual(refsBefore);
  });
});
