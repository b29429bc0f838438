import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { createBillingActivities } from '../../activities/billing/usage';
import type { Config } from '../platform/config';
import type { Notifier } from '../notifications/notifier';
import { newId } from '../platform/db/ids';
import type { Db } from '../platform/db/knex';
import { withTenant } from '../platform/db/tenancy';

/**
 * Usage recording throughput: ledger writes per second, `concurrency` at a time. The baseline is the bare
 * ledger insert; the full figure adds what a finished call really does, the insert and then the report
 * (Stripe customer lookup, the meter event round trip to stripe-mock, the billing cycle's signal, the mark).
 */
export async function measureUsageRecording(deps: { db: Db; config: Config; stripe: Stripe; notifier: Notifier; temporal: Client }, orgId: string, count: number, concurrency = 10): Promise<{ bareInsertsPerSecond: number; reportedPerSecond: number }> {
  const insert = (callSid: string) =>
    withTenant(deps.db, orgId, (trx) =>
      trx('usage_records').insert({ id: newId('use'), org_id: orgId, idempotency_key: `usage:${callSid}`, call_sid: callSid, billable_seconds: 60, occurred_at: new Date() }).onConflict('idempotency_key').ignore(),
    );
  const { billCallUsage } = createBillingActivities(deps);
  const sid = () => `CA${randomBytes(16).toString('hex')}`;
  await billCallUsage({ orgId, callSid: await (async () => { const s = sid(); await insert(s); return s; })() }); // creates the customer once
  const bareInsertsPerSecond = await rate(count, concurrency, () => insert(sid()));
  const reportedPerSecond = await rate(count, concurrency, async () => {
    const callSid = sid();
    await insert(callSid);
    await billCallUsage({ orgId, callSid });
  });
  return { bareInsertsPerSecond, reportedPerSecond };
}

async function rate(count: number, concurrency: number, one: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await one();
    }),
  );
  return count / ((performance.now() - started) / 1000);
}
