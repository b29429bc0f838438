import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveGoBinary } from '../tools/goBinary';

/**
 * The Temporal Web UI on its own (temporalio/ui-server, the same release the CLI embeds), for one setting
 * the CLI's dev server cannot give its built-in UI: `codec.includeCredentials`. With it the UI's requests to
 * our codec server carry the person's Callgenly session cookie (cross-origin, with CORS allowing it), so a
 * signed-in admin sees their organization's encrypted payloads decoded, and no "could not connect" banner.
 */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
const TEMPORAL_UI = { name: 'temporal-ui-server', module: 'github.com/temporalio/ui-server/v2/cmd/server', version: TEMPORAL_UI_VERSION, installedAs: 'server' };

/** TEMPORAL_UI_SERVER if set; else PATH, the cache or a `go install` (about 20 s after the CLI's build); undefined without Go. */
export function resolveTemporalUi(explicit: string | undefined, log: (line: string) => void = () => undefined): string | undefined {
  return resolveGoBinary(TEMPORAL_UI, explicit, log)?.path;
}

export interface TemporalUi {
  url: string;
  stop(): Promise<void>;
}

/** Starts the UI against a Temporal frontend and waits until it answers; it stops with us. */
export async function startTemporalUi(options: { binary: string; temporalAddress: string; port: number; namespace: string; codecEndpoint: string }): Promise<TemporalUi> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-ui-'));
  // JSON is YAML: the UI server's loader reads `<config dir>/<env>.yaml`.
  const config = {
    temporalGrpcAddress: options.temporalAddress,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    hideLogs: true,
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: [], unsafeAllowAllOrigins: false },
    codec: { endpoint: options.codecEndpoint, includeCredentials: true, passAccessToken: false },
  };
  writeFileSync(path.join(dir, 'callgenly.yaml'), JSON.stringify(config, null, 2));
  const child = spawn(options.binary, ['--root', dir, '--config', '.', '--env', 'callgenly', 'start'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://localhost:${options.port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the Temporal UI server exited (${child.exitCode}): ${stderr.trim()}`);
    }
    const ok = await fetch(`http://127.0.0.1:${options.port}/api/v1/settings`).then((r) => r.ok, () => false);
    if (ok) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Temporal UI server did not answer on port ${options.port} within 30 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
