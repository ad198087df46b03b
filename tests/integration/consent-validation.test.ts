// POST /api/families/:id/consents refuses what a careful reviewer would
// refuse, each with 400 and a Danish message that says what to fix (and names
// an unknown value), and accepts a well-formed consent with its defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { TestServer } from './helpers.ts';

let server: TestServer;
let anna: string;
let familyId: string;

/** A real 1×1 PNG as a data URL: the smallest signature the server accepts. */
function pngDataUrl(): string {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0, 0, 0, 0]))),
    chunk('IEND', Buffer.alloc(0))
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

const valid = () => ({
  givenBy: 'Sara Ahmed (mor)',
  categories: ['plan', 'health'],
  recipients: ['health', 'school'],
  purpose: 'Én fælles plan med skolen og sundhedsplejen',
  method: 'paper',
  reference: 'Journalnr. 27.12.04-P20-1-25'
});

const post = (body: unknown, cookie = anna, id = familyId) => server.api(`/api/families/${id}/consents`, { cookie, body });

beforeAll(async () => {
  server = await TestServer.start();
  anna = await server.login('anna');
  const r = await server.api('/api/families', { cookie: anna, body: { name: 'Familien Validering' } });
  familyId = r.json.id;
});
afterAll(() => server?.stop());

describe('consent validation', () => {
  const cases: [string, (b: Record<string, unknown>) => void, string, RegExp][] = [
    ['no categories', (b) => (b.categories = []), 'consent_categories', /mindst én gyldig kategori/],
    ['categories not a list', (b) => (b.categories = 'plan'), 'consent_categories', /kategori/],
    ['an unknown category', (b) => (b.categories = ['plan', 'politi']), 'consent_categories', /ukendt: "politi"/],
    ['no recipients', (b) => delete b.recipients, 'consent_recipients', /mindst ét gyldigt fagområde/],
    ['an unknown sector', (b) => (b.recipients = ['health', 'police']), 'consent_recipients', /ukendt: "police".*gyldige: social, school, health, employment/],
    ['no family member', (b) => (b.givenBy = '  '), 'consent_given_by', /hvem i familien/],
    ['no purpose', (b) => (b.purpose = ''), 'consent_purpose', /formålet/],
    ['an unknown method', (b) => (b.method = 'email'), 'consent_method', /underskrevet på skærmen.*"email"/],
    ['a paper reference over 500 characters', (b) => (b.reference = 'x'.repeat(501)), 'consent_reference_paper', /papirsamtykket er arkiveret/],
    ['oral documentation over 500 characters', (b) => ((b.method = 'oral'), (b.reference = 'x'.repeat(501))), 'consent_reference_oral', /mundtlige samtykke.*dokumenteret/],
    ['signed without a signature', (b) => ((b.method = 'signed'), delete b.reference), 'consent_signature', /Underskriften mangler/],
    ['a signature that is not a PNG', (b) => ((b.method = 'signed'), (b.signature = 'data:image/png;base64,aGVsbG8=')), 'consent_signature', /ugyldig/],
    ['a signature that is not an image', (b) => ((b.method = 'signed'), (b.signature = 'javascript:alert(1)')), 'consent_signature', /ugyldig/],
    ['a drawn signature on a paper consent', (b) => (b.signature = pngDataUrl()), 'consent_signature_not_allowed', /tegnet underskrift/],
    ['an unreadable date', (b) => (b.validFrom = '31/12/2025'), 'consent_dates', /kan ikke læses.*31\/12\/2025/],
    ['until before from', (b) => ((b.validFrom = '2026-03-01'), (b.validUntil = '2026-02-01')), 'consent_until_before_from', /slutdatoen skal ligge efter startdatoen/i],
    ['until equal to from', (b) => ((b.validFrom = '2026-03-01T00:00:00Z'), (b.validUntil = '2026-03-01T00:00:00Z')), 'consent_until_before_from', /efter startdatoen/],
    ['a start years away', (b) => (b.validFrom = new Date(Date.now() + 400 * 86_400_000).toISOString()), 'consent_from_far', /højst ligge et år frem/],
    ['a start before today', (b) => (b.validFrom = new Date(Date.now() - 2 * 86_400_000).toISOString()), 'consent_from_past', /før i dag/],
    ['more than three years', (b) => (b.validUntil = new Date(Date.now() + 4 * 366 * 86_400_000).toISOString()), 'consent_too_long', /højst gælde i 3 år/],
    ['a malformed client id', (b) => (b.id = 'not-a-uuid'), 'consent_id', /id er ugyldigt/],
    ['renewing an unknown consent', (b) => (b.renewsId = 'c-does-not-exist'), 'consent_renews', /fornyes, findes ikke/]
  ];

  for (const [what, change, code, message] of cases) {
    it(`400 for ${what}`, async () => {
      const body: Record<string, unknown> = valid();
      change(body);
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(r.json.error).toBe(code);
      expect(r.json.message).toMatch(message);
    });
  }

  it('400 for a body that is not JSON, and records nothing for any refused request', async () => {
    const res = await fetch(`${server.url}/api/families/${familyId}/consents`, {
      method: 'POST',
      headers: { cookie: anna, origin: server.url, 'content-type': 'application/json' },
      body: '{"givenBy":'
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_json');
    const list = await server.api(`/api/families/${familyId}/consents`, { cookie: anna });
    expect(list.json.consents).toEqual([]);
  });

  it('a consent to renew must belong to the same family', async () => {
    const other = await server.api('/api/families', { cookie: anna, body: { name: 'Familien Anden' } });
    const first = await post(valid(), anna, other.json.id);
    expect(first.status).toBe(201);
    const r = await post({ ...valid(), renewsId: first.json.id });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('consent_renews');
  });

  it('accepts a signed consent: 12 months by default, categories and sectors de-duplicated in fixed order', async () => {
    const before = Date.now();
    const signature = pngDataUrl();
    const r = await post({ ...valid(), method: 'signed', reference: undefined, signature, categories: ['health', 'plan', 'health'], recipients: ['school', 'health', 'school'] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      familyId,
      givenBy: 'Sara Ahmed (mor)',
      categories: ['plan', 'health'],
      recipients: ['school', 'health'],
      method: 'signed',
      signature,
      reference: null,
      renewsId: null,
      recordedBy: 'u-anna',
      revokedAt: null
    });
    const from = Date.parse(r.json.validFrom);
    const until = new Date(r.json.validUntil);
    expect(from).toBeGreaterThanOrEqual(before - 1000);
    const expectedUntil = new Date(from);
    expectedUntil.setMonth(expectedUntil.getMonth() + 12);
    expect(until.getTime()).toBe(expectedUntil.getTime());
  });

  it('refuses a paper or oral consent without its documentation (DESIGN §6), and takes it as text in `signature` (DESIGN §8)', async () => {
    const { reference: _, ...contract } = valid();
    const oral = await post({ ...contract, method: 'oral' });
    expect(oral.status).toBe(400);
    expect(oral.json.error).toBe('consent_reference_oral');
    const blank = await post({ ...contract, method: 'paper', reference: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.json.error).toBe('consent_reference_paper');
    const documented = await post({ ...contract, method: 'oral', signature: 'Givet mundtligt på hjemmebesøg 3.12., begge forældre til stede' });
    expect(documented.status).toBe(201);
    expect(documented.json).toMatchObject({ method: 'oral', signature: null, reference: 'Givet mundtligt på hjemmebesøg 3.12., begge forældre til stede' });
    const paper = await post({ ...contract, signature: 'Underskrevet på papir, journalnr. 27.12.04-P20-1-25' });
    expect(paper.status).toBe(201);
    expect(paper.json).toMatchObject({ method: 'paper', signature: null, reference: 'Underskrevet på papir, journalnr. 27.12.04-P20-1-25' });
  });

  it('a device retrying an upload with the same id gets the same consent back, not a second one', async () => {
    const id = crypto.randomUUID();
    const body = { ...valid(), id, validFrom: new Date().toISOString(), validUntil: new Date(Date.now() + 90 * 86_400_000).toISOString() };
    const first = await post(body);
    expect(first.status).toBe(201);
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const different = await post({ ...body, purpose: 'Noget andet' });
    expect(different.status).toBe(409);
    expect(different.json.error).toBe('consent_id_taken');
    const all = (await server.api(`/api/families/${familyId}/consents`, { cookie: anna })).json.consents;
    expect(all.filter((c: { id: string }) => c.id === id)).toHaveLength(1);
  });
});
