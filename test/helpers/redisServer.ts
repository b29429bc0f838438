import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';

/**
 * A redis-server of its own (Debian's, or REDIS_SERVER), keeping nothing on disk, so stopping it touches
 * nothing else and a restart loses every key (the harshest case for lockouts and limits). `start` resolves
 * once it answers; `stop` SIGKILLs it and waits for it to be gone.
 */
export function redisServer(options: { port: number; binary?: string; logFile?: string }) {
  let child: ChildProcess | undefined;
  return {
    name: 'Redis',
    url: `redis://127.0.0.1:${options.port}`,
    async start(): Promise<void> {
      const args = ['--port', String(options.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.logFile ? ['--logfile', options.logFile] : [])];
      child = spawn(options.binary ?? process.env.REDIS_SERVER ?? 'redis-server', args, { stdio: 'ignore' });
      const probe = createClient({ url: `redis://127.0.0.1:${options.port}`, socket: { reconnectStrategy: false } });
      for (let i = 0; ; i++) {
        try {
          await probe.connect();
          await probe.quit();
          return;
        } catch (error) {
          if (i > 100) throw new Error(`redis-server did not start on port ${options.port}: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop(): Promise<void> {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const gone = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await gone;
    },
  };
}
