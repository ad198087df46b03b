// `npm run store:copy -- --from=data/familiens-plan.sqlite --to=$DATABASE_URL [--schema=name] [--allow-non-empty]`
// Copies the embedded SQLite store into PostgreSQL and verifies the copy
// (server/store/copy.ts; docs/deploy.md "Moving from SQLite to PostgreSQL").
// Stop the app first. Prints the report as JSON on stdout, progress on stderr;
// exits 0 when every check holds, 1 on a mismatch, 2 when the copy was refused or failed.
import { copySqliteToPostgres, CopyRefused } from '../server/store/copy.ts';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.length ? v.join('=') : 'true'] as const;
  })
);
const from = args.get('from');
const to = args.get('to') ?? process.env.DATABASE_URL;
if (!from || !to) {
  process.stderr.write('usage: npm run store:copy -- --from=<DATA_DIR>/familiens-plan.sqlite --to=postgres://… [--schema=name] [--allow-non-empty]\n');
  process.exit(2);
}
try {
  const report = await copySqliteToPostgres({
    from,
    to,
    schema: args.get('schema'),
    allowNonEmpty: args.get('allow-non-empty') === 'true',
    log: (line) => process.stderr.write(`[store:copy] ${line}\n`)
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!report.ok) process.stderr.write('[store:copy] VERIFICATION FAILED: see "tables" and "rooms.mismatched" in the report\n');
  process.exit(report.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`[store:copy] ${err instanceof CopyRefused ? 'refused' : 'failed'}: ${(err as Error).message}\n`);
  process.exit(2);
}
