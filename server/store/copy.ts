// SQLite → PostgreSQL: a municipality moving from the embedded store to
// several nodes (DESIGN §11) copies its data once, with the app stopped
// (`npm run store:copy`, docs/deploy.md "Moving from SQLite to PostgreSQL").
//
// Every table the SQLite file holds is either copied or named below with the
// reason it is not; a table this module does not know stops the copy before
// it writes anything, so a table added later is never silently left behind.
// The target gets its schema from the migrations (PostgresStore.open), must
// be empty unless told otherwise, and receives everything in ONE transaction
// (inserted in batches): a failure leaves it as it was. Afterwards the copy is
// verified from both sides: rows per table, and per room the Yjs state vector
// (and a digest) of the merged document.
import { createHash } from 'node:crypto';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import { existsSync } from 'node:fs';
import pg from 'pg';
import * as Y from 'yjs';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';

/** Copied, in an order that satisfies the foreign keys. `where`: which rows of the source count. */
const COPIED: { table: string; where?: (now: string) => [string, string[]] }[] = [
  { table: 'teams' },
  { table: 'districts' },
  { table: 'team_districts' },
  { table: 'users' },
  { table: 'user_teams' },
  // Live sessions only: an expired one is refused on use and swept anyway.
  { table: 'sessions', where: (now) => ['expires_at > ?', [now]] },
  { table: 'families' },
  { table: 'consents' },
  { table: 'updates' },
  { table: 'update_authors' },
  { table: 'update_archive' },
  { table: 'audit' },
  { table: 'plan_summaries' },
  { table: 'server_secrets' },
  { table: 'caseload_norms' },
  { table: 'case_openers' },
  { table: 'family_transfers' },
  { table: 'grants' },
  { table: 'underretning_reporters' },
  // The family's own access (DESIGN §12): invitations before the links that name them.
  { table: 'family_invitations' },
  { table: 'family_links' },
  { table: 'retention_deletions' },
  { table: 'retention_purges' },
  { table: 'retained_summaries' },
  // A device's wrapping key must come along: without it the tablet's sealed data is unreadable.
  { table: 'devices' },
  { table: 'device_sessions' },
  { table: 'notifications' },
  { table: 'plan_notice_keys' }
];

/** Tables of the SQLite file that are deliberately not copied, and why. */
const NOT_COPIED: Record<string, string> = {
  history_checkpoints: 'derived from the copied update log and archive; the history sweep at start builds them again',
  login_attempts: 'OpenID Connect sign-ins under way (valid for minutes); a user simply signs in again',
  sqlite_sequence: 'SQLite bookkeeping; the audit sequence is set from the copied ids',
  write_fact_version: "each store's own: the version of the writers' facts its append checks at (PostgreSQL's starts at 0 and moves with the copy)"
};

/** PostgreSQL tables derived during the copy rather than copied (emptiness is checked on them too). */
const DERIVED = ['room_counters'];

const BATCH_ROWS = 500;

export interface CopyOptions {
  /** the SQLite file (DATA_DIR/familiens-plan.sqlite) */
  from: string;
  /** DATABASE_URL of the target */
  to: string;
  /** a schema of the target's own (default: the connection's search_path) */
  schema?: string;
  /** copy into a target that already holds rows; any key that exists on both sides aborts the copy */
  allowNonEmpty?: boolean;
  now?: Date;
  log?: (line: string) => void;
}

export interface TableCheck {
  table: string;
  source: number;
  /** rows the copy added to the target (target after minus before) */
  copied: number;
  ok: boolean;
}

export interface CopyReport {
  ok: boolean;
  from: string;
  /** the target without its password */
  to: string;
  schema: string | null;
  tables: TableCheck[];
  notCopied: { table: string; rows: number; why: string }[];
  rooms: { checked: number; mismatched: { room: string; why: string }[] };
  ms: number;
}

export class CopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefused';
  }
}

type PgType = 'text' | 'bigint' | 'integer' | 'boolean' | 'bytea';

function pgType(dataType: string): PgType {
  switch (dataType) {
    case 'text':
    case 'bigint':
    case 'integer':
    case 'boolean':
    case 'bytea':
      return dataType;
    default:
      throw new CopyRefused(`target column type ${dataType} is not handled by the copy`);
  }
}

function toPg(v: SQLOutputValue, type: PgType): unknown {
  if (v === null) return null;
  switch (type) {
    case 'boolean':
      return v === 1 || v === 1n;
    case 'bytea':
      return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v));
    case 'bigint':
    case 'integer':
      return typeof v === 'bigint' ? v.toString() : v;
    default:
      return String(v);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** The merged document of a room's rows: its state vector and a digest of the whole state. */
function roomState(rows: Uint8Array[]): { sv: Buffer; digest: string } {
  const merged = rows.length === 0 ? Y.encodeStateAsUpdate(new Y.Doc()) : Y.mergeUpdates(rows);
  // The digest of a document built from the merge: the same content encodes the same, whatever the rows' split.
  const doc = new Y.Doc();
  Y.applyUpdate(doc, merged);
  const digest = createHash('sha256').update(Y.encodeStateAsUpdate(doc)).digest('hex');
  doc.destroy();
  return { sv: Buffer.from(Y.encodeStateVectorFromUpdate(merged)), digest };
}

export async function copySqliteToPostgres(opts: CopyOptions): Promise<CopyReport> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const now = (opts.now ?? new Date()).toISOString();
  if (!existsSync(opts.from)) throw new CopyRefused(`no SQLite file at ${opts.from}`);
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new CopyRefused(`invalid schema name ${opts.schema}`);

  // The source brought up to its current schema (what the app does at start), then read in one snapshot.
  await new SqliteStore(opts.from).close();
  // The target's schema from the migrations, as a node would create it.
  await (await PostgresStore.open({ url: opts.to, schema: opts.schema })).close();

  const src = new DatabaseSync(opts.from, { readOnly: true });
  const dst = new pg.Client({ connectionString: opts.to, ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}) });
  await dst.connect();
  try {
    src.exec('BEGIN'); // one read snapshot of the source for the copy and the checks
    const sourceTables = src
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .all()
      .map((r) => String(r.name));
    const known = new Set([...COPIED.map((t) => t.table), ...Object.keys(NOT_COPIED)]);
    const unknown = sourceTables.filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw new CopyRefused(`the SQLite file has tables the copy does not know: ${unknown.join(', ')} (add them to server/store/copy.ts)`);
    }
    const present = new Set(sourceTables);

    // Target columns and types, and every source column must have a place there.
    const targetColumns = new Map<string, Map<string, PgType>>();
    for (const r of (
      await dst.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
      )
    ).rows) {
      let cols = targetColumns.get(r.table_name);
      if (!cols) targetColumns.set(r.table_name, (cols = new Map()));
      cols.set(r.column_name, r.data_type as PgType);
    }
    const plan: { table: string; columns: string[]; types: PgType[]; where: [string, string[]] | null }[] = [];
    for (const { table, where } of COPIED) {
      if (!present.has(table)) continue;
      const target = targetColumns.get(table);
      if (!target) throw new CopyRefused(`the target has no table ${table}`);
      const columns = src
        .prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`)
        .all(table)
        .map((r) => String(r.name));
      const missing = columns.filter((c) => !target.has(c));
      if (missing.length > 0) throw new CopyRefused(`the target's ${table} lacks column(s) ${missing.join(', ')}`);
      plan.push({ table, columns, types: columns.map((c) => pgType(target.get(c) as string)), where: where ? where(now) : null });
    }

    const countTarget = async (table: string) => Number((await dst.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n);
    const before = new Map<string, number>();
    for (const table of [...plan.map((p) => p.table), ...DERIVED]) before.set(table, await countTarget(table));
    const nonEmpty = [...before].filter(([, n]) => n > 0);
    if (nonEmpty.length > 0 && !opts.allowNonEmpty) {
      throw new CopyRefused(`the target is not empty (${nonEmpty.map(([t, n]) => `${t}: ${n}`).join(', ')}); copy into an empty database or schema, or pass --allow-non-empty`);
    }

    const sourceCounts = new Map<string, number>();
    await dst.query('BEGIN');
    try {
      for (const { table, columns, types, where } of plan) {
        const filter = where ? ` WHERE ${where[0]}` : '';
        const list = columns.join(', ');
        const insert = `INSERT INTO ${table} (${list}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
        let batch: unknown[][] = columns.map(() => []);
        let n = 0;
        const flush = async () => {
          if (batch[0].length === 0) return;
          await dst.query(insert, batch);
          batch = columns.map(() => []);
        };
        for (const row of src.prepare(`SELECT ${list} FROM ${table}${filter}`).iterate(...(where?.[1] ?? []))) {
          columns.forEach((c, i) => batch[i].push(toPg(row[c], types[i])));
          if (++n % BATCH_ROWS === 0) await flush();
        }
        await flush();
        sourceCounts.set(table, n);
        log(`copied ${table}: ${n} rows`);
      }
      // What PostgreSQL keeps beside the rows: each room's counter, the audit id
      // sequence and the summaries' revision, all past what was copied.
      await dst.query(`INSERT INTO room_counters (room, seq)
        SELECT room, MAX(seq) FROM (SELECT room, seq FROM updates UNION ALL SELECT room, seq FROM update_archive
          UNION ALL SELECT room, seq FROM update_authors) s GROUP BY room
        ON CONFLICT (room) DO UPDATE SET seq = GREATEST(room_counters.seq, excluded.seq)`);
      await dst.query(`SELECT setval(pg_get_serial_sequence('audit', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM audit), 1))`);
      await dst.query(`UPDATE summary_revision SET rev = GREATEST(rev, (SELECT COALESCE(MAX(rev), 0) FROM plan_summaries))`);
      await dst.query('COMMIT');
    } catch (err) {
      await dst.query('ROLLBACK').catch(() => undefined);
      throw err;
    }

    // Verification, after the commit, from what each side holds.
    const tables: TableCheck[] = [];
    for (const { table } of plan) {
      const source = sourceCounts.get(table) ?? 0;
      const copied = (await countTarget(table)) - (before.get(table) ?? 0);
      tables.push({ table, source, copied, ok: source === copied });
    }
    const notCopied = Object.entries(NOT_COPIED)
      .filter(([table]) => present.has(table))
      .map(([table, why]) => ({ table, rows: Number(src.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0), why }));
    const rooms = src
      .prepare(`SELECT DISTINCT room FROM updates ORDER BY room`)
      .all()
      .map((r) => String(r.room));
    const mismatched: { room: string; why: string }[] = [];
    const rowsOf = src.prepare(`SELECT data FROM updates WHERE room = ? ORDER BY seq`);
    for (const room of rooms) {
      const a = roomState(rowsOf.all(room).map((r) => r.data as Uint8Array));
      const b = roomState((await dst.query<{ data: Buffer }>(`SELECT data FROM updates WHERE room = $1 ORDER BY seq`, [room])).rows.map((r) => new Uint8Array(r.data)));
      if (!a.sv.equals(b.sv)) mismatched.push({ room, why: 'state vector differs' });
      else if (a.digest !== b.digest) mismatched.push({ room, why: 'document differs' });
    }
    log(`verified ${tables.length} tables and ${rooms.length} rooms`);
    src.exec('COMMIT');
    return {
      ok: tables.every((t) => t.ok) && mismatched.length === 0,
      from: opts.from,
      to: redact(opts.to),
      schema: opts.schema ?? null,
      tables,
      notCopied,
      rooms: { checked: rooms.length, mismatched },
      ms: Math.round(performance.now() - started)
    };
  } finally {
    if (src.isTransaction) src.exec('ROLLBACK');
    src.close();
    await dst.end();
  }
}
