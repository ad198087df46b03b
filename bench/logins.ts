// Login memory: what password sign-in leaves behind in the server process.
// Each scrypt (N = 16384, r = 8) allocates 16 MiB; the server hashes in one
// worker thread (server/identity/password-hasher.ts) so that memory is bounded
// however many logins come. Our server on seeded demo data, restarted so the
// seeding's own hashing is not counted; RSS read from /proc 1 s after the
// server listens, and 1 s after the logins (sequential, then 50 at once).
import { procSample, startOurs, login, removeDir } from './lib/proc.ts';
import { mb } from './lib/stats.ts';

export interface LoginMemory {
  logins: number;
  mode: 'sequential' | 'concurrent';
  rssBeforeMb: number;
  rssAfterMb: number;
  rssGrowthMb: number;
  /** wall time of all the logins */
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function loginMemory(opts: { logins: number }, log: (s: string) => void): Promise<LoginMemory[]> {
  const out: LoginMemory[] = [];
  for (const mode of ['sequential', 'concurrent'] as const) {
    const ours = await startOurs();
    try {
      // The first start seeds (and hashes the demo password): restart on the seeded data.
      await ours.stop();
      await ours.restart();
      await sleep(1000);
      const before = procSample(ours.pid).rssBytes;
      const t0 = performance.now();
      if (mode === 'sequential') for (let i = 0; i < opts.logins; i++) await login(ours.url, 'anna');
      else await Promise.all(Array.from({ length: opts.logins }, () => login(ours.url, 'anna')));
      const ms = Math.round(performance.now() - t0);
      await sleep(1000);
      const after = procSample(ours.pid).rssBytes;
      const r: LoginMemory = { logins: opts.logins, mode, rssBeforeMb: mb(before), rssAfterMb: mb(after), rssGrowthMb: mb(after - before), ms };
      log(`logins: ${opts.logins} ${mode}: RSS ${r.rssBeforeMb} → ${r.rssAfterMb} MB (+${r.rssGrowthMb}) in ${ms} ms`);
      out.push(r);
    } finally {
      await ours.stop();
      removeDir(ours.dataDir);
    }
  }
  return out;
}
