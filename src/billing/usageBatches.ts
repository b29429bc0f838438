import { newId } from '../platform/db/ids';
import type { Db, Tx } from '../platform/db/knex';

/**
 * The usage ledger's batches: one organization's unreported calls of one hour, claimed together so they
 * reach Stripe as one Billing Meter event (migration 035). Claiming and marking run in the caller's
 * tenant transaction. Rows are claimed with FOR UPDATE SKIP LOCKED, so two reporters (two workers) never take the
 * same row, and a row is in at most one batch (its `batch_id`), so no call is reported under two events.
 *
 * Locks: a claim first locks its own members' rows in id order and waits for them (another claim holding
 * one is a short transaction); the rows it adds beside them it only takes if free (SKIP LOCKED); marking a
 * batch locks its rows in id order too. So reporters may wait on each other but never in a cycle.
 */

/** A call as the billing cycle counts it (`UsageEvent` of the cycle's signals). */
export interface BatchedCall {
  callSid: string;
  billableSeconds: number;
  recordedAt: string;
}

/** What one meter event reports; fixed when the batch is claimed, so a retry sends the very same event. */
export interface UsageBatch {
  id: string;
  customer: string;
  billableSeconds: number;
  /** The meter event's timestamp: the batch's last call, so no usage is stamped before it happened. */
  eventAt: Date;
  calls: BatchedCall[];
  /** The usage keys (`usage:<CallSid>`) of its rows. */
  keys: string[];
}

/** A member whose row is not in a batch this claim reports: no row, reported already, in someone else's batch, or not for Stripe. */
export type MemberState = 'no-usage' | 'already' | 'batched' | 'per-call';

export interface Claim {
  states: Map<string, MemberState>;
  /** Batches to report now: those just claimed, and unreported ones a member takes over. */
  batches: UsageBatch[];
  /** The organization has no Stripe customer yet: create it, then claim again (nothing was claimed). */
  needsCustomer: boolean;
}

interface MemberRow {
  id: string;
  idempotency_key: string;
  occurred_at: Date;
  batch_id: string | null;
  reported_at: Date | null;
  debited: boolean;
}

const HOUR_MS = 3_600_000;
/** The hour (UTC) a row's call ended in: a batch is one hour's, so its one timestamp is never far from any of its calls'. */
const hourOf = (row: MemberRow) => Math.floor(new Date(row.occurred_at).getTime() / HOUR_MS) * HOUR_MS;
const DEBITED = `exists (select 1 from balance_ledger b where b.idempotency_key = 'debit:' || u.call_sid)`;

/**
 * Claims batches for `members` (usage keys) of one organization on a subscription, beside whatever else of
 * the organization is unreported in their hours, up to `maxCalls` rows a batch. A member already in an
 * unreported batch is someone else's to report (a reporter busy with it, or whose retry will be), unless it
 * `takeOver`s: a retry, the hourly catch-up, or the period's close, which report it again under the same
 * identifier. Rows on the prepaid path (the organization is prepaid, or the row was debited) are 'per-call'.
 * Every batch claimed holds a member's row, so a member whose activity is retried until it succeeds (or
 * the catch-up) answers for it.
 */
export async function claimUsageBatches(trx: Tx, input: { orgId: string; members: Array<{ key: string; takeOver: boolean }>; maxCalls: number }): Promise<Claim> {
  const states = new Map<string, MemberState>();
  const org = await trx('organizations').first('billing_mode', 'stripe_customer_id');
  const rows: MemberRow[] = await trx('usage_records as u')
    .whereIn('u.idempotency_key', input.members.map((m) => m.key))
    .orderBy('u.id')
    .forUpdate()
    .select('u.id', 'u.idempotency_key', 'u.occurred_at', 'u.batch_id', 'u.reported_at', trx.raw(`${DEBITED} as debited`));
  const byKey = new Map(rows.map((r) => [r.idempotency_key, r]));
  const takenOver = new Set<string>();
  const claimable: MemberRow[] = [];
  for (const member of input.members) {
    const row = byKey.get(member.key);
    if (!row) states.set(member.key, 'no-usage');
    else if (row.reported_at) states.set(member.key, 'already');
    else if (row.batch_id) member.takeOver ? takenOver.add(row.batch_id) : states.set(member.key, 'batched');
    else if (row.debited || org?.billing_mode !== 'subscription') states.set(member.key, 'per-call');
    else claimable.push(row);
  }
  if (claimable.length > 0 && !org.stripe_customer_id) return { states: new Map(), batches: [], needsCustomer: true };

  const batches = await batchesOf(trx, [...takenOver]);
  for (const hour of new Set(claimable.map(hourOf))) {
    const waiting = new Set(claimable.filter((r) => hourOf(r) === hour).map((r) => r.idempotency_key));
    // Members first, so every one of them is in a batch even when the hour holds more than one batch's worth.
    while (waiting.size > 0) {
      const batch = await claimOne(trx, { orgId: input.orgId, customer: org.stripe_customer_id, hour: new Date(hour), members: [...waiting], maxCalls: input.maxCalls });
      if (!batch) break;
      batches.push(batch);
      for (const key of batch.keys) waiting.delete(key);
    }
    // Left out of every claim: a debit arrived while this claim waited for the row (the debit's transaction holds it first).
    for (const key of waiting) states.set(key, 'per-call');
  }
  return { states, batches, needsCustomer: false };
}

/**
 * One batch of the hour: its rows are picked, locked, counted into a new batch and pointed at it, in one
 * statement; none unless a member is among them (so no batch is left without a member to answer for it).
 */
async function claimOne(trx: Tx, input: { orgId: string; customer: string; hour: Date; members: string[]; maxCalls: number }): Promise<UsageBatch | null> {
  const id = newId('ubat');
  const { rows } = await trx.raw(
    `with picked as (
       select u.id, u.billable_seconds, u.occurred_at, u.idempotency_key = any(?::text[]) as member from usage_records u
        where u.org_id = ? and u.batch_id is null and u.reported_at is null and u.occurred_at >= ? and u.occurred_at < ? and not ${DEBITED}
        order by member desc, u.occurred_at, u.id
        limit ?
        for update skip locked
     ), batch as (
       insert into usage_batches (id, org_id, customer, period_hour, calls, billable_seconds, event_at)
       select ?, ?, ?, ?, count(*), sum(billable_seconds), max(occurred_at) from picked having bool_or(member)
       returning id, event_at
     )
     update usage_records u set batch_id = batch.id from picked, batch where u.id = picked.id
     returning u.idempotency_key, u.call_sid, u.billable_seconds, u.created_at, batch.event_at`,
    [input.members, input.orgId, input.hour, new Date(input.hour.getTime() + HOUR_MS), input.maxCalls, id, input.orgId, input.customer, input.hour],
  );
  if (rows.length === 0) return null;
  return toBatch({ id, customer: input.customer, event_at: rows[0].event_at }, rows);
}

/** Unreported batches as they were claimed, with their calls. */
async function batchesOf(trx: Tx, ids: string[]): Promise<UsageBatch[]> {
  if (ids.length === 0) return [];
  const batches = await trx('usage_batches').whereIn('id', ids).whereNull('reported_at').select('id', 'customer', 'event_at');
  const rows = await trx('usage_records').whereIn('batch_id', ids).orderBy('id').select('batch_id', 'idempotency_key', 'call_sid', 'billable_seconds', 'created_at');
  return batches.map((b) => toBatch(b, rows.filter((r) => r.batch_id === b.id)));
}

function toBatch(batch: { id: string; customer: string; event_at: Date }, rows: Array<{ idempotency_key: string; call_sid: string; billable_seconds: number; created_at: Date }>): UsageBatch {
  return {
    id: batch.id,
    customer: batch.customer,
    billableSeconds: rows.reduce((sum, r) => sum + r.billable_seconds, 0),
    eventAt: new Date(batch.event_at),
    calls: rows.map((r) => ({ callSid: r.call_sid, billableSeconds: r.billable_seconds, recordedAt: new Date(r.created_at).toISOString() })),
    keys: rows.map((r) => r.idempotency_key),
  };
}

/** The batch and its rows are reported, in one statement. Returns the usage keys this marked (none if a retry marked them first). */
export async function markBatchReported(trx: Tx, batchId: string): Promise<string[]> {
  const { rows } = await trx.raw(
    `with batch as (update usage_batches set reported_at = now() where id = ? and reported_at is null)
     update usage_records set reported_at = now()
      where id in (select id from usage_records where batch_id = ? and reported_at is null order by id for update)
     returning idempotency_key`,
    [batchId, batchId],
  );
  return rows.map((r: { idempotency_key: string }) => r.idempotency_key);
}

/** How many of these usage rows (ids) are reported now: what a catch-up or a period's close billed, whichever batch took them. */
export async function countReported(db: Db, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const [counted] = await db('usage_records').whereIn('id', ids).whereNotNull('reported_at').count<{ n: string }[]>({ n: '*' });
  return Number(counted!.n);
}
