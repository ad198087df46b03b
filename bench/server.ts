// The app in its own process for the benches, so its CPU and RSS are its own
// and it can be killed with -9. Same composition root as production
// (createApp + listen); with BENCH_UI=1 it also serves the SvelteKit build.
// An IPC channel (fork) answers stats requests and bulk-creates families.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, registerApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { listen, PROTO_HEADER, type NodeHandler } from '../server/http.ts';
import { roomName, type Sector } from '../src/lib/shared/rooms.ts';
import { firstPlanUpdate } from '../src/lib/domain/plan.ts';

export type ServerRequest =
  | { id: number; type: 'stats' }
  | { id: number; type: 'gc' }
  | { id: number; type: 'families'; teamId: string; district: string; createdBy: string; sector: Sector; count: number; prefix: string }
  /** a consent of a bulk family renewed until `days` from now, as a colleague records it */
  | { id: number; type: 'renewConsent'; familyId: string; recordedBy: string; days: number };

export interface ServerStats {
  rooms: number;
  connections: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const config = loadConfig(process.env, { port: 0, demo: true });
let handler: NodeHandler | null = null;
if (process.env.BENCH_UI === '1') {
  const file = resolve(process.env.BENCH_BUILD_DIR || 'build', 'handler.js');
  if (!existsSync(file)) throw new Error('bench/server.ts: BENCH_UI=1 needs a build (npx vite build)');
  process.env.PROTOCOL_HEADER = PROTO_HEADER;
  handler = ((await import(pathToFileURL(file).href)) as { handler: NodeHandler }).handler;
}
// BENCH_DATABASE_SCHEMA: with DATABASE_URL, a schema of this run's own (bench/append-cost.ts).
const app = await createApp(config, { databaseSchema: process.env.BENCH_DATABASE_SCHEMA || undefined });
registerApp(app);
const running = await listen(app, handler, config.port, config.host);

function stats(): ServerStats {
  const m = process.memoryUsage();
  return {
    rooms: app.relay.roomCount,
    connections: app.relay.connectionCount,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers
  };
}

const DAY = 86_400_000;

/** A consent of the demo's shape (server/seed.ts): the plan for school and health. */
const benchConsent = (id: string, familyId: string, recordedBy: string, until: number, renewsId: string | null) => ({
  id,
  familyId,
  givenBy: 'Mor',
  categories: ['plan' as const],
  recipients: ['school' as const, 'health' as const],
  purpose: 'Samarbejde om familiens plan på tværs af fagområder',
  validFrom: new Date(Date.now() - 60 * DAY).toISOString(),
  validUntil: new Date(until).toISOString(),
  method: 'paper' as const,
  signature: null,
  reference: 'Papirsamtykke journaliseret i sagen',
  renewsId,
  recordedBy,
  recordedAt: new Date().toISOString(),
  revokedAt: null,
  revokedBy: null
});

/** Families inserted straight into the store (as the API would), each with a consent and its plan's first update. */
async function bulkFamilies(req: Extract<ServerRequest, { type: 'families' }>): Promise<string[]> {
  const ids: string[] = [];
  const now = new Date().toISOString();
  for (let i = 0; i < req.count; i++) {
    const id = `${req.prefix}-${String(i).padStart(5, '0')}`;
    const name = `Familien ${BENCH_SURNAMES[i % BENCH_SURNAMES.length]} ${i}`;
    await app.store.insertFamily({
      id,
      name,
      district: req.district,
      teamId: req.teamId,
      openedBySector: req.sector,
      status: i % 13 === 0 ? 'afsluttet' : 'aktiv',
      createdAt: now,
      createdBy: req.createdBy
    });
    // Every 17th consent ends within a month (the desk shows those).
    await app.store.insertConsent(benchConsent(`c-${id}`, id, req.createdBy, Date.now() + (i % 17 === 0 ? 10 + (i % 20) : 300) * DAY, null));
    await app.store.appendUpdates([{ room: roomName(id, 'plan'), author: req.createdBy, at: now, data: firstPlanUpdate({ name, district: req.district, teamId: req.teamId, status: 'aktiv' }) }]);
    ids.push(id);
  }
  return ids;
}

const BENCH_SURNAMES = ['Hansen', 'Ahmed', 'Nielsen', 'Yilmaz', 'Jensen', 'Hussein', 'Pedersen', 'Ali', 'Andersen', 'Mohamud', 'Kaya', 'Larsen', 'Nguyen', 'Sørensen', 'Abdi'];

/** Renewals so far: each gets an id of its own, so a caller that renews the same family for the same length again (as the tablet series once did) is not refused. */
let renewals = 0;

process.on('message', async (raw) => {
  const req = raw as ServerRequest;
  const reply = (body: unknown) => process.send?.({ id: req.id, body });
  try {
    if (req.type === 'stats') reply(stats());
    else if (req.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      reply(stats());
    } else if (req.type === 'families') reply(await bulkFamilies(req));
    else if (req.type === 'renewConsent') {
      await app.store.insertConsent(benchConsent(`c-${req.familyId}-r${++renewals}`, req.familyId, req.recordedBy, Date.now() + req.days * DAY, `c-${req.familyId}`));
      reply(true);
    }
  } catch (err) {
    // Answered, so the caller fails with the reason instead of waiting for ever.
    process.send?.({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});

process.send?.({ id: 0, body: { url: running.url } });

// BENCH_OURS_ALLOC_PROFILE=<file>: a sampling profile of every allocation (collected or not) from start to stop,
// for DevTools' Memory tab (.heapprofile): what the collector has to clear up, by function.
const allocProfile = process.env.BENCH_OURS_ALLOC_PROFILE ? await startAllocProfile() : null;

async function startAllocProfile() {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(process.env.BENCH_OURS_ALLOC_PROFILE as string, JSON.stringify(profile));
  };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await allocProfile?.();
    running.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      }
    );
  });
}
// With an IPC channel the process would outlive a crashed parent; follow it.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
