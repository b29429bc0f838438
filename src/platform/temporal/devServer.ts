import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SearchAttributeKey } from '../registration';
import type { CliResolution } from './cliBinary';

export interface DevServerOptions {
  cli: CliResolution;
  namespace: string;
  port?: number;
  /** Serve the Web UI on this port. */
  uiPort?: number;
  /** Persist to this SQLite file; in memory when absent. */
  dbFilename?: string;
  /** The UI reads encrypted payloads through this codec server. */
  uiCodecEndpoint?: string;
  /** The custom search attributes the domains register. */
  searchAttributes: readonly SearchAttributeKey[];
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/**
 * The Temporal CLI's dev server (server, UI and SQLite in one binary), started through the SDK's
 * ephemeral-server support so the child process dies with us, with every search attribute registered.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: options.cli.executable,
      namespace: options.namespace,
      ip: '127.0.0.1',
      port: options.port,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      searchAttributes: [...options.searchAttributes],
      log: { format: 'json', level: 'error' },
      // One partition per task queue: the dev server's default four only add matching latency here.
      extraArgs: [
        '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
        ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      ],
    },
  });
  return {
    address: env.address,
    uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
