import type { Client } from '@temporalio/client';
import type { FieldCipher } from '../../src/platform/crypto/fieldEncryption';
import { phoneIndex } from '../../src/platform/crypto/phoneNumbers';
import type { Db } from '../../src/platform/db/knex';
import type { BookingExpectation, CallRecord, ReplayRecord, WebhookRecord } from './callers';

/**
 * The promises, checked after the run from PostgreSQL and Temporal against what the callers heard. Each
 * is a count that must be 0 (or two counts that must be equal); `ok` says whether it holds.
 */
export interface Invariant {
  name: string;
  value: string;
  ok: boolean;
}

const zero = (name: string, count: number): Invariant => ({ name, value: String(count), ok: count === 0 });
const equal = (name: string, a: number, b: number, labels: [string, string]): Invariant => ({ name, value: `${a} ${labels[0]} ${a === b ? '=' : '≠'} ${b} ${labels[1]}`, ok: a === b });

export async function checkInvariants(input: {
  db: Db;
  fields: FieldCipher;
  temporal: Client;
  taskQueue: string;
  orgIds: { usage: string; prepaid: string };
  calls: CallRecord[];
  bookings: BookingExpectation[];
  webhooks: WebhookRecord[];
  replays: ReplayRecord[];
  lateAfterMs: number;
  prepaid: { perUnitMinor: number; unitSeconds: number };
}): Promise<Invariant[]> {
  const { db } = input;
  const orgs = [input.orgIds.usage, input.orgIds.prepaid];
  const greeted = input.calls.filter((c) => c.greeted);
  const sids = greeted.map((c) => c.callSid);
  const rows: Array<{ id: string; call_sid: string; status: string; org_id: string; billable_seconds: number | null }> = await db('calls').whereIn('org_id', orgs).select('id', 'call_sid', 'status', 'org_id', 'billable_seconds');
  const bySid = new Map(rows.map((r) => [r.call_sid, r]));
  const callerLines = new Map<string, number>(
    (await db('transcript_turns').whereIn('org_id', orgs).where({ role: 'caller' }).groupBy('call_id').select('call_id', db.raw('count(*)::int as n'))).map((r: { call_id: string; n: number }) => [r.call_id, r.n]),
  );
  let lostTurns = 0;
  let doubledTurns = 0;
  let answered = 0;
  let persisted = 0;
  let said = 0;
  for (const call of greeted) {
    const lines = callerLines.get(bySid.get(call.callSid)?.id ?? '') ?? 0;
    answered += call.speechAnswered;
    said += call.speechSent;
    persisted += lines;
    lostTurns += Math.max(0, call.speechAnswered - lines);
    doubledTurns += Math.max(0, lines - call.speechSent);
  }

  // Bookings the callers were told about, as the database has them now: matched by the number's blind index.
  const appointments: Array<{ org_id: string; customer_e164_index: Buffer | null; starts_at: Date; status: string }> = await db('appointments').whereIn('org_id', orgs).select('org_id', 'customer_e164_index', 'starts_at', 'status');
  const key = (org: string, index: Buffer | null, start: string | Date) => `${org}|${index?.toString('hex')}|${new Date(start).toISOString()}`;
  const live = new Map<string, number>();
  for (const a of appointments) {
    if (a.status === 'held' || a.status === 'confirmed') live.set(key(a.org_id, a.customer_e164_index, a.starts_at), (live.get(key(a.org_id, a.customer_e164_index, a.starts_at)) ?? 0) + 1);
  }
  const bookingKeys = new Map<BookingExpectation, string>();
  for (const b of input.bookings) bookingKeys.set(b, key(input.orgIds[b.line], await phoneIndex(input.fields, input.orgIds[b.line], b.from), b.start));
  const isLive = (b: BookingExpectation) => live.has(bookingKeys.get(b)!);
  const lostBookings = input.bookings.filter((b) => b.state === 'live' && !isLive(b)).length;
  const cancellationsNotApplied = input.bookings.filter((b) => b.state === 'cancelled' && isLive(b)).length;
  const overlaps = await db.raw(`
    select count(*)::int as overlaps from appointments a join appointments b
      on a.org_id = b.org_id and a.resource_key = b.resource_key and a.id < b.id
     and tstzrange(a.blocks_from, a.blocks_until, '[)') && tstzrange(b.blocks_from, b.blocks_until, '[)')
    where a.status in ('held', 'confirmed') and b.status in ('held', 'confirmed') and a.org_id = any(?)`, [orgs]).then((r: { rows: Array<{ overlaps: number }> }) => r.rows[0]!.overlaps);
  const held = appointments.filter((a) => a.status === 'held').length;

  // Messages the callers were told were passed on.
  const messages: Array<{ call_id: string; status: string }> = await db('messages').whereIn('org_id', orgs).select('call_id', 'status');
  const messagesPerCall = new Map<string, number>();
  for (const m of messages) messagesPerCall.set(m.call_id, (messagesPerCall.get(m.call_id) ?? 0) + 1);
  let lostMessages = 0;
  let doubledMessages = 0;
  for (const call of greeted) {
    const n = messagesPerCall.get(bySid.get(call.callSid)?.id ?? '') ?? 0;
    lostMessages += Math.max(0, call.messagesConfirmed - n);
    doubledMessages += Math.max(0, n - 1); // a caller leaves at most one message a call
  }

  // Usage and money.
  const completed = rows.filter((r) => r.status === 'completed' && (r.billable_seconds ?? 0) > 0);
  const usage: Array<{ call_sid: string; org_id: string; billable_seconds: number; reported_at: Date | null }> = await db('usage_records').whereIn('org_id', orgs).select('call_sid', 'org_id', 'billable_seconds', 'reported_at');
  const usageSids = new Set(usage.map((u) => u.call_sid));
  const prepaidUsage = usage.filter((u) => u.org_id === input.orgIds.prepaid);
  const debits: Array<{ idempotency_key: string; amount_minor: number }> = await db('balance_ledger').where({ org_id: input.orgIds.prepaid, kind: 'call_debit' }).select('idempotency_key', 'amount_minor');
  const owed = prepaidUsage.reduce((sum, u) => sum + Math.ceil(u.billable_seconds / input.prepaid.unitSeconds) * input.prepaid.perUnitMinor, 0);
  const debited = -debits.reduce((sum, d) => sum + Number(d.amount_minor), 0);

  // Workflows.
  const running: string[] = [];
  for await (const w of input.temporal.workflow.list({ query: `TaskQueue = '${input.taskQueue}' AND WorkflowType = 'callWorkflow' AND ExecutionStatus = 'Running'` })) running.push(w.workflowId);
  const failed: string[] = [];
  for await (const w of input.temporal.workflow.list({ query: `TaskQueue = '${input.taskQueue}' AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated')` })) {
    failed.push(`${w.type} ${w.workflowId} (${w.status.name})`);
  }

  const fivexx = input.webhooks.filter((w) => w.status >= 500).length;
  const unanswered = input.webhooks.filter((w) => w.status === 0).length;
  const late = input.webhooks.filter((w) => w.ms > input.lateAfterMs).length;

  return [
    zero('calls answered with no call row', sids.filter((s) => !bySid.has(s)).length),
    zero('calls not closed as completed', sids.filter((s) => bySid.get(s) && bySid.get(s)!.status !== 'completed').length),
    // A turn whose answer never reached the caller (the apology after the last attempt) may still have been taken.
    { name: 'caller turns: answered ≤ persisted ≤ said', value: `${answered} ≤ ${persisted} ≤ ${said}`, ok: answered <= persisted && persisted <= said },
    zero('turns answered but not persisted (lost)', lostTurns),
    zero('turns persisted more often than said (doubled)', doubledTurns),
    zero('overlapping appointments', overlaps),
    zero('bookings confirmed to a caller but missing', lostBookings),
    zero('cancellations confirmed but not applied', cancellationsNotApplied),
    zero('appointments doubled (same caller, same start)', [...live.values()].filter((n) => n > 1).length),
    zero('appointments stuck held', held),
    zero('messages confirmed but missing', lostMessages),
    zero('messages doubled', doubledMessages),
    zero('messages never notified', messages.filter((m) => m.status === 'new').length),
    equal('usage rows vs completed calls', usage.length, completed.length, ['usage rows', 'completed calls']),
    zero('completed calls without a usage row', completed.filter((c) => !usageSids.has(c.call_sid)).length),
    zero('usage never billed', usage.filter((u) => !u.reported_at).length),
    equal('debits vs prepaid calls', debits.length, prepaidUsage.length, ['debits', 'prepaid calls']),
    equal('amount debited vs owed (minor units)', debited, owed, ['debited', 'owed']),
    { name: 'call workflows still running', value: running.length ? `${running.length}: ${running.slice(0, 3).join(', ')}` : '0', ok: running.length === 0 },
    { name: 'workflows failed, timed out or terminated', value: failed.length ? `${failed.length}: ${failed.slice(0, 3).join(', ')}` : '0', ok: failed.length === 0 },
    zero('webhooks answered 5xx', fivexx),
    zero('webhooks not answered within 15 s', unanswered),
    zero(`webhooks answered after ${input.lateAfterMs / 1000} s`, late),
    zero('replays answered 5xx or not at all', input.replays.filter((r) => r.status === 0 || r.status >= 500).length),
    zero('replays answered differently from the original', input.replays.filter((r) => r.same === false).length),
  ];
}
