// Several nodes starting at once on a schema that does not exist yet (a new
// deployment, every multi-node test): each creates it and migrates, none fails.
// CREATE SCHEMA IF NOT EXISTS alone lost that race on the catalog's unique index.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../server/store/postgres.ts';
import { dropSchema } from '../../server/store/testing.ts';

const url = process.env.DATABASE_URL ?? '';
const schema = `t_race_${randomBytes(6).toString('hex')}`;

describe.skipIf(!url)('PostgreSQL store opened by several nodes at once', () => {
  afterAll(() => dropSchema(url, schema));

  it('creates the schema once and every node opens it', async () => {
    const opened = await Promise.allSettled(Array.from({ length: 4 }, () => PostgresStore.open({ url, schema, max: 2 })));
    expect(opened.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : null)));
  });
});
