import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from '../config';

const DEFAULT_ADDRESS = 'localhost:7233';

/** Local dev server: plain gRPC. Self-hosted cluster: mTLS. Temporal Cloud: mTLS or an API key (TLS implied). */
function connectionOptions(temporal: Config['temporal']): { address: string; tls?: TLSConfig | boolean; apiKey?: string } {
  const tls: TLSConfig | boolean | undefined = temporal.tlsCertPath
    ? { clientCertPair: { crt: readFileSync(temporal.tlsCertPath), key: readFileSync(temporal.tlsKeyPath!) } }
    : temporal.tls || undefined;
  return { address: temporal.address ?? DEFAULT_ADDRESS, tls, apiKey: temporal.apiKey };
}

export async function connectClient(temporal: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(temporal));
  return new Client({ connection, namespace: temporal.namespace });
}

export function connectWorker(temporal: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(temporal));
}
