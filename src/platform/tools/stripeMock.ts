import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../ports';
import { resolveGoBinary } from './goBinary';

/**
 * stripe-mock, Stripe's official local API server: validates every request against Stripe's OpenAPI spec
 * and answers with fixtures (stateless: no webhooks, no idempotency). Tests point the real `stripe` SDK
 * at it. v0.203.0 is pinned; `go install` builds it in about 20 s.
 */
const STRIPE_MOCK = { name: 'stripe-mock', module: 'github.com/stripe/stripe-mock', version: 'v0.203.0' };

export function resolveStripeMock(explicit: string | undefined, log: (line: string) => void = () => undefined): string {
  const found = resolveGoBinary(STRIPE_MOCK, explicit, log);
  if (!found) throw new Error('stripe-mock is not installed and there is no Go toolchain to build it (set STRIPE_MOCK to its path)');
  return found.path;
}

export interface RunningStripeMock {
  /** e.g. http://127.0.0.1:41234, the value for STRIPE_API_URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startStripeMock(binary: string): Promise<RunningStripeMock> {
  const port = await freePort();
  // Its HTTPS listener (unused) takes any free port, not the fixed 12112 another instance may hold.
  const child = spawn(binary, ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stripe-mock did not start on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
