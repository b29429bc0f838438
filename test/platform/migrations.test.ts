import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createDb } from '../../src/platform/db/knex';
import { migrateDownAll, migrateLatest } from '../../src/platform/db/migrate';
import { freshDatabase } from '../helpers/stack';
import { DOMAINS, REGISTRY } from '../../src/domains';

/** Every table the domains register (with an org_id or without): migrations make exactly these. */
const PRODUCT_TABLES = [...REGISTRY.tables.map((t) => t.table), ...DOMAINS.flatMap((d) => d.globalTables ?? [])];

async function tables(url: string): Promise<string[]> {
  const db = createDb(url, 1);
  try {
    const { rows } = await db.raw(`select tablename from pg_tables where schemaname = 'public' and tablename not like 'knex_%' order by 1`);
    return rows.map((r: { tablename: string }) => r.tablename);
  } finally {
    await db.destroy();
  }
}

test('every migration goes up, down and up again', async () => {
  const url = await freshDatabase();
  expect(await tables(url)).toEqual([...PRODUCT_TABLES].sort());
  const db = createDb(url, 1);
  try {
    await migrateDownAll(db);
    expect(await tables(url)).toEqual([]);
    expect(await migrateLatest(db)).toHaveLength(readdirSync(path.join(__dirname, '../../migrations')).filter((f) => f.endsWith('.ts')).length);
    expect(await migrateLatest(db)).toEqual([]); // a second run applies nothing
  } finally {
    await db.destroy();
  }
  expect(await tables(url)).toEqual([...PRODUCT_TABLES].sort());
});
