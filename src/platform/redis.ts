import { createClient } from 'redis';
import type { Logger } from './logger';

function newClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) },
  });
}
export type Redis = ReturnType<typeof newClient>;

/**
 * The Redis the API replicas share rate limits and sign-in lockouts through (REDIS_URL). It reconnects on
 * its own with backoff; while it is away, a command fails at once rather than queueing (a limit that cannot
 * be counted is answered as an error, and readiness says Redis is down).
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client = newClient(url);
  client.on('error', (err: Error) => logger.warn({ err: err.message }, 'Redis connection error'));
  await client.connect();
  return client;
}
