// The operators' endpoints of one node (docs/deploy.md): /healthz and /readyz
// answered before the API (here: the API-only server), /metrics in
// Prometheus text fed by the relay, and who may read it — loopback without a
// proxy header, or anyone with METRICS_TOKEN as a bearer token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { TestServer } from './helpers.ts';

const TOKEN = 'metrics-token-for-the-test-0123456789';

describe('operations endpoints', () => {
  let open: TestServer;
  let guarded: TestServer;
  beforeAll(async () => {
    [open, guarded] = await Promise.all([TestServer.start(), TestServer.start({ config: { metricsToken: TOKEN } })]);
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('answers /healthz and /readyz with JSON, before the API', async () => {
    const health = await fetch(`${open.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${open.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { store: 'ok', redis: 'ok' } });
    expect((await fetch(`${open.url}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('serves /metrics fed by the relay to loopback, and refuses a proxied request', async () => {
    const cookie = await open.login('anna');
    const client = open.provider(roomName(open.family('gel-02'), 'plan'), cookie);
    await client.synced();
    client.doc.getMap('ops').set('k', 'v');
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${open.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^fp_open_sockets\{node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^fp_rooms_loaded\{node="[^"]+"\} 1$/m);
    expect(text).toMatch(/^fp_updates_total\{source="local",node="[^"]+"\} [1-9]/m);
    expect(text).toMatch(/^fp_commit_seconds_count\{node="[^"]+"\} [1-9]/m);
    expect(text).not.toContain('gel-02');
    const proxied = await fetch(`${open.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(403);
    expect(await proxied.json()).toMatchObject({ error: 'metrics_forbidden' });
  });

  it('with METRICS_TOKEN, needs it as a bearer token', async () => {
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } })).status).toBe(403);
    const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('fp_open_sockets');
  });
});
