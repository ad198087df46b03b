// For tests only: PostgreSQL schemas of their own, so parallel test runs on
// one database do not meet. Here because nothing outside server/store/ speaks SQL.
import { createHash } from 'node:crypto';
import pg from 'pg';

/** A schema name for a test server's data directory: the same directory, the same schema. */
export function testSchemaFor(dataDir: string): string {
  return `t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^t_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Where a store keeps its data, for a second, raw connection. */
export type RawTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };

/**
 * Runs one statement on a raw connection past the Store interface, as a
 * careless script or an attacker with database access would: the contract
 * suite uses it to show that the database itself refuses to edit consents and
 * the audit log. Resolves with the error message, or null if it went through.
 */
export async function rawStatement(target: RawTarget, sql: string, params: (string | null)[] = []): Promise<string | null> {
  if (target.kind === 'sqlite') {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(target.file);
    try {
      db.prepare(sql).run(...params);
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url, options: `-c search_path=${target.schema}` });
  await client.connect();
  try {
    // SQLite's `?` placeholders, numbered for PostgreSQL.
    let n = 0;
    await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end();
  }
}
