import { randomBytes, randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createUsageBiller } from '../../activities/billing/usage';
import { stripeCustomerOf } from '../billing/customers';
import type { Config } from '../platform/config';
import type { Notifier } from '../notifications/notifier';
import { newId } from '../platform/db/ids';
import type { Db } from '../platform/db/knex';
import { withTenant } from '../platform/db/tenancy';
import { createStripeClient } from '../platform/providers/stripe';
import { summarize, type Summary } from './stats';
import { startStripeTally, type SentMeterEvent } from './stripeTally';

export interface UsagePathFigures {
  /** Usage rows written and reported (at Stripe-mock, marked) per second, from the first write to the last report. */
  perSecond: number;
  rows: number;
  meterEvents: number;
  /** Rows not reported, or whose seconds never reached Stripe in their batch's event. */
  lost: number;
  /** Seconds Stripe was sent beyond the rows' own (a call in two events). */
  doubledSeconds: number;
  /** Requests that repeated an identifier already sent (Stripe would count it once). */
  repeatedRequests: number;
}

export interface UsageFigures {
  bareInsertsPerSecond: number;
  /** Insert + report, a batch (meter event, signal) per call: what billing cost before batches. */
  perCall: UsagePathFigures;
  /** Insert + report in batches. */
  batched: UsagePathFigures;
  /** The report alone, in batches, of rows written beforehand: what billing itself sustains. */
  reportOnly: UsagePathFigures;
  /** A lone call's report (nothing else pending), in milliseconds. */
  lone: Summary;
}

/**
 * Usage recording throughput, `concurrency` calls at a time (a worker runs 100 activities at once). What a
 * finished call does: its usage row is written (its finalization), then billed (`billCallUsage`: the
 * Stripe customer, the meter event at stripe-mock, the billing cycle's signal, the mark). Measured in one
 * run: the bare ledger insert (the ceiling of anything that writes the row); insert + report in batches of
 * one call (a meter event and a signal per call, as before batching); insert + report in batches; and the
 * report alone, of rows already written (the calls' activities after a burst of finished calls: billing's
 * own capacity, with the insert's cost out of the way); and a lone call's report, one call after the other.
 * Every report goes through a counting proxy, so each run checks its own result: every row reported, in
 * exactly one meter event carrying its seconds.
 */
export async function measureUsageRecording(
  deps: { db: Db; config: Config; notifier: Notifier; temporal: Client },
  /** A new organization with its billing cycle: each figure has its own, so its check sees only its own rows. */
  newOrganization: () => Promise<string>,
  count: number,
  concurrency: number,
): Promise<UsageFigures> {
  const stripeConfig = deps.config.stripe!;
  const tally = await startStripeTally(stripeConfig.apiUrl!);
  try {
    const stripe = createStripeClient({ ...stripeConfig, apiUrl: tally.url });
    const insert = (orgId: string, seconds: number) => {
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      return withTenant(deps.db, orgId, (trx) => trx('usage_records').insert({ id: newId('use'), org_id: orgId, idempotency_key: `usage:${callSid}`, call_sid: callSid, billable_seconds: seconds, occurred_at: new Date() })).then(() => callSid);
    };

    const baseline = await newOrganization();
    await timed(count / 4, concurrency, () => insert(baseline, 60)); // warm-up: connections, JIT
    const bareInsertsPerSecond = count / (await timed(count, concurrency, () => insert(baseline, randomInt(1, 600))));

    const measurePath = async (maxCalls: number, written: 'before' | 'each'): Promise<UsagePathFigures> => {
      const orgId = await newOrganization();
      await stripeCustomerOf(deps.db, stripe, orgId); // once, before anything is measured
      const biller = createUsageBiller({ ...deps, stripe, config: { ...deps.config, stripe: { ...stripeConfig, usageBatchMaxCalls: maxCalls } } });
      const sids: string[] = [];
      if (written === 'before') await timed(count, concurrency, async () => sids.push(await insert(orgId, randomInt(1, 600))));
      const sentBefore = tally.events.length;
      const seconds = await timed(count, concurrency, async () => biller.bill({ orgId, callSid: written === 'before' ? sids.pop()! : await insert(orgId, randomInt(1, 600)) }));
      return { perSecond: count / seconds, ...(await check(deps.db, orgId, count, tally.events.slice(sentBefore))) };
    };
    const perCall = await measurePath(1, 'each');
    const batched = await measurePath(stripeConfig.usageBatchMaxCalls, 'each');
    const reportOnly = await measurePath(stripeConfig.usageBatchMaxCalls, 'before');

    const loneOrg = await newOrganization();
    const lone = createUsageBiller({ ...deps, stripe });
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const callSid = await insert(loneOrg, randomInt(1, 600));
      const started = performance.now();
      await lone.bill({ orgId: loneOrg, callSid });
      latencies.push(performance.now() - started);
    }
    return { bareInsertsPerSecond, perCall, batched, reportOnly, lone: summarize(latencies.slice(1)) }; // the first also creates the customer
  } finally {
    await tally.close();
  }
}

/** Runs `one` `count` times, `concurrency` at a time; the seconds it took. */
async function timed(count: number, concurrency: number, one: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await one();
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * The ledger against what Stripe was sent: a row counts as reported when it is marked and its batch's
 * event carried exactly its batch's seconds. Every call billed has returned, and every batch has a call
 * that waited for it, so all of it should be done by now.
 */
async function check(db: Db, orgId: string, count: number, sent: SentMeterEvent[]): Promise<Omit<UsagePathFigures, 'perSecond'>> {
  const rows: Array<{ billable_seconds: number; reported_at: Date | null; batch_id: string | null }> = await db('usage_records').where({ org_id: orgId }).select('billable_seconds', 'reported_at', 'batch_id');
  const byIdentifier = new Map<string, number>();
  for (const event of sent) byIdentifier.set(event.identifier, event.value);
  const perBatch = new Map<string, number>();
  for (const row of rows) if (row.batch_id) perBatch.set(row.batch_id, (perBatch.get(row.batch_id) ?? 0) + row.billable_seconds);
  const arrived = (row: (typeof rows)[number]) => row.reported_at !== null && row.batch_id !== null && byIdentifier.get(row.batch_id) === perBatch.get(row.batch_id);
  const sentSeconds = [...byIdentifier.values()].reduce((sum, v) => sum + v, 0);
  const rowSeconds = rows.reduce((sum, r) => sum + r.billable_seconds, 0);
  return {
    rows: rows.length,
    meterEvents: byIdentifier.size,
    lost: count - rows.filter(arrived).length,
    doubledSeconds: Math.max(0, sentSeconds - rowSeconds),
    repeatedRequests: sent.length - byIdentifier.size,
  };
}
