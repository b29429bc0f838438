import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/platform/config';
import { createDatabaseIfMissing } from '../../src/platform/db/embeddedPostgres';
import { createDb } from '../../src/platform/db/knex';
import { migrateLatest } from '../../src/platform/db/migrate';
import { createLogger } from '../../src/platform/logger';
import { createServices, type Services } from '../../src/services';
import { installTemporalRuntime } from '../../src/platform/temporal/runtime';
import { startWorker, type RunningWorker } from '../../src/worker';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';
import { APP_ROLE } from '../../src/platform/db/tenancy';

/** The servers the global set-up started. */
export const stack = {
  databaseUrl: () => required('TEST_DATABASE_URL'),
  adminUrl: () => required('TEST_DATABASE_ADMIN_URL'),
  temporalAddress: () => required('TEST_TEMPORAL_ADDRESS'),
  workflowBundle: () => ({ codePath: required('TEST_WORKFLOW_BUNDLE') }),
  stripeUrl: () => required('TEST_STRIPE_URL'),
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests with jest's global set-up (npm test)`);
  return value;
}

/** A unique name for this test's task queue, organizations and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Configuration for a test: the shared stack, a task queue of its own and a fresh master key unless given. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: stack.databaseUrl(),
    TEMPORAL_ADDRESS: stack.temporalAddress(),
    TEMPORAL_TASK_QUEUE: uniqueName('tq'),
    // Each test's worker keeps its own sweep schedule; the shared one would flip between their task queues.
    RETENTION_SCHEDULE_ID: uniqueName('retention-sweep'),
    MASTER_KEY: generateMasterKeySpec(),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    ...env,
  });
}

export function testServices(config: Config = testConfig(), logger = createLogger(config.logLevel)): Promise<Services> {
  return createServices(config, logger);
}

/** A database of its own, migrated, for tests that look at every organization in it. */
export async function freshDatabase(): Promise<string> {
  const name = uniqueName('callgenly_t');
  await createDatabaseIfMissing(stack.adminUrl(), name);
  const url = new URL(stack.databaseUrl());
  url.pathname = `/${name}`;
  return migrated(url.toString());
}

/** Runs every migration on the database at `url` (as its user), and returns the url. */
async function migrated(url: string): Promise<string> {
  const db = createDb(url, 1);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return url;
}

/**
 * A database as a managed PostgreSQL (Neon, RDS, Cloud SQL) hands one out: owned by a login role that is
 * not superuser and can create neither roles nor databases. An administrator has created the application
 * role beforehand and made the owner a member; the owner then runs every migration itself.
 */
export async function managedDatabase(): Promise<string> {
  const name = uniqueName('callgenly_m');
  const owner = uniqueName('cg_owner');
  const password = randomBytes(12).toString('hex');
  const admin = createDb(stack.adminUrl(), 1);
  try {
    await admin.raw(`create role ${owner} login password '${password}' nosuperuser nocreaterole nocreatedb nobypassrls`);
    await admin.raw(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then create role ${APP_ROLE} nologin nosuperuser nobypassrls noinherit; end if;
    end $$`);
    await admin.raw(`grant ${APP_ROLE} to ${owner}`);
    await admin.raw(`create database ${name} owner ${owner}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(stack.databaseUrl());
  url.username = owner;
  url.password = password;
  url.pathname = `/${name}`;
  return migrated(url.toString());
}

/** Drops a database managedDatabase made, and its owner. */
export async function dropManagedDatabase(url: string): Promise<void> {
  const { username, pathname } = new URL(url);
  const admin = createDb(stack.adminUrl(), 1);
  try {
    await admin.raw(`drop database if exists ${pathname.slice(1)} with (force)`);
    await admin.raw(`drop role if exists ${username}`);
  } finally {
    await admin.destroy();
  }
}

/** The production worker start-up, polling this test's task queue with the run's prebuilt bundle. */
export async function startTestWorker(services: Services): Promise<RunningWorker> {
  installTemporalRuntime(createLogger('warn'));
  return startWorker(services, stack.workflowBundle());
}

/** Runs `fn` while a real worker polls this test's task queue. */
export async function withWorker<T>(services: Services, fn: () => Promise<T>): Promise<T> {
  const worker = await startTestWorker(services);
  try {
    return await fn();
  } finally {
    await worker.stop();
  }
}
