// GET /api/manifest and the offline access log upload, against a real app on
// port 0: rooms with access and seq, purge after consent withdrawal, lease.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { listen, type Running } from '../../server/http.ts';
import type { Manifest } from '../../src/lib/shared/api-types.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { loginCookie } from '../support/server-access.ts';

let running: Running;
let url: string;

async function call(path: string, opts: { cookie?: string; method?: string; body?: unknown } = {}) {
  const res = await fetch(url + path, {
    method: opts.method ?? 'GET',
    headers: { 'content-type': 'application/json', origin: url, ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body)
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

const login = (username: string) => loginCookie(url, username);

function open(room: string, cookie: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/sync/${room}`, { headers: { cookie, origin: url } });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_q, r) => reject(new Error(`HTTP ${r.statusCode}`)));
  });
}

beforeAll(async () => {
  const config = { ...loadConfig({}, { port: 0, demo: true }), dataDir: mkdtempSync(join(tmpdir(), 'fp-int-')) };
  running = await listen(await createApp(config), null, 0);
  url = running.url;
});
afterAll(async () => {
  await running?.close();
});

describe('manifest', () => {
  it('lists every openable room with access and the latest seq, and a lease', async () => {
    const cookie = await login('bo');
    const m = (await call('/api/manifest', { cookie })).json as Manifest;
    const rooms = new Map(m.rooms.map((r) => [r.room, r]));
    // gel-02: consent plan+social for school → plan write, social read, own journal write.
    expect(rooms.get('f-gel-02-nielsen.plan')).toMatchObject({ access: 'write' });
    expect(rooms.get('f-gel-02-nielsen.social')).toMatchObject({ access: 'read' });
    expect(rooms.get('f-gel-02-nielsen.school')).toMatchObject({ access: 'write' });
    // gel-01: no consent → nothing for school.
    expect([...rooms.keys()].some((r) => r.startsWith('f-gel-01-hansen.'))).toBe(false);
    expect(rooms.get('f-gel-02-nielsen.plan')?.seq).toBeGreaterThan(0);
    expect(m.purge).toEqual([]);
    const lease = Date.parse(m.leaseUntil) - Date.now();
    expect(lease).toBeGreaterThan(6.9 * 86_400_000);
    expect(lease).toBeLessThan(7.1 * 86_400_000);
  });

  it('names a room for purge once the user opened it and then lost access', async () => {
    const anna = await login('anna');
    const cecilie = await login('cecilie');
    const { json: family } = await call('/api/families', { cookie: anna, method: 'POST', body: { name: 'Familien Purge' } });
    const { json: consent } = await call(`/api/families/${family.id}/consents`, {
      cookie: anna,
      method: 'POST',
      body: { givenBy: 'Mor', categories: ['plan'], recipients: ['health'], purpose: 'Samarbejde', method: 'oral', reference: 'Mundtligt ved hjemmebesøg' }
    });
    const room = roomName(family.id, 'plan');
    const ws = await open(room, cecilie);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    const revoke = await call(`/api/families/${family.id}/consents/${consent.id}/revoke`, { cookie: anna, method: 'POST' });
    expect(revoke.status).toBe(200);
    expect(await closed).toBe(4403);
    const m = (await call('/api/manifest', { cookie: cecilie })).json as Manifest;
    expect(m.purge).toContain(room);
    expect(m.rooms.some((r) => r.room === room)).toBe(false);
  });

  it('needs a session', async () => {
    const r = await call('/api/manifest');
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: 'unauthenticated' });
    expect(typeof r.json.message).toBe('string');
  });
});

describe('offline access log upload', () => {
  it('records openings made offline with the device time, visible in the family access log', async () => {
    const bo = await login('bo');
    const anna = await login('anna');
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const up = await call('/api/access-log', {
      cookie: bo,
      method: 'POST',
      body: { deviceId: 'tablet-7', entries: [{ at, room: 'f-gel-02-nielsen.plan', action: 'open-offline' }] }
    });
    expect(up.status).toBe(200);
    expect(up.json).toEqual({ accepted: 1 });
    const log = await call('/api/families/gel-02-nielsen/access-log', { cookie: anna });
    expect(log.json.entries).toContainEqual(expect.objectContaining({ at, userId: 'u-bo', userName: 'Bo Lindqvist', action: 'open-offline' }));
  });

  it('refuses malformed entries and does not record rooms of another team', async () => {
    const frida = await login('frida');
    const bad = await call('/api/access-log', { cookie: frida, method: 'POST', body: { deviceId: 'tablet-8', entries: [{ at: 'nope', room: 'x' }] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_access_log');
    // Another team's room is refused outright (before, it was skipped and the rest kept).
    const foreign = await call('/api/access-log', {
      cookie: frida,
      method: 'POST',
      body: { deviceId: 'tablet-8', entries: [{ at: new Date().toISOString(), room: 'f-gel-02-nielsen.plan' }] }
    });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error).toBe('access_log_no_access');
    const log = await call('/api/families/gel-02-nielsen/access-log', { cookie: await login('anna') });
    expect(log.json.entries.some((e: { userId: string }) => e.userId === 'u-frida')).toBe(false);
    const other = await call('/api/access-log', { cookie: frida, method: 'POST', body: { entries: 'x' } });
    expect(other.status).toBe(400);
  });
});
