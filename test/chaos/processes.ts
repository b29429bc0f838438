import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/platform/db/embeddedPostgres';
import type { CliResolution } from '../../src/platform/temporal/cliBinary';
import { startDevServer, type DevServer } from '../../src/platform/temporal/devServer';
import { REGISTRY } from '../../src/domains';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The pieces the chaos run kills and restarts, each a real process: the API and the workers
 * (`src/server.ts`, `src/worker.ts` under tsx, in one process each so SIGKILL really kills them), the
 * embedded PostgreSQL on a persistent data folder and the Temporal dev server on a persistent SQLite file
 * (Redis is test/helpers/redisServer.ts). Each restart comes back on the same port with the same data.
 */
export interface NodeProcess {
  readonly name: string;
  /** Exits nobody asked for (a crash), counted for the report. */
  readonly unexpectedExits: number;
  start(): Promise<void>;
  /** SIGKILL, no goodbye; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, graceful. */
  stop(): Promise<void>;
}

/**
 * A Node entry point of ours. `ready` is a line its log prints once it serves (the worker's "worker
 * started"), or a URL answering 200 (the API's /readyz). Its stdout and stderr go to `logFile`.
 */
export function nodeProcess(options: { name: string; entry: string; env: Record<string, string>; logFile: string; ready: { logLine: string } | { url: string } }): NodeProcess {
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  let child: ChildProcess | undefined;
  let unexpectedExits = 0;
  let stopping = false;
  return {
    name: options.name,
    get unexpectedExits() {
      return unexpectedExits;
    },
    async start() {
      stopping = false;
      const started = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, options.entry)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let ready = false;
      const printed = new Promise<void>((resolve, reject) => {
        const watch = (chunk: Buffer) => {
          log.write(chunk);
          if ('logLine' in options.ready && !ready && chunk.toString().includes(options.ready.logLine)) resolve();
        };
        started.stdout!.on('data', watch);
        started.stderr!.on('data', watch);
        started.once('exit', (code, signal) => {
          if (!stopping && ready) unexpectedExits++;
          if (!ready) reject(new Error(`${options.name} exited before it was ready (${signal ?? code}); see ${options.logFile}`));
        });
      });
      const serving = 'url' in options.ready ? Promise.race([printed, untilOk(options.ready.url)]) : printed;
      await serving;
      ready = true;
    },
    async kill() {
      await end(child, 'SIGKILL', () => (stopping = true));
    },
    async stop() {
      await end(child, 'SIGTERM', () => (stopping = true));
      log.end();
    },
  };
}

async function end(child: ChildProcess | undefined, signal: NodeJS.Signals, before: () => void): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  before();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await gone;
}

async function untilOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

/** A server the run restarts: stopped, then started again on the same port with the same data. */
export interface Restartable {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function restartablePostgres(options: { dir: string; port: number; database: string; onStarted: (handle: EmbeddedPostgresHandle) => void }): Restartable {
  let handle: EmbeddedPostgresHandle | undefined;
  return {
    name: 'PostgreSQL',
    async start() {
      handle = await startEmbeddedPostgres({ dir: options.dir, port: options.port, database: options.database, persistent: true });
      options.onStarted(handle);
    },
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
  };
}

export function restartableTemporal(options: { cli: CliResolution; port: number; dbFilename: string }): Restartable & { address: string } {
  let server: DevServer | undefined;
  return {
    name: 'Temporal',
    address: `127.0.0.1:${options.port}`,
    async start() {
      server = await startDevServer({ cli: options.cli, namespace: 'default', port: options.port, dbFilename: options.dbFilename, searchAttributes: REGISTRY.searchAttributes });
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
  };
}
