import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex';
import type { Metrics } from '../../metrics';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness, readiness and Prometheus metrics, for orchestrators and scrapers. */
export function opsRoutes(deps: { db: Db; temporal: Client; metrics: Metrics }): Router {
  const router = Router();

  // Liveness: the process answers. Never checks dependencies (a DB outage must not restart every pod).
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: can this instance serve traffic now? Both stores must answer within the timeout.
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      check(() => deps.db.raw('select 1')),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ready = postgres === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { postgres, temporal } });
  });

  router.get('/metrics', async (_req, res) => {
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
