// The relay's per-update cost on each store, short (not the full bench):
// the same modest load against our relay on SQLite and, when DATABASE_URL is
// set, on PostgreSQL (in a schema of its own, dropped after), one after the
// other. Prints JSON: per store the relay's CPU µs per update, fan-out
// percentiles and updates/s. `node bench/append-cost.ts [seconds]`
import { randomBytes } from 'node:crypto';
import { dropSchema } from '../server/store/testing.ts';
import { headline, prepareRooms, runLoad, sessionsFor, specFor, startTarget, type LoadShape } from './relay-load.ts';

const seconds = Number(process.argv[2] ?? 10);
const shape: LoadShape = { clients: 200, rooms: 50, rate: 400, warmupMs: 2000, durationMs: seconds * 1000 };
const stores: { name: string; env: Record<string, string>; cleanup(): Promise<void> }[] = [
  { name: 'sqlite', env: { DATABASE_URL: '' }, cleanup: async () => undefined }
];
const url = process.env.DATABASE_URL;
if (url) {
  const schema = `t_bench_${randomBytes(6).toString('hex')}`;
  stores.push({ name: 'postgres', env: { DATABASE_URL: url, BENCH_DATABASE_SCHEMA: schema }, cleanup: () => dropSchema(url, schema) });
}

const out: Record<string, unknown> = { shape };
for (const s of stores) {
  const target = await startTarget('ours', s.env);
  try {
    const rooms = await prepareRooms(target, shape.rooms);
    const sessions = await sessionsFor(target, shape.clients, shape.rate);
    out[s.name] = headline(await runLoad(target, specFor(target, rooms, shape, sessions)));
  } finally {
    await target.stop();
    target.cleanup();
    await s.cleanup();
  }
}
console.log(JSON.stringify(out, null, 2));
