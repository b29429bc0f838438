import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stack } from './stack';

const ROOT = path.join(__dirname, '..', '..');

export interface ChildWorker {
  process: ChildProcess;
  /** What it printed, for a failure message. */
  output(): string;
  kill(): void;
}

/**
 * A worker in a process of its own (`src/worker.ts` on the test stack), so a test can really kill it.
 * `--import tsx` runs it in this one process (the tsx CLI would start a second one, which SIGKILL misses).
 */
export function spawnChildWorker(env: Record<string, string>): ChildWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: stack.databaseUrl(), TEMPORAL_ADDRESS: stack.temporalAddress(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return { process: child, output: () => output, kill: () => void child.kill('SIGKILL') };
}
