// Where our relay's memory goes before the relay load's first client: RSS of
// the bench's server process after each step the load's preparation takes
// (bench/relay-load.ts), on a first start (which seeds the demo data) and on a
// restart over the same data. `node bench/memory-breakdown.ts`; prints JSON.
import { createFamilies, login, logins, procSample, removeDir, startOurs } from './lib/proc.ts';
import { mb } from './lib/stats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out: Record<string, Record<string, number>> = {};
for (const start of ['first start (seeds)', 'restart on seeded data'] as const) {
  const ours = await startOurs();
  try {
    if (start === 'restart on seeded data') {
      await ours.stop();
      await ours.restart();
    }
    const steps: Record<string, number> = {};
    const mark = async (name: string) => {
      await sleep(1000);
      steps[name] = mb(procSample(ours.pid).rssBytes);
      const s = await ours.stats();
      steps[`${name}: heap used`] = mb(s.heapUsed);
    };
    await mark('listening');
    const cookie = await login(ours.url, 'anna');
    await mark('1 login');
    await createFamilies(ours.url, cookie, 'gellerup', 250, 'Bench');
    await mark('250 families through the API');
    await logins(ours.url, 'anna', 20);
    await mark('20 more logins');
    out[start] = steps;
    process.stderr.write(`${start}: ${JSON.stringify(steps)}\n`);
  } finally {
    await ours.stop();
    removeDir(ours.dataDir);
  }
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.exit(0);
