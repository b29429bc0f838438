import { Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type Stripe from 'stripe';
import { stripeCustomerOf } from '../../src/billing/customers';
import { balancesOf } from '../../src/billing/topUps';
import { claimUsageBatches, countReported, markBatchReported, type UsageBatch } from '../../src/billing/usageBatches';
import type { Config } from '../../src/platform/config';
import type { Db } from '../../src/platform/db/knex';
import { withTenant } from '../../src/platform/db/tenancy';
import { inRounds } from '../../src/platform/rounds';
import type { Notifier } from '../../src/notifications/notifier';
import { billingWorkflowId, usageBatchSignal, usageSignal } from '../../workflows/billing/definitions';
import { whileHeartbeating } from '../platform/heartbeats';

/** 'batched': the row is in a batch another reporter claimed and answers for (it is reported with that batch). */
export type UsageBilling = 'reported' | 'batched' | 'debited' | 'already' | 'no-usage' | 'billing-off';

export interface UsageBiller {
  /**
   * Bills one call's usage row `usage:<CallSid>`. `takeOver`: a row already in someone else's unreported
   * batch gets that batch reported now, under its own identifier (a retry, the hourly catch-up, the close).
   */
  bill(input: { orgId: string; callSid: string }, options?: { takeOver?: boolean }): Promise<UsageBilling>;
}

type Deps = { db: Db; config: Config; stripe?: Stripe; notifier: Notifier; temporal: Client };

/**
 * Bills finished calls' usage ledger rows (written when each call is finalized), each once:
 * - subscriptions: in batches (src/billing/usageBatches.ts). Calls of one organization that finish while a
 *   report of its usage is under way wait for the next report, which takes them all (`inRounds`): a lone
 *   call is reported at once, and under load one round trip serves many calls. A round claims the calls'
 *   rows, and the organization's other unreported rows of the same hour, into batches in one transaction,
 *   then per batch: one Stripe Billing Meter event (the batch's summed seconds, its id as identifier and
 *   idempotency key, on the customer it was claimed for), one signal to the billing cycle with the batch's
 *   calls, and one statement marking the batch and its rows. Several workers never claim the same row
 *   (SKIP LOCKED), and a call whose row another worker batched is answered for by that batch's members.
 *   Rounds live in the calls' own activities, not in a reporter of their own: the call workflow keeps its
 *   shape (recorded histories replay), a lone call waits for no polling interval, and nothing else has to
 *   be deployed or kept alive.
 * - prepaid organizations: one debit in the balance ledger per call, keyed `debit:<CallSid>`, per started
 *   unit (a minute by default); crossing the low-balance line tells the owners.
 * A crash anywhere repeats only what Stripe (the identifier), the ledger (its key) or the billing cycle
 * (it counts a call once) recognises as the same: a batch, once claimed, is only ever sent as itself.
 * This object holds the rounds in progress, so a worker makes one (src/billing/domain.ts).
 */
export function createUsageBiller(deps: Deps): UsageBiller {
  const { db, config } = deps;
  const metered = Boolean(deps.stripe && config.stripe);

  /** Debits a prepaid call once; false when a Stripe batch has the row (the organization left prepaid meanwhile). */
  async function debitPrepaid(orgId: string, callSid: string, billableSeconds: number): Promise<boolean> {
    const { perUnitMinor, unitSeconds, currency, lowBalanceMinor } = config.prepaid;
    const amount = Math.ceil(billableSeconds / unitSeconds) * perUnitMinor;
    const outcome = await db.transaction(async (trx) => {
      // One organization's debits one at a time, so exactly one call is the one that crosses the line.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`balance:${orgId}`]);
      // The row's lock orders this against a batch claiming it: whichever is first, the other leaves it.
      const row = await trx('usage_records').where({ idempotency_key: `usage:${callSid}` }).forUpdate().first('batch_id');
      if (row?.batch_id) return null;
      const debited = await trx('balance_ledger')
        .insert({ org_id: orgId, kind: 'call_debit', amount_minor: -amount, currency, idempotency_key: `debit:${callSid}` })
        .onConflict('idempotency_key')
        .ignore()
        .returning('id');
      if (debited.length === 0) return [];
      const balance = (await balancesOf(trx, orgId)).find((b) => b.currency === currency) ?? { currency, amountMinor: 0 };
      // Only the call that takes the balance below the line tells the owners, not every call after it.
      if (!(balance.amountMinor < lowBalanceMinor && balance.amountMinor + amount >= lowBalanceMinor)) return [];
      return deps.notifier.write({ kind: 'billing.low_balance', orgId, payload: { balance, topUpUrl: null }, to: { roles: ['owner'] }, cause: `low-balance:${callSid}` }, trx);
    });
    if (!outcome) return false;
    await deps.notifier.start(outcome);
    return true;
  }

  /** The billing cycle counts each call once (it ignores a repeat); an organization without a cycle yet just has none to tell. */
  async function tellBillingCycle<T extends unknown[]>(orgId: string, signal: SignalDefinition<T>, ...args: T): Promise<void> {
    try {
      await deps.temporal.workflow.getHandle(billingWorkflowId(orgId)).signal(signal, ...args);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  /** Prepaid (or billing off): the call on its own, as it always was. */
  async function billPerCall(input: { orgId: string; callSid: string }, options: { takeOver?: boolean }): Promise<UsageBilling> {
    const usage = await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ idempotency_key: `usage:${input.callSid}` }).first());
    if (!usage) return 'no-usage';
    if (usage.reported_at) return 'already';
    await tellBillingCycle(input.orgId, usageSignal, { callSid: usage.call_sid, billableSeconds: usage.billable_seconds, recordedAt: new Date(usage.created_at).toISOString() });
    const org = await withTenant(db, input.orgId, (trx) => trx('organizations').first('billing_mode'));
    // A retry after the debit stays on the prepaid path even if the organization switched mode since.
    const debitedBefore = await db('balance_ledger').where({ idempotency_key: `debit:${input.callSid}` }).first('id');
    if (org.billing_mode !== 'prepaid' && !debitedBefore) return metered ? billInBatch(input, options) : 'billing-off';
    if (!(await debitPrepaid(input.orgId, input.callSid, usage.billable_seconds))) return 'batched';
    await withTenant(db, input.orgId, (trx) => trx('usage_records').where({ id: usage.id }).whereNull('reported_at').update({ reported_at: trx.fn.now() }));
    return 'debited';
  }

  /** One meter event, one signal, one mark; returns the usage keys this report marked. */
  async function reportBatch(orgId: string, batch: UsageBatch): Promise<string[]> {
    await deps.stripe!.billing.meterEvents.create(
      {
        event_name: config.stripe!.meterEventName,
        payload: { stripe_customer_id: batch.customer, value: String(batch.billableSeconds) },
        identifier: batch.id,
        timestamp: Math.floor(batch.eventAt.getTime() / 1000),
      },
      { idempotencyKey: batch.id },
    );
    await tellBillingCycle(orgId, usageBatchSignal, batch.calls);
    return withTenant(db, orgId, (trx) => markBatchReported(trx, batch.id));
  }

  type Member = { key: string; takeOver: boolean };
  type RoundOutcome = UsageBilling | 'per-call';

  /** One round of an organization's calls: claim, then report each batch (a failing batch fails only its own calls). */
  async function round(orgId: string, members: Member[]): Promise<Array<RoundOutcome | Error>> {
    const claim = () => withTenant(db, orgId, (trx) => claimUsageBatches(trx, { orgId, members, maxCalls: config.stripe!.usageBatchMaxCalls }));
    let claimed = await claim();
    if (claimed.needsCustomer) {
      await stripeCustomerOf(db, deps.stripe!, orgId);
      claimed = await claim();
    }
    const outcomes = new Map<string, RoundOutcome | Error>(claimed.states);
    await Promise.all(
      claimed.batches.map(async (batch) => {
        try {
          const marked = new Set(await reportBatch(orgId, batch));
          for (const key of batch.keys) outcomes.set(key, marked.has(key) ? 'reported' : 'already');
        } catch (error) {
          for (const key of batch.keys) outcomes.set(key, error as Error);
        }
      }),
    );
    return members.map((m) => outcomes.get(m.key) ?? new Error(`usage ${m.key} was left out of its round`));
  }

  // A round's calls may fill several batches (reported side by side): at most 1,000 calls a round bounds its claim.
  const inRound = inRounds(round, 1_000);

  async function billInBatch(input: { orgId: string; callSid: string }, options: { takeOver?: boolean }): Promise<UsageBilling> {
    const outcome = await inRound(input.orgId, { key: `usage:${input.callSid}`, takeOver: options.takeOver ?? false });
    return outcome === 'per-call' ? billPerCall(input, options) : outcome;
  }

  return {
    bill: (input, options = {}) => (metered ? billInBatch(input, options) : billPerCall(input, options)),
  };
}

/** A retry of this activity: the attempt before it may have claimed a batch and died before reporting it. */
function isRetry(): boolean {
  try {
    return Context.current().info.attempt > 1;
  } catch {
    return false; // outside an activity (the benchmark)
  }
}

export function createBillingActivities(deps: Deps, usage: UsageBiller = createUsageBiller(deps)) {
  const { db } = deps;
  return {
    /** Heartbeats throughout (also while its call waits for a round): a worker that dies mid-report is noticed in seconds and the report retried. */
    billCallUsage: (input: { orgId: string; callSid: string }): Promise<UsageBilling> => whileHeartbeating(() => usage.bill(input, { takeOver: isRetry() })),

    /**
     * Bills usage rows the call workflows left unbilled: calls that ended before billing was deployed, or
     * whose billing gave up after 20 hours. Oldest first, a batch at a time; each row as a call would, taking
     * over its batch if it has one (whoever claimed it gave up). The first row of an hour reports the
     * organization's whole hour, so the rest find theirs reported.
     */
    async billUnreportedUsage(input: { limit: number }): Promise<{ billed: number; failed: number }> {
      const rows: Array<{ id: string; org_id: string; call_sid: string }> = await db('usage_records as u')
        .join('organizations as o', 'o.id', 'u.org_id')
        .whereNull('u.reported_at')
        .where('u.occurred_at', '<', db.raw(`now() - interval '21 hours'`))
        .modify((q) => void (deps.stripe ? q : q.where('o.billing_mode', 'prepaid'))) // no Stripe: only prepaid bills
        .orderBy('u.occurred_at')
        .limit(input.limit)
        .select('u.id', 'u.org_id', 'u.call_sid');
      let failed = 0;
      for (const row of rows) {
        try {
          await usage.bill({ orgId: row.org_id, callSid: row.call_sid }, { takeOver: true });
        } catch (error) {
          failed++; // left for the next run; one bad row must not stop the rest
          log.warn('usage not billed yet', { orgId: row.org_id, err: (error as Error).message });
        }
      }
      return { billed: await countReported(db, rows.map((r) => r.id)), failed };
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
