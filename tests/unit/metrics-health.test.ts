// Metrics in Prometheus text format from a per-node registry, the liveness and
// readiness probes a load balancer asks, and the fan-out's configuration.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createFanout } from '../../server/fanout/index.ts';
import { handleProbe, readiness, type ReadinessCheck } from '../../server/health.ts';
import { createMetrics, renderMetrics } from '../../server/metrics.ts';

describe('metrics', () => {
  it('renders the relay and fan-out series in Prometheus text format, one registry per node', async () => {
    const m = createMetrics({ defaultLabels: { node: 'node-a' } });
    m.openSockets.set(12);
    m.roomsLoaded.inc(3);
    m.updates.inc({ source: 'local' }, 5);
    m.updates.inc({ source: 'remote' });
    m.commitSeconds.observe(0.004);
    m.fanoutLagSeconds.observe(0.012);
    m.redisReconnects.inc();
    const { contentType, body } = await renderMetrics(m);
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('fp_open_sockets{node="node-a"} 12');
    expect(body).toContain('fp_rooms_loaded{node="node-a"} 3');
    expect(body).toContain('fp_updates_total{source="local",node="node-a"} 5');
    expect(body).toContain('fp_commit_seconds_bucket{le="0.005",node="node-a"} 1');
    expect(body).toContain('fp_fanout_lag_seconds_count{node="node-a"} 1');
    expect(body).toContain('fp_redis_reconnects_total{node="node-a"} 1');
    // A second node object starts from zero (no shared global registry).
    const other = await renderMetrics(createMetrics());
    expect(other.body).toContain('fp_open_sockets 0');
  });
});

describe('probes', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(checks: ReadinessCheck[]) {
    server = createServer((req, res) => {
      handleProbe(req, res, checks, 200).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it('/healthz is 200 without asking any dependency; /readyz is 200 when every check passes', async () => {
    let asked = 0;
    const url = await serve([{ name: 'store', check: async () => void asked++ }, { name: 'redis', check: async () => true }]);
    const h = await fetch(url + '/healthz');
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ ok: true });
    expect(asked).toBe(0);
    const r = await fetch(url + '/readyz');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, checks: { store: 'ok', redis: 'ok' } });
    expect((await fetch(url + '/other')).status).toBe(404);
    const post = await fetch(url + '/readyz', { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await post.json()).error).toBe('method_not_allowed');
  });

  it('/readyz is 503 with a Danish message when a check fails, says false, or hangs', async () => {
    const url = await serve([
      { name: 'store', check: async () => true },
      { name: 'migrations', check: async () => false },
      { name: 'redis', check: () => new Promise(() => {}) }
    ]);
    const r = await fetch(url + '/readyz');
    expect(r.status).toBe(503);
    const body = await r.json();
    expect(body).toMatchObject({ ok: false, error: 'not_ready', checks: { store: 'ok', migrations: 'failed', redis: 'timeout' } });
    expect(body.message).toMatch(/ikke klar/);
    expect((await readiness([{ name: 'store', check: async () => { throw new Error('x'); } }])).checks.store).toBe('failed');
  });
});

describe('fan-out configuration', () => {
  it('REDIS_URL selects Redis; without it the one-process fan-out; NODE_ID defaults to a random id', async () => {
    const a = loadConfig({});
    expect(a.redisUrl).toBeNull();
    expect(a.nodeId).toMatch(/^n-[0-9a-f]{12}$/);
    expect(loadConfig({}).nodeId).not.toBe(a.nodeId);
    const b = loadConfig({ REDIS_URL: 'redis://:secret@redis.internal:6379/0', NODE_ID: 'relay-2' });
    expect(b.redisUrl).toBe('redis://:secret@redis.internal:6379/0');
    expect(b.nodeId).toBe('relay-2');
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://:secret@x:1/0?bad', NODE_ID: 'bad id' })).toThrow(/NODE_ID/);
    const f = await createFanout({ redisUrl: null, nodeId: 'relay-1', maxMessageBytes: 1024 });
    expect(f.kind).toBe('local');
    expect(f.nodeId).toBe('relay-1');
    await f.close();
  });

  it('the REDIS_URL error does not echo the URL (it can hold a password)', () => {
    expect(() => loadConfig({ REDIS_URL: 'postgres://u:hunter2@db' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
