// `npm run retention -- --dry-run` | `--run`
// Retention from the command line (issue #14; docs/operations.md "Retention"):
// the dry run prints the closed cases whose RETENTION_YEARS have run out (ids
// and dates, no family content); --run deletes them and prints the deletion
// records. Same store settings as the server (DATA_DIR or DATABASE_URL). Safe
// beside running nodes: the store deletes each family in one transaction,
// under the sweep's advisory lock on PostgreSQL; the nodes close the rooms'
// sockets at their next access recheck and devices purge at their next contact.
import { loadConfig } from '../server/config.ts';
import { openStore } from '../server/store/index.ts';
import { RetentionService } from '../server/retention.ts';

const args = new Set(process.argv.slice(2));
const run = args.has('--run');
if (run === args.has('--dry-run')) {
  process.stderr.write('usage: npm run retention -- --dry-run | --run   (RETENTION_YEARS, DATA_DIR / DATABASE_URL as for the server)\n');
  process.exit(2);
}
const config = loadConfig(process.env);
const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
try {
  const retention = new RetentionService({ store, years: config.retentionYears, now: () => new Date(), familyDeleted: async () => {} });
  if (run) {
    const out = await store.exclusive('retention-sweep', () => retention.run('cli'), { wait: true });
    process.stdout.write(`${JSON.stringify(out.ran ? out.value : null, null, 2)}\n`);
  } else {
    const listing = await retention.listing();
    process.stdout.write(`${JSON.stringify({ rule: listing.rule, now: listing.now, due: listing.due }, null, 2)}\n`);
  }
} finally {
  await store.close();
}
