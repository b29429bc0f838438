import path from 'node:path';
import type { Db } from './knex';

/** Migrations sit beside src/ both in the source tree (.ts, run by tsx/jest) and in dist/ (.js). */
const extension = path.extname(__filename);
export const migrationConfig = {
  directory: path.resolve(__dirname, '../../../migrations'),
  loadExtensions: [extension],
  tableName: 'knex_migrations',
};

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

export async function migrateDownAll(db: Db): Promise<void> {
  await db.migrate.rollback(migrationConfig, true);
}
