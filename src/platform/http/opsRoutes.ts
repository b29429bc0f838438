import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Metrics } from '../metrics';
import type { Redis } from '../redis';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness, readiness and Prometheus metrics, for orchestrators and scrapers. */
export function opsRoutes(deps: { db: Db; temporal: Client; redis?: Redis; metrics: Metrics; metricsAccess: { token?: string; open: boolean } }): Router {
  const router = Router();

  // Liveness: the process answers. Never checks dependencies (a DB outage must not restart every pod).
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: can this instance serve traffic now? Every store it needs must answer within the timeout.
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal, redis] = await Promise.all([
      check(() => deps.db.raw('select 1')),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
      // Only when configured: then rate limits and lockouts live there, and sign-in cannot work without it.
      deps.redis ? check(() => deps.redis!.ping()) : undefined,
    ]);
    const checks = { postgres, temporal, ...(redis ? { redis } : {}) };
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });

  // Metrics name routes, volumes and internals: Prometheus sends METRICS_TOKEN as a bearer token. Without
  // one configured they are served in development only.
  router.get('/metrics', async (req, res) => {
    const { token, open } = deps.metricsAccess;
    if (!token && !open) {
      res.status(404).json({ error: { code: 'not_found', message: 'Metrics are not enabled: set METRICS_TOKEN' } });
      return;
    }
    if (token && !sameSecret(req.header('Authorization') ?? '', `Bearer ${token}`)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').json({ error: { code: 'unauthenticated', message: 'Send the metrics bearer token' } });
      return;
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
}

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS))),
    ]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
