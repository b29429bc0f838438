/** `npm run migrate [-- down]`: applies (or rolls back all) migrations on DATABASE_URL. */
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db/knex';
import { migrateDownAll, migrateLatest } from '../platform/db/migrate';
import { runEntryPoint } from '../platform/lifecycle';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['DATABASE_URL'] });
  const db = createDb(config.database.url!, 1);
  try {
    if (process.argv[2] === 'down') {
      await migrateDownAll(db);
      process.stdout.write('Rolled back every migration.\n');
    } else {
      const applied = await migrateLatest(db);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date.\n');
    }
  } finally {
    await db.destroy();
  }
}

runEntryPoint(main);
