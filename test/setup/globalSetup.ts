import { REGISTRY } from '../../src/domains';
/**
 * Once per `npm test`: a real Temporal dev server (in memory) and a real PostgreSQL with a fresh, migrated
 * database, plus the workflow bundle every test worker reuses. TEMPORAL_ADDRESS / DATABASE_URL point the
 * run at servers you already have; with DATABASE_URL a new database is created on that server and
 * dropped at the end. What the tests need is handed over in TEST_* environment variables.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../src/platform/db/embeddedPostgres';
import { createDb } from '../../src/platform/db/knex';
import { migrateLatest } from '../../src/platform/db/migrate';
import { resolveTemporalCli } from '../../src/platform/temporal/cliBinary';
import { startDevServer } from '../../src/platform/temporal/devServer';
import { WORKFLOWS_PATH } from '../../src/platform/temporal/worker';
import { freePort } from '../../src/platform/ports';
import { resolveStripeMock, startStripeMock } from '../../src/platform/tools/stripeMock';
import type { TestStackHandles } from './handles';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'callgenly-test-'));
  chmodSync(scratch, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const handles: TestStackHandles = { scratch, stops: [] };
  (globalThis as { __callgenly?: TestStackHandles }).__callgenly = handles;

  const [database, temporalAddress, bundlePath, stripeUrl] = await Promise.all([
    startDatabase(handles),
    startTemporal(handles),
    bundleWorkflows(scratch),
    startStripe(handles),
  ]);
  const db = createDb(database.url, 2);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }

  process.env.TEST_DATABASE_URL = database.url;
  process.env.TEST_DATABASE_ADMIN_URL = database.adminUrl;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_STRIPE_URL = stripeUrl;
  process.stdout.write(`\n[test stack] Temporal ${temporalAddress}, stripe-mock ${stripeUrl}, PostgreSQL database ${new URL(database.url).pathname.slice(1)}, ready in ${Date.now() - started} ms\n`);
}

async function startDatabase(handles: TestStackHandles): Promise<{ url: string; adminUrl: string }> {
  const name = `callgenly_test_${process.pid}_${Date.now().toString(36)}`;
  const given = process.env.DATABASE_URL;
  if (given) {
    const adminUrl = given;
    await createDatabaseIfMissing(adminUrl, name);
    handles.dropDatabase = { adminUrl, name };
    const url = new URL(given);
    url.pathname = `/${name}`;
    return { url: url.toString(), adminUrl };
  }
  const pg = await startEmbeddedPostgres({ dir: path.join(handles.scratch, 'pg'), port: await freePort(), database: name, persistent: false });
  handles.stops.push(() => pg.stop());
  return { url: pg.url, adminUrl: pg.adminUrl };
}

async function startTemporal(handles: TestStackHandles): Promise<string> {
  if (process.env.TEMPORAL_ADDRESS) return process.env.TEMPORAL_ADDRESS;
  const cli = resolveTemporalCli(process.env.TEMPORAL_CLI, (line) => process.stdout.write(`${line}\n`));
  process.env.TEST_TEMPORAL_CLI = cli.executable.type === 'existing-path' ? cli.executable.path : '';
  const server = await startDevServer({ cli, namespace: 'default', searchAttributes: REGISTRY.searchAttributes });
  handles.stops.push(() => server.stop());
  return server.address;
}

/** stripe-mock, Stripe's own local API server: the real SDK's requests are checked against Stripe's spec. */
async function startStripe(handles: TestStackHandles): Promise<string> {
  const mock = await startStripeMock(resolveStripeMock(process.env.STRIPE_MOCK, (line) => process.stdout.write(`${line}\n`)));
  handles.stops.push(() => mock.stop());
  return mock.url;
}

/** Bundled once per run; each test's short-lived worker loads it instead of running webpack again. */
async function bundleWorkflows(scratch: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  const file = path.join(scratch, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};
