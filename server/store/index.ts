// The store factory: the one place that picks an implementation (STYLE:
// variants by file, not by `if`). DATABASE_URL=postgres://… selects
// PostgreSQL; otherwise the embedded SQLite file in DATA_DIR.
import { join } from 'node:path';
import type { Store } from './types.ts';
import type { Logger } from '../log.ts';

export type { Store } from './types.ts';

export interface StoreConfig {
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL only: a schema of its own (tests run each server in a fresh one). */
  databaseSchema?: string;
  /** PostgreSQL only: where a dropped idle connection or a failed unlock is logged */
  log?: Logger;
  /** SQLite only: told of a background WAL checkpoint that failed */
  onCheckpointError?: (err: Error) => void;
}

/** The SQLite file of a data directory (':memory:' for none). */
export function sqliteFile(dataDir: string): string {
  return dataDir === ':memory:' ? ':memory:' : join(dataDir, 'familiens-plan.sqlite');
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres.ts');
    return PostgresStore.open({ url: config.databaseUrl, schema: config.databaseSchema, log: config.log });
  }
  const { SqliteStore } = await import('./sqlite.ts');
  return new SqliteStore(sqliteFile(config.dataDir), { checkpointer: { onError: config.onCheckpointError } });
}
